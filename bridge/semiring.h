#pragma once
// The semirings a tensor circuit evaluates in, each a table: how a sum node and a product node
// combine their children, the zero and one that pad them, whether values live in log space,
// and whether a circuit that summed fixed probabilities when it was compiled
// (LayeredCircuit::sums_folded) still means something in it. A new semiring is one entry of
// semirings() (semiring.cpp) and a test.
#include <torch/types.h>

#include <functional>
#include <string>
#include <vector>

namespace gedilog::bridge {

struct Semiring {
  std::string name;
  bool log_space = false;  // inputs, constants and results are log-values
  // Each reduces [nodes, fan_in, batch] over dimension 1 to [nodes, batch].
  std::function<torch::Tensor(const torch::Tensor&)> sum, product;
  double zero = 0, one = 1;
  bool folded_sums_valid = true;  // evaluating a sum of constants once is right in it

  static const Semiring& probability();      // +, ×
  static const Semiring& log_probability();  // max-shifted logsumexp, + (gradients safe at -inf)
  static const Semiring& max_product();      // max, + over log-probabilities: the best explanation
};

// Every semiring, by name: "probability", "log-probability", "max-product".
const std::vector<const Semiring*>& semirings();
// The semiring called `name`; a UserError naming `location` and the known names otherwise.
const Semiring& semiring(const std::string& name, const std::string& location = "--semiring");

}  // namespace gedilog::bridge
