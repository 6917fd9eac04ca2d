#include "neural/objectives.h"

#include "neural/batched.h"
#include "neural/gmm.h"

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

Gedi::Gedi(torch::nn::AnyModule encoder, std::int64_t clusters, GediOptions options,
           std::vector<std::int64_t> image_shape)
    : encoder_(std::move(encoder)), options_(options), sampler_(std::move(image_shape), options.sgld) {
  TORCH_CHECK(options_.head_temperature > 0, "GEDI: head temperature must be > 0");
  register_module("encoder", encoder_.ptr());
  register_buffer(SgldSampler::kBufferName, sampler_.buffer());
  if (options_.head == GediHead::kBatchNorm) {
    running_mean_ = register_buffer("running_mean", torch::zeros({clusters}));
    running_var_ = register_buffer("running_var", torch::ones({clusters}));
  }
}

torch::Tensor Gedi::head(const torch::Tensor& f, std::int64_t data_rows) {
  if (options_.head == GediHead::kLinear) return f / options_.head_temperature;
  constexpr double kEpsilon = 1e-5, kMomentum = 0.1;  // BatchNorm1d's
  if (!is_training()) return (f - running_mean_) / (running_var_ + kEpsilon).sqrt();
  const torch::Tensor data = f.narrow(0, 0, data_rows);
  const torch::Tensor mean = data.mean(0), var = data.var(0, /*unbiased=*/false);
  {
    torch::NoGradGuard no_grad;
    const double n = static_cast<double>(data_rows);
    running_mean_.mul_(1 - kMomentum).add_(kMomentum * mean.detach());
    running_var_.mul_(1 - kMomentum).add_(kMomentum * var.detach() * (n > 1 ? n / (n - 1) : 1.0));
  }
  return (f - mean) / (var + kEpsilon).sqrt();
}

torch::Tensor Gedi::cluster_logits(const torch::Tensor& images) { return head(encoder_.forward(images), images.size(0)); }

torch::Tensor Gedi::energy_of(const torch::Tensor& images) { return energy(cluster_logits(images)); }

double Gedi::energy_gap(const torch::Tensor& data) {
  if (!last_negatives_.defined()) return std::nan("");
  torch::NoGradGuard no_grad;
  const EvalMode eval_mode(*this);
  return (energy_of(last_negatives_).mean() - energy_of(data).mean()).item<double>();
}

