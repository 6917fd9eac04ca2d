#include "symbolic/ddnnf_compiler.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>

#include "symbolic/dependencies.h"
#include "core/error.h"

namespace gedilog::symbolic {

namespace {

using Domain = std::uint64_t;  // bit v set: value v still possible

bool single(Domain d) { return (d & (d - 1)) == 0; }
int first_value(Domain d) { return __builtin_ctzll(d); }
Domain bit(int v) { return Domain{1} << v; }

// "var = value" (eq) or "var != value". An atom is a variable with values 0 (false), 1 (true).
struct Lit {
  int var;
  int value;
  bool eq;
};

enum class Truth { kFalse, kTrue, kOpen };

// The acyclic program the completion is built from: rules over atom copies. An atom of an
// acyclic component is its own copy; an atom a of a cyclic component S (n atoms) becomes
// n copies a@0 ... a@(n-1), where a@k holds iff a is derived within k+1 rounds of S's
// immediate-consequence operator, given the atoms below S. The least fixpoint is reached
// within n rounds, so a@(n-1) is a. This is the completion of the least model (ProbLog breaks
// cycles for the same reason: the completion of a cyclic program admits unfounded loops).
struct AcyclicProgram {
  int num_atoms = 0;
  std::vector<GroundRule> rules;  // heads and body atoms are copies
  std::vector<int> copy_of;       // program atom -> its final copy
};

AcyclicProgram unroll_cycles(const GroundProgram& program) {
  const AtomDependencies dependencies(program);
  AcyclicProgram out;
  out.copy_of.assign(program.atoms.size(), -1);
  for (int c = 0; c < dependencies.num_components(); ++c) {
    const std::vector<int>& atoms = dependencies.atoms_of(c);
    const bool cyclic = dependencies.cyclic(c);  // throws NegativeCycle
    const int levels = cyclic ? static_cast<int>(atoms.size()) : 1;
    // copy(i, k): atom atoms[i] at level k.
    std::unordered_map<int, int> index_in_component;
    for (std::size_t i = 0; i < atoms.size(); ++i) index_in_component[atoms[i]] = static_cast<int>(i);
    const int base = out.num_atoms;
    out.num_atoms += levels * static_cast<int>(atoms.size());
    auto copy = [&](int i, int k) { return base + k * static_cast<int>(atoms.size()) + i; };
    for (std::size_t i = 0; i < atoms.size(); ++i) {
      for (int k = 0; k < levels; ++k) {
        if (k > 0) out.rules.push_back({copy(i, k), {Literal::atom(copy(i, k - 1))}});
        for (int r : dependencies.rules_of(atoms[i])) {
          GroundRule rule{copy(i, k), {}};
          bool inner = false;
          for (Literal l : program.rules[r].body) {
            if (l.kind != Literal::Kind::kChoice) {
              if (dependencies.component_of(l.index) == c) {
                inner = true;
                l.index = k == 0 ? -1 : copy(index_in_component[l.index], k - 1);
              } else {
                l.index = out.copy_of[l.index];
              }
            }
            rule.body.push_back(l);
          }
          // Level 0 takes the rules with no atom of the cycle; level k > 0 the rules through
          // it (the others it inherits from level k - 1).
          if (cyclic && (k == 0) == inner) continue;
          out.rules.push_back(std::move(rule));
        }
      }
      out.copy_of[atoms[i]] = copy(static_cast<int>(i), levels - 1);
    }
  }
  return out;
}

struct VectorHash {
  std::size_t operator()(const std::vector<std::uint64_t>& v) const {
    std::uint64_t h = 0xCBF29CE484222325ull;
    for (std::uint64_t x : v) h = (h ^ (x * 0x9E3779B97F4A7C15ull)) * 0x100000001B3ull;
    return static_cast<std::size_t>(h ^ (h >> 31));
  }
};

}  // namespace

class DdnnfCompiler::Impl {
 public:
  explicit Impl(const GroundProgram& program) : source_(program.source) {
    const AcyclicProgram acyclic = unroll_cycles(program);
    copy_of_ = acyclic.copy_of;
    num_choice_ = static_cast<int>(program.variables.size());
    for (const RandomVariable& v : program.variables) {
      if (v.domain_size() > kMaxDomain)
        throw UserError("ResourceError", v.location,
                        "the decomposing compiler takes at most " + std::to_string(kMaxDomain) +
                            " values per random variable; " + v.name + " has " +
                            std::to_string(v.domain_size()) + " (use --compiler mdd)");
      add_variable(v.domain_size());
    }
    atom_base_ = num_choice_;
    for (int a = 0; a < acyclic.num_atoms; ++a) add_variable(2);
    auxiliary_base_ = atom_base_ + acyclic.num_atoms;

    // The completion of each atom a with rules r_1 ... r_m:  a <-> l_1 v ... v l_m, where l_j is
    // r_j's single body literal, or an auxiliary variable b_j <-> (body of r_j).
    std::vector<std::vector<int>> rules_of(acyclic.num_atoms);
    for (int r = 0; r < static_cast<int>(acyclic.rules.size()); ++r)
      rules_of[acyclic.rules[r].head].push_back(r);
    body_atoms_.resize(acyclic.num_atoms);
    clauses_of_atom_.resize(acyclic.num_atoms);
    for (int a = 0; a < acyclic.num_atoms; ++a) {
      const int head = atom_base_ + a;
      const bool certain = std::any_of(rules_of[a].begin(), rules_of[a].end(),
                                       [&](int r) { return acyclic.rules[r].body.empty(); });
      if (certain) {  // a is true whatever else holds
        add_clause({{head, 1, true}}, a);
        continue;
      }
      std::vector<Lit> support{{head, 1, false}};  // ¬a v l_1 v ... v l_m
      for (int r : rules_of[a]) {
        std::vector<Lit> lits;
        for (const Literal& l : acyclic.rules[r].body) {
          if (l.kind == Literal::Kind::kChoice) {
            lits.push_back({l.index, l.value, true});
          } else {
            lits.push_back({atom_base_ + l.index, 1, l.kind == Literal::Kind::kAtom});
            body_atoms_[a].push_back(l.index);
          }
        }
        if (!normalize(lits)) continue;  // a body that contradicts itself never holds
        Lit l = lits[0];
        if (lits.size() > 1) {
          l = {add_variable(2), 1, true};
          std::vector<Lit> back{l};  // b v ¬l_1 v ... v ¬l_n
          for (const Lit& x : lits) {
            add_clause({{l.var, 1, false}, x}, a);  // ¬b v x
            back.push_back({x.var, x.value, !x.eq});
          }
          add_clause(back, a);
        }
        add_clause({{head, 1, true}, {l.var, l.value, !l.eq}}, a);  // a v ¬l
        support.push_back(l);
      }
      add_clause(support, a);
    }
    for (auto& deps : body_atoms_) {
      std::sort(deps.begin(), deps.end());
      deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
    }
    occurs_.resize(domain_.size());
    for (int c = 0; c < num_clauses(); ++c) {
      for (int i = clause_begin_[c]; i < clause_begin_[c + 1]; ++i) {
        std::vector<int>& occ = occurs_[lits_[i].var];
        if (occ.empty() || occ.back() != c) occ.push_back(c);
      }
    }
    dom_ = domain_;
    active_.assign(num_clauses(), 0);
    clause_mark_.assign(num_clauses(), 0);
    var_mark_.assign(domain_.size(), 0);
    const std::vector<std::vector<int>> graph = primal_graph();
    Ordering with_atoms = elimination_order(graph, true);
    rank_ = std::move(with_atoms.rank);
    width_ = with_atoms.width;
    // Atoms eliminated first can join large cliques: only for programs of modest size.
    if (domain_.size() <= static_cast<std::size_t>(kMaxVariablesToCompareOrders)) {
      Ordering choices_only = elimination_order(graph, false);
      other_rank_ = std::move(choices_only.rank);
      if (choices_only.width < width_) {
        rank_.swap(other_rank_);
        width_ = choices_only.width;
        decide_atoms_ = false;
      }
    }
  }

