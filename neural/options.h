#pragma once
// The options of neural/'s augmentations, sampler and perception objectives: plain values,
// without LibTorch, so that an experiment's configuration (tasks/experiment.h) holds them as
// its sections and every header that reads a configuration need not pull LibTorch in.
#include <cstdint>

#include "core/choices.h"

namespace gedilog::neural {

// neural::augment's.
struct AugmentOptions {
  double rotation = 0;     // degrees: uniform in [-rotation, rotation]
  double translation = 0;  // share of the image size: uniform in [-t, t] on each axis
  double scale = 0;        // zoom uniform in [1 - scale, 1 + scale]
  double noise = 0;        // standard deviation of pixel noise
  double low = 0, high = 1;  // the pixel range: noisy images are clamped to it

  bool any() const { return rotation > 0 || translation > 0 || scale > 0 || noise > 0; }
};

// JEM's sampler (Grathwohl et al. 2020, wgrathwohl/JEM train_wrn_ebm.py: n_steps 20, sgld_lr 1,
// sgld_std 0.01, buffer 10 000, reinit_freq 0.05, no clamping) on images in [-1, 1], rescaled
// to gedilog's images in [0, 1]: with x = 2y - 1 a step x <- x - a dE/dx + s N(0, 1) is
// y <- y - (a / 4) dE/dy + (s / 2) N(0, 1), so step size 0.25 and noise 0.005 here.
struct SgldOptions {
  int steps = 20;
  double step_size = 0.25;
  double noise = 0.005;
  std::int64_t buffer_size = 10000;
  double reinit = 0.05;               // share of chains restarted from noise
  double low = 0.0, high = 1.0;       // the data range: restarts are uniform noise in it
  bool clamp = false;                 // clamp every step into [low, high] (JEM does not)
};

// GEDI (Sansone & Manhaeve): λ_gen · contrastive divergence with SGLD negatives (JEM's p(x)
// term) + λ_inv · invariance + λ_unif · uniformity. λ_gen = 0 is "GEDI without the generative
// term" (no SGLD is run). Defaults from the public code of the lineage: λ_gen = 1 (JEM's
// p_x_weight); λ_unif = 0.5, λ_inv = 0.5 · β = 0.025 with β = 0.05 (emsansone/CPLearn,
// solo/losses/gedi_nogen.py: 0.5 · L_unif + 0.5 · β · L_inv).
struct GediWeights {
  double generative = 1, invariance = 0.025, uniformity = 0.5;
};

// How the encoder's outputs become cluster logits.
enum class GediHead {
  kLinear,     // f(x) / temperature, as the author's code (temperature 0.1)
  kBatchNorm,  // batch-normalised over the data of the batch (no affine): gedilog's earlier head
};
inline constexpr Choice<GediHead> kGediHeads[] = {{GediHead::kLinear, "linear"}, {GediHead::kBatchNorm, "batchnorm"}};
constexpr const auto& choices(GediHead) { return kGediHeads; }

struct GediOptions {
  GediWeights weights;
  GediHead head = GediHead::kLinear;
  double head_temperature = 0.1;
  // Gaussian noise added to both views before any term (JEM's sigma 0.03 on [-1, 1] is 0.015
  // on [0, 1]): the EBM models a smoothed data density.
  double data_noise = 0.015;
  // α of Du & Mordatch's (2019, "Implicit generation and generalization in energy-based
  // models", sec. 3.3) regulariser α · (mean E(data)² + mean E(negatives)²), added to the
  // generative term: it keeps the energies from running off to -∞, which they do here without
  // it (0: off, as JEM).
  double energy_l2 = 1;
  SgldOptions sgld;
};

// SwAV's (neural::Swav).
struct SwavOptions {
  double temperature = 0.1;  // τ of the softmax over prototype scores
  double epsilon = 0.05;     // entropic regularisation of the codes
  int sinkhorn_iterations = 3;
};

// SimVAE's (neural::SimVae; the authors' defaults).
struct SimVaeOptions {
  double beta = 0.15;
  double log_var_x = -4.6;       // log of the likelihood's variance
  double var_z_y = 1.0;          // v: the spread of an augmentation's latent around ȳ
};

}  // namespace gedilog::neural
