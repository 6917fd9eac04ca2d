#include "neural/objectives.h"

#include <torch/torch.h>

#include <cmath>

namespace gedilog::neural {

torch::Tensor Losses::total() const {
  torch::Tensor sum;
  for (const LossTerm& t : terms) {
    if (t.weight == 0) continue;
    sum = sum.defined() ? sum + t.weight * t.value : t.weight * t.value;
  }
  TORCH_CHECK(sum.defined(), "an objective with every weight zero");
  return sum;
}

// ---- GEDI ----

Gedi::Gedi(torch::nn::AnyModule encoder, std::int64_t clusters, GediWeights weights, SgldOptions sgld,
           std::vector<std::int64_t> image_shape, bool normalize_head)
    : encoder_(std::move(encoder)), weights_(weights), sampler_(std::move(image_shape), sgld) {
  register_module("encoder", encoder_.ptr());
  if (normalize_head)
    norm_ = register_module("norm", torch::nn::BatchNorm1d(torch::nn::BatchNorm1dOptions(clusters).affine(false)));
}

torch::Tensor Gedi::cluster_logits(const torch::Tensor& images) {
  const torch::Tensor f = encoder_.forward(images);
  return norm_ ? norm_(f) : f;
}

torch::Tensor Gedi::energy_of(const torch::Tensor& images) { return energy(cluster_logits(images)); }

Losses Gedi::loss(const torch::Tensor& view, const torch::Tensor& other_view) {
  const torch::Tensor logits = cluster_logits(view), other = cluster_logits(other_view);
  Losses out;
  if (weights_.generative != 0) {
    // Negatives are drawn with the network in eval mode (no batch statistics from noise).
    const bool was_training = is_training();
    eval();
    const torch::Tensor negatives =
        sampler_.sample(view.size(0), [this](const torch::Tensor& x) { return energy_of(x); });
    train(was_training);
    out.terms.push_back({"generative", generative_loss(energy(logits), energy_of(negatives)), weights_.generative});
  }
  // Symmetric: each view predicts the other.
  out.terms.push_back({"invariance", 0.5 * (invariance_loss(logits, other) + invariance_loss(other, logits)),
                       weights_.invariance});
  out.terms.push_back({"uniformity", 0.5 * (uniformity_loss(logits) + uniformity_loss(other)), weights_.uniformity});
  return out;
}

// ---- SwAV ----

torch::Tensor sinkhorn(const torch::Tensor& scores, double epsilon, int iterations) {
  torch::NoGradGuard no_grad;
  // In log space: exp(scores / ε) underflows for scores far below the maximum.
  const double clusters = static_cast<double>(scores.size(1)), batch = static_cast<double>(scores.size(0));
  torch::Tensor log_q = scores.to(torch::kDouble) / epsilon;  // [B, C]
  for (int i = 0; i < iterations; ++i) {
    log_q = log_q - torch::logsumexp(log_q, 0, true) - std::log(clusters);  // each cluster: mass 1 / C
    log_q = log_q - torch::logsumexp(log_q, 1, true) - std::log(batch);     // each input: mass 1 / B
  }
  return (log_q + std::log(batch)).exp().to(scores.scalar_type());  // rows sum to 1
}

Swav::Swav(torch::nn::AnyModule encoder, std::int64_t feature_dim, std::int64_t clusters, SwavOptions options)
    : encoder_(std::move(encoder)), options_(options) {
  register_module("encoder", encoder_.ptr());
  prototypes_ = register_module("prototypes", torch::nn::Linear(torch::nn::LinearOptions(feature_dim, clusters).bias(false)));
}

torch::Tensor Swav::scores(const torch::Tensor& images) {
  // Cosine similarities: features and prototypes both on the unit sphere.
  namespace F = torch::nn::functional;
  const auto unit = F::NormalizeFuncOptions().dim(1);
  return torch::mm(F::normalize(encoder_.forward(images), unit), F::normalize(prototypes_->weight, unit).t());
}

torch::Tensor Swav::cluster_logits(const torch::Tensor& images) { return scores(images) / options_.temperature; }

Losses Swav::loss(const torch::Tensor& view, const torch::Tensor& other_view) {
  const torch::Tensor s = scores(view), t = scores(other_view);
  const torch::Tensor q = sinkhorn(s, options_.epsilon, options_.sinkhorn_iterations);
  const torch::Tensor r = sinkhorn(t, options_.epsilon, options_.sinkhorn_iterations);
  auto cross_entropy = [&](const torch::Tensor& codes, const torch::Tensor& other_scores) {
    return -(codes * torch::log_softmax(other_scores / options_.temperature, 1)).sum(1).mean();
  };
  return {{{"swapped_prediction", 0.5 * (cross_entropy(q, t) + cross_entropy(r, s)), 1.0}}};
}

// ---- SimVAE ----

SimVae::SimVae(torch::nn::AnyModule encoder, std::int64_t latent_dim, std::int64_t clusters)
    : encoder_(std::move(encoder)), latent_dim_(latent_dim) {
  register_module("encoder", encoder_.ptr());
  namespace nn = torch::nn;
  decoder_ = register_module("decoder", nn::Sequential(nn::Linear(latent_dim, 256), nn::ReLU(), nn::Linear(256, 512),
                                                       nn::ReLU(), nn::Linear(512, 28 * 28)));
  // Component means drawn from N(0, I): overlapping, so that the encoder's initial codes (near
  // the origin) fall under different components; far-apart means pull every code to the nearest.
  means_ = register_parameter("means", torch::randn({clusters, latent_dim}));
}

torch::Tensor SimVae::mixture_log_densities(const torch::Tensor& z) {
  const double log_norm = -0.5 * static_cast<double>(latent_dim_) * std::log(2 * M_PI);
  const double log_weight = -std::log(static_cast<double>(means_.size(0)));
  return -0.5 * torch::cdist(z, means_).pow(2) + log_norm + log_weight;
}

torch::Tensor SimVae::cluster_logits(const torch::Tensor& images) {
  const torch::Tensor mean = encoder_.forward(images).narrow(1, 0, latent_dim_);
  return mixture_log_densities(mean);
}

Losses SimVae::loss(const torch::Tensor& view, const torch::Tensor& other_view) {
  const torch::Tensor a = encoder_.forward(view), b = encoder_.forward(other_view);
  const torch::Tensor mean = 0.5 * (a.narrow(1, 0, latent_dim_) + b.narrow(1, 0, latent_dim_));
  const torch::Tensor log_var =
      (0.5 * (a.narrow(1, latent_dim_, latent_dim_).exp() + b.narrow(1, latent_dim_, latent_dim_).exp())).log();
  const torch::Tensor z = mean + (0.5 * log_var).exp() * torch::randn_like(mean);  // reparameterised
  const torch::Tensor pixel_logits = decoder_->forward(z);
  namespace F = torch::nn::functional;
  auto reconstruction = [&](const torch::Tensor& x) {
    return F::binary_cross_entropy_with_logits(pixel_logits, x.flatten(1),
                                               F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(torch::kSum)) /
           x.size(0);
  };
  // log q(z|x) - log p(z) at the sample: a one-sample estimate of the KL term.
  const torch::Tensor log_q = (-0.5 * std::log(2 * M_PI) - 0.5 * log_var - 0.5 * (z - mean).pow(2) / log_var.exp()).sum(1);
  const torch::Tensor log_p = torch::logsumexp(mixture_log_densities(z), 1);
  return {{{"reconstruction", reconstruction(view) + reconstruction(other_view), 1.0},
           {"kl", (log_q - log_p).mean(), 1.0}}};
}

}  // namespace gedilog::neural

