#include "tasks/program_experiment.h"

#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <ostream>
#include <sstream>

#include "bridge/query_circuit.h"
#include "bridge/tensor_circuit.h"
#include "bridge/trainer.h"
#include "neural/batched.h"
#include "core/error.h"
#include "symbolic/program.h"
#include "tasks/joint_training.h"
#include "tasks/metrics.h"
#include "tasks/mnist_data.h"
#include "tasks/plots.h"
#include "tasks/program_task.h"
#include "tasks/run_store.h"
#include "tasks/training_run.h"

namespace gedilog::tasks {

namespace fs = std::filesystem;

namespace {

constexpr const char* kConceptNetwork = "mnist_net";  // the network the shipped programs name

// Examples [begin, end) as a batch: each distinct image once.
bridge::Batch make_batch(const std::vector<TaskExample>& examples, std::int64_t begin, std::int64_t end,
                         const ImageSet& images) {
  const std::size_t n = examples[begin].images.size();
  const std::int64_t inputs = static_cast<std::int64_t>(n + examples[begin].observed.size());
  std::vector<std::int64_t> pool, given;  // distinct image indices in order of first use; their given digits
  std::unordered_map<std::int64_t, std::int64_t> row;
  std::vector<std::int64_t> in, query;
  for (std::int64_t e = begin; e < end; ++e) {
    const TaskExample& x = examples[e];
    for (std::size_t k = 0; k < n; ++k) {
      auto [it, fresh] = row.try_emplace(x.images[k], static_cast<std::int64_t>(pool.size()));
      if (fresh) pool.push_back(x.images[k]), given.push_back(-1);
      if (!x.given.empty() && x.given[k] >= 0) given[it->second] = x.given[k];
      in.push_back(it->second);
    }
    in.insert(in.end(), x.observed.begin(), x.observed.end());
    query.push_back(x.query);
  }
  bridge::Batch batch;
  batch.images = images.images.index_select(0, torch::tensor(pool, torch::kLong));
  batch.inputs = torch::tensor(in, torch::kLong).view({end - begin, inputs});
  batch.query = torch::tensor(query, torch::kLong);
  batch.given = torch::tensor(given, torch::kLong);
  return batch;
}

struct SetMetrics {
  // argmax_y P(y | images) over the program's answers, where every template asserts one label
  // (rsbench); with one template (the carry form) the label of the argmax concepts.
  double label_accuracy = 0;
  double label_f1 = 0;      // macro, over the labels (metrics.h)
  ConceptMetrics concepts;  // over every image slot of every example (rsbench)
  double ece = 0;
  std::int64_t examples = 0;
};

// The concept network on every image the examples use (each computed once, counted per slot):
// argmax concepts and their confidence; labels as SetMetrics says.
SetMetrics evaluate(bridge::NeuralProgram& model, torch::nn::AnyModule& net, const ImageSet& set,
                    const std::vector<TaskExample>& examples, const ProgramTask& task, torch::Device device) {
  SetMetrics m;
  m.examples = static_cast<std::int64_t>(examples.size());
  if (examples.empty()) return m;
  torch::NoGradGuard no_grad;
  const neural::EvalMode eval_mode(*net.ptr());  // also for program_answers below
  std::vector<std::int64_t> used;
  std::unordered_map<std::int64_t, std::int64_t> row;
  for (const TaskExample& e : examples)
    for (std::int64_t i : e.images)
      if (row.try_emplace(i, static_cast<std::int64_t>(used.size())).second) used.push_back(i);
  const torch::Tensor images = set.images.index_select(0, torch::tensor(used, torch::kLong));
  const torch::Tensor probs = torch::softmax(
      neural::forward_in_chunks(*net.ptr(), [&](const torch::Tensor& x) { return net.forward(x); }, images, device), 1);
  const auto [confidence, predicted] = probs.max(1);
  const auto p = predicted.accessor<std::int64_t, 1>();
  const auto c = confidence.accessor<float, 1>();
  const auto labels = set.labels.accessor<std::int64_t, 1>();
  std::vector<std::int64_t> slot_predicted, slot_truth;
  std::vector<double> sure;
  std::vector<bool> right;
  for (const TaskExample& e : examples)
    for (std::int64_t i : e.images) {
      const std::int64_t r = row.at(i);
      slot_predicted.push_back(p[r]);
      slot_truth.push_back(labels[i]);
      sure.push_back(c[r]);
      right.push_back(p[r] == labels[i]);
    }
  m.concepts = concept_metrics(torch::tensor(slot_predicted, torch::kLong), torch::tensor(slot_truth, torch::kLong),
                               static_cast<int>(task.concepts()));
  m.ece = expected_calibration_error(sure, right, 10);
  // Labels as class ids: the template index, or each distinct label of the argmax concepts.
  std::vector<std::int64_t> truth, answer;
  if (model.circuit().queries.size() > 1) {
    answer = program_answers(model, set, examples);
    for (const TaskExample& e : examples) truth.push_back(e.query);
  } else {
    std::map<std::vector<int>, std::int64_t> id;
    auto id_of = [&](const std::vector<int>& label) { return id.try_emplace(label, static_cast<std::int64_t>(id.size())).first->second; };
    for (const TaskExample& e : examples) {
      std::vector<int> digits;
      for (std::int64_t i : e.images) digits.push_back(static_cast<int>(p[row.at(i)]));
      truth.push_back(id_of(e.label));
      answer.push_back(id_of(task.label_of(digits)));
    }
  }
  std::int64_t correct = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) correct += truth[i] == answer[i];
  m.label_accuracy = static_cast<double>(correct) / static_cast<double>(truth.size());
  m.label_f1 = macro_f1(truth, answer);
  return m;
}

nlohmann::json test_json(const SetMetrics& m) {
  const std::vector<int> map = learned_map(m.concepts.confusion);
  return {{"label_accuracy", m.label_accuracy},
          {"label_f1", m.label_f1},
          {"concept_accuracy", m.concepts.accuracy},
          {"concept_f1", m.concepts.f1},
          {"concept_collapse", m.concepts.collapse},
          {"concept_ece", m.ece},
          {"concept_map", map},
          {"map_one_to_one", is_one_to_one(map) ? 1 : 0},
          {"map_identity", is_identity(map) ? 1 : 0},
          {"examples", m.examples},
          {"confusion", m.concepts.confusion}};
}

// An evaluation set that is not the test set: no confusion matrix (null when it is empty).
nlohmann::json summary_json(const SetMetrics& m) {
  if (m.examples == 0) return nullptr;
  return {{"label_accuracy", m.label_accuracy},
          {"label_f1", m.label_f1},
          {"concept_accuracy", m.concepts.accuracy},
          {"concept_f1", m.concepts.f1},
          {"examples", m.examples}};
}

// Every evaluation set of a task, drawn once: test, OOD, rsbench's second OOD set (all over
// the test images) and validation (over the validation images).
struct EvaluationSets {
  std::vector<TaskExample> test, ood, ood_sums, validation;
  explicit EvaluationSets(const ProgramTask& task)
      : test(task.test_set()), ood(task.ood_set()), ood_sums(task.ood_sums_set()), validation(task.validation_set()) {}
};

// The metrics of every evaluation set with the network as it is.
struct Evaluation {
  SetMetrics test, ood, ood_sums, validation;
};

Evaluation evaluate_all(bridge::NeuralProgram& model, torch::nn::AnyModule& net, const TrainTest& data,
                        const EvaluationSets& sets, const ProgramTask& task, torch::Device device) {
  return {evaluate(model, net, data.test, sets.test, task, device),
          evaluate(model, net, data.test, sets.ood, task, device),
          evaluate(model, net, data.test, sets.ood_sums, task, device),
          evaluate(model, net, data.validation, sets.validation, task, device)};
}

// The metrics.json entries of an Evaluation: test, ood, ood_sums (with its sums), val.
void add_evaluation(nlohmann::json& out, const Evaluation& e, const ProgramTask& task) {
  out["test"] = test_json(e.test);
  out["ood"] = summary_json(e.ood);
  if (e.ood_sums.examples) {
    out["ood_sums"] = summary_json(e.ood_sums);
    out["ood_sums"]["sums"] = task.ood_sums();
  }
  out["val"] = summary_json(e.validation);
}

}  // namespace