  void set_node_limit(std::size_t limit) { node_limit_ = limit; }
  const Nnf& nnf() const { return nnf_; }
  std::size_t cache_entries() const { return cache_.size(); }
  std::size_t decisions() const { return decisions_; }
  double order_width() const { return width_; }
  bool decides_atoms() const { return decide_atoms_; }

  double frontier_width(const std::vector<int>& order) const {
    if (choice_graph_.empty()) return -1;
    std::vector<int> position(num_choice_, 0);
    for (int i = 0; i < static_cast<int>(order.size()); ++i) position.at(order[i]) = i;
    // Variable v is in the frontier of the cuts between its position and its last neighbour's.
    std::vector<double> delta(order.size() + 1, 0.0);
    for (int v = 0; v < num_choice_; ++v) {
      int last = position[v];
      for (int u : choice_graph_[v])
        if (u < num_choice_) last = std::max(last, position[u]);
      const double bits = std::log2(__builtin_popcountll(domain_[v]));
      delta[position[v]] += bits;
      delta[last] -= bits;
    }
    double width = 0, running = 0;
    for (double d : delta) width = std::max(width, running += d);
    return width;
  }


  int compile(const std::vector<std::pair<int, bool>>& assumptions) {
    // The clauses of the atoms the assumptions reach (the cone); the rest cannot matter.
    std::fill(active_.begin(), active_.end(), 0);
    std::vector<char> reached(body_atoms_.size(), 0);
    std::vector<int> stack;
    for (auto [atom, value] : assumptions) {
      GEDILOG_CHECK(atom >= 0 && atom < static_cast<int>(copy_of_.size()), "atom out of range");
      const int a = copy_of_[atom];
      if (!reached[a]) reached[a] = 1, stack.push_back(a);
    }
    Component root;
    while (!stack.empty()) {
      const int a = stack.back();
      stack.pop_back();
      for (int c : clauses_of_atom_[a]) active_[c] = 1, root.clauses.push_back(c);
      for (int b : body_atoms_[a])
        if (!reached[b]) reached[b] = 1, stack.push_back(b);
    }
    std::sort(root.clauses.begin(), root.clauses.end());
    ++stamp_;
    for (int c : root.clauses)
      for (int i = clause_begin_[c]; i < clause_begin_[c + 1]; ++i)
        if (var_mark_[lits_[i].var] != stamp_)
          var_mark_[lits_[i].var] = stamp_, root.vars.push_back(lits_[i].var);
    std::sort(root.vars.begin(), root.vars.end());

    int result = Nnf::kFalseNode;
    bool consistent = true;
    for (auto [atom, value] : assumptions)
      consistent = consistent && assign(atom_base_ + copy_of_[atom], bit(value ? 1 : 0));
    for (int c : root.clauses)  // unit clauses: atoms without rules, or certain ones
      if (clause_begin_[c + 1] - clause_begin_[c] == 1) queue_.push_back(lits_[clause_begin_[c]].var);
    if (consistent && propagate()) result = condition(root);
    queue_.clear();
    undo(0);
    return result;
  }

