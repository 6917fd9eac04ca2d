#pragma once
// The experiment of every task trained through a program (tasks/program_task.h: mnist-add, the
// shortcut tasks, tasks defined by files): the task's model (tasks/program_model.h) with the
// [joint] mitigations, an epoch of training, and the metrics of every evaluation set.
#include <iosfwd>
#include <memory>

#include "tasks/run_experiment.h"

namespace gedilog::tasks {

// The experiment of a program task (registry: tasks/run_experiment.h).
std::unique_ptr<Experiment> make_program_experiment(const ExperimentConfig& config, std::ostream& log);

}  // namespace gedilog::tasks
