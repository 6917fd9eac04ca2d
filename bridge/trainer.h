#pragma once
// Joint training of networks through a program's query circuits (step 7 of the pipeline):
// the networks run once per distinct image of a batch, their log-softmax fills the circuit's
// leaves, the loss is -log P(query) per example plus any auxiliary terms on the same images
// (the reasoning-shortcut mitigations), one Adam step updates the networks.
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
};

// A program's neural predicates bound to networks, with its query circuit on a device.
class NeuralProgram {
 public:
  // Throws UserError naming a neural predicate whose network is not given or whose inputs are
  // not one placeholder in(K).
  NeuralProgram(QueryCircuit circuit, std::map<std::string, torch::nn::AnyModule> networks,
                torch::Device device);

  // log-softmax of every network on the batch's images: name -> [I, classes].
  std::map<std::string, torch::Tensor> network_log_probs(const torch::Tensor& images);
  // The circuit's input columns for a batch, [B, columns] (log space).
  torch::Tensor leaves(const Batch& batch, const std::map<std::string, torch::Tensor>& log_probs) const;
  // log P(query[b]) per example, [B].
  torch::Tensor log_probability(const torch::Tensor& leaves, const torch::Tensor& query) const;

  std::vector<torch::Tensor> parameters() const;
  void train(bool on);
  const QueryCircuit& circuit() const { return circuit_; }
  torch::Device device() const { return device_; }

 private:
  QueryCircuit circuit_;
  TensorCircuit tensors_;
  std::map<std::string, torch::nn::AnyModule> networks_;
  std::vector<std::int64_t> slot_;  // per input variable: its k in in(k)
  torch::Device device_;
};

// Sets the learning rate of every parameter group (a schedule calls it before each epoch).
void set_learning_rate(torch::optim::Adam& adam, double learning_rate);

// Loss terms added to -log P(query): from the batch and each network's log-probabilities on
// batch.images (name -> [I, classes]).
using AuxiliaryLoss =
    std::function<neural::Losses(const Batch&, const std::map<std::string, torch::Tensor>& log_probs)>;

struct TrainOptions {
  double learning_rate = 1e-3;
  AuxiliaryLoss auxiliary;                      // empty: none
  std::vector<torch::Tensor> extra_parameters;  // learnt by the auxiliary loss beyond the networks
};

// Seconds spent in each part of the steps of an epoch.
struct StepTimes {
  double data = 0, network_forward = 0, auxiliary = 0, circuit_forward = 0, circuit_backward = 0,
         network_backward = 0, optimizer = 0;  // network_backward includes the auxiliary terms'
  double total() const {
    return data + network_forward + auxiliary + circuit_forward + circuit_backward + network_backward + optimizer;
  }
};

struct EpochReport {
  double loss = 0;  // mean -log P(query) over the epoch's examples
  std::map<std::string, double> terms;  // mean of each auxiliary term (unweighted) over the steps
  std::int64_t examples = 0;
  double seconds = 0;
  StepTimes times;
};

class Trainer {
 public:
  Trainer(NeuralProgram& program, const TrainOptions& options);

  // One pass over num_batches batches; make_batch(i) builds batch i (timed as data);
  // on_step(i, loss) is called after each step.
  EpochReport train_epoch(std::int64_t num_batches, const std::function<Batch(std::int64_t)>& make_batch,
                          const std::function<void(std::int64_t, double)>& on_step = {});

  void set_learning_rate(double learning_rate) { bridge::set_learning_rate(optimizer_, learning_rate); }

 private:
  NeuralProgram& program_;
  AuxiliaryLoss auxiliary_;
  torch::optim::Adam optimizer_;
};

}  // namespace gedilog::bridge
