#include "bridge/tensor_circuit.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "symbolic/error.h"

namespace gedilog::bridge {

namespace {

torch::Tensor to_device(const std::vector<std::int64_t>& v, torch::Device device) {
  return torch::tensor(v, torch::kLong).to(device);
}

// log Σ exp over `dim`, shifted by the (detached) maximum. A node whose children are all -inf
// (probability 0) gets -inf with a zero gradient instead of the NaN of log(0) · 0.
torch::Tensor log_sum_exp(const torch::Tensor& x, std::int64_t dim) {
  torch::Tensor shift = std::get<0>(x.max(dim, /*keepdim=*/true)).detach();
  shift = torch::where(torch::isfinite(shift), shift, torch::zeros_like(shift));
  const torch::Tensor sum = (x - shift).exp().sum(dim);
  const torch::Tensor positive = sum > 0;
  const torch::Tensor safe = torch::where(positive, sum, torch::ones_like(sum));
  return torch::where(positive, safe.log() + shift.squeeze(dim),
                      torch::full_like(sum, -std::numeric_limits<double>::infinity()));
}

}  // namespace

TensorCircuit::TensorCircuit(const symbolic::LayeredCircuit& circuit, torch::Device device,
                             torch::ScalarType dtype)
    : device_(device),
      dtype_(dtype),
      num_columns_(circuit.num_columns),
      sums_folded_(circuit.sums_folded) {
  const auto options = torch::TensorOptions().dtype(torch::kFloat64);
  constants_ = torch::tensor(circuit.constants, options).reshape({-1, 1});
  log_constants_ = constants_.log().to(device, dtype);
  constants_ = constants_.to(device, dtype);
  for (const symbolic::LayeredCircuit::Layer& layer : circuit.layers) {
    std::vector<Run> runs;
    for (std::int64_t begin = 0; begin < layer.size();) {
      const bool sum = begin < layer.num_sums;
      const std::int64_t fan_in = layer.fan_in(begin);
      std::int64_t end = begin;
      while (end < layer.size() && (end < layer.num_sums) == sum && layer.fan_in(end) == fan_in)
        ++end;
      const std::vector<std::int64_t> children(layer.children.begin() + layer.offsets[begin],
                                               layer.children.begin() + layer.offsets[end]);
      runs.push_back({sum, end - begin, fan_in, to_device(children, device)});
      begin = end;
    }
    layers_.push_back(std::move(runs));
  }
  roots_ = to_device(circuit.roots, device);
}

torch::Tensor TensorCircuit::forward(const torch::Tensor& inputs, Semiring semiring) const {
  if (inputs.dim() != 2 || inputs.size(1) != num_columns_)
    throw UserError("ShapeError", "",
                    "circuit inputs must be [batch, " + std::to_string(num_columns_) +
                        "], got " + c10::str(inputs.sizes()));
  if (semiring == Semiring::kMaxProduct && sums_folded_)
    throw UserError("Unsupported", "",
                    "this circuit folded sums of fixed probabilities, which max-product cannot "
                    "undo: compile it with every variable as an input to explain it");
  const std::int64_t batch = inputs.size(0);
  const bool log_space = semiring != Semiring::kProbability;
  const torch::Tensor& constants = log_space ? log_constants_ : constants_;
  torch::Tensor values = torch::cat(
      {inputs.to(device_, dtype_).t(), constants.expand({constants.size(0), batch})}, 0);

  for (const std::vector<Run>& runs : layers_) {
    std::vector<torch::Tensor> parts;
    parts.reserve(runs.size());
    for (const Run& run : runs) {
      torch::Tensor gathered = values.index_select(0, run.children);
      if (run.fan_in == 1) {
        parts.push_back(gathered);
        continue;
      }
      gathered = gathered.view({run.nodes, run.fan_in, batch});
      if (!run.sum) {
        parts.push_back(log_space ? gathered.sum(1) : gathered.prod(1));
      } else if (semiring == Semiring::kProbability) {
        parts.push_back(gathered.sum(1));
      } else if (semiring == Semiring::kLogProbability) {
        parts.push_back(log_sum_exp(gathered, 1));
      } else {
        parts.push_back(std::get<0>(gathered.max(1)));
      }
    }
    values = parts.size() == 1 ? parts[0] : torch::cat(parts, 0);
  }
  return values.index_select(0, roots_).t();
}

torch::Tensor TensorCircuit::explain(const torch::Tensor& log_inputs, std::int64_t root) const {
  GEDILOG_CHECK(root >= 0 && root < num_roots(), "explain: no such root");
  // The gradient of a max-product value by its log-inputs is 1 on the leaves of the maximising
  // sub-circuit (max routes it to one child, a product in log space to all) and 0 elsewhere.
  torch::AutoGradMode grad_mode(true);
  const torch::Tensor x = log_inputs.detach().to(device_, dtype_).requires_grad_(true);
  const torch::Tensor best = forward(x, Semiring::kMaxProduct).select(1, root);
  const torch::Tensor grad = torch::autograd::grad({best.sum()}, {x})[0];
  return (grad > 0.5).to(torch::kLong);
}

torch::Tensor bind_inputs(const QueryCircuit& circuit, std::int64_t batch, bool log_space,
                          const std::function<torch::Tensor(const InputVariable&)>& value_of,
                          torch::Device device, torch::ScalarType dtype) {
  std::vector<torch::Tensor> blocks;
  for (const InputVariable& in : circuit.inputs) {
    torch::Tensor block = value_of(in);
    if (!block.defined()) {
      if (in.is_neural())
        throw UserError("MissingInput", in.location,
                        "no values given for neural predicate " + in.name);
      block = torch::tensor(in.probabilities, torch::kFloat64);
      if (log_space) block = block.log();
      block = block.reshape({1, in.size()}).expand({batch, in.size()});
    }
    if (block.dim() != 2 || block.size(0) != batch || block.size(1) != in.size())
      throw UserError("ShapeError", in.location,
                      "values of " + in.name + " must be [" + std::to_string(batch) + ", " +
                          std::to_string(in.size()) + "], got " + c10::str(block.sizes()));
    blocks.push_back(block.to(device, dtype));
  }
  if (blocks.empty()) return torch::zeros({batch, 0}, torch::TensorOptions(dtype).device(device));
  return torch::cat(blocks, 1);
}

torch::Tensor log_probabilities(const QueryCircuit& circuit, const TensorCircuit& tensors,
                                const torch::Tensor& log_inputs) {
  const torch::Tensor roots = tensors.forward(log_inputs, Semiring::kLogProbability);
  const torch::Tensor joint = roots.index_select(1, to_device(circuit.joint_root, tensors.device()));
  std::vector<std::int64_t> evidence;  // a query without evidence divides by root 0 ...
  std::vector<double> has_evidence;    // ... times 0
  for (std::int64_t r : circuit.evidence_root) {
    evidence.push_back(std::max<std::int64_t>(r, 0));
    has_evidence.push_back(r >= 0);
  }
  if (std::none_of(has_evidence.begin(), has_evidence.end(), [](double e) { return e > 0; }))
    return joint;
  const torch::Tensor mask = torch::tensor(has_evidence).to(tensors.device()) > 0;
  const torch::Tensor log_evidence = roots.index_select(1, to_device(evidence, tensors.device()));
  return joint - torch::where(mask, log_evidence, torch::zeros_like(log_evidence));
}

torch::Tensor explain_query(const QueryCircuit& circuit, const TensorCircuit& tensors,
                            const torch::Tensor& log_inputs, std::int64_t query) {
  GEDILOG_CHECK(query >= 0 && query < static_cast<std::int64_t>(circuit.queries.size()),
                "explain_query: no such query");
  const torch::Tensor chosen = tensors.explain(log_inputs, circuit.joint_root[query]).cpu();
  const std::int64_t batch = chosen.size(0);
  torch::Tensor out = torch::full({batch, static_cast<std::int64_t>(circuit.inputs.size())}, -1,
                                  torch::kLong);
  for (std::size_t i = 0; i < circuit.inputs.size(); ++i) {
    const InputVariable& in = circuit.inputs[i];
    const torch::Tensor block = chosen.narrow(1, in.first_column, in.size());
    const torch::Tensor any = block.sum(1) > 0;
    out.select(1, i).copy_(torch::where(any, block.argmax(1), torch::full_like(any, -1, torch::kLong)));
  }
  return out;
}

}  // namespace gedilog::bridge
