#include "neural/encoders.h"

#include <torch/torch.h>

namespace gedilog::neural {

namespace nn = torch::nn;

LeNetImpl::LeNetImpl(std::int64_t num_classes) {
  conv1_ = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(1, 6, 5)));
  conv2_ = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(6, 16, 5)));
  fc1_ = register_module("fc1", nn::Linear(16 * 4 * 4, 120));
  fc2_ = register_module("fc2", nn::Linear(120, 84));
  fc3_ = register_module("fc3", nn::Linear(84, num_classes));
}

torch::Tensor LeNetImpl::forward(torch::Tensor x) {
  x = torch::relu(torch::max_pool2d(conv1_(x), 2));  // [B, 6, 12, 12]
  x = torch::relu(torch::max_pool2d(conv2_(x), 2));  // [B, 16, 4, 4]
  x = x.flatten(1);
  x = torch::relu(fc1_(x));
  x = torch::relu(fc2_(x));
  return fc3_(x);
}

WideCnnImpl::WideCnnImpl(std::int64_t num_classes, double dropout) : dropout_(dropout) {
  conv1_ = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(1, 32, 5)));
  conv2_ = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(32, 64, 5)));
  fc1_ = register_module("fc1", nn::Linear(64 * 4 * 4, 256));
  fc2_ = register_module("fc2", nn::Linear(256, num_classes));
}

torch::Tensor WideCnnImpl::forward(torch::Tensor x) {
  x = torch::relu(torch::max_pool2d(conv1_(x), 2));  // [B, 32, 12, 12]
  x = torch::relu(torch::max_pool2d(conv2_(x), 2));  // [B, 64, 4, 4]
  x = torch::dropout(x.flatten(1), dropout_, is_training());
  x = torch::dropout(torch::relu(fc1_(x)), dropout_, is_training());
  return fc2_(x);
}

MlpImpl::MlpImpl(std::int64_t num_classes, std::int64_t hidden) {
  layers_ = register_module("layers", nn::Sequential(nn::Linear(28 * 28, hidden), nn::ReLU(),
                                                     nn::Linear(hidden, hidden), nn::ReLU(),
                                                     nn::Linear(hidden, num_classes)));
}

torch::Tensor MlpImpl::forward(torch::Tensor images) { return layers_->forward(images.flatten(1)); }

}  // namespace gedilog::neural
