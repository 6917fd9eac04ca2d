#pragma once
// Perception objectives (DESIGN.md, "Perception objectives"), one interface: a module that owns
// its encoder (and whatever else it learns: prototypes, a decoder, a prior), reads cluster
// logits f(x) for a neural predicate, and turns two augmented views of a batch into loss terms
// reported one by one. The trainer minimises the sum of the weighted terms.
#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "neural/gedi.h"

namespace gedilog::neural {

struct LossTerm {
  std::string name;
  torch::Tensor value;  // scalar, unweighted
  double weight = 1;
};

struct Losses {
  std::vector<LossTerm> terms;
  torch::Tensor total() const;  // Σ weight · value
};

class Objective : public torch::nn::Module {
 public:
  // f(x): [batch, 1, 28, 28] -> [batch, C].
  virtual torch::Tensor cluster_logits(const torch::Tensor& images) = 0;
  // Loss terms on two views (x, x') of one batch of inputs.
  virtual Losses loss(const torch::Tensor& view, const torch::Tensor& other_view) = 0;
  // After each epoch, with the training images: fits what reads clusters off the trained
  // encoder (SimVAE: a GMM on the latents); nothing for objectives whose head is trained.
  virtual void fit_read_out(const torch::Tensor& /*train_images*/) {}
};

// GEDI (Sansone & Manhaeve); its terms, weights and defaults: neural/options.h.
class Gedi : public Objective {
 public:
  // encoder: images -> [batch, clusters]; image_shape: one image's, for the sampler.
  Gedi(torch::nn::AnyModule encoder, std::int64_t clusters, GediOptions options, std::vector<std::int64_t> image_shape);
  torch::Tensor cluster_logits(const torch::Tensor& images) override;
  Losses loss(const torch::Tensor& view, const torch::Tensor& other_view) override;
  // The energy E(x) = -logsumexp f(x): low on the data; the OOD score is -E(x).
  torch::Tensor energy_of(const torch::Tensor& images);
  // In eval mode: mean E(last negatives drawn by loss) - mean E(data). A generative term that
  // works keeps it positive (the data below its negatives); NaN before any negatives.
  double energy_gap(const torch::Tensor& data);
  SgldSampler& sampler() { return sampler_; }

 private:
  // Cluster logits of encoder outputs f whose first data_rows rows are data (the rest
  // negatives): the batch-norm head normalises every row by the data rows' statistics and
  // updates its running statistics from them only, so that data and negatives are scored by
  // one function, the one SGLD follows in eval mode.
  torch::Tensor head(const torch::Tensor& f, std::int64_t data_rows);

  torch::nn::AnyModule encoder_;
  GediOptions options_;
  torch::Tensor running_mean_, running_var_;  // batch-norm head
  SgldSampler sampler_;
  torch::Tensor last_negatives_;
};

// SwAV (Caron et al. 2020): L2-normalised features scored against C normalised prototypes;
// codes from Sinkhorn-Knopp (balanced over the batch) on one view are predicted from the other.
class Swav : public Objective {
 public:
  // encoder: images -> [batch, feature_dim].
  Swav(torch::nn::AnyModule encoder, std::int64_t feature_dim, std::int64_t clusters, SwavOptions options = {});
  torch::Tensor cluster_logits(const torch::Tensor& images) override;  // scores / τ
  Losses loss(const torch::Tensor& view, const torch::Tensor& other_view) override;

 private:
  torch::Tensor scores(const torch::Tensor& images);  // cosine similarities [batch, C]
  torch::nn::AnyModule encoder_;
  torch::nn::Linear prototypes_{nullptr};
  SwavOptions options_;
};

// Sinkhorn-Knopp: codes Q [B, C] for prototype scores [B, C]: exp(scores / ε) rescaled so that
// every cluster gets B / C of the mass and every row sums to 1.
torch::Tensor sinkhorn(const torch::Tensor& scores, double epsilon, int iterations);

// A VAE with a learnt Gaussian-mixture prior over the views' shared latent (gedilog's; it was
// called SimVAE here, but SimVAE (Bizeul et al. 2024) has one latent per augmentation, a
// per-sample prior, a Gaussian likelihood, β = 0.15 and a GMM fitted afterwards): the views of one input share one latent
// z with posterior N(mean of the views' means, mean of their variances); z ~ a mixture of C
// unit Gaussians with learnt means (uniform weights); each view is decoded from z (Bernoulli
// pixels). Terms: reconstruction (-log p(x|z), both views) and the KL estimate
// log q(z|x) - log p(z). The cluster head is the mixture posterior p(c | posterior mean).
class GmmVae : public Objective {
 public:
  // encoder: images -> [batch, 2 · latent_dim] (mean, log-variance); images are 1x28x28.
  GmmVae(torch::nn::AnyModule encoder, std::int64_t latent_dim, std::int64_t clusters);
  torch::Tensor cluster_logits(const torch::Tensor& images) override;
  Losses loss(const torch::Tensor& view, const torch::Tensor& other_view) override;

