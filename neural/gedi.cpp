#include "neural/gedi.h"

#include <torch/torch.h>

#include <stdexcept>

namespace gedilog::neural {

torch::Tensor energy(const torch::Tensor& logits) { return -torch::logsumexp(logits, 1); }

torch::Tensor generative_loss(const torch::Tensor& data_energy, const torch::Tensor& negative_energy) {
  return data_energy.mean() - negative_energy.mean();
}

torch::Tensor invariance_loss(const torch::Tensor& logits, const torch::Tensor& other_view_logits) {
  return -(torch::softmax(other_view_logits, 1) * torch::log_softmax(logits, 1)).sum(1).mean();
}

torch::Tensor uniformity_loss(const torch::Tensor& logits) {
  // log of the batch mean of p(y|x), computed in log space: logsumexp_i log p(y|x_i) - log B.
  const torch::Tensor log_mean =
      torch::logsumexp(torch::log_softmax(logits, 1), 0) - std::log(static_cast<double>(logits.size(0)));
  return -log_mean.sum();
}

SgldSampler::SgldSampler(std::vector<std::int64_t> sample_shape, SgldOptions options,
                         torch::Device device)
    : shape_(std::move(sample_shape)), options_(options) {
  if (options_.buffer_size < 1 || options_.steps < 0 || options_.reinit < 0 || options_.reinit > 1)
    throw std::invalid_argument("SGLD options: buffer_size >= 1, steps >= 0, reinit in [0, 1]");
  buffer_ = noise(options_.buffer_size, device);
}

torch::Tensor SgldSampler::noise(std::int64_t count, torch::Device device) const {
  std::vector<std::int64_t> shape{count};
  shape.insert(shape.end(), shape_.begin(), shape_.end());
  return torch::rand(shape, torch::TensorOptions().device(device)) * (options_.high - options_.low) +
         options_.low;
}

torch::Tensor SgldSampler::sample(std::int64_t batch,
                                  const std::function<torch::Tensor(const torch::Tensor&)>& energy_of) {
  const torch::Device device = buffer_.device();  // where its owner moved it
  const torch::Tensor index =
      torch::randint(options_.buffer_size, {batch}, torch::TensorOptions().dtype(torch::kLong).device(device));
  torch::Tensor x = buffer_.index_select(0, index);
  const torch::Tensor restart = torch::rand({batch}, torch::TensorOptions().device(device)) < options_.reinit;
  restarted_ += restart.sum().item<std::int64_t>();
  std::vector<std::int64_t> mask_shape(x.dim(), 1);
  mask_shape[0] = batch;
  x = torch::where(restart.view(mask_shape), noise(batch, device), x);

  torch::AutoGradMode grad_mode(true);
  for (int step = 0; step < options_.steps; ++step) {
    x = x.detach().requires_grad_(true);
    const torch::Tensor grad = torch::autograd::grad({energy_of(x).sum()}, {x})[0];
    x = x.detach() - options_.step_size * grad + options_.noise * torch::randn_like(x);
    if (options_.clamp) x = x.clamp(options_.low, options_.high);
  }
  x = x.detach();
  buffer_.index_copy_(0, index, x);
  return x;
}

}  // namespace gedilog::neural
