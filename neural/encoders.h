#pragma once
// Encoders for 28x28 grey images: each maps [batch, 1, 28, 28] to C cluster logits (the
// neural predicate's domain), the f(x) of DESIGN.md; [batch, K, 28, 28] for a network that
// reads a tuple of K images.
#include <torch/nn.h>
#include <torch/nn/modules/container/any.h>

#include <string_view>

namespace gedilog::neural {

// DeepProbLog's MNIST network: two 5x5 convolutions with max-pooling, three linear layers.
class LeNetImpl : public torch::nn::Module {
 public:
  explicit LeNetImpl(std::int64_t num_classes = 10, std::int64_t channels = 1);
  torch::Tensor forward(torch::Tensor images);  // [batch, channels, 28, 28] -> [batch, C] logits

 private:
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr}, fc3_{nullptr};
};
TORCH_MODULE(LeNet);

// LeNet's shape with more capacity, for when LeNet's accuracy is the limit: 32 and 64 5x5
// convolutions, 256 hidden units, dropout before each linear layer (active in train mode).
class WideCnnImpl : public torch::nn::Module {
 public:
  explicit WideCnnImpl(std::int64_t num_classes = 10, double dropout = 0.25, std::int64_t channels = 1);
  torch::Tensor forward(torch::Tensor images);

 private:
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr};
  double dropout_;
};
TORCH_MODULE(WideCnn);

// A deeper CNN with batch normalisation, for when the wide CNN is the limit: two blocks of two
// 3x3 convolutions (`width`, then 2 `width` channels, each with batch norm and ReLU) and
// max-pooling, then 8 `width` hidden units with batch norm and dropout (active in train mode).
// "bn-cnn" is width 32 (10 M multiply-adds an image), "bn-cnn-small" width 16 (2.5 M).
class BnCnnImpl : public torch::nn::Module {
 public:
  explicit BnCnnImpl(std::int64_t num_classes = 10, double dropout = 0.25, std::int64_t width = 32,
                     std::int64_t channels = 1);
  torch::Tensor forward(torch::Tensor images);

 private:
  torch::nn::Sequential features_{nullptr};
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr};
  torch::nn::BatchNorm1d bn_{nullptr};
  double dropout_;
};
TORCH_MODULE(BnCnn);

// A multilayer perceptron on the flattened image: 784 -> hidden -> hidden -> C.
class MlpImpl : public torch::nn::Module {
 public:
  explicit MlpImpl(std::int64_t num_classes = 10, std::int64_t hidden = 256, std::int64_t channels = 1);
  torch::Tensor forward(torch::Tensor images);

 private:
  torch::nn::Sequential layers_{nullptr};
};
TORCH_MODULE(Mlp);

// The encoder named `architecture` (one of kArchitectures, neural/architectures.h) with
// `outputs` logits on images of `channels` channels (a network of a neural predicate with K
// inputs reads them stacked as K channels); std::invalid_argument for any other name.
torch::nn::AnyModule make_encoder(std::string_view architecture, std::int64_t outputs, std::int64_t channels = 1);

}  // namespace gedilog::neural
