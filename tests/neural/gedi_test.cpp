// The GEDI objective's terms: shapes and values, the uniformity term's minimum, that each term
// decreases under gradient descent on a tiny problem, and the SGLD replay buffer's behaviour.
#include "torch_catch.h"

#include <cmath>

#include "neural/gedi.h"

namespace gedilog::neural {
namespace {

TEST_CASE("energy is -logsumexp of the logits", "[neural][gedi]") {
  const torch::Tensor logits = torch::tensor({{0.0, 0.0}, {1.0, -1.0}}, torch::kFloat64);
  const torch::Tensor e = energy(logits);
  REQUIRE(e.sizes() == torch::IntArrayRef({2}));
  CHECK(e[0].item<double>() == Approx(-std::log(2.0)));
  CHECK(e[1].item<double>() == Approx(-std::log(std::exp(1.0) + std::exp(-1.0))));
}

TEST_CASE("the uniformity term is minimal, C log C, at a uniform batch", "[neural][gedi]") {
  const int c = 4;
  // A confident batch that uses every cluster equally: mean prediction uniform.
  const torch::Tensor balanced = torch::eye(c, torch::kFloat64) * 20;
  CHECK(uniformity_loss(balanced).item<double>() == Approx(c * std::log(c)).epsilon(1e-6));
  // Collapsed: every input in cluster 0.
  torch::Tensor collapsed = torch::zeros({c, c}, torch::kFloat64);
  collapsed.select(1, 0).fill_(20);
  CHECK(uniformity_loss(collapsed).item<double>() > c * std::log(c) + 10);
  // Any other batch costs at least C log C.
  torch::manual_seed(3);
  for (int trial = 0; trial < 20; ++trial)
    CHECK(uniformity_loss(torch::randn({8, c}, torch::kFloat64) * 3).item<double>() >=
          c * std::log(c) - 1e-9);
}

TEST_CASE("the invariance term is the cross-entropy between the views", "[neural][gedi]") {
  const torch::Tensor a = torch::tensor({{2.0, 0.0, -1.0}}, torch::kFloat64);
  const torch::Tensor b = torch::tensor({{0.5, 0.5, 0.0}}, torch::kFloat64);
  const double expected = -(torch::softmax(b, 1) * torch::log_softmax(a, 1)).sum().item<double>();
  CHECK(invariance_loss(a, b).item<double>() == Approx(expected));
}

// Gradient descent on a tiny linear encoder (8 two-pixel inputs, 3 clusters).
double descend(const std::function<torch::Tensor(const torch::Tensor&)>& loss_of_logits, double* first) {
  torch::manual_seed(11);
  const torch::Tensor x = torch::randn({8, 2});
  const torch::Tensor x_view = x + 0.3 * torch::randn({8, 2});
  torch::nn::Linear f(2, 3);
  torch::optim::SGD sgd(f->parameters(), 0.1);
  double loss = 0;
  for (int step = 0; step < 100; ++step) {
    const torch::Tensor l = loss_of_logits(torch::cat({f(x), f(x_view)}, 0));
    if (step == 0) *first = l.item<double>();
    loss = l.item<double>();
    sgd.zero_grad();
    l.backward();
    sgd.step();
  }
  return loss;
}

TEST_CASE("each term decreases under gradient descent on a tiny problem", "[neural][gedi]") {
  double first = 0;
  const double inv = descend([](const torch::Tensor& l) {
    return invariance_loss(l.narrow(0, 0, 8), l.narrow(0, 8, 8));
  }, &first);
  CHECK(inv < first - 0.05);
  const double unif = descend([](const torch::Tensor& l) { return uniformity_loss(l); }, &first);
  CHECK(unif < first);
  CHECK(unif == Approx(3 * std::log(3.0)).epsilon(1e-3));
  // Generative term, the second view standing in for negatives: the data's energy goes down
  // relative to theirs.
  const double gen = descend([](const torch::Tensor& l) {
    return generative_loss(energy(l.narrow(0, 0, 8)), energy(l.narrow(0, 8, 8)));
  }, &first);
  CHECK(gen < first);
}

TEST_CASE("SGLD lowers the energy and keeps its chains in the replay buffer", "[neural][gedi]") {
  torch::manual_seed(5);
  SgldOptions options;
  options.buffer_size = 200;
  options.step_size = 0.05;
  SgldSampler sampler({2, 3}, options);
  REQUIRE(sampler.buffer().sizes() == torch::IntArrayRef({200, 2, 3}));
  CHECK(sampler.buffer().min().item<double>() >= 0.0);
  CHECK(sampler.buffer().max().item<double>() <= 1.0);
  // E(x) = ||x - 0.3||^2: chains move towards 0.3.
  auto energy_of = [](const torch::Tensor& x) { return (x - 0.3).pow(2).flatten(1).sum(1); };
  const double before = energy_of(sampler.buffer()).mean().item<double>();
  const torch::Tensor first = sampler.sample(64, energy_of);
  REQUIRE(first.sizes() == torch::IntArrayRef({64, 2, 3}));
  CHECK(energy_of(first).mean().item<double>() < 0.5 * before);
  // The chains' ends went back: the buffer's energy fell; ~5% restarted from noise.
  for (int i = 0; i < 30; ++i) sampler.sample(64, energy_of);
  CHECK(energy_of(sampler.buffer()).mean().item<double>() < 0.5 * before);
  const double share = sampler.restarted() / (31.0 * 64);
  CHECK(share > 0.02);
  CHECK(share < 0.09);
  // Restarting every chain ignores the buffer.
  SgldOptions fresh = options;
  fresh.reinit = 1.0;
  fresh.steps = 0;
  SgldSampler noise_only({2, 3}, fresh);
  noise_only.sample(10, energy_of);
  CHECK(noise_only.restarted() == 10);
}

}  // namespace
}  // namespace gedilog::neural
