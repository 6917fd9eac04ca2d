#pragma once
// The one spine of every run. A kind of run (a program task, a task defined by files,
// clustering) is an Experiment: built from its configuration, it trains an epoch, evaluates,
// saves and loads. The one training loop (run_experiment) owns everything around it: the run
// folder and its runs.db record, the learning-rate schedule, the progress display, Ctrl-C,
// history.csv (written as epochs end), events.jsonl (every step's loss, every epoch's history
// row), a checkpoint per epoch that `--resume` continues from (resume.pt), model.pt,
// curves.png and metrics.json. `gedilog train`, `cluster`, `eval`, `predict` and
// `compare` (in process or through a child `gedilog train`) all come here. A new kind of run is
// a row of the registry (run_experiment.cpp) and the file that implements its Experiment.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tasks/experiment.h"

namespace torch::serialize {
class InputArchive;
class OutputArchive;
}  // namespace torch::serialize

namespace gedilog::tasks {

class RunFolder;

// One epoch of training, as every kind of run reports it.
struct EpochReport {
  double loss = 0;                      // the mean training loss of the epoch
  std::map<std::string, double> terms;  // the mean of each named term of that loss
  std::int64_t examples = 0;            // trained on
  std::int64_t steps = 0;
  double seconds = 0;                   // training steps only
};

// After each training step: (step, steps of the epoch, the step's loss). Throws to stop.
using StepCallback = std::function<void(std::int64_t step, std::int64_t steps, double loss)>;

// A named value of an epoch's history.csv row.
using Column = std::pair<std::string, double>;

class Experiment {
 public:
  virtual ~Experiment() = default;

  // Trains epoch `epoch` (1-based) with the networks' learning rate at `learning_rate`; what
  // follows an epoch (a read-out refitted, clusters aligned) is part of it, after `seconds`.
  virtual EpochReport train_epoch(int epoch, double learning_rate, const StepCallback& on_step, std::ostream& log) = 0;
  // Every evaluation set with the model as it is: metrics.json's "test" (with "confusion" where
  // the kind draws one), "val" (null without a validation split) and the kind's other sets.
  virtual nlohmann::json evaluate() = 0;
  // An epoch's history.csv columns beyond epoch, loss, its terms, train_seconds and
  // examples_per_second (NaN for a set the run does not have: an empty cell); and its log
  // line's text after the loss and terms.
  virtual std::vector<Column> history_columns(const nlohmann::json& evaluation) const = 0;
  virtual std::string epoch_summary(const nlohmann::json& evaluation) const = 0;
  // The history columns curves.png draws beside the loss.
  virtual std::vector<std::string> curve_columns() const = 0;

  // model.pt: what `eval` and `predict` read back.
  virtual void save_model(torch::serialize::OutputArchive& archive) = 0;
  virtual void load_model(torch::serialize::InputArchive& archive) = 0;
  // What continuing the run needs beyond the model: optimiser, generators, counters.
  virtual void save_state(torch::serialize::OutputArchive& archive) = 0;
  virtual void load_state(torch::serialize::InputArchive& archive) = 0;

  // After the last epoch: the kind's own files in the run folder (figures, facts.json) and its
  // metrics.json entries beyond the loop's and the evaluation's.
  virtual nlohmann::json finish(RunFolder& run, const nlohmann::json& evaluation) = 0;
};

struct ExperimentKind {
  std::string name;                // "program" | "files" | "cluster"
  std::vector<std::string> tasks;  // the task.name values it runs
  // Builds the experiment (data, program, circuits, model, optimiser on train.device), with
  // LibTorch's generator already seeded by train.seed; what it compiles or warns of goes to `log`.
  std::unique_ptr<Experiment> (*make)(const ExperimentConfig&, std::ostream& log);
  // The one-row Markdown table `gedilog train` prints for a finished run.
  std::string (*summary)(const ExperimentConfig&, const nlohmann::json& metrics);
};

// Every kind, in registry order.
const std::vector<ExperimentKind>& experiment_kinds();
// Every task name, in registry order (the one list `task.name` is checked against).
std::vector<std::string> task_names();
// The kind that runs `task`; UserError naming `location` for an unknown task.
const ExperimentKind& experiment_kind(const std::string& task, const std::string& location = "task.name");

// The one training loop: trains `config` into the new run folder `out_dir` and returns
// metrics.json's content. Progress goes to `log`: a bar when `terminal`, a line per epoch.
// Under several ranks (neural::process_group()) every rank calls it: rank 0 does all the
// above, the others train and evaluate in step with it, write nothing and return null.
nlohmann::json run_experiment(const ExperimentConfig& config, const std::string& out_dir, std::ostream& log,
                              bool terminal);
// A run folder's configuration (its config.toml, then `overrides`); FileNotFound for a folder
// without one.
ExperimentConfig run_config(const std::string& run_dir, const std::vector<std::string>& overrides = {});

// Continues the failed or interrupted run in `run_dir` (its config.toml) from the checkpoint
// of its last finished epoch (resume.pt) to the result the uninterrupted run reaches; from the
// start when it stopped before its first epoch ended. A finished run is refused (RunExists).
nlohmann::json resume_experiment(const std::string& run_dir, std::ostream& log, bool terminal);

// Re-evaluates a finished run folder's checkpoint: "test"'s metrics (without the confusion
// matrix), with every other set the kind evaluates ("val", "ood", ...) nested by name.
// `overrides` (section.key=value, as --set) change the run's configuration for this evaluation:
// other data (data.source, data.dir, task.test, ...), not the model, whose checkpoint must fit.
nlohmann::json evaluate_run(const std::string& run_dir, const std::vector<std::string>& overrides = {});

}  // namespace gedilog::tasks
