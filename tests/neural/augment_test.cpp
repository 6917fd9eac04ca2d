// Augmentations: identity when off, shapes, reproducible from a seed, geometry of each map.
#include "torch_catch.h"

#include "neural/augment.h"

namespace gedilog::neural {
namespace {

torch::Generator seeded(std::uint64_t seed) { return torch::make_generator<torch::CPUGeneratorImpl>(seed); }

// A 1x1x28x28 image, 1 on a 4x4 square at rows/cols [r, r+4) x [c, c+4), 0 elsewhere.
torch::Tensor square(int r, int c) {
  torch::Tensor image = torch::zeros({1, 1, 28, 28});
  image.slice(2, r, r + 4).slice(3, c, c + 4).fill_(1);
  return image;
}

// Centre of mass (row, column) of one image.
std::pair<double, double> centre(const torch::Tensor& image) {
  const torch::Tensor w = image.squeeze();
  const torch::Tensor idx = torch::arange(28, torch::kFloat);
  const double mass = w.sum().item<double>();
  return {(w.sum(1) * idx).sum().item<double>() / mass, (w.sum(0) * idx).sum().item<double>() / mass};
}

TEST_CASE("no option set returns the images unchanged", "[neural][augment]") {
  torch::Generator gen = seeded(1);
  const torch::Tensor images = torch::rand({3, 1, 28, 28});
  CHECK(augment(images, {}, gen).equal(images));
}

TEST_CASE("augmentations keep the shape and are reproducible from a seed", "[neural][augment]") {
  AugmentOptions o;
  o.rotation = 20, o.translation = 0.1, o.scale = 0.1, o.noise = 0.05;
  const torch::Tensor images = torch::rand({8, 1, 28, 28});
  torch::Generator a = seeded(7), b = seeded(7), c = seeded(8);
  const torch::Tensor va = augment(images, o, a);
  CHECK(va.sizes() == images.sizes());
  CHECK(va.equal(augment(images, o, b)));
  CHECK_FALSE(va.equal(augment(images, o, c)));
  // Each image draws its own map: two copies of one image come out different.
  const torch::Tensor twins = images.narrow(0, 0, 1).repeat({2, 1, 1, 1});
  const torch::Tensor v = augment(twins, o, a);
  CHECK((v[0] - v[1]).abs().max().item<double>() > 0.01);
  // Noise stays in the pixel range.
  CHECK(va.min().item<double>() >= 0);
  CHECK(va.max().item<double>() <= 1);
}

TEST_CASE("translation moves the centre of mass by at most the bound", "[neural][augment]") {
  AugmentOptions o;
  o.translation = 0.1;  // 2.8 pixels
  torch::Generator gen = seeded(3);
  const torch::Tensor image = square(12, 12);
  const auto [r0, c0] = centre(image);
  double largest = 0;
  for (int i = 0; i < 20; ++i) {
    const auto [r, c] = centre(augment(image, o, gen));
    CHECK(std::abs(r - r0) <= 2.8 + 1e-3);
    CHECK(std::abs(c - c0) <= 2.8 + 1e-3);
    largest = std::max({largest, std::abs(r - r0), std::abs(c - c0)});
  }
  CHECK(largest > 1.0);  // it does move
}

TEST_CASE("rotation turns an off-centre square about the image centre", "[neural][augment]") {
  AugmentOptions o;
  o.rotation = 180;
  torch::Generator gen = seeded(5);
  const torch::Tensor image = square(4, 12);  // above the centre (13.5, 13.5)
  for (int i = 0; i < 20; ++i) {
    const auto [r, c] = centre(augment(image, o, gen));
    // The distance to the centre is kept (up to interpolation), the angle changes.
    const double before = std::hypot(5.5 - 13.5, 13.5 - 13.5);
    CHECK(std::hypot(r - 13.5, c - 13.5) == Approx(before).margin(0.5));
  }
}

TEST_CASE("scale keeps the centre and changes the ink", "[neural][augment]") {
  AugmentOptions o;
  o.scale = 0.3;
  torch::Generator gen = seeded(9);
  const torch::Tensor image = square(12, 12);
  const double ink = image.sum().item<double>();
  bool grew = false, shrank = false;
  for (int i = 0; i < 20; ++i) {
    const torch::Tensor out = augment(image, o, gen);
    const auto [r, c] = centre(out);
    CHECK(r == Approx(13.5).margin(0.05));
    CHECK(c == Approx(13.5).margin(0.05));
    const double v = out.sum().item<double>();
    grew = grew || v > ink * 1.1;
    shrank = shrank || v < ink * 0.9;
  }
  CHECK(grew);
  CHECK(shrank);
}

TEST_CASE("gradients flow through an augmentation to the images", "[neural][augment]") {
  AugmentOptions o;
  o.rotation = 10, o.translation = 0.05;
  torch::Generator gen = seeded(2);
  const torch::Tensor images = torch::rand({2, 1, 28, 28}).requires_grad_();
  augment(images, o, gen).sum().backward();
  REQUIRE(images.grad().defined());
  CHECK(images.grad().abs().sum().item<double>() > 0);
}

TEST_CASE("augment refuses an image batch of the wrong rank", "[neural][augment]") {
  torch::Generator gen = seeded(2);
  AugmentOptions o;
  o.noise = 0.1;
  CHECK_THROWS(augment(torch::rand({28, 28}), o, gen));
}

}  // namespace
}  // namespace gedilog::neural
