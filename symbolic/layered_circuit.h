#pragma once
// A layered circuit: the form of an arithmetic circuit that tensors evaluate (step 4 of the
// pipeline). Layer 0 holds the inputs, [columns..., constants...]; every node of layer l + 1
// is a sum or a product of nodes of layer l or of inputs, so that one layer is a handful of
// gathers and reductions over the batch whatever the circuit's shape. An operation deeper
// down is reached through a chain of pass-through nodes (sums of one child); inputs are
// readable from every layer, because chaining them would cost a copy per input per layer
// (the 100-digit addition circuit: 995k nodes with input chains, 143k without).
//
// Within a layer the nodes come sums first, then products, each sorted by fan-in, so that the
// evaluator reduces every run of nodes with the same kind and fan-in in one dense operation.
// Several circuits (several query templates) merge into one multi-rooted layered circuit that
// shares their identical nodes.
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <vector>

#include "symbolic/circuit.h"

namespace gedilog::symbolic {

struct LayeredCircuit {
  struct Layer {
    std::vector<std::int64_t> offsets{0};  // CSR: node i's children are
    std::vector<std::int64_t> children;    //   children[offsets[i] .. offsets[i+1]):
    // c < P (the previous layer's size) is node c of the previous layer; c >= P is input c - P
    // (in layer 1, whose previous layer is the inputs, every c is an input).
    std::int64_t num_sums = 0;             // nodes [0, num_sums) are sums, the rest products

    std::int64_t size() const { return static_cast<std::int64_t>(offsets.size()) - 1; }
    std::int64_t fan_in(std::int64_t i) const { return offsets[i + 1] - offsets[i]; }
  };

  std::int64_t num_columns = 0;   // inputs given at evaluation time
  std::vector<double> constants;  // layer 0 is [columns..., constants...]
  std::vector<Layer> layers;      // layers[0] reads layer 0, the inputs
  std::vector<std::int64_t> roots;  // positions in the last layer (in layer 0 if there is none)
  // Whether sums of constants were folded (Folding::kSumProduct): then the circuit means
  // nothing in the max-product semiring.
  bool sums_folded = false;

  std::int64_t num_inputs() const {
    return num_columns + static_cast<std::int64_t>(constants.size());
  }
  std::int64_t num_nodes() const;  // inputs included
  std::int64_t num_edges() const;

  // Root values in the probability semiring, in double precision (the reference the tensor
  // evaluator is tested against).
  std::vector<double> evaluate(const std::vector<double>& columns) const;
};

// What a circuit leaf becomes: an input column, or a constant (a fixed probability).
struct LeafInput {
  std::int64_t column = -1;  // >= 0: this input column
  double constant = 0.0;     // otherwise this value
};

// How far constants are folded. kSumProduct evaluates a sum of constants once, which is right
// in the probability and log semirings but not in max-product; kAnySemiring folds only what
// holds in every semiring (true and false, products of constants, pass-through nodes).
enum class Folding { kSumProduct, kAnySemiring };

class LayeredCircuitBuilder {
 public:
  explicit LayeredCircuitBuilder(Folding folding = Folding::kSumProduct) : folding_(folding) {}

  // Adds the roots of `circuit` (in order); `leaf(variable, value)` says what each leaf becomes.
  void add(const Circuit& circuit, const std::function<LeafInput(int, int)>& leaf);
  // Adds the roots of a layered circuit (e.g. one read from a cache), its columns renumbered
  // by `column` (old column -> new column).
  void add(const LayeredCircuit& circuit, const std::vector<std::int64_t>& column);

  // All roots added so far, in order, over `num_columns` input columns.
  LayeredCircuit build(std::int64_t num_columns) const;

 private:
  // A node of the folded, hash-consed DAG that is then layered.
  struct Node {
    enum Kind : std::uint8_t { kColumn, kConstant, kSum, kProduct } kind;
    std::int64_t column = -1;       // kColumn
    double value = 0.0;             // kConstant
    std::vector<int> children;      // kSum, kProduct: sorted node ids
  };
  struct NodeHash {
    std::size_t operator()(const Node& n) const;
  };
  struct NodeEqual {
    bool operator()(const Node& a, const Node& b) const;
  };

  int intern(Node node);
  int column(std::int64_t c);
  int constant(double value);
  int combine(Node::Kind kind, std::vector<int> children);  // folds, then interns
  bool is_constant(int id, double value) const;

  Folding folding_;
  bool sums_folded_ = false;
  std::vector<Node> nodes_;
  std::unordered_map<Node, int, NodeHash, NodeEqual> index_;
  std::vector<int> roots_;
};

}  // namespace gedilog::symbolic
