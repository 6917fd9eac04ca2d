#pragma once
// Image augmentations as batched tensor ops (DESIGN.md, "Perception objectives"): every image
// of a batch gets its own random affine map (rotation, translation, scale) in one
// affine_grid + grid_sample, then optional Gaussian pixel noise. Draws come from the generator
// given, so a seeded generator makes the views reproducible.
#include <torch/types.h>

namespace gedilog::neural {

struct AugmentOptions {
  double rotation = 0;     // degrees: uniform in [-rotation, rotation]
  double translation = 0;  // share of the image size: uniform in [-t, t] on each axis
  double scale = 0;        // zoom uniform in [1 - scale, 1 + scale]
  double noise = 0;        // standard deviation of pixel noise
  double low = 0, high = 1;  // the pixel range: noisy images are clamped to it

  bool any() const { return rotation > 0 || translation > 0 || scale > 0 || noise > 0; }
};

// [batch, channels, H, W] -> a randomly transformed copy of the same shape (the input itself
// when no option is set). Gradients flow to the images.
torch::Tensor augment(const torch::Tensor& images, const AugmentOptions& options, torch::Generator& generator);

}  // namespace gedilog::neural
