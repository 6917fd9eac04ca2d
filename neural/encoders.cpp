#include "neural/encoders.h"

#include <c10/util/accumulate.h>
#include <torch/torch.h>

#include <stdexcept>
#include <string>

#include "neural/torchscript.h"

namespace gedilog::neural {

namespace nn = torch::nn;

namespace {

std::string shape_text(const InputShape& shape) { return c10::str(torch::IntArrayRef(shape)); }  // [1, 28, 28]

// The positions left of an image side after two stages of (two 3x3 or one 5x5 convolutions
// without padding, then 2x2 max-pooling): 28 -> 4, 32 -> 5. `net` names the architecture in
// the error for an input that is no image [C, H, W] of H, W >= 16.
std::int64_t after_two_stages(std::int64_t side) { return ((side - 4) / 2 - 4) / 2; }

std::int64_t conv_features(const char* net, const InputShape& input, std::int64_t channels_out) {
  if (input.size() != 3 || input[1] < 16 || input[2] < 16)
    throw std::invalid_argument(std::string(net) + " reads images [C, H, W] of H, W >= 16, not inputs " + shape_text(input) +
                                " (mlp reads any shape)");
  return channels_out * after_two_stages(input[1]) * after_two_stages(input[2]);
}

}  // namespace

LeNetImpl::LeNetImpl(std::int64_t num_classes, const InputShape& input) {
  const std::int64_t features = conv_features("lenet", input, 16);
  conv1_ = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(input[0], 6, 5)));
  conv2_ = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(6, 16, 5)));
  fc1_ = register_module("fc1", nn::Linear(features, 120));
  fc2_ = register_module("fc2", nn::Linear(120, 84));
  fc3_ = register_module("fc3", nn::Linear(84, num_classes));
}

torch::Tensor LeNetImpl::forward(torch::Tensor x) {
  x = torch::relu(torch::max_pool2d(conv1_(x), 2));  // [B, 6, 12, 12] for digits
  x = torch::relu(torch::max_pool2d(conv2_(x), 2));  // [B, 16, 4, 4]
  x = x.flatten(1);
  x = torch::relu(fc1_(x));
  x = torch::relu(fc2_(x));
  return fc3_(x);
}

WideCnnImpl::WideCnnImpl(std::int64_t num_classes, double dropout, const InputShape& input) : dropout_(dropout) {
  const std::int64_t features = conv_features("wide-cnn", input, 64);
  conv1_ = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(input[0], 32, 5)));
  conv2_ = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(32, 64, 5)));
  fc1_ = register_module("fc1", nn::Linear(features, 256));
  fc2_ = register_module("fc2", nn::Linear(256, num_classes));
}

torch::Tensor WideCnnImpl::forward(torch::Tensor x) {
  x = torch::relu(torch::max_pool2d(conv1_(x), 2));  // [B, 32, 12, 12]
  x = torch::relu(torch::max_pool2d(conv2_(x), 2));  // [B, 64, 4, 4]
  x = torch::dropout(x.flatten(1), dropout_, is_training());
  x = torch::dropout(torch::relu(fc1_(x)), dropout_, is_training());
  return fc2_(x);
}

namespace {
// A convolution without bias (batch norm's shift replaces it), batch norm, ReLU.
void add_conv_bn_relu(nn::Sequential& layers, std::int64_t in, std::int64_t out) {
  layers->push_back(nn::Conv2d(nn::Conv2dOptions(in, out, 3).bias(false)));
  layers->push_back(nn::BatchNorm2d(out));
  layers->push_back(nn::ReLU());
}
}  // namespace

BnCnnImpl::BnCnnImpl(std::int64_t num_classes, double dropout, std::int64_t width, const InputShape& input)
    : dropout_(dropout) {
  const std::int64_t w = width, features = conv_features(width == 16 ? "bn-cnn-small" : "bn-cnn", input, 2 * w);
  nn::Sequential layers;
  add_conv_bn_relu(layers, input[0], w);  // [B, w, 26, 26] for digits
  add_conv_bn_relu(layers, w, w);  // [B, w, 24, 24]
  layers->push_back(nn::MaxPool2d(2));
  add_conv_bn_relu(layers, w, 2 * w);      // [B, 2w, 10, 10]
  add_conv_bn_relu(layers, 2 * w, 2 * w);  // [B, 2w, 8, 8]
  layers->push_back(nn::MaxPool2d(2));
  features_ = register_module("features", layers);
  fc1_ = register_module("fc1", nn::Linear(nn::LinearOptions(features, 8 * w).bias(false)));
  bn_ = register_module("bn", nn::BatchNorm1d(8 * w));
  fc2_ = register_module("fc2", nn::Linear(8 * w, num_classes));
  // A zero output layer starts every image at the uniform distribution. With random output
  // weights, 2 of 10 seeds of 2-digit addition locked in a map of digits shifted by one in the
  // first epoch (sum accuracy 25%); with zero ones, 16 of 16 seeds learned the digits.
  torch::NoGradGuard no_grad;
  fc2_->weight.zero_();
  fc2_->bias.zero_();
}

