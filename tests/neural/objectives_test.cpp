// Perception objectives: shapes of logits and terms, Sinkhorn's balanced codes, and that each
// objective's terms go down when it is trained alone on a tiny problem.
#include "torch_catch.h"

#include <torch/torch.h>

#include "neural/encoders.h"
#include "neural/objectives.h"

namespace gedilog::neural {
namespace {

// 32 tiny "images": four prototypes plus noise, so there is structure to cluster.
torch::Tensor tiny_images() {
  torch::manual_seed(11);
  const torch::Tensor prototypes = torch::rand({4, 1, 28, 28}).gt(0.7).to(torch::kFloat);
  return (prototypes.repeat({8, 1, 1, 1}) + 0.1 * torch::randn({32, 1, 28, 28})).clamp(0, 1);
}

torch::Tensor jitter(const torch::Tensor& x) { return (x + 0.05 * torch::randn_like(x)).clamp(0, 1); }

// Trains `objective` for `steps` Adam steps; returns each term's mean over the first and the last
// five steps.
std::map<std::string, std::pair<double, double>> train(Objective& objective, int steps, double lr = 1e-3) {
  const torch::Tensor images = tiny_images();
  torch::optim::Adam adam(objective.parameters(), torch::optim::AdamOptions(lr));
  std::map<std::string, std::pair<double, double>> first_last;
  for (int step = 0; step < steps; ++step) {
    const Losses losses = objective.loss(jitter(images), jitter(images));
    adam.zero_grad();
    losses.total().backward();
    adam.step();
    for (const LossTerm& t : losses.terms) {
      if (step < 5) first_last[t.name].first += t.value.item<double>() / 5;
      if (step >= steps - 5) first_last[t.name].second += t.value.item<double>() / 5;
    }
  }
  return first_last;
}

torch::nn::AnyModule mlp(std::int64_t out) { return torch::nn::AnyModule(Mlp(out, 64)); }

SgldOptions quick_sgld() {
  SgldOptions o;
  o.steps = 5;
  o.buffer_size = 64;
  return o;
}

TEST_CASE("every objective gives [batch, C] logits and scalar, finite terms", "[neural][objectives]") {
  torch::manual_seed(1);
  const torch::Tensor x = tiny_images();
  Gedi gedi(mlp(10), 10, {}, quick_sgld(), {1, 28, 28});
  Swav swav(mlp(16), 16, 10);
  SimVae simvae(mlp(8), 4, 10);
  for (Objective* o : std::vector<Objective*>{&gedi, &swav, &simvae}) {
    CHECK(o->cluster_logits(x).sizes() == torch::IntArrayRef({32, 10}));
    const Losses losses = o->loss(x, jitter(x));
    REQUIRE_FALSE(losses.terms.empty());
    for (const LossTerm& t : losses.terms) {
      INFO(t.name);
      CHECK(t.value.dim() == 0);
      CHECK(std::isfinite(t.value.item<double>()));
    }
    CHECK(std::isfinite(losses.total().item<double>()));
  }
  std::vector<std::string> names;
  for (const LossTerm& t : gedi.loss(x, x).terms) names.push_back(t.name);
  CHECK(names == std::vector<std::string>{"generative", "invariance", "uniformity"});
}

TEST_CASE("GEDI without the generative term runs no SGLD", "[neural][objectives]") {
  torch::manual_seed(2);
  GediWeights w;
  w.generative = 0;
  Gedi gedi(mlp(10), 10, w, quick_sgld(), {1, 28, 28});
  const torch::Tensor before = gedi.sampler().buffer().clone();
  const Losses losses = gedi.loss(tiny_images(), tiny_images());
  CHECK(losses.terms.size() == 2);
  CHECK(gedi.sampler().buffer().equal(before));
}

TEST_CASE("each GEDI term decreases when trained alone", "[neural][objectives]") {
  for (const std::string term : {"generative", "invariance"}) {
    INFO(term);
    torch::manual_seed(3);
    GediWeights w{term == "generative" ? 1.0 : 0.0, term == "invariance" ? 1.0 : 0.0, 0.0};
    Gedi gedi(mlp(10), 10, w, quick_sgld(), {1, 28, 28});
    const auto r = train(gedi, 60);
    CHECK(r.at(term).second < r.at(term).first - 0.05);
  }
  // The batch-normalised head starts at the uniformity term's minimum, C log C, and stays there
  // (the term itself is shown to decrease from a collapsed batch in gedi_test.cpp).
  torch::manual_seed(3);
  Gedi gedi(mlp(10), 10, {0.0, 0.0, 1.0}, quick_sgld(), {1, 28, 28});
  const auto r = train(gedi, 30);
  CHECK(r.at("uniformity").second < 10 * std::log(10.0) + 0.05);
}

TEST_CASE("Sinkhorn codes: rows sum to 1, every cluster gets B / C", "[neural][objectives]") {
  torch::manual_seed(4);
  // Skewed scores: most inputs prefer cluster 0; the codes must still balance.
  torch::Tensor scores = torch::randn({24, 6}) * 0.3;
  scores.select(1, 0) += 0.5;
  const torch::Tensor q = sinkhorn(scores, 0.05, 50);
  CHECK(torch::allclose(q.sum(1), torch::ones({24}), 1e-4, 1e-4));
  CHECK(torch::allclose(q.sum(0), torch::full({6}, 4.0), 1e-3, 1e-3));
  CHECK(q.min().item<double>() >= 0);
  // Scores far apart neither overflow nor underflow.
  const torch::Tensor extreme = sinkhorn(scores * 1000, 0.05, 3);
  CHECK(torch::isfinite(extreme).all().item<bool>());
  CHECK(torch::allclose(extreme.sum(1), torch::ones({24}), 1e-4, 1e-4));
}

TEST_CASE("SwAV's swapped prediction decreases", "[neural][objectives]") {
  torch::manual_seed(5);
  Swav swav(mlp(16), 16, 4);
  const auto r = train(swav, 60);
  CHECK(r.at("swapped_prediction").second < r.at("swapped_prediction").first - 0.05);
}

TEST_CASE("SimVAE's ELBO terms decrease", "[neural][objectives]") {
  torch::manual_seed(6);
  SimVae simvae(mlp(8), 4, 4);
  const auto r = train(simvae, 60);
  const double before = r.at("reconstruction").first + r.at("kl").first;
  const double after = r.at("reconstruction").second + r.at("kl").second;
  CHECK(r.at("reconstruction").second < r.at("reconstruction").first);
  CHECK(after < before);
}

}  // namespace
}  // namespace gedilog::neural
