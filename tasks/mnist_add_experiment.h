#pragma once
// The mnist-add experiment end to end: data, program, circuits, networks, training, test
// metrics, and the run folder (`gedilog train` / `gedilog eval`).
#include <nlohmann/json.hpp>
#include <iosfwd>
#include <string>

#include "tasks/experiment.h"

namespace gedilog::tasks {

// Trains as configured and writes the run folder `out_dir`; returns metrics.json's content.
// Progress goes to `log`: a bar when `terminal`, else a line per epoch.
nlohmann::json train_mnist_add(const ExperimentConfig& config, const std::string& out_dir,
                               std::ostream& log, bool terminal);

// Re-evaluates the checkpoint of a finished run folder on the test data; returns the test
// metrics.
nlohmann::json evaluate_mnist_add(const std::string& run_dir);

}  // namespace gedilog::tasks
