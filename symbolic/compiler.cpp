#include "symbolic/compiler.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "core/error.h"

namespace gedilog::symbolic {

namespace {

// Atoms used by a rule body, positive or negated.
template <typename F>
void for_each_body_atom(const GroundRule& rule, F f) {
  for (const Literal& l : rule.body)
    if (l.kind != Literal::Kind::kChoice) f(l.index, l.kind == Literal::Kind::kNegatedAtom);
}

}  // namespace

std::vector<int> Compiler::variable_order(const GroundProgram& program) {
  const int n_atoms = static_cast<int>(program.atoms.size());
  std::vector<std::vector<int>> rules_of(n_atoms);
  for (int r = 0; r < static_cast<int>(program.rules.size()); ++r)
    rules_of[program.rules[r].head].push_back(r);

  // Rules in a canonical order (their literals' texts): the grounder's rule order follows
  // Prolog's tables, whose order varies from process to process; the variable order must not.
  auto rule_key = [&](int r) {
    std::vector<std::pair<int, std::string>> key;
    for (const Literal& l : program.rules[r].body)
      key.emplace_back(static_cast<int>(l.kind),
                       l.kind == Literal::Kind::kChoice
                           ? program.variables[l.index].name + "=" + std::to_string(l.value)
                           : program.atoms[l.index]);
    return key;
  };
  for (auto& rules : rules_of) {
    std::vector<std::pair<std::vector<std::pair<int, std::string>>, int>> keyed;
    for (int r : rules) keyed.emplace_back(rule_key(r), r);
    std::sort(keyed.begin(), keyed.end());
    for (std::size_t i = 0; i < rules.size(); ++i) rules[i] = keyed[i].second;
  }

  std::vector<int> order, queue;
  std::vector<char> var_seen(program.variables.size(), 0), atom_seen(n_atoms, 0);
  auto visit = [&](int atom) {
    if (atom >= 0 && !atom_seen[atom]) atom_seen[atom] = 1, queue.push_back(atom);
  };
  for (const GroundQuery& q : program.queries) visit(q.atom);
  for (const GroundEvidence& e : program.evidence) visit(e.atom);
  for (std::size_t next = 0; next < queue.size(); ++next)
    for (int r : rules_of[queue[next]])
      for (const Literal& l : program.rules[r].body)
        if (l.kind != Literal::Kind::kChoice)
          visit(l.index);
        else if (!var_seen[l.index])
          var_seen[l.index] = 1, order.push_back(l.index);
  for (int v = 0; v < static_cast<int>(program.variables.size()); ++v)
    if (!var_seen[v]) order.push_back(v);
  return order;
}

Compiler::Compiler(const GroundProgram& program) : program_(program), dependencies_(program) {
  const std::vector<int> order = variable_order(program);
  to_mdd_.assign(order.size(), -1);
  for (int v : order) {
    to_mdd_[v] = mdd_.add_variable(program.variables[v].domain_size());
    to_program_.push_back(v);
  }

  const int n_atoms = static_cast<int>(program.atoms.size());
  const int n_components = dependencies_.num_components();
  depends_on_.resize(n_components);
  for (const GroundRule& rule : program.rules)
    for_each_body_atom(rule, [&](int b, bool) {
      const int from = dependencies_.component_of(rule.head), to = dependencies_.component_of(b);
      if (from != to) depends_on_[from].push_back(to);
    });
  for (auto& deps : depends_on_) {
    std::sort(deps.begin(), deps.end());
    deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
  }
  compiled_.assign(n_components, Solved::kNo);
  formula_.assign(n_atoms, Mdd::kFalse);

  used_outside_.assign(n_atoms, 0);
  for (const GroundRule& rule : program.rules)
    for_each_body_atom(rule, [&](int b, bool) {
      if (dependencies_.component_of(b) != dependencies_.component_of(rule.head)) used_outside_[b] = 1;
    });
  for (const GroundQuery& q : program.queries)
    if (q.atom >= 0) used_outside_[q.atom] = 1;
  for (const GroundEvidence& e : program.evidence)
    if (e.atom >= 0) used_outside_[e.atom] = 1;
}

MddRef Compiler::atom(int a) {
  GEDILOG_CHECK(a >= 0 && a < static_cast<int>(formula_.size()), "atom out of range");
  // Compile the components a depends on first: an explicit stack, as chains can be deep.
  std::vector<std::pair<int, std::size_t>> stack{{dependencies_.component_of(a), 0}};
  while (!stack.empty()) {
    auto& [c, next] = stack.back();
    if (compiled_[c] != Solved::kNo) {
      stack.pop_back();
    } else if (next < depends_on_[c].size()) {
      const int d = depends_on_[c][next++];
      if (compiled_[d] == Solved::kNo) stack.push_back({d, 0});
    } else {
      compile_component(c);
      stack.pop_back();
    }
  }
  // An atom nothing outside its cycle uses was left out of the elimination: solve it again.
  const int c = dependencies_.component_of(a);
  if (compiled_[c] == Solved::kUsedOutside && !used_outside_[a]) {
    solve_by_elimination(c, /*every_atom=*/true);
    compiled_[c] = Solved::kYes;
  }
  return formula_[a];
}

MddRef Compiler::query(const GroundQuery& q) {
  const MddRef f = q.atom < 0 ? Mdd::kFalse : atom(q.atom);
  return q.negated ? mdd_.negate(f) : f;
}

MddRef Compiler::evidence() {
  if (evidence_compiled_) return evidence_;
  for (const GroundEvidence& ev : program_.evidence) atom(ev.atom);  // may collect garbage
  MddRef e = Mdd::kTrue;
  for (const GroundEvidence& ev : program_.evidence) {
    const MddRef f = formula_[ev.atom];
    e = mdd_.apply_and(e, ev.value ? f : mdd_.negate(f));
  }
  evidence_ = e;
  evidence_compiled_ = true;
  return evidence_;
}

void Compiler::maybe_collect_garbage(const std::function<void(std::vector<MddRef*>&)>& held) {
  if (mdd_.num_nodes() < next_collection_) return;
  std::vector<MddRef*> roots;
  for (MddRef& f : formula_) roots.push_back(&f);
  roots.push_back(&evidence_);
  if (held) held(roots);
  mdd_.collect_garbage(roots);
  next_collection_ = std::max(collection_threshold_, 2 * mdd_.live_after_collection());
}

MddRef Compiler::literal_formula(const Literal& l) {
  switch (l.kind) {
    case Literal::Kind::kAtom:
      return formula_[l.index];
    case Literal::Kind::kNegatedAtom:
      return mdd_.negate(formula_[l.index]);
    case Literal::Kind::kChoice:
      return mdd_.literal(to_mdd_[l.index], l.value);
  }
  throw InternalError("unknown literal kind");
}

MddRef Compiler::rule_formula(const GroundRule& rule) {
  MddRef f = Mdd::kTrue;
  for (const Literal& l : rule.body) {
    f = mdd_.apply_and(f, literal_formula(l));
    if (f == Mdd::kFalse) break;
  }
  return f;
}

void Compiler::compile_component(int c) {
  const std::vector<int>& atoms = dependencies_.atoms_of(c);
  const bool cyclic = dependencies_.cyclic(c);  // throws NegativeCycle
  if (cyclic && !cycles_by_fixpoint_ && linear(c)) {
    solve_by_elimination(c, /*every_atom=*/false);
    compiled_[c] = Solved::kUsedOutside;
    return;
  }

  // Least fixpoint; without a cycle one round is exact. Each round can only add worlds, and
  // a component's worlds are bounded, so this terminates.
  for (bool changed = true; changed;) {
    changed = false;
    for (int a : atoms) {
      maybe_collect_garbage();  // a safe point: only formula_ and evidence_ are held
      MddRef f = Mdd::kFalse;
      for (int r : dependencies_.rules_of(a)) {
        f = mdd_.apply_or(f, rule_formula(program_.rules[r]));
        if (f == Mdd::kTrue) break;
      }
      if (f != formula_[a]) {
        formula_[a] = f;
        changed = cyclic;
      }
    }
  }
  compiled_[c] = Solved::kYes;
}

bool Compiler::linear(int c) const {
  for (int a : dependencies_.atoms_of(c))
    for (int r : dependencies_.rules_of(a)) {
      int inside = -1;
      for (const Literal& l : program_.rules[r].body)
        if (l.kind == Literal::Kind::kAtom && dependencies_.component_of(l.index) == c) {
          if (inside >= 0 && inside != l.index) return false;
          inside = l.index;
        }
    }
  return true;
}

// A linear cycle is a graph: rule `a :- b, E` (b in the cycle, E the rest of the body) is an
// edge b -> a labelled E, and a rule without an atom of the cycle an edge from a source S.
// The least model makes a true iff some path S -> ... -> a has all labels true, so each atom's
// formula is a path closure in the Boolean semiring (or, and; a* = true), which Gaussian
// elimination computes in any vertex order: eliminating k joins every edge j -> k with every
// edge k -> i into j -> i. The labels are then reachability through the eliminated vertices,
// functions as small as the answer, where the fixpoint's rounds build reachability within
// k steps, which counts distances and grows far larger (bidirectional grids). Back
// substitution in reverse order gives every atom: an atom's value is its edge from S or one
// of its edges from a vertex eliminated later, and that vertex's value. Most of the work is
// there (each value is a full reachability function), so unless asked for every atom, the
// atoms used outside the cycle are eliminated last and only they are substituted back.
void Compiler::solve_by_elimination(int c, bool every_atom) {
  const std::vector<int>& atoms = dependencies_.atoms_of(c);
  const int n = static_cast<int>(atoms.size()), source = n;
  std::vector<int> local(program_.atoms.size(), -1);
  for (int i = 0; i < n; ++i) local[atoms[i]] = i;

  // in[i]: the labels of the edges into i, by their tail; out[j]: the heads of j's edges.
  std::vector<std::map<int, MddRef>> in(n);
  std::vector<std::set<int>> out(n + 1);
  auto add_edge = [&](int from, int to, MddRef label) {
    if (from == to || label == Mdd::kFalse) return;  // a self-loop adds no path
    auto [it, fresh] = in[to].emplace(from, label);
    if (!fresh) it->second = mdd_.apply_or(it->second, label);
    out[from].insert(to);
  };
  for (int i = 0; i < n; ++i)
    for (int r : dependencies_.rules_of(atoms[i])) {
      int from = source;
      MddRef label = Mdd::kTrue;
      for (const Literal& l : program_.rules[r].body) {
        if (l.kind == Literal::Kind::kAtom && dependencies_.component_of(l.index) == c) {
          from = local[l.index];
          continue;
        }
        label = mdd_.apply_and(label, literal_formula(l));
        if (label == Mdd::kFalse) break;
      }
      add_edge(from, i, label);
    }

  // Markowitz's rule, as sparse LU factorisation uses it: eliminate the vertex whose
  // elimination adds the fewest edges (in-degree times out-degree), ties to the lowest index;
  // the atoms to substitute back after all others.
  auto wanted = [&](int v) { return every_atom || used_outside_[atoms[v]]; };
  std::vector<char> eliminated(n, 0);
  std::vector<int> order;
  std::vector<std::map<int, MddRef>> into(n);  // each vertex's edges when it was eliminated
  const std::function<void(std::vector<MddRef*>&)> labels = [&](std::vector<MddRef*>& roots) {
    for (auto* edges : {&in, &into})
      for (auto& m : *edges)
        for (auto& [from, label] : m) roots.push_back(&label);
  };
  for (int step = 0; step < n; ++step) {
    int k = -1;
    std::size_t best = 0;
    for (int v = 0; v < n; ++v)
      if (!eliminated[v]) {
        const std::size_t fill = in[v].size() * out[v].size();
        const bool better = k < 0 || (wanted(k) && !wanted(v)) ||
                            (wanted(k) == wanted(v) && fill < best);
        if (better) k = v, best = fill;
      }
    // Between two joins the labels are all we hold: a safe point to collect the garbage that
    // joins of large labels leave.
    for (int i : out[k]) {
      for (const auto& [j, j_to_k] : in[k]) {
        add_edge(j, i, mdd_.apply_and(j_to_k, in[i].at(k)));
        maybe_collect_garbage(labels);
      }
      in[i].erase(k);
    }
    for (const auto& [j, label] : in[k]) out[j].erase(k);
    out[k].clear();
    if (wanted(k)) into[k] = std::move(in[k]);  // the others are not substituted back
    in[k].clear();
    eliminated[k] = 1;
    order.push_back(k);
  }

  std::vector<MddRef> value(n, Mdd::kFalse);
  for (auto k = order.rbegin(); k != order.rend() && wanted(*k); ++k) {
    MddRef f = Mdd::kFalse;
    for (const auto& [j, label] : into[*k])
      f = mdd_.apply_or(f, j == source ? label : mdd_.apply_and(label, value[j]));
    value[*k] = f;
  }
  for (int i = 0; i < n; ++i)
    if (wanted(i)) formula_[atoms[i]] = value[i];
}

}  // namespace gedilog::symbolic