Losses Gedi::loss(const torch::Tensor& view, const torch::Tensor& other_view) {
  auto noisy = [&](const torch::Tensor& x) {
    return options_.data_noise > 0 ? x + options_.data_noise * torch::randn_like(x) : x;
  };
  const torch::Tensor x = noisy(view), x_other = noisy(other_view);
  const std::int64_t batch = x.size(0);
  const GediWeights& w = options_.weights;
  Losses out;
  torch::Tensor logits;
  if (w.generative != 0) {
    // Negatives are drawn with the network in eval mode (the energy SGLD follows is the one
    // the data are scored by), then scored with the data in one forward pass.
    {
      const EvalMode eval_mode(*this);
      last_negatives_ = sampler_.sample(batch, [this](const torch::Tensor& v) { return energy_of(v); });
    }
    const torch::Tensor both = head(encoder_.forward(torch::cat({x, last_negatives_})), batch);
    logits = both.narrow(0, 0, batch);
    const torch::Tensor data_energy = energy(logits), negative_energy = energy(both.narrow(0, batch, batch));
    torch::Tensor generative = generative_loss(data_energy, negative_energy);
    if (options_.energy_l2 > 0)
      generative = generative + options_.energy_l2 * (data_energy.pow(2).mean() + negative_energy.pow(2).mean());
    out.terms.push_back({"generative", generative, w.generative});
  } else {
    logits = cluster_logits(x);
  }
  const torch::Tensor other = cluster_logits(x_other);
  // Symmetric: each view predicts the other.
  out.terms.push_back({"invariance", 0.5 * (invariance_loss(logits, other) + invariance_loss(other, logits)), w.invariance});
  out.terms.push_back({"uniformity", 0.5 * (uniformity_loss(logits) + uniformity_loss(other)), w.uniformity});
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

GmmVae::GmmVae(torch::nn::AnyModule encoder, std::int64_t latent_dim, std::int64_t clusters)
    : encoder_(std::move(encoder)), latent_dim_(latent_dim) {
  register_module("encoder", encoder_.ptr());
  namespace nn = torch::nn;
  decoder_ = register_module("decoder", nn::Sequential(nn::Linear(latent_dim, 256), nn::ReLU(), nn::Linear(256, 512),
                                                       nn::ReLU(), nn::Linear(512, 28 * 28)));
  // Component means drawn from N(0, I): overlapping, so that the encoder's initial codes (near
  // the origin) fall under different components; far-apart means pull every code to the nearest.
  means_ = register_parameter("means", torch::randn({clusters, latent_dim}));
}

torch::Tensor GmmVae::mixture_log_densities(const torch::Tensor& z) {
  const double log_norm = -0.5 * static_cast<double>(latent_dim_) * std::log(2 * M_PI);
  const double log_weight = -std::log(static_cast<double>(means_.size(0)));
  return -0.5 * torch::cdist(z, means_).pow(2) + log_norm + log_weight;
}

torch::Tensor GmmVae::cluster_logits(const torch::Tensor& images) {
  const torch::Tensor mean = encoder_.forward(images).narrow(1, 0, latent_dim_);
  return mixture_log_densities(mean);
}

Losses GmmVae::loss(const torch::Tensor& view, const torch::Tensor& other_view) {
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

// ---- SimVAE ----

SimVae::SimVae(torch::nn::AnyModule encoder, std::int64_t latent_dim, std::int64_t clusters, SimVaeOptions options)
    : encoder_(std::move(encoder)), latent_dim_(latent_dim), options_(options) {
  register_module("encoder", encoder_.ptr());
  namespace nn = torch::nn;
  const std::int64_t d = latent_dim_;
  decoder_ = register_module("decoder", nn::Sequential(nn::Linear(d, 256), nn::ReLU(), nn::Linear(256, 512), nn::ReLU(),
                                                       nn::Linear(512, 28 * 28)));
  gmm_log_weights_ = register_buffer("gmm_log_weights", torch::full({clusters}, -std::log(static_cast<double>(clusters))));
  gmm_means_ = register_buffer("gmm_means", torch::randn({clusters, d}));
  gmm_variances_ = register_buffer("gmm_variances", torch::ones({clusters, d}));
}

torch::Tensor SimVae::latent_means(const torch::Tensor& images) {
  return encoder_.forward(images).narrow(1, 0, latent_dim_);
}

torch::Tensor SimVae::cluster_logits(const torch::Tensor& images) {
  return DiagonalGmm{gmm_log_weights_, gmm_means_, gmm_variances_}.log_joint(latent_means(images));
}

torch::Tensor SimVae::log_prior(const torch::Tensor& z_a, const torch::Tensor& z_b, double var_z_y) {
  const torch::Tensor centre = 0.5 * (z_a + z_b);
  return -0.5 * ((z_a - centre).pow(2) + (z_b - centre).pow(2)).sum(1) / var_z_y - 0.5 * centre.pow(2).sum(1);
}

Losses SimVae::loss(const torch::Tensor& view, const torch::Tensor& other_view) {
  const std::int64_t d = latent_dim_;
  const double batch = static_cast<double>(view.size(0));
  torch::Tensor reconstruction, entropy;
  std::vector<torch::Tensor> latents;
  for (const torch::Tensor* x : {&view, &other_view}) {
    const torch::Tensor out = encoder_.forward(*x);
    const torch::Tensor mean = out.narrow(1, 0, d), log_var = out.narrow(1, d, d);
    const torch::Tensor z = mean + (0.5 * log_var).exp() * torch::randn_like(mean);  // reparameterised
    latents.push_back(z);
    const torch::Tensor pixels = torch::sigmoid(decoder_->forward(z));
    const torch::Tensor r = 0.5 * (pixels - x->flatten(1)).pow(2).sum() / std::exp(options_.log_var_x) / batch;
    const torch::Tensor h = 0.5 * (log_var + std::log(2 * M_PI) + 1).sum() / batch;  // entropy of q(z | x)
    reconstruction = reconstruction.defined() ? reconstruction + r : r;
    entropy = entropy.defined() ? entropy + h : h;
  }
  const torch::Tensor prior = log_prior(latents[0], latents[1], options_.var_z_y).mean();
  return {{{"reconstruction", reconstruction, 1.0}, {"kl", -(entropy + prior), options_.beta}}};
}

void SimVae::fit_read_out(const torch::Tensor& train_images) {
  torch::NoGradGuard no_grad;
  const torch::Tensor latents = forward_in_chunks(
      *this, [this](const torch::Tensor& x) { return latent_means(x); }, train_images, train_images.device());
  torch::Generator generator = torch::make_generator<torch::CPUGeneratorImpl>(20261201);
  const DiagonalGmm g = fit_gmm(latents, gmm_means_.size(0), generator);
  gmm_log_weights_.copy_(g.log_weights);
  gmm_means_.copy_(g.means);
  gmm_variances_.copy_(g.variances);
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
