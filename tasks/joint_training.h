#pragma once
// The [joint] section of an experiment: what training through a program adds against reasoning
// shortcuts, on the same images as the program's loss -log P(query):
//   λ_obj · the [objective] section's objective (GEDI, GEDI without its generative term, SwAV,
//           SimVAE) on two augmented views, its cluster head being the concept network,
//   λ_ent · -H(batch-mean concept distribution),
//   λ_rec · reconstruction of each image from its concept distribution,
//   λ_sup · cross-entropy on the digits of the supervised share of examples.
// Any combination; all weights 0 is plain DeepProbLog-style training.
#include <torch/nn/modules/container/any.h>

#include <memory>
#include <vector>

#include "bridge/trainer.h"
#include "tasks/experiment.h"

namespace gedilog::tasks {

struct JointModel {
  torch::nn::AnyModule concept_network;  // images -> concept logits [I, concepts]
  bridge::AuxiliaryLoss auxiliary;       // empty when no mitigation is on
  std::vector<torch::Tensor> extra_parameters;
  bool needs_other_view = false;         // the objective compares two views
  std::vector<std::shared_ptr<torch::nn::Module>> extra_modules;  // to move to the device
};

// `network`: the name the program's neural predicate gives the concept network.
JointModel make_joint_model(const ExperimentConfig& config, std::int64_t concepts, const std::string& network);

// Names of the mitigations a configuration turns on, e.g. "gedi+entropy"; "none" for none.
std::string mitigation_name(const ExperimentConfig& config);

}  // namespace gedilog::tasks
