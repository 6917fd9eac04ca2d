#include "tasks/program_model.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>
#include <numeric>
#include <unordered_map>

#include "bridge/tensor_circuit.h"
#include "core/error.h"
#include "neural/architectures.h"
#include "neural/batched.h"
#include "neural/encoders.h"
#include "tasks/training_run.h"

namespace gedilog::tasks {

using nlohmann::json;

namespace {

// Examples per evaluation batch (the program's answers were always computed 500 at a time).
constexpr std::size_t kEvalBatch = 500;
constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();
// The concept network's numbers in a set's record.
constexpr const char* kConceptKeys[] = {"concept_accuracy", "concept_f1",     "concept_collapse", "concept_ece",
                                        "concept_map",      "map_one_to_one", "map_identity"};
// The same re-pairings for every run and epoch, so that runs compare on the same test sums.
constexpr std::uint64_t kRepairSeed = 20261202;

// Examples `which` as a batch with `width` input slots.
bridge::Batch batch_of(std::int64_t width, const std::vector<Example>& examples, const std::vector<std::int64_t>& which,
                       const torch::Tensor& images) {
  std::size_t slots = static_cast<std::size_t>(std::max<std::int64_t>(1, width));
  for (std::int64_t e : which) slots = std::max(slots, examples[e].images.size() + examples[e].observed.size());
  std::vector<std::int64_t> distinct, given, in, query;
  std::vector<float> target;
  std::unordered_map<std::int64_t, std::int64_t> local;
  for (std::int64_t e : which) {
    const Example& x = examples[e];
    for (std::size_t k = 0; k < x.images.size(); ++k) {
      auto [it, fresh] = local.try_emplace(x.images[k], static_cast<std::int64_t>(distinct.size()));
      if (fresh) distinct.push_back(x.images[k]), given.push_back(-1);
      if (!x.given.empty() && x.given[k] >= 0) given[it->second] = x.given[k];
      in.push_back(it->second);
    }
    in.insert(in.end(), x.observed.begin(), x.observed.end());
    in.resize(in.size() + slots - x.images.size() - x.observed.size(), 0);  // slots only other templates read
    query.push_back(static_cast<std::int64_t>(x.query));
    target.push_back(static_cast<float>(x.target));
  }
  bridge::Batch b;
  b.images = images.index_select(0, torch::tensor(distinct, torch::kLong));
  b.inputs = torch::tensor(in, torch::kLong).view({static_cast<std::int64_t>(which.size()), static_cast<std::int64_t>(slots)});
  b.query = torch::tensor(query, torch::kLong);
  b.target = torch::tensor(target);
  b.given = torch::tensor(given, torch::kLong);
  return b;
}

std::vector<std::int64_t> all_of(const std::vector<Example>& examples) {
  std::vector<std::int64_t> out(examples.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::int64_t>(i);
  return out;
}

// log P(q | evidence) of every query of the circuit for examples `which`, a batch at a time:
// `use(chunk, all)` with all [chunk, queries] float64 on the CPU.
void for_each_query_batch(bridge::NeuralProgram& model, std::int64_t width, const std::vector<Example>& examples,
                          const std::vector<std::int64_t>& which, const torch::Tensor& images,
                          const std::function<void(const std::vector<std::int64_t>&, const torch::Tensor&)>& use) {
  for (std::size_t i = 0; i < which.size(); i += kEvalBatch) {
    const std::vector<std::int64_t> chunk(which.begin() + i, which.begin() + std::min(which.size(), i + kEvalBatch));
    const bridge::Batch batch = batch_of(width, examples, chunk, images);
    const torch::Tensor leaves = model.leaves(batch, model.network_log_probs(batch));
    use(chunk, bridge::log_probabilities(model.circuit(), model.tensors(), leaves).to(torch::kCPU, torch::kFloat64));
  }
}

// One circuit pass over a set's provable examples: per example its log P(query | evidence),
// the most probable query of the whole circuit (the program's answer) and, where it names an
// answer (Example::choices), the most probable answer of its open query. Examples without a
// proof: -inf and -1.
struct QueryPass {
  std::vector<double> log_p;
  std::vector<std::int64_t> best_query, best_answer;
};

QueryPass query_pass(ProgramModel& m, const EvaluationSet& set) {
  const std::size_t n = set.examples.size();
  QueryPass pass{std::vector<double>(n, kMinusInfinity), std::vector<std::int64_t>(n, -1),
                 std::vector<std::int64_t>(n, -1)};
  std::vector<std::int64_t> todo;
  for (std::size_t e = 0; e < n; ++e)
    if (m.provable(set.examples[e])) todo.push_back(static_cast<std::int64_t>(e));
  for_each_query_batch(*m.neural, m.slots_read, set.examples, todo, set.images->images,
                       [&](const std::vector<std::int64_t>& chunk, const torch::Tensor& all) {
                         for (std::size_t j = 0; j < chunk.size(); ++j) {
                           const Example& x = set.examples[chunk[j]];
                           const torch::Tensor row = all[static_cast<std::int64_t>(j)];
                           pass.log_p[chunk[j]] = row[m.first_query[x.query]].item<double>();
                           pass.best_query[chunk[j]] = row.argmax().item<std::int64_t>();
                           if (x.choices < 0 || m.first_query[x.choices] < 0) continue;
                           const std::int64_t first = m.first_query[x.choices];
                           pass.best_answer[chunk[j]] = first + row.narrow(0, first, m.answers[x.choices]).argmax().item<std::int64_t>();
                         }
                       });
  return pass;
}

// A network's concepts on the slots it reads: the metrics of one network (null without a
// slot whose image's label is one of its values), and per row of the set its argmax.
struct NetworkConcepts {
  json metrics;
  std::vector<std::int64_t> predicted;  // per row of the set (-1: not computed)
};

NetworkConcepts network_concepts(ProgramModel& m, const ProgramTask& task, const EvaluationSet& set,
                                 const std::string& name, bool every_row, bool confusion) {
  const std::vector<std::int64_t> truth_of = task.concepts_of(name, *set.images);
  // The slots the network reads in each template, in slot order.
  std::vector<std::vector<std::int64_t>> slots(m.templates.size());
  for (std::size_t t = 0; t < m.templates.size(); ++t) {
    for (const Read& r : m.reads[t])
      if (r.network == name) slots[t].push_back(r.slot);
    std::sort(slots[t].begin(), slots[t].end());
  }
  // Rows in order of first use (then, when `every_row`, the others): each computed once.
  std::vector<std::int64_t> rows;
  std::unordered_map<std::int64_t, std::int64_t> at;
  for (const Example& e : set.examples)
    for (std::int64_t k : slots[e.query])
      if (at.try_emplace(e.images[k], static_cast<std::int64_t>(rows.size())).second) rows.push_back(e.images[k]);
  if (every_row)
    for (std::int64_t i = 0; i < set.images->size(); ++i)
      if (at.try_emplace(i, static_cast<std::int64_t>(rows.size())).second) rows.push_back(i);
  NetworkConcepts out;
  out.predicted.assign(static_cast<std::size_t>(set.images->size()), -1);
  if (rows.empty()) return out;
  torch::nn::AnyModule& net = m.networks.at(name);
  const torch::Tensor probs = torch::softmax(
      neural::forward_in_chunks(*net.ptr(), [&](const torch::Tensor& x) { return net.forward(x); },
                                set.images->images.index_select(0, torch::tensor(rows, torch::kLong)), m.neural->device()),
      1);
  const auto [confidence, argmax] = probs.max(1);
  const auto p = argmax.accessor<std::int64_t, 1>();
  const auto c = confidence.accessor<float, 1>();
  for (std::size_t r = 0; r < rows.size(); ++r) out.predicted[rows[r]] = p[static_cast<std::int64_t>(r)];
  // Counted per slot, as rsbench counts them: an image read twice counts twice.
  std::vector<std::int64_t> guess, truth;
  std::vector<double> sure;
  std::vector<bool> right;
  for (const Example& e : set.examples)
    for (std::int64_t k : slots[e.query]) {
      const std::int64_t row = e.images[k], value = truth_of[row];
      if (value < 0) continue;
      guess.push_back(p[at.at(row)]);
      truth.push_back(value);
      sure.push_back(c[at.at(row)]);
      right.push_back(guess.back() == value);
    }
  if (truth.empty()) return out;
  const ConceptMetrics cm = concept_metrics(torch::tensor(guess, torch::kLong), torch::tensor(truth, torch::kLong),
                                            static_cast<int>(m.domain.at(name)));
  const std::vector<int> map = learned_map(cm.confusion);
  out.metrics = {{"concept_accuracy", cm.accuracy},
                 {"concept_f1", cm.f1},
                 {"concept_collapse", cm.collapse},
                 {"concept_ece", expected_calibration_error(sure, right, 10)},
                 {"concept_map", map},
                 {"map_one_to_one", is_one_to_one(map) ? 1 : 0},
                 {"map_identity", is_identity(map) ? 1 : 0}};
  if (confusion) out.metrics["confusion"] = cm.confusion;
  return out;
}

// Label accuracy and F1 (and the re-paired estimate) of a labelled task's set: classes are the
// template each example asserts against the program's answer; with one template, the labels
// the true and the argmax concepts imply.
void add_labels(json& out, ProgramModel& m, const ProgramTask& task, const EvaluationSet& set,
                const std::vector<std::int64_t>& predicted, const QueryPass& pass) {
  const auto labels = set.images->labels.accessor<std::int64_t, 1>();
  auto digits_of = [&](const Example& e, bool truth) {
    std::vector<int> digits;
    for (std::int64_t i : e.images) digits.push_back(static_cast<int>(truth ? labels[i] : predicted[i]));
    return digits;
  };
  std::vector<std::int64_t> truth, answer;
  if (m.neural->circuit().queries.size() > 1) {
    answer = pass.best_query;
    for (const Example& e : set.examples) truth.push_back(m.first_query[e.query]);
  } else {
    std::map<std::vector<int>, std::int64_t> id;
    auto id_of = [&](const std::vector<int>& label) { return id.try_emplace(label, static_cast<std::int64_t>(id.size())).first->second; };
    for (const Example& e : set.examples) {
      truth.push_back(id_of(task.label_of(digits_of(e, true))));
      answer.push_back(id_of(task.label_of(digits_of(e, false))));
    }
  }
  std::int64_t correct = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) correct += truth[i] == answer[i];
  out["label_accuracy"] = static_cast<double>(correct) / static_cast<double>(truth.size());
  out["label_f1"] = macro_f1(truth, answer);
  if (!set.repairable) return;
  // Every image of the set, in order of first use by the examples, then the others.
  std::vector<int> predicted_digits, true_digits;
  std::vector<bool> seen(static_cast<std::size_t>(set.images->size()), false);
  auto take = [&](std::int64_t i) {
    if (seen[i]) return;
    seen[i] = true;
    predicted_digits.push_back(static_cast<int>(predicted[i]));
    true_digits.push_back(static_cast<int>(labels[i]));
  };
  for (const Example& e : set.examples)
    for (std::int64_t i : e.images) take(i);
  for (std::int64_t i = 0; i < set.images->size(); ++i) take(i);
  const RepairedAccuracy r = repaired_accuracy(
      predicted_digits, true_digits, task.repairable_slots(),
      [&](const std::vector<int>& digits) { return task.label_of(digits); }, kRepairSeed);
  out["label_accuracy_repaired"] = r.mean;
  out["label_accuracy_repaired_ci"] = {r.ci.low, r.ci.high};
  out["repairings"] = r.groupings;
  out["repaired_examples"] = r.examples;
}

// An answer's text without what every answer of its template shares (the query's other
// arguments): multiplication(in(0),in(1),12) among multiplication(in(0),in(1),_) is "12".
std::string answer_label(const bridge::QueryCircuit& circuit, std::int64_t first, std::int64_t n,
                         const std::string& text) {
  if (n < 2) return text;
  std::size_t prefix = circuit.queries[first].size(), suffix = prefix;
  for (std::int64_t a = first + 1; a < first + n; ++a) {
    const std::string &x = circuit.queries[first], &y = circuit.queries[a];
    std::size_t p = 0, q = 0;
    while (p < x.size() && p < y.size() && x[p] == y[p]) ++p;
    while (q < x.size() && q < y.size() && x[x.size() - 1 - q] == y[y.size() - 1 - q]) ++q;
    prefix = std::min(prefix, p), suffix = std::min(suffix, q);
  }
  if (prefix + suffix >= text.size()) return text;
  return text.substr(prefix, text.size() - prefix - suffix);
}

// Answer accuracy over the examples that name an answer (Example::choices): the most probable
// answer of the open query against the example's own query, as DeepProbLog's confusion matrix
// scores it; with the answers' confusion matrix (rows: the true answer) where `confusion`.
void add_answers(json& out, const ProgramModel& m, const EvaluationSet& set, const QueryPass& pass, bool confusion) {
  out["answer_accuracy"] = nullptr;
  const bridge::QueryCircuit& circuit = m.neural->circuit();
  std::map<std::string, std::int64_t> id;
  std::vector<std::string> values;
  auto id_of = [&](const std::string& label) {
    const auto [it, fresh] = id.try_emplace(label, static_cast<std::int64_t>(values.size()));
    if (fresh) values.push_back(label);
    return it->second;
  };
  std::vector<std::int64_t> truth, guess;
  for (std::size_t e = 0; e < set.examples.size(); ++e) {
    if (pass.best_answer[e] < 0) continue;
    const Example& x = set.examples[e];
    const std::int64_t first = m.first_query[x.choices], n = m.answers[x.choices];
    truth.push_back(id_of(answer_label(circuit, first, n, circuit.queries[m.first_query[x.query]])));
    guess.push_back(id_of(answer_label(circuit, first, n, circuit.queries[pass.best_answer[e]])));
  }
  if (truth.empty()) return;
  std::int64_t right = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) right += truth[i] == guess[i];
  out["answer_accuracy"] = static_cast<double>(right) / static_cast<double>(truth.size());
  out["answer_examples"] = truth.size();
  if (!confusion) return;
  // Values in order: numbers by value (0, 1, ..., 81), otherwise as text.
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  auto number = [](const std::string& v, double& x) {
    char* end = nullptr;
    x = std::strtod(v.c_str(), &end);
    return !v.empty() && end == v.c_str() + v.size();
  };
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    double x = 0, y = 0;
    if (number(values[a], x) && number(values[b], y)) return x < y;
    return values[a] < values[b];
  });
  std::vector<std::int64_t> rank(values.size());
  std::vector<std::string> sorted;
  for (std::size_t r = 0; r < order.size(); ++r) rank[order[r]] = static_cast<std::int64_t>(r), sorted.push_back(values[order[r]]);
  std::vector<std::vector<double>> matrix(values.size(), std::vector<double>(values.size(), 0.0));
  std::vector<double> row(values.size(), 0.0);
  for (std::size_t i = 0; i < truth.size(); ++i) matrix[rank[truth[i]]][rank[guess[i]]] += 1, row[rank[truth[i]]] += 1;
  values = sorted;
  for (std::size_t t = 0; t < values.size(); ++t)
    for (double& v : matrix[t]) v = row[t] > 0 ? v / row[t] : 0;
  out["answer_values"] = values;
  out["answer_confusion"] = matrix;
}

}  // namespace

