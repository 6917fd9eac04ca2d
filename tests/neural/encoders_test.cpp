// Encoders: [batch, ...shape] inputs to [batch, C] logits; every listed name builds one, for
// digits, colour images and (the MLP) vectors; dropout and batch statistics only in train mode.
#include "torch_catch.h"

#include <torch/torch.h>

#include <fstream>
#include <sstream>

#include "neural/architectures.h"
#include "neural/encoders.h"
#include "neural/torchscript.h"
#include "scripted_module.h"
#include "temp_files.h"

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
  CHECK_FALSE(is_architecture("vgg"));
  CHECK_THROWS_AS(make_encoder("vgg", 5), std::invalid_argument);
}

TEST_CASE("Encoders read the input shape they are built for: colour images, tuples, vectors", "[neural][encoders]") {
  torch::manual_seed(0);
  // 32x32 colour images (CIFAR's shape), and 28x28 digit pairs stacked as two channels.
  for (const InputShape& shape : {InputShape{3, 32, 32}, InputShape{2, 28, 28}, InputShape{1, 20, 17}}) {
    std::vector<std::int64_t> batch = {3};
    batch.insert(batch.end(), shape.begin(), shape.end());
    const torch::Tensor images = torch::rand(batch);
    for (std::string_view name : kArchitectures) {
      CAPTURE(name, shape);
      CHECK(make_encoder(name, 4, shape).forward(images).sizes() == torch::IntArrayRef{3, 4});
    }
  }
  // Vectors and other tensors: the MLP reads them flattened; the convolutional ones refuse.
  CHECK(make_encoder("mlp", 2, {5}).forward(torch::rand({7, 5})).sizes() == torch::IntArrayRef{7, 2});
  CHECK(make_encoder("mlp", 2, {2, 3, 4, 5}).forward(torch::rand({7, 2, 3, 4, 5})).sizes() == torch::IntArrayRef{7, 2});
  for (std::string_view name : {"lenet", "wide-cnn", "bn-cnn", "bn-cnn-small"}) {
    CAPTURE(name);
    CHECK_THROWS_WITH(make_encoder(name, 2, {5}), Catch::Contains("reads images [C, H, W]") && Catch::Contains("[5]"));
    CHECK_THROWS_WITH(make_encoder(name, 2, {1, 12, 28}), Catch::Contains("H, W >= 16"));
  }
  CHECK_THROWS_WITH(make_encoder("resnet", 2, {3, 4, 4}), Catch::Contains("H, W >= 8"));
  // The residual network: two blocks per stage, identity shortcuts where the shape stays.
  ResNet net(10);
  CHECK(net->forward(torch::rand({2, 3, 32, 32})).sizes() == torch::IntArrayRef{2, 10});
  std::int64_t convolutions = 0;
  for (const auto& m : net->modules(false)) convolutions += m->as<torch::nn::Conv2d>() != nullptr;
  CHECK(convolutions == 1 + 12 + 2);  // the stem, 6 blocks of 2, the 1x1 shortcuts of stages 2 and 3
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

TEST_CASE("A network over padded rows reads the input cut out of each row, tuples stacked", "[neural][encoders]") {
  torch::manual_seed(0);
  torch::nn::AnyModule mlp = make_encoder("mlp", 3, {2, 3});  // a pair of [1, 3] inputs, stacked
  PaddedInput padded(mlp, InputShape{1, 3}, 5, 2);
  const torch::Tensor a = torch::rand({4, 1, 3}), b = torch::rand({4, 1, 3});
  // Rows as the bridge stacks a tuple: [a padded to 5 | b padded to 5].
  const torch::Tensor rows = torch::cat({a.flatten(1), torch::zeros({4, 2}), b.flatten(1), torch::full({4, 2}, 7.0)}, 1);
  CHECK(torch::allclose(padded->forward(rows), mlp.forward(torch::cat({a, b}, 1))));
  CHECK(padded->parameters().size() == mlp.ptr()->parameters().size());  // the network's, registered
}

TEST_CASE("A TorchScript module trains as a network and saves back with its trained tensors", "[neural][encoders]") {
  torch::manual_seed(0);
  const testing::TempFiles dir("gedilog_torchscript");
  testing::save_scripted_mlp(dir.path("mlp.pt"), 6, 8, 3);
  CHECK(is_architecture("torchscript:" + dir.path("mlp.pt")));
  torch::nn::AnyModule net = make_encoder("torchscript:" + dir.path("mlp.pt"), 3, {2, 3});
  REQUIRE(net.ptr()->parameters().size() == 4);  // the module's weights and biases
  const torch::Tensor x = torch::rand({4, 2, 3});
  const torch::Tensor before = net.forward(x).detach();
  torch::optim::SGD sgd(net.ptr()->parameters(), 0.1);
  net.forward(x).sum().backward();
  sgd.step();
  const torch::Tensor after = net.forward(x).detach();
  CHECK_FALSE(torch::allclose(before, after));
  // Saved back, PyTorch's loader reads the trained tensors.
  std::istringstream bytes(torchscript_bytes(net));
  torch::jit::Module reloaded = torch::jit::load(bytes);
  CHECK(torch::allclose(reloaded.forward({x}).toTensor(), after));
  CHECK_THROWS_AS(torchscript_bytes(make_encoder("mlp", 3, {6})), std::invalid_argument);

  // Modules that cannot serve: no TorchScript, outputs that do not fit, inputs it fails on.
  std::ofstream(dir.path("junk.pt")) << "not a module";
  CHECK_THROWS_WITH(make_encoder("torchscript:" + dir.path("junk.pt"), 3, {6}),
                    Catch::Contains("junk.pt") && Catch::Contains("does not load"));
  CHECK_THROWS_WITH(make_encoder("torchscript:" + dir.path("mlp.pt"), 4, {6}),
                    Catch::Contains("mlp.pt") && Catch::Contains("[2, 3], not [2, 4]"));
  CHECK_THROWS_WITH(make_encoder("torchscript:" + dir.path("mlp.pt"), 3, {5}),
                    Catch::Contains("mlp.pt") && Catch::Contains("fails on a batch of inputs [2, 5]"));
}

}  // namespace
}  // namespace gedilog::neural