torch::Tensor BnCnnImpl::forward(torch::Tensor x) {
  x = features_->forward(x).flatten(1);
  x = torch::dropout(torch::relu(bn_(fc1_(x))), dropout_, is_training());
  return fc2_(x);
}

MlpImpl::MlpImpl(std::int64_t num_classes, std::int64_t hidden, const InputShape& input) {
  const std::int64_t d = c10::multiply_integers(input);
  if (input.empty() || d <= 0) throw std::invalid_argument("mlp reads inputs of at least one value, not " + shape_text(input));
  layers_ = register_module("layers", nn::Sequential(nn::Linear(d, hidden), nn::ReLU(),
                                                     nn::Linear(hidden, hidden), nn::ReLU(),
                                                     nn::Linear(hidden, num_classes)));
}

torch::Tensor MlpImpl::forward(torch::Tensor images) { return layers_->forward(images.flatten(1)); }

namespace {

// Two 3x3 convolutions with batch norm; the input added back (through a 1x1 convolution when
// the block changes width or resolution), then ReLU.
class BasicBlockImpl : public torch::nn::Module {
 public:
  BasicBlockImpl(std::int64_t in, std::int64_t out, std::int64_t stride) {
    conv1_ = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false)));
    bn1_ = register_module("bn1", nn::BatchNorm2d(out));
    conv2_ = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(out, out, 3).padding(1).bias(false)));
    bn2_ = register_module("bn2", nn::BatchNorm2d(out));
    if (stride != 1 || in != out)
      shortcut_ = register_module(
          "shortcut", nn::Sequential(nn::Conv2d(nn::Conv2dOptions(in, out, 1).stride(stride).bias(false)), nn::BatchNorm2d(out)));
  }
  torch::Tensor forward(torch::Tensor x) {
    torch::Tensor y = torch::relu(bn1_(conv1_(x)));
    y = bn2_(conv2_(y));
    return torch::relu(y + (shortcut_ ? shortcut_->forward(x) : x));
  }

 private:
  nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
  nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr};
  nn::Sequential shortcut_{nullptr};
};
TORCH_MODULE(BasicBlock);

}  // namespace

ResNetImpl::ResNetImpl(std::int64_t num_classes, std::int64_t width, const InputShape& input) {
  if (input.size() != 3 || input[1] < 8 || input[2] < 8)
    throw std::invalid_argument("resnet reads images [C, H, W] of H, W >= 8, not inputs " + shape_text(input));
  nn::Sequential layers;
  layers->push_back(nn::Conv2d(nn::Conv2dOptions(input[0], width, 3).padding(1).bias(false)));
  layers->push_back(nn::BatchNorm2d(width));
  layers->push_back(nn::ReLU());
  std::int64_t in = width;
  for (std::int64_t stage = 0; stage < 3; ++stage) {
    const std::int64_t out = width << stage;
    layers->push_back(BasicBlock(in, out, stage == 0 ? 1 : 2));
    layers->push_back(BasicBlock(out, out, 1));
    in = out;
  }
  features_ = register_module("features", layers);
  fc_ = register_module("fc", nn::Linear(in, num_classes));
}

torch::Tensor ResNetImpl::forward(torch::Tensor x) {
  x = features_->forward(x);
  return fc_(x.mean({2, 3}));  // global average pooling
}

PaddedInputImpl::PaddedInputImpl(torch::nn::AnyModule network, InputShape input, std::int64_t padded, std::int64_t tuple)
    : network_(std::move(network)), input_(std::move(input)), padded_(padded), tuple_(tuple) {
  register_module("network", network_.ptr());
}

torch::Tensor PaddedInputImpl::forward(torch::Tensor rows) {
  const std::int64_t size = c10::multiply_integers(input_);
  std::vector<std::int64_t> shape = {rows.size(0)};
  shape.insert(shape.end(), input_.begin(), input_.end());
  shape[1] *= tuple_;
  return network_.forward(rows.reshape({rows.size(0), tuple_, padded_}).narrow(2, 0, size).reshape(shape));
}

torch::nn::AnyModule make_encoder(std::string_view architecture, std::int64_t outputs, const InputShape& input) {
  if (architecture == "lenet") return nn::AnyModule(LeNet(outputs, input));
  if (architecture == "wide-cnn") return nn::AnyModule(WideCnn(outputs, 0.25, input));
  if (architecture == "bn-cnn") return nn::AnyModule(BnCnn(outputs, 0.25, 32, input));
  if (architecture == "bn-cnn-small") return nn::AnyModule(BnCnn(outputs, 0.25, 16, input));
  if (architecture == "mlp") return nn::AnyModule(Mlp(outputs, 256, input));
  if (architecture == "resnet") return nn::AnyModule(ResNet(outputs, 16, input));
  if (is_torchscript(architecture))
    return load_torchscript(std::string(architecture.substr(kTorchScriptPrefix.size())), outputs, input);
  throw std::invalid_argument("no encoder named \"" + std::string(architecture) + "\"");
}

}  // namespace gedilog::neural
