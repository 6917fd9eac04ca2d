// Encoders: [batch, 1, 28, 28] images to [batch, C] logits; dropout only in train mode.
#include "torch_catch.h"

#include <torch/torch.h>

#include "neural/encoders.h"

namespace gedilog::neural {
namespace {

TEST_CASE("every encoder maps a batch of images to one logit per class", "[neural][encoders]") {
  torch::manual_seed(0);
  const torch::Tensor images = torch::rand({5, 1, 28, 28});
  CHECK(LeNet(7)->forward(images).sizes() == torch::IntArrayRef{5, 7});
  CHECK(WideCnn(3)->forward(images).sizes() == torch::IntArrayRef{5, 3});
  CHECK(Mlp(4, 32)->forward(images).sizes() == torch::IntArrayRef{5, 4});
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

}  // namespace
}  // namespace gedilog::neural
