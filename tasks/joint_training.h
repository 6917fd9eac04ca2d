#pragma once
// The [joint] section of an experiment: what training through a program adds against reasoning
// shortcuts, on the same images as the program's loss -log P(query):
//   λ_obj · the [objective] section's objective (GEDI, GEDI without its generative term, SwAV,
//           gmm-vae) on two augmented views, its cluster head being the concept network,
//   λ_ent · -H(batch-mean concept distribution),
//   λ_rec · reconstruction of each image from its concept distribution,
//   λ_sup · cross-entropy on the digits of the supervised share of examples.
// Any combination; all weights 0 is plain DeepProbLog-style training.
#include <torch/nn/modules/container/any.h>

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Generator.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include "bridge/trainer.h"
#include "neural/objectives.h"
#include "tasks/experiment.h"

namespace gedilog::tasks {

struct JointModel {
  torch::nn::AnyModule concept_network;  // images -> concept logits [I, concepts]
  // With an objective: concept k reads the objective's cluster cluster_order[k] ([concepts]
  // int64, a buffer of the network, saved with it); undefined otherwise.
  torch::Tensor cluster_order;
  std::shared_ptr<neural::Objective> objective;  // with joint.objective > 0: its read-out is refitted after each epoch
  bridge::AuxiliaryLoss auxiliary;       // empty when no mitigation is on
  std::vector<torch::Tensor> extra_parameters;
  bool needs_other_view = false;         // the objective compares two views
  std::vector<std::shared_ptr<torch::nn::Module>> extra_modules;  // to move to the device
};

// `network`: the name the program's neural predicate gives the concept network.
// `input`: the shape of one image it reads. std::invalid_argument for an architecture that
// cannot read it.
JointModel make_joint_model(const ExperimentConfig& config, std::int64_t concepts, const std::string& network,
                            const std::vector<std::int64_t>& input);

// The objectives' losses do not change when clusters are renamed; the program's does, and
// gradient steps cannot rename (a swap passes through states every term dislikes). So the
// renaming is searched for directly on `batch` (un-augmented training examples): for examples
// of two images, the renaming that satisfies the most of them, each image read as its most
// probable cluster (exhaustive, pruned); otherwise greedy swaps of two concepts' clusters, each
// kept when it raises the mean log P(query), until none does. Updates joint.cluster_order;
// returns how many concepts changed cluster and the mean log P(query) before and after.
struct Alignment {
  int renamed = 0;
  double before = 0, after = 0;
};
Alignment align_clusters(bridge::NeuralProgram& model, const bridge::Batch& batch, const JointModel& joint,
                         const std::string& network);

// What follows an epoch of joint training with an objective: its read-out refitted on
// `train_images`, then, when `align`, its clusters renamed to fit the program on the batch
// `aligning` builds (un-augmented training examples), said on `log`. Returns how many concepts
// changed cluster (0 without an objective).
int refit_and_align(const JointModel& joint, bridge::NeuralProgram& model, const torch::Tensor& train_images, bool align,
                    const std::function<bridge::Batch()>& aligning, const std::string& network, std::ostream& log);

// What joint training keeps beyond the model, for a resume point: the optimiser's state, the
// mitigations' own modules (a decoder), the batches' generator and the concepts renamed so far.
void save_training_state(torch::serialize::OutputArchive& archive, const bridge::Trainer& trainer,
                         const JointModel& joint, const torch::Generator& generator, int renamed);
// Returns the concepts renamed so far.
int load_training_state(torch::serialize::InputArchive& archive, bridge::Trainer& trainer, const JointModel& joint,
                        torch::Generator& generator, torch::Device device);


}  // namespace gedilog::tasks
