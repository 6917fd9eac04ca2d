#pragma once
// The one entry point of every run: task.name -> the kind of experiment that trains it, and
// run_experiment / evaluate_run, which `gedilog train`, `cluster`, `eval` and `compare` (in
// process or through a child `gedilog train`) all call. A new kind of run is a row of the
// registry (run_experiment.cpp) and the file that implements it.
#include <nlohmann/json.hpp>
#include <iosfwd>
#include <string>
#include <vector>

#include "tasks/experiment.h"

namespace gedilog::tasks {

struct ExperimentKind {
  std::string name;                // "program" | "files" | "cluster"
  std::vector<std::string> tasks;  // the task.name values it runs
  // Trains as configured into the new run folder `out_dir`; returns metrics.json's content.
  // Progress goes to `log`: a bar when `terminal`, else a line per epoch.
  nlohmann::json (*train)(const ExperimentConfig&, const std::string& out_dir, std::ostream& log, bool terminal);
  // Re-evaluates a finished run folder's checkpoint on its test data (and the other sets its task has).
  nlohmann::json (*evaluate)(const std::string& run_dir);
  // The one-row Markdown table `gedilog train` prints for a finished run.
  std::string (*summary)(const ExperimentConfig&, const nlohmann::json& metrics);
};

// Every kind, in registry order.
const std::vector<ExperimentKind>& experiment_kinds();
// Every task name, in registry order (the one list `task.name` is checked against).
std::vector<std::string> task_names();
// The kind that runs `task`; UserError naming `location` for an unknown task.
const ExperimentKind& experiment_kind(const std::string& task, const std::string& location = "task.name");

nlohmann::json run_experiment(const ExperimentConfig& config, const std::string& out_dir, std::ostream& log,
                              bool terminal);
// The run folder's config.toml decides the kind.
nlohmann::json evaluate_run(const std::string& run_dir);

}  // namespace gedilog::tasks
