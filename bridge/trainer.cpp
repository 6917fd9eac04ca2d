#include "bridge/trainer.h"

#include <torch/torch.h>

#include <chrono>
#include <regex>

#include "symbolic/error.h"

namespace gedilog::bridge {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point& start) {
  const auto now = Clock::now();
  const double s = std::chrono::duration<double>(now - start).count();
  start = now;
  return s;
}

}  // namespace

NeuralProgram::NeuralProgram(QueryCircuit circuit, std::map<std::string, torch::nn::AnyModule> networks,
                             torch::Device device)
    : circuit_(std::move(circuit)),
      tensors_(circuit_.circuit, device),
      networks_(std::move(networks)),
      device_(device) {
  const std::regex placeholder(R"(\[in\((\d+)\)\])");
  for (const InputVariable& in : circuit_.inputs) {
    std::smatch m;
    if (!in.is_neural() || !std::regex_match(in.inputs, m, placeholder))
      throw UserError("NeuralPredicate", in.location,
                      in.is_neural() ? "neural predicate " + in.name + " must take one input in(K), got " + in.inputs
                                     : "variable " + in.name + " is not neural: compile with Inputs::kNeural");
    if (in.network != kObservedNetwork && !networks_.count(in.network))
      throw UserError("NeuralPredicate", in.location, "no network named '" + in.network + "' is registered");
    slot_.push_back(std::stoll(m[1]));
  }
  for (auto& [name, net] : networks_) net.ptr()->to(device);
  // A query without a proof cannot be trained towards: every input 1 counts its models.
  const std::vector<double> models = circuit_.circuit.evaluate(std::vector<double>(circuit_.num_columns(), 1.0));
  for (std::size_t q = 0; q < circuit_.queries.size(); ++q)
    if (models[circuit_.joint_root[q]] == 0.0)
      throw UserError("NoProof", "", "query " + circuit_.queries[q] + " has no proof: the program can never satisfy it");
}

std::map<std::string, torch::Tensor> NeuralProgram::network_log_probs(const torch::Tensor& images) {
  std::map<std::string, torch::Tensor> out;
  const torch::Tensor x = images.to(device_);
  for (auto& [name, net] : networks_) out[name] = torch::log_softmax(net.forward(x), 1);
  return out;
}

torch::Tensor NeuralProgram::leaves(const Batch& batch,
                                    const std::map<std::string, torch::Tensor>& log_probs) const {
  const torch::Tensor inputs = batch.inputs.to(device_);
  std::vector<torch::Tensor> blocks;
  for (std::size_t i = 0; i < circuit_.inputs.size(); ++i) {
    const InputVariable& in = circuit_.inputs[i];
    if (slot_[i] >= inputs.size(1))
      throw UserError("ShapeError", in.location, "the batch gives no input in(" + std::to_string(slot_[i]) + ")");
    const torch::Tensor index = inputs.select(1, slot_[i]);
    if (in.network == kObservedNetwork) {
      const torch::Tensor one_hot = torch::one_hot(index, in.size()).to(torch::kFloat32);
      blocks.push_back(one_hot.log());  // log 0 = -inf: the log semiring handles it
    } else {
      const torch::Tensor& lp = log_probs.at(in.network);
      if (lp.size(1) != in.size())
        throw UserError("ShapeError", in.location,
                        "network '" + in.network + "' gives " + std::to_string(lp.size(1)) + " classes, " +
                            in.name + " has " + std::to_string(in.size()) + " values");
      blocks.push_back(lp.index_select(0, index));
    }
  }
  if (blocks.empty()) return torch::zeros({inputs.size(0), 0}, torch::TensorOptions().device(device_));
  return torch::cat(blocks, 1);
}

torch::Tensor NeuralProgram::log_probability(const torch::Tensor& leaves, const torch::Tensor& query) const {
  const torch::Tensor all = log_probabilities(circuit_, tensors_, leaves);  // [B, queries]
  return all.gather(1, query.to(device_).unsqueeze(1)).squeeze(1);
}

std::vector<torch::Tensor> NeuralProgram::parameters() const {
  std::vector<torch::Tensor> params;
  for (const auto& [name, net] : networks_)
    for (const torch::Tensor& p : net.ptr()->parameters()) params.push_back(p);
  return params;
}

void NeuralProgram::train(bool on) {
  for (auto& [name, net] : networks_) net.ptr()->train(on);
}

namespace {

std::vector<torch::Tensor> joined(std::vector<torch::Tensor> a, const std::vector<torch::Tensor>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

Trainer::Trainer(NeuralProgram& program, const TrainOptions& options)
    : program_(program),
      auxiliary_(options.auxiliary),
      optimizer_(joined(program.parameters(), options.extra_parameters),
                 torch::optim::AdamOptions(options.learning_rate)) {}

void set_learning_rate(torch::optim::Adam& adam, double learning_rate) {
  for (torch::optim::OptimizerParamGroup& group : adam.param_groups())
    static_cast<torch::optim::AdamOptions&>(group.options()).lr(learning_rate);
}

EpochReport Trainer::train_epoch(std::int64_t num_batches, const std::function<Batch(std::int64_t)>& make_batch,
                                 const std::function<void(std::int64_t, double)>& on_step) {
  EpochReport report;
  const auto epoch_start = Clock::now();
  program_.train(true);
  double loss_sum = 0;
  for (std::int64_t i = 0; i < num_batches; ++i) {
    auto t = Clock::now();
    const Batch batch = make_batch(i);
    report.times.data += seconds_since(t);

    const auto log_probs = program_.network_log_probs(batch.images);
    const torch::Tensor leaves = program_.leaves(batch, log_probs);
    report.times.network_forward += seconds_since(t);

    torch::Tensor auxiliary;
    if (auxiliary_) {
      const neural::Losses terms = auxiliary_(batch, log_probs);
      auxiliary = terms.total();
      for (const neural::LossTerm& term : terms.terms) report.terms[term.name] += term.value.item<double>();
    }
    report.times.auxiliary += seconds_since(t);

    // The circuit's part of the graph is cut off at its leaves so that its backward pass and
    // the networks' are timed apart.
    const torch::Tensor cut = leaves.detach().requires_grad_(true);
    const torch::Tensor loss = -program_.log_probability(cut, batch.query).mean();
    report.times.circuit_forward += seconds_since(t);

    optimizer_.zero_grad();
    loss.backward();
    report.times.circuit_backward += seconds_since(t);
    if (auxiliary.defined() && auxiliary.requires_grad())
      torch::autograd::backward({leaves, auxiliary}, {cut.grad(), torch::ones_like(auxiliary)});
    else
      leaves.backward(cut.grad());
    report.times.network_backward += seconds_since(t);

    optimizer_.step();
    report.times.optimizer += seconds_since(t);

    const double l = loss.item<double>();
    loss_sum += l * batch.query.size(0);
    report.examples += batch.query.size(0);
    if (on_step) on_step(i, l);
  }
  report.loss = report.examples ? loss_sum / report.examples : 0.0;
  for (auto& [name, sum] : report.terms) sum /= std::max<std::int64_t>(num_batches, 1);
  report.seconds = std::chrono::duration<double>(Clock::now() - epoch_start).count();
  return report;
}

}  // namespace gedilog::bridge
