#pragma once
// A network trained through a program, end to end (`gedilog train` / `gedilog eval`): the
// task's data and program, circuits, the concept network and the [joint] mitigations,
// training, test metrics in and out of distribution, and the run folder.
#include <nlohmann/json.hpp>
#include <iosfwd>
#include <string>

#include "tasks/experiment.h"

namespace gedilog::tasks {

// Trains as configured and writes the run folder `out_dir`; returns metrics.json's content.
// Progress goes to `log`: a bar when `terminal`, else a line per epoch.
nlohmann::json train_program_task(const ExperimentConfig& config, const std::string& out_dir, std::ostream& log,
                                  bool terminal);

// Re-evaluates the checkpoint of a finished run folder on the test data; returns the test
// metrics (and the out-of-distribution ones under "ood" where the task has them).
nlohmann::json evaluate_program_task(const std::string& run_dir);

}  // namespace gedilog::tasks
