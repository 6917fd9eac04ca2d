#include "bridge/tensor_circuit.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "core/error.h"

namespace gedilog::bridge {

namespace {

torch::Tensor to_device(const std::vector<std::int64_t>& v, torch::Device device) {
  return torch::tensor(v, torch::kLong).to(device);
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
  // A layer reads [the previous layer's values, the semiring's zero and one, the inputs it
  // reads]: a node with fewer children than its run's width is padded with zero or one; each
  // layer above the first gathers just the inputs its nodes read.
  std::int64_t previous = circuit.num_inputs();
  std::vector<std::int64_t> all_inputs_read;
  for (std::size_t l = 0; l < circuit.layers.size(); ++l) {
    const symbolic::LayeredCircuit::Layer& layer = circuit.layers[l];
    std::vector<Run> runs;
    std::vector<std::int64_t> inputs_read;           // the inputs this layer reads, in order
    std::unordered_map<std::int64_t, std::int64_t> slot_of;  // input -> its row after the zero and one
    for (std::int64_t begin = 0; begin < layer.size();) {
      const bool sum = begin < layer.num_sums;
      auto same_run = [&](std::int64_t i) {
        return i < layer.size() && (i < layer.num_sums) == sum &&
               (layer.fan_in(i) == 1) == (layer.fan_in(begin) == 1);
      };
      // Nodes come sorted by fan-in: extend the run while padding to the widest costs at most
      // twice the real children.
      std::int64_t end = begin, edges = 0;
      while (same_run(end) && layer.fan_in(end) * (end - begin + 1) <= 2 * (edges + layer.fan_in(end))) {
        edges += layer.fan_in(end);
        ++end;
      }
      const std::int64_t width = layer.fan_in(end - 1);
      const std::int64_t pad = previous + (sum ? 0 : 1);
      std::vector<std::int64_t> children;
      for (std::int64_t i = begin; i < end; ++i) {
        for (std::int64_t e = layer.offsets[i]; e < layer.offsets[i + 1]; ++e) {
          const std::int64_t c = layer.children[e];
          if (l == 0 || c < previous) {
            children.push_back(c);
            continue;
          }
          auto [it, fresh] = slot_of.try_emplace(c - previous, static_cast<std::int64_t>(inputs_read.size()));
          if (fresh) inputs_read.push_back(c - previous);
          children.push_back(previous + 2 + it->second);
        }
        children.insert(children.end(), width - layer.fan_in(i), pad);
      }
      runs.push_back({sum, end - begin, width, to_device(children, device)});
      begin = end;
    }
    layers_.push_back(std::move(runs));
    inputs_read_sizes_.push_back(static_cast<std::int64_t>(inputs_read.size()));
    all_inputs_read.insert(all_inputs_read.end(), inputs_read.begin(), inputs_read.end());
    previous = layer.size();
  }
  inputs_read_ = to_device(all_inputs_read, device);
  roots_ = to_device(circuit.roots, device);
}

torch::Tensor TensorCircuit::forward(const torch::Tensor& inputs, const Semiring& semiring) const {
  if (inputs.dim() != 2 || inputs.size(1) != num_columns_)
    throw UserError("ShapeError", "",
                    "circuit inputs must be [batch, " + std::to_string(num_columns_) +
                        "], got " + c10::str(inputs.sizes()));
  if (!semiring.folded_sums_valid && sums_folded_)
    throw UserError("Unsupported", "",
                    "this circuit folded sums of fixed probabilities, which " + semiring.name +
                        " cannot undo: compile it with every variable as an input");
  const std::int64_t batch = inputs.size(0);
  const torch::Tensor& constants = semiring.log_space ? log_constants_ : constants_;
  // Filled on the device: no host-to-device copy on every forward pass.
  const auto options = torch::TensorOptions().dtype(dtype_).device(device_);
  const torch::Tensor neutral =
      torch::cat({torch::full({1, batch}, semiring.zero, options), torch::full({1, batch}, semiring.one, options)});
  const torch::Tensor input_rows =
      torch::cat({inputs.to(device_, dtype_).t(), constants.expand({constants.size(0), batch})}, 0);
  torch::Tensor values = torch::cat({input_rows, neutral}, 0);

  // Every layer's inputs in one gather, split into views: one backward pass for all of them
  // (a gather per layer would zero a gradient the size of all inputs in every layer).
  std::vector<torch::Tensor> inputs_read;
  if (inputs_read_.numel() > 0)
    inputs_read = input_rows.index_select(0, inputs_read_).split_with_sizes(inputs_read_sizes_, 0);
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    if (inputs_read_sizes_[l] > 0) values = torch::cat({values, inputs_read[l]}, 0);
    std::vector<torch::Tensor> parts;
    parts.reserve(layers_[l].size());
    for (const Run& run : layers_[l]) {
      torch::Tensor gathered = values.index_select(0, run.children);
      if (run.fan_in == 1) {
        parts.push_back(gathered);
        continue;
      }
      gathered = gathered.view({run.nodes, run.fan_in, batch});
      parts.push_back(run.sum ? semiring.sum(gathered) : semiring.product(gathered));
    }
    parts.push_back(neutral);
    values = torch::cat(parts, 0);
  }
  return values.index_select(0, roots_).t();
}

torch::Tensor TensorCircuit::explain(const torch::Tensor& log_inputs, std::int64_t root) const {
  GEDILOG_CHECK(root >= 0 && root < num_roots(), "explain: no such root");
  // The gradient of a max-product value by its log-inputs is 1 on the leaves of the maximising
  // sub-circuit (max routes it to one child, a product in log space to all) and 0 elsewhere.
  torch::AutoGradMode grad_mode(true);
  const torch::Tensor x = log_inputs.detach().to(device_, dtype_).requires_grad_(true);
  const torch::Tensor best = forward(x, Semiring::max_product()).select(1, root);
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
  return log_query_values(circuit, tensors, log_inputs, Semiring::log_probability());
}

torch::Tensor log_query_values(const QueryCircuit& circuit, const TensorCircuit& tensors,
                               const torch::Tensor& log_inputs, const Semiring& semiring) {
  if (!semiring.log_space)
    throw UserError("UnknownSemiring", semiring.name, "query values are computed in a log-space semiring");
  const torch::Tensor values = tensors.forward(log_inputs, semiring);
  const torch::Tensor joint = values.index_select(1, to_device(circuit.joint_root, tensors.device()));
  std::vector<std::int64_t> evidence;  // a query without evidence divides by root 0 ...
  std::vector<double> has_evidence;    // ... times 0
  for (std::int64_t r : circuit.evidence_root) {
    evidence.push_back(std::max<std::int64_t>(r, 0));
    has_evidence.push_back(r >= 0);
  }
  if (std::none_of(has_evidence.begin(), has_evidence.end(), [](double e) { return e > 0; }))
    return joint;
  const torch::Tensor roots =
      &semiring == &Semiring::log_probability() ? values : tensors.forward(log_inputs, Semiring::log_probability());
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
