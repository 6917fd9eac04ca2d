#pragma once
// Knowledge compilation by decomposition (compile stage; the alternative to compiler.h's
// fixed-order MDDs). The ground program's Clark completion — cyclic components unrolled first
// into an equivalent acyclic program — is a CNF over multi-valued variables, compiled top-down
// into a decision-DNNF as c2d, dsharp and D4 do: unit propagation, branch on a variable, split
// what is left into independent components, cache each component by its residual formula.
// Its size is exponential in the program's treewidth, not in the width of a variable order.
//
// An annotated disjunction stays ONE multi-valued variable. Atoms are auxiliary variables that
// the result forgets: each is a function of the random variables, so a branch on an atom stays
// a deterministic disjunction over them. A component whose clauses are all definitions of
// atoms nothing constrains yet is satisfied by every assignment of its random variables and
// is not compiled at all (the dynamic form of ProbLog's relevance pruning).
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include "symbolic/ground_program.h"
#include "symbolic/nnf.h"

namespace gedilog::symbolic {

class DdnnfCompiler {
 public:
  // Builds the completion; throws NegativeCycle (UserError) for a cycle through negation.
  explicit DdnnfCompiler(const GroundProgram& program);
  ~DdnnfCompiler();

  // More NNF nodes than this is a ResourceError.
  void set_node_limit(std::size_t limit);

  // The NNF node (in nnf()) of the worlds in which every atom of `assumptions` has its value
  // (atom indices of the program). Successive calls share one cache and one NNF.
  int compile(const std::vector<std::pair<int, bool>>& assumptions);

  const Nnf& nnf() const;
  std::size_t cache_entries() const;
  std::size_t decisions() const;
  // The decision order's width: the largest clique of its elimination, in bits; and whether it
  // branches on atoms as well as on random variables (see the .cpp).
  double order_width() const;
  bool decides_atoms() const;
  // The width, in bits, of a fixed order of the random variables (the MDD compiler's): the
  // largest set of variables before a cut that share a clause with one after it. An MDD in
  // that order has at most 2^width nodes per level. -1 when the program is too large to tell.
  double frontier_width(const std::vector<int>& order) const;

  // The largest domain a variable may have (domains are bit sets in one 64-bit word).
  static constexpr int kMaxDomain = 64;
  // Past this many CNF variables (random variables + atoms + rule bodies) the order over random
  // variables alone is not computed (its cliques grow quadratically) and frontier_width is -1.
  static constexpr int kMaxVariablesToCompareOrders = 5000;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gedilog::symbolic
