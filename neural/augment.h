#pragma once
// Image augmentations as batched tensor ops (DESIGN.md, "Perception objectives"): every image
// of a batch gets its own random affine map (rotation, translation, scale) in one
// affine_grid + grid_sample, then optional Gaussian pixel noise. Draws come from the generator
// given, so a seeded generator makes the views reproducible.
#include <torch/types.h>

#include "neural/options.h"

namespace gedilog::neural {

// [batch, channels, H, W] -> a randomly transformed copy of the same shape (the input itself
// when no option is set). Gradients flow to the images.
torch::Tensor augment(const torch::Tensor& images, const AugmentOptions& options, torch::Generator& generator);

}  // namespace gedilog::neural