nlohmann::json train_program_task(const ExperimentConfig& config, const std::string& out_dir, std::ostream& log,
                                  bool terminal) {
  if (config.task == "cluster")
    throw UserError("ConfigError", "task.name", "gedilog train runs tasks through a program; task \"cluster\" has none: use gedilog cluster");
  RunFolder run(out_dir, to_toml(config), config.task, config.seed);
  return run.complete([&] {
    const RunStart start = start_run(config);
    const torch::Device device = start.device;
    const TrainTest& data = start.data;
    const std::unique_ptr<ProgramTask> task = make_task(config, data);

    const symbolic::Program program = symbolic::Program::load(task->program_file());
    bridge::CircuitCache cache(program, bridge::Inputs::kNeural, config.cache_dir);
    bridge::QueryCircuit circuit = cache.merged(task->templates());
    log << "circuit: " << circuit.queries.size() << " quer" << (circuit.queries.size() == 1 ? "y" : "ies") << ", "
        << circuit.circuit.num_nodes() << " nodes, " << circuit.circuit.layers.size() << " layers ("
        << cache.stats().compiled << " compiled in " << fixed(cache.stats().compile_seconds, 2) << " s, "
        << cache.stats().disk_hits << " from the cache); " << task->train_size() << " training examples, mitigation "
        << mitigation_name(config) << "\n";

    JointModel joint = make_joint_model(config, task->concepts(), kConceptNetwork);
    torch::nn::AnyModule net = joint.concept_network;
    for (const auto& m : joint.extra_modules) m->to(device);
    bridge::NeuralProgram model(std::move(circuit), {{kConceptNetwork, net}}, device);
    bridge::Trainer trainer(model, {config.learning_rate, joint.auxiliary, joint.extra_parameters});

    const neural::AugmentOptions augment = augment_options(config);
    torch::Generator augment_generator =
        torch::make_generator<torch::CPUGeneratorImpl>(static_cast<std::uint64_t>(config.seed) + 1);

    std::ostringstream history;
    history << "epoch,loss,train_seconds,examples_per_second,test_label_accuracy,test_concept_accuracy,"
               "ood_label_accuracy,val_label_accuracy,val_concept_accuracy,data_s,network_forward_s,auxiliary_s,circuit_forward_s,circuit_backward_s,"
               "network_backward_s,optimizer_s\n";
    std::vector<double> losses, label_accuracies, concept_accuracies;
    double train_seconds = 0;
    std::int64_t trained = 0;
    int renamed = 0;  // concepts that align_clusters moved to another cluster, over the epochs
    bridge::EpochReport last;
    const EvaluationSets sets(*task);
    Evaluation e;
    for (int epoch = 1; epoch <= config.epochs; ++epoch) {
      trainer.set_learning_rate(learning_rate_at(config, epoch));
      trainer.set_program_weight(epoch <= config.joint_warmup ? 0.0 : 1.0);
      const auto examples = task->train_epoch(epoch);
      const std::int64_t n = static_cast<std::int64_t>(examples.size());
      const std::int64_t batches = (n + config.batch_size - 1) / config.batch_size;
      const bridge::EpochReport r = trainer.train_epoch(
          batches,
          [&](std::int64_t i) {
            bridge::Batch batch =
                make_batch(examples, i * config.batch_size, std::min(n, (i + 1) * config.batch_size), data.train);
            augment_batch(batch, augment, augment_generator, joint.needs_other_view);
            return batch;
          },
          on_training_step(out_dir, log, terminal, epoch, config.epochs, batches));
      if (terminal) log << "\n";
      train_seconds += r.seconds;
      trained += r.examples;
      last = r;
      if (joint.objective) joint.objective->fit_read_out(data.train.images.to(device));
      if (config.joint_align && joint.cluster_order.defined()) {
        const Alignment a = align_clusters(model, make_batch(examples, 0, std::min<std::int64_t>(n, 2000), data.train),
                                           joint, kConceptNetwork);
        renamed += a.renamed;
        if (a.renamed)
          log << "aligned clusters to concepts: " << a.renamed << " concepts renamed, mean log P(query) "
              << fixed(a.before, 4) << " -> " << fixed(a.after, 4) << "\n";
      }
      e = evaluate_all(model, net, data, sets, *task, device);
      const SetMetrics &test = e.test, &ood = e.ood;
      losses.push_back(r.loss);
      label_accuracies.push_back(test.label_accuracy);
      concept_accuracies.push_back(test.concepts.accuracy);
      const bridge::StepTimes& t = r.times;
      history << epoch << "," << r.loss << "," << r.seconds << "," << r.examples / r.seconds << ","
              << test.label_accuracy << "," << test.concepts.accuracy << "," << ood.label_accuracy << ","
              << e.validation.label_accuracy << "," << e.validation.concepts.accuracy << "," << t.data
              << "," << t.network_forward << "," << t.auxiliary << "," << t.circuit_forward << ","
              << t.circuit_backward << "," << t.network_backward << "," << t.optimizer << "\n";
      const double step = std::max(t.total(), 1e-12);
      auto share = [&](double s) { return fixed(100 * s / step, 0) + "%"; };
      log << "epoch " << epoch << ": loss " << fixed(r.loss, 4);
      for (const auto& [name, value] : r.terms) log << ", " << name << " " << fixed(value, 4);
      log << ", test label accuracy " << fixed(100 * test.label_accuracy, 2) << "%, concept accuracy "
          << fixed(100 * test.concepts.accuracy, 2) << "%";
      if (ood.examples) log << ", OOD label accuracy " << fixed(100 * ood.label_accuracy, 2) << "%";
      if (e.validation.examples) log << ", validation label accuracy " << fixed(100 * e.validation.label_accuracy, 2) << "%";
      log << ", " << fixed(r.examples / r.seconds, 0) << " examples/s; step time: data " << share(t.data)
          << ", network fwd " << share(t.network_forward) << ", mitigation fwd " << share(t.auxiliary)
          << ", circuit fwd " << share(t.circuit_forward) << ", circuit bwd " << share(t.circuit_backward)
          << ", network bwd " << share(t.network_backward) << ", optimizer " << share(t.optimizer) << "\n";
    }
    if (config.epochs == 0) e = evaluate_all(model, net, data, sets, *task, device);

    torch::serialize::OutputArchive archive;
    net.ptr()->save(archive);
    write_checkpoint(run, archive);
    run.write("history.csv", history.str());
    write_confusion_png(run.path("confusion.png"), e.test.concepts.confusion);
    write_curves_png(run.path("curves.png"), {losses, label_accuracies, concept_accuracies});

    const bridge::StepTimes& times = last.times;
    const double step = std::max(times.total(), 1e-12);
    nlohmann::json metrics{
        {"mitigation", mitigation_name(config)},
        {"last_epoch_terms", last.terms},
        {"concepts_renamed", renamed},
        {"train_seconds", train_seconds},
        {"examples_per_second", train_seconds > 0 ? trained / train_seconds : 0.0},
        {"wall_seconds", start.wall_seconds()},
        {"compile_seconds", cache.stats().compile_seconds},
        {"templates_compiled", cache.stats().compiled},
        {"last_epoch_step_share",
         {{"data", times.data / step},
          {"network_forward", times.network_forward / step},
          {"auxiliary", times.auxiliary / step},
          {"circuit_forward", times.circuit_forward / step},
          {"circuit_backward", times.circuit_backward / step},
          {"network_backward", times.network_backward / step},
          {"optimizer", times.optimizer / step}}},
        {"peak_rss_mib", peak_rss_mib()},
        {"train_examples_per_epoch", task->train_size()},
        {"test_images", data.test.size()},
        {"validation_images", data.validation.size()}};
    add_evaluation(metrics, e, *task);
    return metrics;
  });
}

