// Encoders: [batch, 1, 28, 28] images to [batch, C] logits; every listed name builds one;
// dropout and batch statistics only in train mode.
#include "torch_catch.h"

#include <torch/torch.h>

#include "neural/architectures.h"
#include "neural/encoders.h"

namespace gedilog::neural {
namespace {

TEST_CASE("every encoder maps a batch of images to one logit per class", "[neural][encoders]") {
  torch::manual_seed(0);
  const torch::Tensor images = torch::rand({5, 1, 28, 28});
  CHECK(LeNet(7)->forward(images).sizes() == torch::IntArrayRef{5, 7});
  CHECK(WideCnn(3)->forward(images).sizes() == torch::IntArrayRef{5, 3});
  CHECK(BnCnn(6)->forward(images).sizes() == torch::IntArrayRef{5, 6});
  CHECK(Mlp(4, 32)->forward(images).sizes() == torch::IntArrayRef{5, 4});
}

TEST_CASE("make_encoder builds every listed architecture and no other", "[neural][encoders]") {
  const torch::Tensor images = torch::rand({2, 1, 28, 28});
  for (std::string_view name : kArchitectures) {
    CAPTURE(name);
    CHECK(is_architecture(name));
    CHECK(make_encoder(name, 5).forward(images).sizes() == torch::IntArrayRef{2, 5});
  }
  CHECK_FALSE(is_architecture("resnet"));
  CHECK_THROWS_AS(make_encoder("resnet", 5), std::invalid_argument);
}

TEST_CASE("the wide CNN drops units in train mode only", "[neural][encoders]") {
  torch::manual_seed(0);
  WideCnn net(10, 0.5);
  const torch::Tensor images = torch::rand({4, 1, 28, 28});
  net->train();
  CHECK_FALSE(torch::allclose(net->forward(images), net->forward(images)));
  net->eval();
  CHECK(torch::equal(net->forward(images), net->forward(images)));
  // Without dropout, train and eval mode compute the same function.
  WideCnn plain(10, 0.0);
  plain->train();
  const torch::Tensor in_train = plain->forward(images);
  plain->eval();
  CHECK(torch::allclose(in_train, plain->forward(images)));
}

TEST_CASE("the batch-norm CNN starts uniform and uses batch statistics in train mode only", "[neural][encoders]") {
  torch::manual_seed(0);
  BnCnn net(10, 0.0);
  const torch::Tensor images = torch::rand({8, 1, 28, 28});
  CHECK(torch::equal(net->forward(images), torch::zeros({8, 10})));  // every digit 1/10
  {
    torch::NoGradGuard no_grad;  // an output layer as after some training
    for (auto& p : net->named_parameters())
      if (p.key().rfind("fc2.", 0) == 0) p.value().uniform_(-1, 1);
  }
  // In train mode an image's logits depend on the rest of its batch, in eval mode they do not.
  net->train();
  const torch::Tensor whole = net->forward(images);
  CHECK_FALSE(torch::allclose(whole.slice(0, 0, 4), net->forward(images.slice(0, 0, 4))));
  net->eval();
  CHECK(torch::allclose(net->forward(images).slice(0, 0, 4), net->forward(images.slice(0, 0, 4)), 1e-5, 1e-6));
}

}  // namespace
}  // namespace gedilog::neural
