#include "neural/augment.h"

#include <torch/nn/functional/vision.h>
#include <torch/torch.h>

#include <cmath>

namespace gedilog::neural {

namespace {

// Uniform in [-width, width], one per image.
torch::Tensor symmetric(std::int64_t n, double width, torch::Generator& gen, const torch::TensorOptions& options) {
  return (torch::rand({n}, gen, options) * 2 - 1) * width;
}

}  // namespace

torch::Tensor augment(const torch::Tensor& images, const AugmentOptions& o, torch::Generator& gen) {
  if (!o.any()) return images;  // whatever the inputs' shape
  TORCH_CHECK(images.dim() == 4, "augment expects [batch, channels, H, W], got ", images.sizes());
  const std::int64_t n = images.size(0);
  // Draws on the CPU generator, then moved: the same views whatever the device.
  const auto cpu = torch::TensorOptions().dtype(torch::kFloat);
  torch::Tensor out = images;
  if (o.rotation > 0 || o.translation > 0 || o.scale > 0) {
    const torch::Tensor angle = symmetric(n, o.rotation * M_PI / 180, gen, cpu);
    // The grid maps output to input coordinates: dividing by the zoom enlarges the digit.
    const torch::Tensor inverse_zoom = 1 / (1 + symmetric(n, o.scale, gen, cpu));
    // affine_grid's coordinates span [-1, 1]: a shift of t image sizes is 2t.
    const torch::Tensor tx = symmetric(n, 2 * o.translation, gen, cpu);
    const torch::Tensor ty = symmetric(n, 2 * o.translation, gen, cpu);
    const torch::Tensor c = angle.cos() * inverse_zoom, s = angle.sin() * inverse_zoom;
    const torch::Tensor theta =
        torch::stack({torch::stack({c, -s, tx}, 1), torch::stack({s, c, ty}, 1)}, 1).to(images.options());
    namespace F = torch::nn::functional;
    const torch::Tensor grid = F::affine_grid(theta, images.sizes(), /*align_corners=*/false);
    out = F::grid_sample(images, grid,
                         F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kZeros).align_corners(false));
  }
  if (o.noise > 0)
    out = (out + torch::randn(images.sizes(), gen, cpu).to(images.options()) * o.noise).clamp(o.low, o.high);
  return out;
}

}  // namespace gedilog::neural
