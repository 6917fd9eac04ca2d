#include "neural/batched.h"

#include <torch/torch.h>

#include <algorithm>
#include <vector>

#include "neural/distributed.h"

namespace gedilog::neural {

namespace {

torch::Tensor chunked(const std::function<torch::Tensor(const torch::Tensor&)>& forward, const torch::Tensor& inputs,
                      torch::Device device, std::int64_t chunk) {
  std::vector<torch::Tensor> parts;
  for (std::int64_t i = 0; i < inputs.size(0); i += chunk)
    parts.push_back(forward(inputs.narrow(0, i, std::min(chunk, inputs.size(0) - i)).to(device)).cpu());
  if (parts.empty()) return forward(inputs.to(device)).cpu();  // no rows: the output's shape, empty
  return torch::cat(parts);
}

}  // namespace

torch::Tensor forward_in_chunks(torch::nn::Module& module, const std::function<torch::Tensor(const torch::Tensor&)>& forward,
                                const torch::Tensor& inputs, torch::Device device, std::int64_t chunk) {
  torch::NoGradGuard no_grad;
  const EvalMode eval_mode(module);
  ProcessGroup& ranks = process_group();
  const std::int64_t n = inputs.size(0);
  if (ranks.alone() || n < 2 * ranks.size()) return chunked(forward, inputs, device, chunk);
  // Each rank its contiguous share of the rows, the others' filled in by a sum over the ranks
  // (x + 0 is x: the result is one process's, bit for bit).
  const auto [from, to] = ranks.share(n);
  const torch::Tensor mine = chunked(forward, inputs.narrow(0, from, to - from), device, chunk);
  std::vector<std::int64_t> shape = mine.sizes().vec();
  shape[0] = n;
  std::vector<torch::Tensor> all{torch::zeros(shape, mine.options())};
  all[0].narrow(0, from, to - from).copy_(mine);
  ranks.all_reduce_sum(all);
  return all[0];
}

}  // namespace gedilog::neural
