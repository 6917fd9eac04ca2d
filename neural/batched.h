#pragma once
// Inference over many images, one way for every caller: eval mode for the call (the module's
// mode restored after), no gradients, chunks moved to the device, results on the CPU.
#include <torch/nn/module.h>

#include <cstdint>
#include <functional>

namespace gedilog::neural {

// Eval mode for a module while it lives; the mode the module had is restored after.
class EvalMode {
 public:
  explicit EvalMode(torch::nn::Module& module) : module_(module), was_training_(module.is_training()) {
    module_.eval();
  }
  ~EvalMode() { module_.train(was_training_); }
  EvalMode(const EvalMode&) = delete;
  EvalMode& operator=(const EvalMode&) = delete;

 private:
  torch::nn::Module& module_;
  bool was_training_;
};

// forward(chunk) over the rows of `inputs`, `chunk` rows at a time moved to `device`, with
// `module` in eval mode and no gradients; the outputs concatenated on the CPU. Under several
// ranks (neural/distributed.h) each computes its share of the rows and every rank gets all of
// them: a collective, so every rank must make the same calls (the training loop's evaluation
// and the epochs' read-outs do).
torch::Tensor forward_in_chunks(torch::nn::Module& module, const std::function<torch::Tensor(const torch::Tensor&)>& forward,
                                const torch::Tensor& inputs, torch::Device device, std::int64_t chunk = 1000);

}  // namespace gedilog::neural
