#pragma once
// Joint training of networks through a program's query circuits (step 7 of the pipeline):
// each network runs once per distinct image of a batch that it reads, its log-softmax fills the
// circuit's leaves, the loss is the cross-entropy of P(query | evidence) against the example's
// target (-log P(query) for a true query) plus any auxiliary terms on the same images (the
// reasoning-shortcut mitigations), one Adam step updates the networks and the learnable facts.
#include <torch/nn/modules/container/any.h>
#include <torch/optim/adam.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "bridge/query_circuit.h"
#include "bridge/tensor_circuit.h"
#include "neural/objectives.h"

namespace gedilog::bridge {

// A built-in "network": its output for input in(k) is the one-hot of the value the example
// gives for in(k) (observed labels as inputs: one circuit serves every label).
inline constexpr const char* kObservedNetwork = "observed";

// Examples over a shared pool of images. Input in(k) of example b is inputs[b][k]: a row of
// `images` for a network, the observed value for kObservedNetwork.
struct Batch {
  torch::Tensor images;      // [I, ...]: each distinct image once (the view the networks see)
  torch::Tensor inputs;      // [B, K] int64
  torch::Tensor query;       // [B] int64: the query of the circuit each example asserts
  torch::Tensor other_view;  // [I, ...]: a second view of the images, for objectives that compare views
  torch::Tensor given;       // [I] int64: an image's concept where supervision gives it, else -1
  torch::Tensor target;      // [B] float: the probability each query should have (undefined: 1, true)
  // Data-parallel training: the examples of the whole step this batch is one rank's shard of
  // (0: this batch is the step). A rank whose shard is empty passes a Batch without a query.
  std::int64_t step_examples = 0;
};

// A network's outputs [N, classes] as log-probabilities of its variable's values: log-softmax,
// or for one output (a neural fact, nn/3) [log σ(z), log σ(-z)]: P(the fact holds) = σ(z).
torch::Tensor log_distribution(const torch::Tensor& outputs);

// The training loss of each example, [B]: -(t log p + (1 - t) log(1 - p)) for p = P(query),
// t = target; -log p where no target is given.
torch::Tensor query_loss(const torch::Tensor& log_p, const torch::Tensor& target);

// A learnable fact (ProbLog's t(_)::f, or an annotated disjunction of them): its values'
// probabilities are the softmax of `logits`, trained with the networks.
struct LearnableFact {
  std::string name, location, key;  // as the circuit's input variable
  std::vector<std::string> values;
  torch::Tensor logits;             // [values]
  std::vector<double> probabilities() const;
};

// A program's neural predicates bound to networks, with its query circuit on a device.
class NeuralProgram {
 public:
  // Throws UserError naming a neural predicate whose network is not given or whose inputs are
  // not one placeholder in(K). Learnable facts start from the program's values; fixed
  // variables (Inputs::kAll) are inputs with their probabilities.
  NeuralProgram(QueryCircuit circuit, std::map<std::string, torch::nn::AnyModule> networks,
                torch::Device device);

  // The log-distribution (log_distribution) of every network on the batch's images it reads
  // (every image when it reads none): name -> [I, classes], rows it does not read 0. A network
  // whose predicates take several inputs reads each (variable, example)'s tuple of images,
  // stacked as channels: name -> [tuple variables * B, classes], variable-major.
  std::map<std::string, torch::Tensor> network_log_probs(const Batch& batch);
  // The circuit's input columns for a batch, [B, columns] (log space).
  torch::Tensor leaves(const Batch& batch, const std::map<std::string, torch::Tensor>& log_probs) const;
  // log P(query[b]) per example, [B].
  torch::Tensor log_probability(const torch::Tensor& leaves, const torch::Tensor& query) const;

  std::vector<torch::Tensor> network_parameters() const;
  // The networks' buffers that every rank takes from rank 0 (neural::replicated_buffers).
  std::vector<torch::Tensor> network_buffers() const;
  std::vector<torch::Tensor> fact_parameters() const;
  std::vector<LearnableFact>& facts() { return facts_; }
  const std::vector<LearnableFact>& facts() const { return facts_; }
  void train(bool on);
  const QueryCircuit& circuit() const { return circuit_; }
  const TensorCircuit& tensors() const { return tensors_; }
  // Per input variable of the circuit: the K of its (first) input in(K) (-1 for a learnable
  // fact); circuit().inputs[i].input_slots has them all.
  const std::vector<std::int64_t>& slots() const { return slot_; }
  torch::Device device() const { return device_; }

 private:
  QueryCircuit circuit_;
  TensorCircuit tensors_;
  std::map<std::string, torch::nn::AnyModule> networks_;
  // The tuples a network reads, [tuples * B, K * channels, H, W], in the order of tuple_of_.
  torch::Tensor tuple_images(const Batch& batch, const std::string& network) const;