std::map<std::string, NetworkShape> network_shapes(const symbolic::Program& program) {
  std::map<std::string, NetworkShape> shapes;
  for (const symbolic::NeuralDeclaration& d : program.neural_declarations()) {
    const NetworkShape shape{d.outputs(), d.arity, d.fact};
    auto [it, fresh] = shapes.try_emplace(d.network, shape);
    if (!fresh && it->second.outputs != shape.outputs)
      throw UserError("NeuralPredicate", d.location,
                      "network " + d.network + " has " + std::to_string(it->second.outputs) + " outputs elsewhere, " +
                          std::to_string(shape.outputs) + " here");
    if (!fresh && (it->second.inputs != shape.inputs || it->second.fact != shape.fact))
      throw UserError("NeuralPredicate", d.location,
                      "network " + d.network + " is declared elsewhere with " + std::to_string(it->second.inputs) +
                          " input(s) as " + (it->second.fact ? "a neural fact (nn/3)" : "nn/4") + ", here with " +
                          std::to_string(shape.inputs) + " as " + (shape.fact ? "a neural fact" : "nn/4"));
  }
  return shapes;
}

ProgramModel::ProgramModel(const ExperimentConfig& config, const symbolic::Program& p,
                           const std::vector<NetworkSpec>& specs, std::vector<symbolic::QueryTemplate> query_templates,
                           const InputShapes& input, torch::Device device, bridge::Inputs inputs)
    : program(p), cache(p, inputs, config.train.cache_dir), shapes(network_shapes(p)), templates(std::move(query_templates)) {
  for (const auto& [name, shape] : shapes) domain[name] = shape.outputs;
  auto text = [](const std::vector<std::int64_t>& shape) { return c10::str(torch::IntArrayRef(shape)); };
  if (config.augment.any() && input.row.size() != 3)
    throw UserError("ConfigError", config.where("augment.rotation"),
                    "[augment] transforms images [C, H, W]; this task's inputs are " +
                        (input.padded.empty() ? text(input.row) : std::string("of several shapes")));
  // A network of `shape.inputs` inputs of `own` shape, reading padded rows where the task's
  // inputs have several shapes.
  auto fit = [&](torch::nn::AnyModule net, const std::string& name, std::int64_t tuple) {
    if (!input.padded.count(name)) return net;
    return torch::nn::AnyModule(neural::PaddedInput(std::move(net), input.of(name), input.row.at(0), tuple));
  };

  for (const NetworkSpec& n : specs) {
    if (!domain.count(n.name)) {
      std::string declared;
      for (const auto& [name, size] : domain) declared += (declared.empty() ? "" : ", ") + name;
      throw UserError("ConfigError", n.location,
                      "the program " + program.file() + " declares no network " + n.name +
                          (declared.empty() ? std::string(" (it declares none)") : " (it declares " + declared + ")"));
    }
    const NetworkShape& shape = shapes.at(n.name);
    if (!concept_network.empty() || !shape.has_concepts()) {
      if (concept_network.empty() && mitigation_name(config) != "none")
        throw UserError("ConfigError", n.location,
                        "[joint] trains a network that reads one image into the values of a domain (nn/4); " +
                            n.name + (shape.fact ? " is a neural fact's (nn/3)" : " reads " + std::to_string(shape.inputs) + " inputs"));
      if (concept_network.empty()) concept_network = n.name;
      std::vector<std::int64_t> tuple = input.of(n.name);
      tuple.at(0) *= shape.inputs;
      try {  // an architecture that cannot read the inputs: an error naming its [[network]]
        networks.emplace(n.name, fit(neural::make_encoder(n.architecture, shape.outputs, tuple), n.name, shape.inputs));
      } catch (const std::invalid_argument& e) {
        throw UserError("ConfigError", n.location, "network " + n.name + ": " + e.what());
      }
      continue;
    }
    concept_network = n.name;
    if ((config.joint.objective > 0 || config.joint.reconstruction > 0) && input.row != neural::kDigitShape)
      throw UserError("ConfigError", n.location,
                      "joint.objective and joint.reconstruction model 28x28 grey images; network " + n.name + " reads " +
                          (input.padded.empty() ? text(input.row) : "inputs of a task whose inputs have several shapes"));
    if (config.joint.objective > 0 && neural::is_torchscript(n.architecture))
      throw UserError("ConfigError", n.location,
                      "joint.objective trains the objective's own cluster head; network " + n.name +
                          " from TorchScript trains through the program (joint.entropy, joint.supervision)");
    ExperimentConfig with_architecture = config;
    with_architecture.model.network = n.architecture;
    try {
      joint = make_joint_model(with_architecture, domain.at(n.name), n.name, input.of(n.name));
      joint.concept_network = fit(joint.concept_network, n.name, 1);
    } catch (const std::invalid_argument& e) {
      throw UserError("ConfigError", n.location, "network " + n.name + ": " + e.what());
    }
    for (const auto& module : joint.extra_modules) module->to(device);
    networks.emplace(n.name, joint.concept_network);
  }
  std::vector<std::shared_ptr<const bridge::QueryCircuit>> held;
  std::vector<const bridge::QueryCircuit*> provable;
  std::int64_t queries = 0;
  for (const symbolic::QueryTemplate& t : templates) {
    held.push_back(cache.get(t));
    const bridge::QueryCircuit& part = *held.back();
    // A template none of whose answers has a model (every input 1 counts them) is P = 0.
    const std::vector<double> models = part.circuit.evaluate(std::vector<double>(part.num_columns(), 1.0));
    bool any = false;
    for (std::int64_t r : part.joint_root) any = any || models[r] > 0;
    answers.push_back(static_cast<std::int64_t>(part.queries.size()));
    first_query.push_back(any ? queries : -1);
    std::vector<Read>& r = reads.emplace_back();
    for (const bridge::InputVariable& in : part.inputs)
      if (in.is_neural())
        for (std::int64_t k : in.input_slots)
          if (k >= 0) r.push_back({in.network, k});
    if (any) {
      provable.push_back(&part);
      queries += answers.back();
    }
  }
  neural = std::make_unique<bridge::NeuralProgram>(bridge::merge(provable), networks, device);
  for (const bridge::InputVariable& in : neural->circuit().inputs)
    for (std::int64_t k : in.input_slots) slots_read = std::max(slots_read, k + 1);
}

