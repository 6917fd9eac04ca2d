#pragma once
// `gedilog cluster`: a perception objective (GEDI, SwAV, a mixture-prior VAE; neural/objectives.h) trained
// without labels on a train split, evaluated on the test split: clustering accuracy under the
// best cluster -> class matching, NMI, ARI, a confusion PNG; out-of-distribution detection by
// the energy -logsumexp f(x) against another dataset (AUROC); for GEDI a PNG of SGLD samples.
// The run folder and runs.db record are those of `gedilog train` (tasks/run_store.h).
#include <nlohmann/json.hpp>
#include <iosfwd>
#include <string>

#include "tasks/experiment.h"

namespace gedilog::tasks {

// Trains as configured (task.name = "cluster") and writes the run folder; returns metrics.json.
nlohmann::json train_cluster(const ExperimentConfig& config, const std::string& out_dir, std::ostream& log,
                             bool terminal);

// Re-evaluates a finished cluster run's checkpoint: its test metrics (ACC, NMI, ARI, the
// matching, OOD AUROC with data.ood_source) and, under "val", the validation split's.
nlohmann::json evaluate_cluster(const std::string& run_dir);

}  // namespace gedilog::tasks