namespace gedilog::neural {

torch::Tensor mean_concept_negentropy(const torch::Tensor& log_probs) {
  // log p̄ = logsumexp_i log p_i - log B, stable where some p_i underflow.
  const torch::Tensor log_mean = torch::logsumexp(log_probs, 0) - std::log(static_cast<double>(log_probs.size(0)));
  return (log_mean.exp() * log_mean).sum();
}

ConceptDecoderImpl::ConceptDecoderImpl(std::int64_t concepts, std::vector<std::int64_t> image_shape,
                                       std::int64_t hidden)
    : image_shape_(std::move(image_shape)) {
  std::int64_t pixels = 1;
  for (std::int64_t d : image_shape_) pixels *= d;
  layers_ = register_module("layers", torch::nn::Sequential(torch::nn::Linear(concepts, hidden), torch::nn::ReLU(),
                                                            torch::nn::Linear(hidden, pixels)));
}

torch::Tensor ConceptDecoderImpl::reconstruction_loss(const torch::Tensor& log_probs, const torch::Tensor& images) {
  const torch::Tensor logits = layers_->forward(log_probs.exp());
  return torch::binary_cross_entropy_with_logits(logits, images.reshape({images.size(0), -1}).clamp(0, 1));
}

}  // namespace gedilog::neural