 private:
  struct Component {
    std::vector<int> vars;     // sorted; none assigned
    std::vector<int> clauses;  // sorted; none satisfied
  };

  int add_variable(int domain_size) {
    domain_.push_back(domain_size == kMaxDomain ? ~Domain{0} : bit(domain_size) - 1);
    return static_cast<int>(domain_.size()) - 1;
  }

  // Sorts a conjunction's literals and drops repeated ones (so that unit propagation sees a
  // unit clause as one); false when two of them contradict each other.
  static bool normalize(std::vector<Lit>& lits) {
    auto key = [](const Lit& l) { return std::make_tuple(l.var, l.value, l.eq); };
    std::sort(lits.begin(), lits.end(), [&](const Lit& x, const Lit& y) { return key(x) < key(y); });
    lits.erase(std::unique(lits.begin(), lits.end(),
                           [&](const Lit& x, const Lit& y) { return key(x) == key(y); }),
               lits.end());
    for (std::size_t i = 0; i < lits.size(); ++i)
      for (std::size_t j = i + 1; j < lits.size() && lits[j].var == lits[i].var; ++j)
        if ((lits[i].eq && lits[j].eq) || (lits[i].value == lits[j].value && lits[i].eq != lits[j].eq))
          return false;
    return true;
  }

  void add_clause(const std::vector<Lit>& lits, int atom) {
    if (clause_begin_.empty()) clause_begin_.push_back(0);
    lits_.insert(lits_.end(), lits.begin(), lits.end());
    clause_begin_.push_back(static_cast<int>(lits_.size()));
    owner_.push_back(atom);
    clauses_of_atom_[atom].push_back(num_clauses() - 1);
  }

