#pragma once
// A network trained through a program (mnist-add and the shortcut tasks): the task's data and
// program, circuits, the concept network and the [joint] mitigations, an epoch of training, and
// the metrics of every evaluation set in and out of distribution.
#include <nlohmann/json.hpp>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "tasks/run_experiment.h"

namespace gedilog::bridge {
class NeuralProgram;
}

namespace gedilog::tasks {

struct ImageSet;
struct TaskExample;

// The experiment of a task trained through a program (registry: tasks/run_experiment.h).
std::unique_ptr<Experiment> make_program_experiment(const ExperimentConfig& config, std::ostream& log);

// The program's answer to each example (images rows of `set`): the index of its most probable
// query, argmax_q P(q | images), the label rsbench scores when each query asserts one label.
std::vector<std::int64_t> program_answers(bridge::NeuralProgram& model, const ImageSet& set,
                                          const std::vector<TaskExample>& examples);

}  // namespace gedilog::tasks
