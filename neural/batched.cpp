#include "neural/batched.h"

#include <torch/torch.h>

#include <algorithm>
#include <vector>

namespace gedilog::neural {

torch::Tensor forward_in_chunks(torch::nn::Module& module, const std::function<torch::Tensor(const torch::Tensor&)>& forward,
                                const torch::Tensor& inputs, torch::Device device, std::int64_t chunk) {
  torch::NoGradGuard no_grad;
  const EvalMode eval_mode(module);
  std::vector<torch::Tensor> parts;
  for (std::int64_t i = 0; i < inputs.size(0); i += chunk)
    parts.push_back(forward(inputs.narrow(0, i, std::min(chunk, inputs.size(0) - i)).to(device)).cpu());
  if (parts.empty()) return forward(inputs.to(device)).cpu();  // no rows: the output's shape, empty
  return torch::cat(parts);
}

}  // namespace gedilog::neural
