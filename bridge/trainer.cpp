#include "bridge/trainer.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/error.h"
#include "neural/distributed.h"

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

std::vector<double> LearnableFact::probabilities() const {
  const torch::Tensor p = torch::softmax(logits.detach().to(torch::kCPU, torch::kFloat64), 0);
  return std::vector<double>(p.data_ptr<double>(), p.data_ptr<double>() + p.numel());
}

torch::Tensor query_loss(const torch::Tensor& log_p, const torch::Tensor& target) {
  if (!target.defined()) return -log_p;
  const torch::Tensor t = target.to(log_p.device(), log_p.dtype());
  // log(1 - p), stable near p = 1; p is kept below 1 - 1e-6 (where float32 rounds it to 1 the
  // gradient is lost, as it is for -log p at p = 0). `where` keeps 0 * log 0 out of the loss.
  const torch::Tensor log_not_p = torch::log(-torch::expm1(torch::clamp_max(log_p, -1e-6)));
  const torch::Tensor zero = torch::zeros_like(log_p);
  return -(torch::where(t > 0, t * log_p, zero) + torch::where(t < 1, (1 - t) * log_not_p, zero));
}

NeuralProgram::NeuralProgram(QueryCircuit circuit, std::map<std::string, torch::nn::AnyModule> networks,
                             torch::Device device)
    : circuit_(std::move(circuit)),
      tensors_(circuit_.circuit, device),
      networks_(std::move(networks)),
      device_(device) {
  tuple_of_.assign(circuit_.inputs.size(), -1);
  for (std::size_t i = 0; i < circuit_.inputs.size(); ++i) {
    const InputVariable& in = circuit_.inputs[i];
    fact_of_.push_back(-1);
    fixed_.emplace_back();
    if (!in.is_neural() && !in.learnable) {
      fixed_.back() = torch::tensor(in.probabilities, torch::kFloat64).log().to(device, torch::kFloat32);
      slot_.push_back(-1);
      continue;
    }
    if (in.learnable) {
      std::vector<double> start = in.probabilities;
      for (double& p : start) p = std::log(std::max(p, 1e-6));
      fact_of_.back() = static_cast<std::int64_t>(facts_.size());
      facts_.push_back({in.name, in.location, in.key, in.value_names,
                        torch::tensor(start, torch::kFloat32).to(device).requires_grad_(true)});
      slot_.push_back(-1);
      continue;
    }
    const bool placeholders =
        !in.input_slots.empty() &&
        std::all_of(in.input_slots.begin(), in.input_slots.end(), [](std::int64_t k) { return k >= 0; });
    if (!in.is_neural() || !placeholders || (in.network == kObservedNetwork && in.input_slots.size() != 1))
      throw UserError("NeuralPredicate", in.location,
                      !in.is_neural() ? "variable " + in.name + " is not neural: compile with Inputs::kNeural"
                      : in.network == kObservedNetwork ? "network observed takes one input in(K), got " + in.inputs
                                                       : "neural predicate " + in.name +
                                                             " must take inputs in(K) (placeholders of the query's "
                                                             "inputs), got " + in.inputs);
    if (in.network != kObservedNetwork && !networks_.count(in.network))
      throw UserError("NeuralPredicate", in.location, "no network named '" + in.network + "' is registered");
    const auto [arity, fresh] = arity_.try_emplace(in.network, in.input_slots.size());
    if (!fresh && arity->second != in.input_slots.size())
      throw UserError("NeuralPredicate", in.location,
                      "network '" + in.network + "' reads " + std::to_string(arity->second) + " inputs elsewhere, " +
                          std::to_string(in.input_slots.size()) + " in " + in.name);
    slot_.push_back(in.input_slots[0]);
    if (in.input_slots.size() > 1) tuple_of_[i] = tuples_[in.network]++;
    for (std::int64_t k : in.input_slots) columns_of_[in.network].push_back(k);
  }
  for (auto& [name, net] : networks_) net.ptr()->to(device);
  // A query without a proof cannot be trained towards: every input 1 counts its models.
  const std::vector<double> models = circuit_.circuit.evaluate(std::vector<double>(circuit_.num_columns(), 1.0));
  for (std::size_t q = 0; q < circuit_.queries.size(); ++q)
    if (models[circuit_.joint_root[q]] == 0.0)
      throw UserError("NoProof", "", "query " + circuit_.queries[q] + " has no proof: the program can never satisfy it");
}

torch::Tensor log_distribution(const torch::Tensor& outputs) {
  if (outputs.size(1) == 1) return torch::cat({torch::log_sigmoid(outputs), torch::log_sigmoid(-outputs)}, 1);
  return torch::log_softmax(outputs, 1);
}