  int num_clauses() const { return static_cast<int>(owner_.size()); }
  // Variables: random variables, then atoms, then auxiliary ones (a rule body's b_j).
  bool auxiliary(int v) const { return v >= auxiliary_base_; }
  // Whether an order over random variables (and atoms, when decide_atoms) branches on v.
  bool branched_on(int v, bool decide_atoms) const {
    return v < atom_base_ || (decide_atoms && !auxiliary(v));
  }

  Truth truth(const Lit& l) const {
    const Domain d = dom_[l.var];
    const Domain b = bit(l.value);
    if (!(d & b)) return l.eq ? Truth::kFalse : Truth::kTrue;
    if (d == b) return l.eq ? Truth::kTrue : Truth::kFalse;
    return Truth::kOpen;
  }

  bool satisfied(int c) const {
    for (int i = clause_begin_[c]; i < clause_begin_[c + 1]; ++i)
      if (truth(lits_[i]) == Truth::kTrue) return true;
    return false;
  }

  // Narrows var to d (queued for propagation); false when nothing is left.
  bool assign(int var, Domain d) {
    d &= dom_[var];
    if (d == dom_[var]) return true;
    if (d == 0) return false;
    trail_.emplace_back(var, dom_[var]);
    dom_[var] = d;
    queue_.push_back(var);
    return true;
  }

  void undo(std::size_t mark) {
    while (trail_.size() > mark) {
      dom_[trail_.back().first] = trail_.back().second;
      trail_.pop_back();
    }
  }

  // Unit propagation over the active clauses; false on a conflict.
  bool propagate() {
    for (std::size_t next = 0; next < queue_.size(); ++next) {
      for (int c : occurs_[queue_[next]]) {
        if (!active_[c]) continue;
        int open = 0;
        const Lit* unit = nullptr;
        bool sat = false;
        for (int i = clause_begin_[c]; i < clause_begin_[c + 1] && !sat; ++i) {
          const Truth t = truth(lits_[i]);
          if (t == Truth::kTrue) sat = true;
          if (t == Truth::kOpen) ++open, unit = &lits_[i];
        }
        if (sat || open > 1) continue;
        if (open == 0 ||
            !assign(unit->var, unit->eq ? bit(unit->value) : ~bit(unit->value))) {
          queue_.clear();
          return false;
        }
      }
    }
    queue_.clear();
    return true;
  }

  // The independent components of the unsatisfied clauses among `clauses`; marks their
  // variables with the current stamp.
  std::vector<Component> split(const std::vector<int>& clauses) {
    ++stamp_;
    std::vector<Component> components;
    std::vector<int> stack;
    for (int start : clauses) {
      if (clause_mark_[start] == stamp_ || satisfied(start)) continue;
      Component comp;
      clause_mark_[start] = stamp_;
      stack.push_back(start);
      while (!stack.empty()) {
        const int c = stack.back();
        stack.pop_back();
        comp.clauses.push_back(c);
        for (int i = clause_begin_[c]; i < clause_begin_[c + 1]; ++i) {
          const int v = lits_[i].var;
          if (var_mark_[v] == stamp_ || truth(lits_[i]) != Truth::kOpen) continue;
          var_mark_[v] = stamp_;
          comp.vars.push_back(v);
          for (int d : occurs_[v])
            if (active_[d] && clause_mark_[d] != stamp_ && !satisfied(d))
              clause_mark_[d] = stamp_, stack.push_back(d);
        }
      }
      std::sort(comp.vars.begin(), comp.vars.end());
      std::sort(comp.clauses.begin(), comp.clauses.end());
      components.push_back(std::move(comp));
    }
    return components;
  }

