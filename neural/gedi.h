#pragma once
// The terms of the GEDI objective (DESIGN.md, "Perception objectives"). f(x) are the cluster
// logits [batch, C], p(y|x) = softmax(f(x)), x and x' two augmentations of one input.
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "neural/options.h"

namespace gedilog::neural {

// E(x) = -logsumexp_y f(x)_y: [batch, C] -> [batch].
torch::Tensor energy(const torch::Tensor& logits);

// Contrastive divergence: mean E(data) - mean E(negatives) (minimised: data energy down,
// negatives' energy up).
torch::Tensor generative_loss(const torch::Tensor& data_energy, const torch::Tensor& negative_energy);

// L_inv = -(1/B) Σ_i Σ_y p(y|x'_i) log p(y|x_i): cross-entropy between the two views.
torch::Tensor invariance_loss(const torch::Tensor& logits, const torch::Tensor& other_view_logits);

// L_unif = -Σ_y log((1/B) Σ_i p(y|x_i)): the uniform prior over clusters. Its minimum, C log C,
// is reached when the batch's mean prediction is uniform; a collapsed batch costs more.
torch::Tensor uniformity_loss(const torch::Tensor& logits);

// Negatives for contrastive divergence: Stochastic Gradient Langevin Dynamics,
// x <- x - step_size * dE/dx + noise * N(0, 1) (clamped into the data range if asked), started
// from a replay buffer of earlier chains' ends (a share `reinit` restarted from uniform noise);
// the chains' ends go back into the buffer. Random draws use LibTorch's default generator
// (seed with torch::manual_seed).
class SgldSampler {
 public:
  static constexpr const char* kBufferName = "sgld_buffer";
  SgldSampler(std::vector<std::int64_t> sample_shape, SgldOptions options = {},
              torch::Device device = torch::kCPU);

  // `batch` negatives; energy_of maps [batch, sample_shape...] to [batch].
  torch::Tensor sample(std::int64_t batch,
                       const std::function<torch::Tensor(const torch::Tensor&)>& energy_of);

  // The replay buffer, [buffer_size, sample_shape...], updated in place: a module that owns the
  // sampler registers it as a buffer named kBufferName, so that to(device) moves it and
  // checkpoints hold it (and data-parallel ranks keep their own: neural/distributed.h).
  const torch::Tensor& buffer() const { return buffer_; }
  const SgldOptions& options() const { return options_; }
  std::int64_t restarted() const { return restarted_; }  // chains restarted from noise so far

 private:
  torch::Tensor noise(std::int64_t count, torch::Device device) const;

  std::vector<std::int64_t> shape_;
  SgldOptions options_;
  torch::Tensor buffer_;
  std::int64_t restarted_ = 0;
};

}  // namespace gedilog::neural
