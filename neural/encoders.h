#pragma once
// Encoders: each maps a batch of inputs [batch, ...shape] to C cluster logits (the neural
// predicate's domain), the f(x) of DESIGN.md. `input` is the shape of one input: {1, 28, 28} for
// MNIST digits, {C, H, W} for images (the convolutional ones need H, W >= 16), {D} for vectors
// (the MLP reads any shape flattened); a network that reads a tuple of K inputs reads them
// stacked along the first dimension ({K, 28, 28} for K digits).
#include <torch/nn.h>
#include <torch/nn/modules/container/any.h>

#include <string_view>
#include <vector>

namespace gedilog::neural {

using InputShape = std::vector<std::int64_t>;
inline const InputShape kDigitShape = {1, 28, 28};

// DeepProbLog's MNIST network: two 5x5 convolutions with max-pooling, three linear layers.
class LeNetImpl : public torch::nn::Module {
 public:
  explicit LeNetImpl(std::int64_t num_classes = 10, const InputShape& input = kDigitShape);
  torch::Tensor forward(torch::Tensor images);  // [batch, channels, H, W] -> [batch, C] logits

 private:
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr}, fc3_{nullptr};
};
TORCH_MODULE(LeNet);

// LeNet's shape with more capacity, for when LeNet's accuracy is the limit: 32 and 64 5x5
// convolutions, 256 hidden units, dropout before each linear layer (active in train mode).
class WideCnnImpl : public torch::nn::Module {
 public:
  explicit WideCnnImpl(std::int64_t num_classes = 10, double dropout = 0.25, const InputShape& input = kDigitShape);
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
                     const InputShape& input = kDigitShape);
  torch::Tensor forward(torch::Tensor images);

 private:
  torch::nn::Sequential features_{nullptr};
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr};
  torch::nn::BatchNorm1d bn_{nullptr};
  double dropout_;
};
TORCH_MODULE(BnCnn);

// A multilayer perceptron on the flattened input: D -> hidden -> hidden -> C.
class MlpImpl : public torch::nn::Module {
 public:
  explicit MlpImpl(std::int64_t num_classes = 10, std::int64_t hidden = 256, const InputShape& input = kDigitShape);
  torch::Tensor forward(torch::Tensor images);

 private:
  torch::nn::Sequential layers_{nullptr};
};
TORCH_MODULE(Mlp);

// A small residual network for colour images (CIFAR's 32x32 and the like; any H, W >= 8): a 3x3
// convolution of `width` channels, three stages of two basic blocks (3x3 convolutions with
// batch norm, an identity or 1x1 shortcut) of width, 2 width and 4 width channels, the second
// and third halving the resolution, global average pooling and a linear layer: He et al.'s
// CIFAR ResNet-14 layout ("Deep residual learning for image recognition", 2016, section 4.2).
class ResNetImpl : public torch::nn::Module {
 public:
  explicit ResNetImpl(std::int64_t num_classes = 10, std::int64_t width = 16, const InputShape& input = {3, 32, 32});
  torch::Tensor forward(torch::Tensor images);

 private:
  torch::nn::Sequential features_{nullptr};
  torch::nn::Linear fc_{nullptr};
};
TORCH_MODULE(ResNet);

// A network over rows padded to one length, for a task whose inputs have several shapes (each
// row an input flattened and zero-padded to `padded` values): a row of a tuple of K inputs
// ([K * padded] values, as rows are stacked) becomes the network's input, each part cut to its
// first prod(input) values and the K of them stacked along the first dimension.
class PaddedInputImpl : public torch::nn::Module {
 public:
  PaddedInputImpl(torch::nn::AnyModule network, InputShape input, std::int64_t padded, std::int64_t tuple = 1);
  torch::Tensor forward(torch::Tensor rows);  // [B, tuple * padded] (or [B, padded] when tuple is 1)
  const torch::nn::AnyModule& network() const { return network_; }

 private:
  torch::nn::AnyModule network_;
  InputShape input_;
  std::int64_t padded_, tuple_;
};
TORCH_MODULE(PaddedInput);

// The encoder named `architecture` (one of kArchitectures, neural/architectures.h, or
// "torchscript:PATH", neural/torchscript.h) with
// `outputs` logits on inputs of shape `input`; std::invalid_argument for any other name, or a
// shape the architecture cannot read (the message says why).
torch::nn::AnyModule make_encoder(std::string_view architecture, std::int64_t outputs, const InputShape& input = kDigitShape);

}  // namespace gedilog::neural
