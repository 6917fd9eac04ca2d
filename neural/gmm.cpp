#include "neural/gmm.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace gedilog::neural {

torch::Tensor DiagonalGmm::log_joint(const torch::Tensor& x) const {
  const double log_2pi = std::log(2 * M_PI);
  // [N, 1, D] against [C, D]: Σ_d (x_d - μ_cd)² / σ²_cd + log σ²_cd + log 2π.
  const torch::Tensor diff = x.unsqueeze(1) - means.unsqueeze(0);
  const torch::Tensor quad = (diff.pow(2) / variances.unsqueeze(0)).sum(2);
  const torch::Tensor norm = variances.log().sum(1) + static_cast<double>(x.size(1)) * log_2pi;  // [C]
  return log_weights.unsqueeze(0) - 0.5 * (quad + norm.unsqueeze(0));
}

double DiagonalGmm::mean_log_likelihood(const torch::Tensor& x) const {
  return torch::logsumexp(log_joint(x), 1).mean().item<double>();
}

namespace {

// k-means++ seeding: each next centre drawn with probability proportional to the squared
// distance to the nearest centre so far.
torch::Tensor kmeans_plus_plus(const torch::Tensor& x, std::int64_t k, torch::Generator& generator) {
  const std::int64_t n = x.size(0);
  std::vector<torch::Tensor> centres{x[torch::randint(n, {1}, generator, torch::kLong).item<std::int64_t>()]};
  torch::Tensor nearest = (x - centres.back()).pow(2).sum(1);
  for (std::int64_t c = 1; c < k; ++c) {
    const torch::Tensor weights = nearest.sum().item<double>() > 0 ? nearest : torch::ones_like(nearest);
    const std::int64_t pick = torch::multinomial(weights, 1, false, generator).item<std::int64_t>();
    centres.push_back(x[pick]);
    nearest = torch::minimum(nearest, (x - centres.back()).pow(2).sum(1));
  }
  return torch::stack(centres);
}

}  // namespace

DiagonalGmm fit_gmm(const torch::Tensor& data, std::int64_t components, torch::Generator generator,
                    const GmmFitOptions& options) {
  torch::NoGradGuard no_grad;
  const torch::Tensor x = data.to(torch::kDouble);
  const std::int64_t n = x.size(0);
  if (n < components) throw std::invalid_argument("fit_gmm: fewer points than components");
  const torch::Tensor spread = x.var(0, false) + options.variance_floor;  // [D]
  DiagonalGmm best;
  double best_likelihood = -std::numeric_limits<double>::infinity();
  for (int restart = 0; restart < std::max(1, options.restarts); ++restart) {
    DiagonalGmm g{torch::full({components}, -std::log(static_cast<double>(components)), torch::kDouble),
                  kmeans_plus_plus(x, components, generator), spread.unsqueeze(0).repeat({components, 1})};
    double previous = -std::numeric_limits<double>::infinity();
    for (int it = 0; it < options.iterations; ++it) {
      const torch::Tensor joint = g.log_joint(x);                      // E step
      const double likelihood = torch::logsumexp(joint, 1).mean().item<double>();
      const torch::Tensor r = torch::softmax(joint, 1);                 // [N, C]
      const torch::Tensor mass = r.sum(0) + 1e-10;                      // M step
      g.log_weights = (mass / static_cast<double>(n)).log();
      g.means = r.t().mm(x) / mass.unsqueeze(1);
      g.variances = (r.t().mm(x.pow(2)) / mass.unsqueeze(1) - g.means.pow(2)).clamp_min(0) + options.variance_floor;
      if (likelihood - previous < options.tolerance) break;
      previous = likelihood;
    }
    const double likelihood = g.mean_log_likelihood(x);
    if (likelihood > best_likelihood) best_likelihood = likelihood, best = g;
  }
  const auto type = data.scalar_type();
  return {best.log_weights.to(type), best.means.to(type), best.variances.to(type)};
}

}  // namespace gedilog::neural