std::vector<std::string> ProgramModel::values(const std::string& network) const {
  for (const symbolic::NeuralDeclaration& d : program.neural_declarations())
    if (d.network == network) return d.domain;
  return {};
}

bridge::Batch make_batch(const ProgramModel& m, const std::vector<Example>& examples,
                         const std::vector<std::int64_t>& which, const torch::Tensor& images) {
  bridge::Batch b = batch_of(m.slots_read, examples, which, images);
  // Each example's query is its template's first answer in the merged circuit.
  std::vector<std::int64_t> query;
  for (std::int64_t e : which) query.push_back(std::max<std::int64_t>(0, m.first_query[examples[e].query]));
  b.query = torch::tensor(query, torch::kLong);
  return b;
}

std::vector<std::int64_t> program_answers(bridge::NeuralProgram& model, const ImageSet& set,
                                          const std::vector<Example>& examples) {
  torch::NoGradGuard no_grad;
  std::int64_t width = 0;
  for (const bridge::InputVariable& in : model.circuit().inputs)
    for (std::int64_t k : in.input_slots) width = std::max(width, k + 1);
  std::vector<std::int64_t> out;
  for_each_query_batch(model, width, examples, all_of(examples), set.images,
                       [&](const std::vector<std::int64_t>&, const torch::Tensor& all) {
                         const torch::Tensor best = all.argmax(1);
                         out.insert(out.end(), best.data_ptr<std::int64_t>(), best.data_ptr<std::int64_t>() + best.size(0));
                       });
  return out;
}