std::vector<std::int64_t> program_answers(bridge::NeuralProgram& model, const ImageSet& set,
                                          const std::vector<TaskExample>& examples) {
  torch::NoGradGuard no_grad;
  std::vector<std::int64_t> out;
  const auto n = static_cast<std::int64_t>(examples.size());
  for (std::int64_t begin = 0; begin < n; begin += 500) {
    const bridge::Batch batch = make_batch(examples, begin, std::min(n, begin + 500), set);
    const torch::Tensor leaves = model.leaves(batch, model.network_log_probs(batch));
    const torch::Tensor best = bridge::log_probabilities(model.circuit(), model.tensors(), leaves).argmax(1).cpu();
    out.insert(out.end(), best.data_ptr<std::int64_t>(), best.data_ptr<std::int64_t>() + best.size(0));
  }
  return out;
}

nlohmann::json evaluate_program_task(const std::string& run_dir) {
  const std::string config_file = (fs::path(run_dir) / "config.toml").string();
  const ExperimentConfig config = load_experiment(config_file, {});
  const TrainTest data = load_data(config);
  const std::unique_ptr<ProgramTask> task = make_task(config, data);
  torch::nn::AnyModule net = make_joint_model(config, task->concepts(), kConceptNetwork).concept_network;
  read_checkpoint((fs::path(run_dir) / "model.pt").string(),
                  [&](torch::serialize::InputArchive& archive) { net.ptr()->load(archive); });
  const torch::Device device = training_device(config);
  net.ptr()->to(device);
  const symbolic::Program program = symbolic::Program::load(task->program_file());
  bridge::CircuitCache cache(program, bridge::Inputs::kNeural, config.cache_dir);
  bridge::NeuralProgram model(cache.merged(task->templates()), {{kConceptNetwork, net}}, device);
  nlohmann::json all;
  add_evaluation(all, evaluate_all(model, net, data, EvaluationSets(*task), *task, device), *task);
  nlohmann::json out = all["test"];
  out.erase("confusion");
  for (const char* set : {"ood", "ood_sums", "val"})
    if (all.contains(set) && !all[set].is_null()) out[set] = all[set];
  return out;
}

}  // namespace gedilog::tasks
