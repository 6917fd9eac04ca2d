#pragma once
// An arithmetic circuit: the smooth, deterministic, decomposable form of a compiled query.
//   - a leaf is the indicator / weight of one value of one random variable,
//   - a sum node's children are mutually exclusive (deterministic) and mention the same
//     variables (smooth): an MDD node becomes a sum over the values of its variable,
//   - a product node's children share no variable (decomposable).
// Nodes are stored in a Boost.Graph DAG, children before parents (node ids are a topological
// order), edges from a node to its children. A circuit may have several roots.
#include <boost/graph/adjacency_list.hpp>
#include <iosfwd>
#include <string>
#include <vector>

#include "symbolic/ground_program.h"
#include "symbolic/mdd.h"
#include "symbolic/nnf.h"

namespace gedilog::symbolic {

struct CircuitNode {
  enum class Kind { kLeaf, kSum, kProduct, kTrue, kFalse };
  Kind kind = Kind::kTrue;
  int variable = -1;  // leaves: the program variable
  int value = -1;     // leaves: its value
};

using CircuitGraph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, CircuitNode>;

class Circuit {
 public:
  // Converts the MDDs `roots` of `mdd` into one circuit with one root each.
  // `program_variable[v]` is the program variable of MDD variable v.
  static Circuit from_mdd(const Mdd& mdd, const std::vector<MddRef>& roots,
                          const std::vector<int>& program_variable);
  // Converts the decision-DNNF nodes `roots` of `nnf` (leaves are program variables with
  // domain_size[variable] values) into one circuit with one root each, smoothing every sum.
  static Circuit from_nnf(const Nnf& nnf, const std::vector<int>& roots,
                          const std::vector<int>& domain_size);

  const CircuitGraph& graph() const { return graph_; }
  const std::vector<int>& roots() const { return roots_; }
  std::size_t num_nodes() const { return boost::num_vertices(graph_); }
  std::size_t num_edges() const { return boost::num_edges(graph_); }

  // Values of the roots in the probability semiring, in double precision.
  // weights[variable][value] is the weight of a leaf.
  std::vector<double> evaluate(const std::vector<std::vector<double>>& weights) const;

  // Graphviz; leaves are labelled with the variables' value names.
  void write_dot(std::ostream& out, const GroundProgram& program,
                 const std::vector<std::string>& root_labels) const;

 private:
  CircuitGraph graph_;
  std::vector<int> roots_;
};

}  // namespace gedilog::symbolic