  std::vector<std::int64_t> slot_;  // per input variable: its (first) k in in(k), -1 for a learnable fact
  std::map<std::string, std::vector<std::int64_t>> columns_of_;  // network -> the slots it reads
  std::map<std::string, std::size_t> arity_;   // network -> inputs per variable
  std::map<std::string, std::int64_t> tuples_;  // network of several inputs -> its variables
  std::vector<std::int64_t> tuple_of_;  // per input variable: its index among its network's tuples, or -1
  std::vector<LearnableFact> facts_;
  std::vector<std::int64_t> fact_of_;  // per input variable: its index in facts_, or -1
  // Per input variable: its fixed log-probabilities [values] for a fixed variable (a circuit
  // compiled with Inputs::kAll, as explanations need), else undefined.
  std::vector<torch::Tensor> fixed_;
  torch::Device device_;
};

// Sets the learning rate of every parameter group (a schedule calls it before each epoch).
void set_learning_rate(torch::optim::Adam& adam, double learning_rate);
// An optimiser's state (Adam's moments and step counts) under "optimizer" of an archive: what
// a run continued from a checkpoint needs beyond the parameters.
void save_optimizer(torch::serialize::OutputArchive& archive, const torch::optim::Optimizer& optimizer);
void load_optimizer(torch::serialize::InputArchive& archive, torch::optim::Optimizer& optimizer);

// Loss terms added to -log P(query): from the batch and each network's log-probabilities on
// batch.images (name -> [I, classes]).
using AuxiliaryLoss =
    std::function<neural::Losses(const Batch&, const std::map<std::string, torch::Tensor>& log_probs)>;

struct TrainOptions {
  double learning_rate = 1e-3;                  // the networks' (and extra parameters')
  AuxiliaryLoss auxiliary;                      // empty: none
  std::vector<torch::Tensor> extra_parameters;  // learnt by the auxiliary loss beyond the networks
  double fact_learning_rate = 0.05;             // the learnable facts' logits (Adam)
};

// Seconds spent in each part of the steps of an epoch.
struct StepTimes {
  double data = 0, network_forward = 0, auxiliary = 0, circuit_forward = 0, circuit_backward = 0,
         network_backward = 0, communication = 0, optimizer = 0;  // network_backward includes the auxiliary terms'
  // communication: averaging the gradients and broadcasting buffers over the ranks (waiting
  // for the slowest rank included); 0 in one process.
  double total() const {
    return data + network_forward + auxiliary + circuit_forward + circuit_backward + network_backward + communication +
           optimizer;
  }
};

// What the trainer measured over one epoch (tasks::EpochReport is what a run reports of it).
struct EpochStats {
  double loss = 0;  // mean -log P(query) over the epoch's examples
  std::map<std::string, double> terms;  // mean of each auxiliary term (unweighted) over the steps
  std::int64_t examples = 0;
  double seconds = 0;
  StepTimes times;
};

// Under several ranks (neural::process_group()), the step's loss is the mean over every rank's
// shard: gradients are averaged over the ranks before each step, rank 0's parameters are
// broadcast before the first and its networks' buffers after each, and the epoch's statistics
// are reduced, so every rank reports what one process training the whole step would.
class Trainer {
 public:
  Trainer(NeuralProgram& program, const TrainOptions& options);

  // One pass over num_batches batches; make_batch(i) builds batch i (timed as data);
  // on_step(i, loss) is called after each step.
  EpochStats train_epoch(std::int64_t num_batches, const std::function<Batch(std::int64_t)>& make_batch,
                          const std::function<void(std::int64_t, double)>& on_step = {});

  // The networks' learning rate (the facts keep theirs).
  void set_learning_rate(double learning_rate);
  // λ of -log P(query) in the loss (1 by default; 0 trains the auxiliary terms alone, e.g. a
  // perception objective's warm-up). The reported loss stays the unweighted -log P(query).
  void set_program_weight(double weight) { program_weight_ = weight; }

  // The optimiser's state (save_optimizer).
  void save(torch::serialize::OutputArchive& archive) const { save_optimizer(archive, optimizer_); }
  void load(torch::serialize::InputArchive& archive) { load_optimizer(archive, optimizer_); }

 private:
  NeuralProgram& program_;
  AuxiliaryLoss auxiliary_;
  double program_weight_ = 1;
  torch::optim::Adam optimizer_;
  std::vector<torch::Tensor> parameters_;  // every parameter the optimiser steps
  std::vector<torch::Tensor> buffers_;     // the networks' buffers rank 0 broadcasts after each step
  bool synchronised_ = false;             // rank 0's parameters broadcast
};

}  // namespace gedilog::bridge
