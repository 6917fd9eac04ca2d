#include "symbolic/compiler.h"

#include <algorithm>

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
  compiled_.assign(n_components, 0);
  formula_.assign(n_atoms, Mdd::kFalse);
}

MddRef Compiler::atom(int a) {
  GEDILOG_CHECK(a >= 0 && a < static_cast<int>(formula_.size()), "atom out of range");
  // Compile the components a depends on first: an explicit stack, as chains can be deep.
  std::vector<std::pair<int, std::size_t>> stack{{dependencies_.component_of(a), 0}};
  while (!stack.empty()) {
    auto& [c, next] = stack.back();
    if (compiled_[c]) {
      stack.pop_back();
    } else if (next < depends_on_[c].size()) {
      const int d = depends_on_[c][next++];
      if (!compiled_[d]) stack.push_back({d, 0});
    } else {
      compile_component(c);
      stack.pop_back();
    }
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

void Compiler::maybe_collect_garbage() {
  if (mdd_.num_nodes() < next_collection_) return;
  std::vector<MddRef*> roots;
  for (MddRef& f : formula_) roots.push_back(&f);
  roots.push_back(&evidence_);
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
  compiled_[c] = 1;
}

}  // namespace gedilog::symbolic
