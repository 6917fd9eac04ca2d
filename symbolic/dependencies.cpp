#include "symbolic/dependencies.h"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/strong_components.hpp>

#include "core/error.h"

namespace gedilog::symbolic {

AtomDependencies::AtomDependencies(const GroundProgram& program) : program_(program) {
  const int n = static_cast<int>(program.atoms.size());
  rules_of_.resize(n);
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
  Graph graph(n);
  for (int r = 0; r < static_cast<int>(program.rules.size()); ++r) {
    const GroundRule& rule = program.rules[r];
    GEDILOG_CHECK(rule.head >= 0 && rule.head < n, "rule head out of range");
    rules_of_[rule.head].push_back(r);
    for (const Literal& l : rule.body)
      if (l.kind != Literal::Kind::kChoice) boost::add_edge(rule.head, l.index, graph);
  }
  component_of_.assign(n, 0);
  // Tarjan numbers components in reverse topological order: dependencies come first.
  const int n_components = n == 0 ? 0 : boost::strong_components(graph, component_of_.data());
  atoms_of_.resize(n_components);
  for (int a = 0; a < n; ++a) atoms_of_[component_of_[a]].push_back(a);
}

bool AtomDependencies::cyclic(int c) const {
  bool cyclic = atoms_of_[c].size() > 1;
  for (int a : atoms_of_[c])
    for (int r : rules_of_[a])
      for (const Literal& l : program_.rules[r].body) {
        if (l.kind == Literal::Kind::kChoice || component_of_[l.index] != c) continue;
        cyclic = true;
        if (l.kind == Literal::Kind::kNegatedAtom)
          throw UserError("NegativeCycle", program_.source,
                          "cycle through negation: " + program_.atoms[a] + " depends on \\+" +
                              program_.atoms[l.index] + ", which depends on it");
      }
  return cyclic;
}

bool AtomDependencies::any_cyclic() const {
  for (int c = 0; c < num_components(); ++c)
    if (cyclic(c)) return true;
  return false;
}

}  // namespace gedilog::symbolic
