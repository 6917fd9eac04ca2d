#pragma once
// Batched, differentiable evaluation of a layered circuit with LibTorch (step 6 of the
// pipeline): inputs [batch, columns] in, root values [batch, roots] out, on any device.
//
// Values are kept node-major, [nodes, batch], so that gathering a node's children copies whole
// rows. Each layer is a few runs of nodes of one kind (pass-through copies, sums, products),
// their children padded to the run's widest fan-in with the semiring's zero or one (runs are
// split where padding would more than double the work); a run is one index_select and one
// dense reduction over the fan-in dimension. So the number of tensor operations per forward
// pass grows with the circuit's depth, not with its size or the batch. Gradients come from
// autograd.
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "bridge/query_circuit.h"
#include "bridge/semiring.h"
#include "symbolic/layered_circuit.h"

namespace gedilog::bridge {

class TensorCircuit {
 public:
  // Copies the circuit's index arrays to `device` once.
  TensorCircuit(const symbolic::LayeredCircuit& circuit, torch::Device device,
                torch::ScalarType dtype = torch::kFloat32);

  // inputs: [batch, columns] in the semiring's space: probabilities, or log-probabilities
  // where semiring.log_space (-inf allowed: a probability of 0 gives no NaN, in values or
  // gradients). Returns [batch, roots] in the same space.
  torch::Tensor forward(const torch::Tensor& inputs, const Semiring& semiring) const;

  // The most probable explanation of root `root` (max-product over log-probabilities):
  // [batch, columns], 1 where the column's leaf is part of the best assignment, else 0.
  // Every variable in the root's circuit has exactly one value chosen (the circuit is smooth).
  torch::Tensor explain(const torch::Tensor& log_inputs, std::int64_t root) const;

  std::int64_t num_columns() const { return num_columns_; }
  std::int64_t num_roots() const { return roots_.size(0); }
  torch::Device device() const { return device_; }

 private:
  // Consecutive nodes of one layer with the same kind, their children padded to one width.
  struct Run {
    bool sum;
    std::int64_t nodes, fan_in;
    torch::Tensor children;  // [nodes * fan_in], rows of the previous layer's values
  };

  torch::Device device_;
  torch::ScalarType dtype_;
  std::int64_t num_columns_;
  bool sums_folded_;
  torch::Tensor constants_;  // [constants, 1]: probabilities
  torch::Tensor log_constants_;
  std::vector<std::vector<Run>> layers_;
  // The inputs each layer above the first reads, concatenated; sizes per layer (0: none).
  torch::Tensor inputs_read_;
  std::vector<std::int64_t> inputs_read_sizes_;
  torch::Tensor roots_;  // [roots], positions in the last layer
};

// --- query circuits on tensors --------------------------------------------------------------

// The input columns [batch, columns] of a query circuit: `value_of(input)` gives each input
// variable's [batch, input.size()] block (an undefined tensor for a fixed variable: its
// probabilities, repeated). `log_space`: the blocks are log-probabilities.
torch::Tensor bind_inputs(const QueryCircuit& circuit, std::int64_t batch, bool log_space,
                          const std::function<torch::Tensor(const InputVariable&)>& value_of,
                          torch::Device device = torch::kCPU,
                          torch::ScalarType dtype = torch::kFloat32);

// log P(query | evidence) of every query of the circuit: [batch, queries].
torch::Tensor log_probabilities(const QueryCircuit& circuit, const TensorCircuit& tensors,
                                const torch::Tensor& log_inputs);
// The same in any log-space semiring: each query's joint root in `semiring`, divided by
// P(evidence). Max-product: log max_w P(w | evidence) over the worlds w where the query holds,
// the probability of its most probable explanation.
torch::Tensor log_query_values(const QueryCircuit& circuit, const TensorCircuit& tensors,
                               const torch::Tensor& log_inputs, const Semiring& semiring);

// The most probable explanation of query `query` (with the evidence): for every input
// variable, the index of its value in the best assignment, [batch, inputs] (-1 where the
// query does not depend on the variable).
torch::Tensor explain_query(const QueryCircuit& circuit, const TensorCircuit& tensors,
                            const torch::Tensor& log_inputs, std::int64_t query);

}  // namespace gedilog::bridge