  // "var in its domain", for a random variable narrowed but not decided.
  int domain_node(int var) {
    std::vector<int> values;
    for (Domain d = dom_[var]; d; d &= d - 1) values.push_back(nnf_.leaf(var, first_value(d)));
    return nnf_.disjoin(values);
  }

  // After a decision and its propagation inside `parent`: the decided random variables'
  // leaves, the narrowed free ones' domains, and the remaining components, conjoined.
  int condition(const Component& parent) {
    const std::vector<Component> parts = split(parent.clauses);
    std::vector<int> factors;
    for (int v : parent.vars) {
      if (v >= num_choice_) continue;  // atoms are forgotten
      if (single(dom_[v]))
        factors.push_back(nnf_.leaf(v, first_value(dom_[v])));
      else if (var_mark_[v] != stamp_ && dom_[v] != domain_[v])
        factors.push_back(domain_node(v));
    }
    for (const Component& part : parts) {
      const int r = compile_component(part);
      if (r == Nnf::kFalseNode) return r;
      factors.push_back(r);
    }
    return nnf_.conjoin(std::move(factors));
  }

  int compile_component(const Component& comp) {
    // The residual formula: the variables with their domains, and the clauses of more than two
    // literals. A binary clause of the component is implied by them: both its literals are
    // open (one false would have made it unit), so it is there iff its variables are, with
    // domains that leave both open; and its atom's cone is active iff those variables are.
    std::vector<std::uint64_t> key;
    key.reserve(1 + comp.clauses.size() + 2 * comp.vars.size());
    key.push_back(comp.vars.size());
    for (int v : comp.vars) key.push_back(static_cast<std::uint64_t>(v)), key.push_back(dom_[v]);
    for (int c : comp.clauses)
      if (clause_begin_[c + 1] - clause_begin_[c] > 2) key.push_back(static_cast<std::uint64_t>(c));
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;

    int result;
    if (unconstrained(comp)) {
      std::vector<int> factors;
      for (int v : comp.vars)
        if (v < num_choice_ && dom_[v] != domain_[v]) factors.push_back(domain_node(v));
      result = nnf_.conjoin(std::move(factors));
    } else {
      switch_order_when_thrashing();
      const int var = choose(comp);
      std::vector<int> branches;
      for (Domain d = dom_[var]; d; d &= d - 1) {
        ++decisions_;
        const std::size_t mark = trail_.size();
        if (assign(var, bit(first_value(d))) && propagate()) branches.push_back(condition(comp));
        undo(mark);
      }
      result = nnf_.disjoin(std::move(branches));
    }
    if (nnf_.size() > node_limit_)
      throw UserError("ResourceError", source_,
                      "the decision-DNNF grew past " + std::to_string(node_limit_) +
                          " nodes (--max-nodes)");
    cache_.emplace(std::move(key), result);
    return result;
  }

  // Every clause defines an atom that is still open: each assignment of the random
  // variables extends to exactly one assignment of the atoms, so every one is a model.
  bool unconstrained(const Component& comp) const {
    for (int c : comp.clauses)
      if (single(dom_[atom_base_ + owner_[c]])) return false;
    return true;
  }

