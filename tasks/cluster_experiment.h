#pragma once
// `gedilog cluster`: a perception objective (GEDI, SwAV, a mixture-prior VAE; neural/objectives.h) trained
// without labels on a train split, evaluated on the test split: clustering accuracy under the
// best cluster -> class matching, NMI, ARI, a confusion PNG; out-of-distribution detection by
// the energy -logsumexp f(x) against another dataset (AUROC); for GEDI a PNG of SGLD samples.
#include <nlohmann/json.hpp>
#include <iosfwd>
#include <memory>
#include <string>

#include "tasks/run_experiment.h"

namespace gedilog::tasks {

// The experiment of task "cluster" (registry: tasks/run_experiment.h). Its metrics: "test" (ACC,
// NMI, ARI, the matching, OOD AUROC with data.ood_source) and "val" (the validation split's).
std::unique_ptr<Experiment> make_cluster_experiment(const ExperimentConfig& config, std::ostream& log);

}  // namespace gedilog::tasks
