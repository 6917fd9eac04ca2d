#pragma once
// Perception objectives (DESIGN.md, "Perception objectives"), one interface: a module that owns
// its encoder (and whatever else it learns: prototypes, a decoder, a prior), reads cluster
// logits f(x) for a neural predicate, and turns two augmented views of a batch into loss terms
// reported one by one. The trainer minimises the sum of the weighted terms.
#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/batchnorm.h>
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
};

// GEDI: λ_gen · contrastive divergence with SGLD negatives + λ_inv · invariance + λ_unif ·
// uniformity. λ_gen = 0 is "GEDI without the generative term" (no SGLD is run).
struct GediWeights {
  double generative = 1, invariance = 1, uniformity = 1;
};

class Gedi : public Objective {
 public:
  // encoder: images -> [batch, clusters]. With normalize_head its outputs are batch-normalised
  // (no affine) into the cluster logits, so that a constant output, the trivial minimum of the
  // invariance term, is out of reach (and every cluster's logit is centred over the batch,
  // which also works against cluster collapse).
  Gedi(torch::nn::AnyModule encoder, std::int64_t clusters, GediWeights weights, SgldOptions sgld,
       std::vector<std::int64_t> image_shape, bool normalize_head = true);
  torch::Tensor cluster_logits(const torch::Tensor& images) override;
  Losses loss(const torch::Tensor& view, const torch::Tensor& other_view) override;
  // The energy E(x) = -logsumexp f(x): low on the data; the OOD score is -E(x).
  torch::Tensor energy_of(const torch::Tensor& images);
  SgldSampler& sampler() { return sampler_; }

 private:
  torch::nn::AnyModule encoder_;
  torch::nn::BatchNorm1d norm_{nullptr};
  GediWeights weights_;
  SgldSampler sampler_;
};

// SwAV (Caron et al. 2020): L2-normalised features scored against C normalised prototypes;
// codes from Sinkhorn-Knopp (balanced over the batch) on one view are predicted from the other.
struct SwavOptions {
  double temperature = 0.1;  // τ of the softmax over prototype scores
  double epsilon = 0.05;     // entropic regularisation of the codes
  int sinkhorn_iterations = 3;
};

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

// SimVAE (Bizeul et al. 2024), in the form used here: the views of one input share one latent
// z with posterior N(mean of the views' means, mean of their variances); z ~ a mixture of C
// unit Gaussians with learnt means (uniform weights); each view is decoded from z (Bernoulli
// pixels). Terms: reconstruction (-log p(x|z), both views) and the KL estimate
// log q(z|x) - log p(z). The cluster head is the mixture posterior p(c | posterior mean).
class SimVae : public Objective {
 public:
  // encoder: images -> [batch, 2 · latent_dim] (mean, log-variance); images are 1x28x28.
  SimVae(torch::nn::AnyModule encoder, std::int64_t latent_dim, std::int64_t clusters);
  torch::Tensor cluster_logits(const torch::Tensor& images) override;
  Losses loss(const torch::Tensor& view, const torch::Tensor& other_view) override;

 private:
  torch::Tensor mixture_log_densities(const torch::Tensor& z);  // [batch, C]: log N(z; μ_c, I) + log π_c
  torch::nn::AnyModule encoder_;
  torch::nn::Sequential decoder_{nullptr};
  torch::Tensor means_;  // [C, latent_dim]
  std::int64_t latent_dim_;
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
