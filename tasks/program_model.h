#pragma once
// The model of every program task: the program, the network of each of its neural predicates
// (the concept network under the [joint] mitigations), its learnable facts, and the circuit of
// every query template, compiled once (through the circuit cache) and merged. With it: the
// batch of a set of examples, their probabilities, the program's answers and the networks'
// concepts, and model.pt.
#include <nlohmann/json.hpp>
#include <torch/nn/modules/container/any.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bridge/query_circuit.h"
#include "bridge/trainer.h"
#include "tasks/joint_training.h"
#include "tasks/metrics.h"
#include "tasks/program_task.h"

namespace gedilog::tasks {

// Which network reads which input slot in a template's circuit.
struct Read {
  std::string network;
  std::int64_t slot;
};

// What the program's declarations make of a network: its outputs (an nn/4 domain's size, 1 for
// a neural fact) and its inputs (a tuple of K inputs, stacked along their first dimension: K
// channels of images).
struct NetworkShape {
  std::int64_t outputs = 0;
  int inputs = 1;
  bool fact = false;
  // Its outputs are concepts of one image (nn/4 over one input): concept metrics, [joint].
  bool has_concepts() const { return !fact && inputs == 1; }
};
// Per network; a network declared with two shapes is a NeuralPredicate error naming the second
// declaration.
std::map<std::string, NetworkShape> network_shapes(const symbolic::Program& program);

// Not movable: the cache refers to the program.
class ProgramModel {
 public:
  // `networks`: the concept network first, which the [joint] mitigations train when
  // config has one on (then it must be the only one). `inputs`: kAll where explanations are
  // asked for (max-product cannot undo folded sums of fixed probabilities), kNeural to train.
  // `input`: the shape of one input each network reads ({1, 28, 28} for digits; a network of K
  // inputs reads K of them stacked along the first dimension).
  ProgramModel(const ExperimentConfig& config, const symbolic::Program& program, const std::vector<NetworkSpec>& networks,
               std::vector<symbolic::QueryTemplate> templates, const InputShapes& input, torch::Device device,
               bridge::Inputs inputs = bridge::Inputs::kNeural);
  ProgramModel(const ProgramModel&) = delete;
  ProgramModel& operator=(const ProgramModel&) = delete;

  const symbolic::Program& program;
  bridge::CircuitCache cache;
  std::map<std::string, NetworkShape> shapes;
  std::map<std::string, std::int64_t> domain;  // network -> outputs
  std::map<std::string, torch::nn::AnyModule> networks;
  std::string concept_network;  // the first network (the one [joint] trains)
  std::vector<symbolic::QueryTemplate> templates;
  std::vector<std::int64_t> first_query;  // per template: its first answer in the circuit, -1: no proof
  std::vector<std::int64_t> answers;      // per template: its number of answers
  std::vector<std::vector<Read>> reads;   // per template: every slot each network reads
  JointModel joint;  // of the concept network; its mitigations are on where joint.auxiliary is set
  std::unique_ptr<bridge::NeuralProgram> neural;
  std::int64_t slots_read = 0;  // 1 + the largest K of an input in(K) the merged circuit reads

  bool provable(const Example& e) const { return first_query[e.query] >= 0; }
  // The value names of a network's domain.
  std::vector<std::string> values(const std::string& network) const;
};

// Examples `which` of `examples` as a batch over `images` (each distinct image once, in order
// of first use). Every slot the merged circuit reads is filled, even where these examples have
// fewer (a one-image query beside two-image templates): the extra slots are not read.
bridge::Batch make_batch(const ProgramModel& model, const std::vector<Example>& examples,
                         const std::vector<std::int64_t>& which, const torch::Tensor& images);

// The metrics of one evaluation set (the record docs/metrics.md describes) with the model as
// it is; "confusion" (the concept network's) where `confusion`.
nlohmann::json evaluate_set(ProgramModel& model, const ProgramTask& task, const EvaluationSet& set, bool confusion);

// The program's answer to each example: the index of its most probable query over the whole
// circuit, argmax_q P(q | images): the label rsbench scores when each query asserts one label.
std::vector<std::int64_t> program_answers(bridge::NeuralProgram& model, const ImageSet& set,
                                          const std::vector<Example>& examples);

// model.pt: each network under its name, the learnable facts' logits under "fact:KEY".
void save_model(const ProgramModel& model, torch::serialize::OutputArchive& archive);
void load_model(ProgramModel& model, torch::serialize::InputArchive& archive);

// Every learnable fact of the program: those trained with their values and probabilities,
// the others (no query depends on them) named with "trained": false.
nlohmann::json facts_json(const ProgramModel& model);
std::vector<symbolic::LearnableDeclaration> untrained_facts(const ProgramModel& model);

}  // namespace gedilog::tasks
