#pragma once
// A task defined by files (tasks/file_task.h) trained, evaluated and queried end to end:
// `gedilog train` with task.name = "files", `gedilog eval`, `gedilog predict`.
#include <nlohmann/json.hpp>
#include <iosfwd>
#include <memory>
#include <string>

#include "tasks/run_experiment.h"

namespace gedilog::tasks {

// The experiment of task "files" (registry: tasks/run_experiment.h): trains the program's
// networks and learnable facts on task.train and evaluates on task.test (and the validation
// examples held out of task.train). An example is right when P(query | evidence) > 0.5 agrees
// with its target > 0.5. Its model.pt holds the networks and the learnable facts.
std::unique_ptr<Experiment> make_file_experiment(const ExperimentConfig& config, std::ostream& log);

// For each example of `examples_file`: P(query | evidence) (every answer of a query left
// non-ground) and the most probable explanation, the value each network and learnable fact
// takes in the likeliest world where the query holds: one JSON object per line on `out`.
// `semiring` "max-product" gives, instead of P(query | evidence), the probability of that
// likeliest world given the evidence (bridge::log_query_values).
void predict_file_task(const std::string& run_dir, const std::string& examples_file, std::ostream& out,
                       const std::string& semiring = "probability");

}  // namespace gedilog::tasks
