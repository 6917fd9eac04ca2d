#pragma once
// A Gaussian mixture with diagonal covariances, fitted by EM: how SimVAE reads clusters from
// its latents after training (Bizeul et al. 2024 fit scikit-learn's GaussianMixture on the
// training latents; alicebizeul/simvae, src/model/models.py, class GM).
#include <torch/types.h>

#include <cstdint>

namespace gedilog::neural {

struct DiagonalGmm {
  torch::Tensor log_weights;  // [C]
  torch::Tensor means;        // [C, D]
  torch::Tensor variances;    // [C, D]

  // log π_c + log N(x; μ_c, diag σ²_c) for every row of x [N, D]: [N, C].
  torch::Tensor log_joint(const torch::Tensor& x) const;
  // Mean log-likelihood of the rows of x.
  double mean_log_likelihood(const torch::Tensor& x) const;
};

struct GmmFitOptions {
  int iterations = 100;
  int restarts = 5;               // k-means++ starts; the fit of highest likelihood is kept
  double variance_floor = 1e-4;   // added to every variance (scikit-learn's reg_covar is 1e-6)
  double tolerance = 1e-5;        // stop when the mean log-likelihood gains less
};

// EM from k-means++ seeds (drawn from `generator`); throws std::invalid_argument for fewer rows
// than components.
DiagonalGmm fit_gmm(const torch::Tensor& x, std::int64_t components, torch::Generator generator,
                    const GmmFitOptions& options = {});

}  // namespace gedilog::neural