json evaluate_set(ProgramModel& m, const ProgramTask& task, const EvaluationSet& set, bool confusion) {
  if (set.examples.empty()) return nullptr;
  torch::NoGradGuard no_grad;
  m.neural->train(false);
  // P(query | evidence) of each example (0 where its template has no proof), the program's
  // answers and the answers' argmax: one pass through the circuit.
  const QueryPass pass = query_pass(m, set);
  const std::vector<double>& log_p = pass.log_p;
  std::vector<double> targets;
  std::int64_t right = 0;
  for (std::size_t e = 0; e < set.examples.size(); ++e) {
    right += (std::exp(log_p[e]) > 0.5) == (set.examples[e].target > 0.5);
    targets.push_back(set.examples[e].target);
  }
  const double loss =
      bridge::query_loss(torch::tensor(log_p, torch::kFloat64), torch::tensor(targets, torch::kFloat64)).mean().item<double>();
  json out = {{"examples", set.examples.size()},
              {"accuracy", static_cast<double>(right) / static_cast<double>(set.examples.size())},
              {"loss", loss}};

  // Concepts: each network's on the slots it reads; the concept network's at the top level.
  for (const char* key : kConceptKeys) out[key] = nullptr;  // a program without networks has no concepts
  json networks = json::object();
  std::vector<std::int64_t> concept_predicted;
  const bool repair = task.labelled() && set.repairable && task.repairable_slots() > 0;
  for (const auto& [name, net] : m.networks) {
    const bool concept = name == m.concept_network;
    const neural::EvalMode eval_mode(*net.ptr());
    NetworkConcepts c;
    c.predicted.assign(static_cast<std::size_t>(set.images->size()), -1);
    if (m.shapes.at(name).has_concepts())
      c = network_concepts(m, task, set, name, concept && repair, concept && confusion);
    if (concept) {
      if (!c.metrics.is_null())
        for (const char* key : kConceptKeys) out[key] = c.metrics.at(key);
      if (confusion && !c.metrics.is_null()) out["confusion"] = c.metrics.at("confusion");
      concept_predicted = std::move(c.predicted);
    }
    json& summary = networks[name] = nullptr;
    if (!c.metrics.is_null())
      for (const char* key : {"concept_accuracy", "concept_f1", "concept_collapse", "concept_ece"})
        summary[key] = c.metrics.at(key);
  }
  out["networks"] = networks;
  add_answers(out, m, set, pass, confusion);
  if (task.labelled()) {
    const neural::EvalMode eval_mode(*m.networks.at(m.concept_network).ptr());
    add_labels(out, m, task, set, concept_predicted, pass);
  }
  return out;
}

