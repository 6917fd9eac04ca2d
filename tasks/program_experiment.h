#pragma once
// A network trained through a program, end to end (`gedilog train` / `gedilog eval`): the
// task's data and program, circuits, the concept network and the [joint] mitigations,
// training, test metrics in and out of distribution, and the run folder.
#include <nlohmann/json.hpp>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "tasks/experiment.h"

namespace gedilog::bridge {
class NeuralProgram;
}

namespace gedilog::tasks {

struct ImageSet;
struct TaskExample;

// Trains as configured and writes the run folder `out_dir`; returns metrics.json's content.
// Progress goes to `log`: a bar when `terminal`, else a line per epoch.
nlohmann::json train_program_task(const ExperimentConfig& config, const std::string& out_dir, std::ostream& log,
                                  bool terminal);

// Re-evaluates the checkpoint of a finished run folder on the test data; returns the test
// metrics (and those of the other sets the task has under "ood", "ood_sums", "val").
nlohmann::json evaluate_program_task(const std::string& run_dir);

// The program's answer to each example (images rows of `set`): the index of its most probable
// query, argmax_q P(q | images), the label rsbench scores when each query asserts one label.
std::vector<std::int64_t> program_answers(bridge::NeuralProgram& model, const ImageSet& set,
                                          const std::vector<TaskExample>& examples);

}  // namespace gedilog::tasks