torch::Tensor NeuralProgram::tuple_images(const Batch& batch, const std::string& network) const {
  const torch::Tensor inputs = batch.inputs.to(device_), x = batch.images.to(device_);
  std::vector<torch::Tensor> tuples(static_cast<std::size_t>(tuples_.at(network)));
  for (std::size_t i = 0; i < circuit_.inputs.size(); ++i) {
    const InputVariable& in = circuit_.inputs[i];
    if (tuple_of_[i] < 0 || in.network != network) continue;
    std::vector<torch::Tensor> parts;
    for (std::int64_t k : in.input_slots) {
      if (k >= inputs.size(1))
        throw UserError("ShapeError", in.location, "the batch gives no input in(" + std::to_string(k) + ")");
      parts.push_back(x.index_select(0, inputs.select(1, k)));
    }
    tuples[static_cast<std::size_t>(tuple_of_[i])] = torch::cat(parts, 1);  // [B, K * channels, H, W]
  }
  return torch::cat(tuples, 0);
}

std::map<std::string, torch::Tensor> NeuralProgram::network_log_probs(const Batch& batch) {
  std::map<std::string, torch::Tensor> out;
  const torch::Tensor x = batch.images.to(device_);
  const std::int64_t images = x.size(0);
  if (images == 0) return out;  // no image, no network output (a program of learnable facts alone)
  for (auto& [name, net] : networks_) {
    if (tuples_.count(name)) {  // one row per (tuple variable, example), variable-major
      out[name] = log_distribution(net.forward(tuple_images(batch, name)));
      continue;
    }
    // The images this network reads: those of the inputs its neural predicates take.
    std::vector<std::int64_t> columns;
    if (auto it = columns_of_.find(name); it != columns_of_.end())
      for (std::int64_t k : it->second)
        if (k < batch.inputs.size(1)) columns.push_back(k);
    torch::Tensor rows;
    if (!columns.empty() && networks_.size() > 1)
      rows = std::get<0>(torch::_unique(batch.inputs.index_select(1, torch::tensor(columns)).flatten()));
    if (!rows.defined() || rows.size(0) == images) {
      out[name] = log_distribution(net.forward(x));
      continue;
    }
    rows = rows.to(device_);
    const torch::Tensor lp = log_distribution(net.forward(x.index_select(0, rows)));
    out[name] = torch::zeros({images, lp.size(1)}, lp.options()).index_copy(0, rows, lp);
  }
  return out;
}

torch::Tensor NeuralProgram::leaves(const Batch& batch,
                                    const std::map<std::string, torch::Tensor>& log_probs) const {
  const torch::Tensor inputs = batch.inputs.to(device_);
  std::vector<torch::Tensor> blocks;
  for (std::size_t i = 0; i < circuit_.inputs.size(); ++i) {
    const InputVariable& in = circuit_.inputs[i];
    if (fact_of_[i] >= 0) {
      blocks.push_back(torch::log_softmax(facts_[fact_of_[i]].logits, 0).unsqueeze(0).expand({inputs.size(0), in.size()}));
      continue;
    }
    if (fixed_[i].defined()) {
      blocks.push_back(fixed_[i].unsqueeze(0).expand({inputs.size(0), in.size()}));
      continue;
    }
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
      const std::int64_t b = inputs.size(0);
      blocks.push_back(tuple_of_[i] >= 0 ? lp.narrow(0, tuple_of_[i] * b, b) : lp.index_select(0, index));
    }
  }
  if (blocks.empty()) return torch::zeros({inputs.size(0), 0}, torch::TensorOptions().device(device_));
  return torch::cat(blocks, 1);
}

torch::Tensor NeuralProgram::log_probability(const torch::Tensor& leaves, const torch::Tensor& query) const {
  const torch::Tensor all = log_probabilities(circuit_, tensors_, leaves);  // [B, queries]
  return all.gather(1, query.to(device_).unsqueeze(1)).squeeze(1);
}

std::vector<torch::Tensor> NeuralProgram::network_parameters() const {
  std::vector<torch::Tensor> params;
  for (const auto& [name, net] : networks_)
    for (const torch::Tensor& p : net.ptr()->parameters()) params.push_back(p);
  return params;
}

std::vector<torch::Tensor> NeuralProgram::network_buffers() const {
  std::vector<torch::Tensor> buffers;
  for (const auto& [name, net] : networks_)
    for (const torch::Tensor& b : neural::replicated_buffers(*net.ptr())) buffers.push_back(b);
  return buffers;
}