void save_model(const ProgramModel& m, torch::serialize::OutputArchive& archive) {
  for (const auto& [name, net] : m.networks) {
    torch::serialize::OutputArchive part;
    net.ptr()->save(part);
    archive.write(name, part);
  }
  for (const bridge::LearnableFact& f : m.neural->facts()) archive.write("fact:" + f.key, f.logits.detach().cpu());
}

void load_model(ProgramModel& m, torch::serialize::InputArchive& archive) {
  for (auto& [name, net] : m.networks) {
    torch::serialize::InputArchive part;
    archive.read(name, part);
    net.ptr()->load(part);
    net.ptr()->to(m.neural->device());
  }
  torch::NoGradGuard no_grad;
  for (bridge::LearnableFact& f : m.neural->facts()) f.logits.copy_(read_tensor(archive, "fact:" + f.key));
}

std::vector<symbolic::LearnableDeclaration> untrained_facts(const ProgramModel& m) {
  std::vector<symbolic::LearnableDeclaration> out;
  for (const symbolic::LearnableDeclaration& d : m.program.learnable_declarations()) {
    bool used = false;
    for (const bridge::LearnableFact& f : m.neural->facts()) used = used || f.location == d.location;
    if (!used) out.push_back(d);
  }
  return out;
}

json facts_json(const ProgramModel& m) {
  json facts = json::array();
  for (const bridge::LearnableFact& f : m.neural->facts())
    facts.push_back({{"name", f.name}, {"location", f.location}, {"key", f.key}, {"values", f.values},
                     {"probabilities", f.probabilities()}, {"trained", true}});
  for (const symbolic::LearnableDeclaration& d : untrained_facts(m))
    facts.push_back({{"name", d.heads}, {"location", d.location}, {"trained", false}});
  return facts;
}

}  // namespace gedilog::tasks
