#pragma once
// A task defined by files (tasks/file_task.h) trained, evaluated and queried end to end:
// `gedilog train` with task.name = "files", `gedilog eval`, `gedilog predict`.
#include <nlohmann/json.hpp>
#include <iosfwd>
#include <string>

#include "tasks/experiment.h"

namespace gedilog::tasks {

// Trains the program's networks and learnable facts on task.train, evaluates on task.test,
// writes the run folder `out_dir`; returns metrics.json's content. An example is right when
// P(query | evidence) > 0.5 agrees with its target > 0.5.
nlohmann::json train_file_task(const ExperimentConfig& config, const std::string& out_dir, std::ostream& log,
                               bool terminal);

// Re-evaluates a finished run folder's checkpoint on its test file.
nlohmann::json evaluate_file_task(const std::string& run_dir);

// For each example of `examples_file`: P(query | evidence) (every answer of a query left
// non-ground) and the most probable explanation, the value each network and learnable fact
// takes in the likeliest world where the query holds: one JSON object per line on `out`.
// `semiring` "max-product" gives, instead of P(query | evidence), the probability of that
// likeliest world given the evidence (bridge::log_query_values).
void predict_file_task(const std::string& run_dir, const std::string& examples_file, std::ostream& out,
                       const std::string& semiring = "probability");

}  // namespace gedilog::tasks