std::vector<torch::Tensor> NeuralProgram::fact_parameters() const {
  std::vector<torch::Tensor> params;
  for (const LearnableFact& f : facts_) params.push_back(f.logits);
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
      optimizer_(joined(program.network_parameters(), options.extra_parameters),
                 torch::optim::AdamOptions(options.learning_rate)) {
  if (!program.facts().empty())
    optimizer_.add_param_group(torch::optim::OptimizerParamGroup(
        program.fact_parameters(), std::make_unique<torch::optim::AdamOptions>(options.fact_learning_rate)));
  for (const torch::optim::OptimizerParamGroup& group : optimizer_.param_groups())
    parameters_.insert(parameters_.end(), group.params().begin(), group.params().end());
  buffers_ = program.network_buffers();
}


void set_learning_rate(torch::optim::Adam& adam, double learning_rate) {
  for (torch::optim::OptimizerParamGroup& group : adam.param_groups())
    static_cast<torch::optim::AdamOptions&>(group.options()).lr(learning_rate);
}

void save_optimizer(torch::serialize::OutputArchive& archive, const torch::optim::Optimizer& optimizer) {
  torch::serialize::OutputArchive part;
  optimizer.save(part);
  archive.write("optimizer", part);
}

void load_optimizer(torch::serialize::InputArchive& archive, torch::optim::Optimizer& optimizer) {
  torch::serialize::InputArchive part;
  archive.read("optimizer", part);
  optimizer.load(part);
}

void Trainer::set_learning_rate(double learning_rate) {
  static_cast<torch::optim::AdamOptions&>(optimizer_.param_groups().front().options()).lr(learning_rate);
}

EpochStats Trainer::train_epoch(std::int64_t num_batches, const std::function<Batch(std::int64_t)>& make_batch,
                                 const std::function<void(std::int64_t, double)>& on_step) {
  neural::ProcessGroup& ranks = neural::process_group();
  if (!synchronised_) ranks.broadcast(parameters_), synchronised_ = true;
  EpochStats report;
  const auto epoch_start = Clock::now();
  program_.train(true);
  double loss_sum = 0;
  for (std::int64_t i = 0; i < num_batches; ++i) {
    auto t = Clock::now();
    const Batch batch = make_batch(i);
    report.times.data += seconds_since(t);
    optimizer_.zero_grad();
    double l = 0;
    if (batch.query.defined()) {
      const auto log_probs = program_.network_log_probs(batch);
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
      const torch::Tensor losses = query_loss(program_.log_probability(cut, batch.query), batch.target);
      const auto examples = losses.size(0);
      // A rank's shard weighs by its share of the step, so that the ranks' mean gradient is the
      // gradient of the step's mean loss.
      const double share = batch.step_examples > 0
                               ? static_cast<double>(ranks.size()) * examples / static_cast<double>(batch.step_examples)
                               : 1.0;
      const torch::Tensor loss = losses.mean();
      report.times.circuit_forward += seconds_since(t);

      std::vector<torch::Tensor> outputs, output_grads;  // the networks' backward pass starts here
      if (program_weight_ > 0) {
        (program_weight_ * share * loss).backward();
        if (leaves.requires_grad()) outputs.push_back(leaves), output_grads.push_back(cut.grad());
      }
      report.times.circuit_backward += seconds_since(t);
      if (auxiliary.defined() && auxiliary.requires_grad())
        outputs.push_back(auxiliary), output_grads.push_back(torch::ones_like(auxiliary));
      if (!outputs.empty()) torch::autograd::backward(outputs, output_grads);
      report.times.network_backward += seconds_since(t);
      l = loss.item<double>();
      loss_sum += l * examples;
      report.examples += examples;
    }

    ranks.average_gradients(parameters_);
    report.times.communication += seconds_since(t);
    optimizer_.step();
    report.times.optimizer += seconds_since(t);
    ranks.broadcast(buffers_);
    report.times.communication += seconds_since(t);
    if (on_step) on_step(i, l);
  }
  for (auto& [name, sum] : report.terms) sum /= std::max<std::int64_t>(num_batches, 1);
  if (!ranks.alone()) {
    // The epoch's statistics over every rank: examples and loss summed, each term's mean averaged.
    std::vector<torch::Tensor> totals{torch::tensor({loss_sum, static_cast<double>(report.examples)}, torch::kFloat64)};
    ranks.all_reduce_sum(totals);
    loss_sum = totals[0][0].item<double>();
    report.examples = static_cast<std::int64_t>(totals[0][1].item<double>());
    ranks.average(report.terms);
  }
  report.loss = report.examples ? loss_sum / report.examples : 0.0;
  report.seconds = std::chrono::duration<double>(Clock::now() - epoch_start).count();
  return report;
}

}  // namespace gedilog::bridge