  // The random variable or atom with the most open occurrences in the component (ties: lowest
  // id). Never an auxiliary variable: deciding b_j false would turn its definition into a
  // constraint while its atom stays open, which unconstrained() could not tell; once every
  // random variable and atom is decided, propagation decides them anyway.
  // The decision order: min-degree elimination on the primal graph of the CNF, variables
  // eliminated last decided first. Deciding along an elimination order follows its
  // elimination tree, so components separate along it and the compiled size is exponential in
  // the order's width (at most), not in the width of a fixed variable order. Auxiliary
  // variables are never decided and go first (each joins its rule's variables into a clique:
  // for a Bayesian network, its moral graph). Two candidates, the narrower one wins:
  //  - atoms and random variables together: an atom is a node's value in a Bayesian network,
  //    the separator to condition on (its rows' variables are many and each is local);
  //  - random variables only, atoms eliminated first: for programs with few random variables
  //    under many atoms (an atom then only repeats what its variables decide).
  struct Ordering {
    std::vector<int> rank;  // per variable: the step it is eliminated at
    double width = 0;       // the largest clique met, in bits (sum of log2 domain sizes)
  };

  // Variables that share a clause, each list sorted.
  std::vector<std::vector<int>> primal_graph() const {
    std::vector<std::vector<int>> adjacent(domain_.size());
    for (int c = 0; c < num_clauses(); ++c)
      for (int i = clause_begin_[c]; i < clause_begin_[c + 1]; ++i)
        for (int j = i + 1; j < clause_begin_[c + 1]; ++j)
          if (lits_[i].var != lits_[j].var) {
            adjacent[lits_[i].var].push_back(lits_[j].var);
            adjacent[lits_[j].var].push_back(lits_[i].var);
          }
    for (auto& adj : adjacent) dedupe(adj);
    return adjacent;
  }

  static void dedupe(std::vector<int>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
  }

  Ordering elimination_order(std::vector<std::vector<int>> adjacent, bool decide_atoms) {
    const int n = static_cast<int>(domain_.size());
    std::vector<char> eliminated(n, 0);
    Ordering order;
    order.rank.assign(n, 0);
    int next = 0;
    auto live_neighbours = [&](int v) {
      std::vector<int> live;
      for (int u : adjacent[v])
        if (!eliminated[u] && u != v) live.push_back(u);
      return live;
    };
    auto eliminate = [&](int v) {
      const std::vector<int> live = live_neighbours(v);
      double bits = std::log2(__builtin_popcountll(domain_[v]));
      for (int u : live) bits += std::log2(__builtin_popcountll(domain_[u]));
      order.width = std::max(order.width, bits);
      for (int x : live) {  // the neighbours become a clique
        adjacent[x].insert(adjacent[x].end(), live.begin(), live.end());
        dedupe(adjacent[x]);
      }
      eliminated[v] = 1;
      order.rank[v] = next++;
    };
    // The variables never branched on go first. Eliminating a set S in any order leaves u and w
    // adjacent iff a path joins them through S alone: found by a search from each other
    // variable, where eliminating S one by one would build S's growing cliques (cubic: minutes
    // for a program of 3 000 rules over 5 random variables).
    for (int v = 0; v < n; ++v)
      if (!branched_on(v, decide_atoms)) eliminated[v] = 1, order.rank[v] = next++;
    std::vector<std::vector<int>> reduced(n);
    std::vector<int> seen(n, -1), stack;
    for (int v = 0; v < n; ++v) {
      if (eliminated[v]) continue;
      seen[v] = v;
      stack.assign(1, v);
      while (!stack.empty()) {
        const int x = stack.back();
        stack.pop_back();
        for (int u : adjacent[x]) {
          if (seen[u] == v) continue;
          seen[u] = v;
          if (eliminated[u]) stack.push_back(u); else reduced[v].push_back(u);
        }
      }
      dedupe(reduced[v]);
    }
    adjacent = std::move(reduced);
    if (!decide_atoms) choice_graph_ = adjacent;  // the random variables' primal graph
    std::set<std::pair<int, int>> queue;  // (live degree, variable)
    std::vector<int> degree(n, 0);
    for (int v = 0; v < n; ++v)
      if (!eliminated[v]) degree[v] = static_cast<int>(live_neighbours(v).size()), queue.emplace(degree[v], v);
    while (!queue.empty()) {
      const int v = queue.begin()->second;
      queue.erase(queue.begin());
      const std::vector<int> live = live_neighbours(v);
      eliminate(v);
      for (int u : live) {
        queue.erase({degree[u], u});
        degree[u] = static_cast<int>(live_neighbours(u).size());
        queue.emplace(degree[u], u);
      }
    }
    return order;
  }