 private:
  torch::Tensor mixture_log_densities(const torch::Tensor& z);  // [batch, C]: log N(z; μ_c, I) + log π_c
  torch::nn::AnyModule encoder_;
  torch::nn::Sequential decoder_{nullptr};
  torch::Tensor means_;  // [C, latent_dim]
  std::int64_t latent_dim_;
};

// SimVAE (Bizeul et al. 2024, "A probabilistic model behind self-supervised learning";
// alicebizeul/simvae, src/model/models.py SelfSup and priors.py Prior_Sup): each augmentation j
// of an input has its own latent z_j ~ q(z | x_j) = N(μ(x_j), diag σ²(x_j)); the prior ties them
// to the input's content y, estimated by their mean ȳ: log p(z_j | ȳ) = -||z_j - ȳ||² / (2 v)
// and log p(ȳ) = -||ȳ||² / 2; the likelihood is Gaussian with a fixed variance,
// p(x | z) = N(sigmoid(dec(z)), e^{log_var_x}). Terms (per input, summed over views):
// reconstruction, and β · (-entropy of q - log prior). Clusters are read by a GMM fitted on the
// training latents μ(x) (fit_read_out); until then its components are N(0, I) draws.
// Departures: the GMM has diagonal covariances and 5 starts (the authors: scikit-learn's full
// covariances, 20 starts).
class SimVae : public Objective {
 public:
  // encoder: images -> [batch, 2 · latent_dim] (mean, log-variance); images are 1x28x28.
  SimVae(torch::nn::AnyModule encoder, std::int64_t latent_dim, std::int64_t clusters, SimVaeOptions options = {});
  torch::Tensor cluster_logits(const torch::Tensor& images) override;  // GMM log π_c + log N(μ(x))
  Losses loss(const torch::Tensor& view, const torch::Tensor& other_view) override;
  void fit_read_out(const torch::Tensor& train_images) override;
  torch::Tensor latent_means(const torch::Tensor& images);  // μ(x), [batch, latent_dim]
  // The per-input prior term log p(z_a | ȳ) + log p(z_b | ȳ) + log p(ȳ) of two views' latents.
  static torch::Tensor log_prior(const torch::Tensor& z_a, const torch::Tensor& z_b, double var_z_y);

 private:
  torch::nn::AnyModule encoder_;
  torch::nn::Sequential decoder_{nullptr};
  std::int64_t latent_dim_;
  SimVaeOptions options_;
  torch::Tensor gmm_log_weights_, gmm_means_, gmm_variances_;  // buffers, saved with the model
};

// Mitigations of reasoning shortcuts that need no second view (DESIGN.md): terms on the
// concept network's log-probabilities [batch, C] over a batch of images.

// Σ_y p̄_y log p̄_y = -H(p̄) for the batch-mean concept distribution p̄: lowest (-log C) when the
// batch uses every concept equally, so minimising it works against concept collapse.
torch::Tensor mean_concept_negentropy(const torch::Tensor& log_probs);

// The decoder of a concept autoencoder: the concept distribution of an image is all it gets,
// so reconstructing the image well needs concepts that tell the images apart.
class ConceptDecoderImpl : public torch::nn::Module {
 public:
  ConceptDecoderImpl(std::int64_t concepts, std::vector<std::int64_t> image_shape, std::int64_t hidden = 256);
  // Mean binary cross-entropy per pixel of the images (in [0, 1]) decoded from exp(log_probs).
  torch::Tensor reconstruction_loss(const torch::Tensor& log_probs, const torch::Tensor& images);

 private:
  torch::nn::Sequential layers_{nullptr};
  std::vector<std::int64_t> image_shape_;
};
TORCH_MODULE(ConceptDecoder);

}  // namespace gedilog::neural
