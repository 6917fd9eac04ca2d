#pragma once
// Knowledge compilation (compile stage): the formula of every atom of a ground program as a
// canonical MDD, bottom-up over the strongly connected components of the atoms' dependency
// graph; a cyclic component is solved for its least model, by path closure where each rule
// uses at most one atom of the cycle and by fixpoint otherwise (positive cycles only: a cycle
// through negation is a NegativeCycle error, as in ProbLog).
#include <functional>
#include <vector>

#include "symbolic/dependencies.h"
#include "symbolic/ground_program.h"
#include "symbolic/mdd.h"

namespace gedilog::symbolic {

class Compiler {
 public:
  // Chooses the variable order (see variable_order()) and builds the dependency graph.
  explicit Compiler(const GroundProgram& program);

  // The formula of atom a (compiling its component and everything it depends on, once).
  // Compiling may collect the manager's garbage (see collect_garbage): a ref these three
  // return stays valid until the next call of one of them, but for evidence(), which stays
  // valid throughout.
  MddRef atom(int a);
  // The formula of a query: FALSE for a query without proof, negated for \+ queries.
  MddRef query(const GroundQuery& q);
  // The conjunction of all evidence (TRUE without evidence), compiled once.
  MddRef evidence();

  // The fixpoint rounds of a cycle leave diagrams behind that nothing needs: past this many
  // nodes (and twice what the last collection kept) the manager keeps only the atoms'
  // formulas and the evidence.
  static constexpr std::size_t kCollectionThreshold = std::size_t{1} << 20;
  void set_collection_threshold(std::size_t nodes) { collection_threshold_ = next_collection_ = nodes; }

  // Every cycle by fixpoint, linear ones too: what the compiler did before elimination, kept
  // so tests and benchmarks can set the two side by side.
  void set_cycles_by_fixpoint(bool on) { cycles_by_fixpoint_ = on; }

  Mdd& mdd() { return mdd_; }
  const Mdd& mdd() const { return mdd_; }
  // MDD variable of each program variable, and back.
  int mdd_variable(int program_variable) const { return to_mdd_[program_variable]; }
  int program_variable(int mdd_variable) const { return to_program_[mdd_variable]; }

  // The heuristic: variables in the order a breadth-first walk from the queries and evidence
  // meets them (rule bodies left to right). Variables near the queries go on top, so each
  // conjunction compiled bottom-up builds on top of the diagrams below it (carry adder: linear),
  // and the walk's frontier follows the structure (grid reachability: by anti-diagonals).
  static std::vector<int> variable_order(const GroundProgram& program);

 private:
  void compile_component(int component);
  MddRef rule_formula(const GroundRule& rule);
  MddRef literal_formula(const Literal& literal);

  const GroundProgram& program_;
  Mdd mdd_;
  std::vector<int> to_mdd_, to_program_;
  AtomDependencies dependencies_;
  std::vector<std::vector<int>> depends_on_;    // component -> components it uses
  // A component is solved for every atom, or (a linear cycle) for the atoms used outside it.
  enum class Solved : char { kNo, kUsedOutside, kYes };
  std::vector<Solved> compiled_;                // per component
  std::vector<char> used_outside_;              // per atom: by a query, evidence or another component
  std::vector<MddRef> formula_;                 // per atom
  MddRef evidence_ = Mdd::kTrue;
  bool evidence_compiled_ = false;
  bool cycles_by_fixpoint_ = false;
  std::size_t collection_threshold_ = kCollectionThreshold;
  std::size_t next_collection_ = kCollectionThreshold;
  // Collects past the threshold, keeping formula_, evidence_ and what `held` adds.
  void maybe_collect_garbage(const std::function<void(std::vector<MddRef*>&)>& held = {});
  // A cyclic component whose rules each use at most one atom of the cycle is a graph, solved
  // by elimination (see the .cpp); other cycles by fixpoint.
  bool linear(int component) const;
  void solve_by_elimination(int component, bool every_atom);
};

}  // namespace gedilog::symbolic