  // The narrower order is a guess: deciding an atom can open branches that unit propagation
  // does not see are empty (two values of one hidden state both true, in an HMM), and the
  // search then makes many decisions for few nodes (130 000 for 680 on a 15-state HMM, where
  // the other order makes 900; a Bayesian network makes about 8 per node). Past that, the
  // search goes on in the other order, once. Sound at any point: a component's compiled form,
  // and so the cache, does not depend on the order it was compiled in.
  void switch_order_when_thrashing() {
    if (other_rank_.empty() || decisions_ < kThrashingDecisions ||
        decisions_ < kThrashingDecisionsPerNode * nnf_.size())
      return;
    rank_.swap(other_rank_);
    other_rank_.clear();
    decide_atoms_ = !decide_atoms_;
  }
  static constexpr std::size_t kThrashingDecisions = 20000, kThrashingDecisionsPerNode = 50;

  // The variable of the component eliminated last (see elimination_order).
  int choose(const Component& comp) const {
    int best = -1;
    for (int v : comp.vars)
      if (branched_on(v, decide_atoms_) && (best < 0 || rank_[v] > rank_[best])) best = v;
    GEDILOG_CHECK(best >= 0, "a component without a variable to decide");
    return best;
  }
  std::string source_;
  int num_choice_ = 0, atom_base_ = 0, auxiliary_base_ = 0;
  std::vector<int> copy_of_;
  std::vector<Domain> domain_;                   // per variable: every value
  std::vector<int> rank_;                        // per variable: elimination_order()
  std::vector<int> other_rank_;                  // the order not taken, until it is (or empty)
  std::vector<std::vector<int>> choice_graph_;   // random variables adjacent via any clause
  bool decide_atoms_ = true;
  double width_ = 0;
  std::vector<Lit> lits_;                        // clause c: lits_[clause_begin_[c] ..)
  std::vector<int> clause_begin_;
  std::vector<int> owner_;                       // clause -> the atom whose definition it is
  std::vector<std::vector<int>> clauses_of_atom_;
  std::vector<std::vector<int>> body_atoms_;     // atom copy -> atoms in its rules' bodies
  std::vector<std::vector<int>> occurs_;         // variable -> clauses

  std::vector<Domain> dom_;                      // the current domains
  std::vector<std::pair<int, Domain>> trail_;
  std::vector<int> queue_;
  std::vector<char> active_;
  std::vector<unsigned> clause_mark_, var_mark_;
  unsigned stamp_ = 0;

  Nnf nnf_;
  std::unordered_map<std::vector<std::uint64_t>, int, VectorHash> cache_;
  std::size_t node_limit_ = std::size_t{1} << 25;
  std::size_t decisions_ = 0;
};

DdnnfCompiler::DdnnfCompiler(const GroundProgram& program)
    : impl_(std::make_unique<Impl>(program)) {}
DdnnfCompiler::~DdnnfCompiler() = default;
void DdnnfCompiler::set_node_limit(std::size_t limit) { impl_->set_node_limit(limit); }
int DdnnfCompiler::compile(const std::vector<std::pair<int, bool>>& assumptions) {
  return impl_->compile(assumptions);
}
const Nnf& DdnnfCompiler::nnf() const { return impl_->nnf(); }
std::size_t DdnnfCompiler::cache_entries() const { return impl_->cache_entries(); }
std::size_t DdnnfCompiler::decisions() const { return impl_->decisions(); }
double DdnnfCompiler::order_width() const { return impl_->order_width(); }
bool DdnnfCompiler::decides_atoms() const { return impl_->decides_atoms(); }
double DdnnfCompiler::frontier_width(const std::vector<int>& order) const {
  return impl_->frontier_width(order);
}

}  // namespace gedilog::symbolic
