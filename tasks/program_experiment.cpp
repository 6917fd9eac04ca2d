#include "tasks/program_experiment.h"

#include <torch/torch.h>

#include <filesystem>
#include <ostream>
#include <sstream>

#include "bridge/query_circuit.h"
#include "bridge/trainer.h"
#include "symbolic/error.h"
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
  double label_accuracy = 0;
  ConceptMetrics concepts;
  double ece = 0;
  std::int64_t examples = 0;
};

// The concept network on every image the examples use (each once): argmax concepts and
// their confidence; labels from the task's label_of(argmax digits) against the true label.
SetMetrics evaluate(torch::nn::AnyModule& net, const ImageSet& set, const std::vector<TaskExample>& examples,
                    const ProgramTask& task, torch::Device device) {
  SetMetrics m;
  m.examples = static_cast<std::int64_t>(examples.size());
  if (examples.empty()) return m;
  torch::NoGradGuard no_grad;
  net.ptr()->eval();
  std::vector<std::int64_t> used;
  std::unordered_map<std::int64_t, std::int64_t> row;
  for (const TaskExample& e : examples)
    for (std::int64_t i : e.images)
      if (row.try_emplace(i, static_cast<std::int64_t>(used.size())).second) used.push_back(i);
  const torch::Tensor index = torch::tensor(used, torch::kLong);
  const torch::Tensor images = set.images.index_select(0, index), truth = set.labels.index_select(0, index);
  std::vector<torch::Tensor> probs;
  for (std::int64_t i = 0; i < images.size(0); i += 1000)
    probs.push_back(
        torch::softmax(net.forward(images.narrow(0, i, std::min<std::int64_t>(1000, images.size(0) - i)).to(device)), 1)
            .cpu());
  const auto [confidence, predicted] = torch::cat(probs).max(1);
  m.concepts = concept_metrics(predicted, truth, static_cast<int>(task.concepts()));
  const auto p = predicted.accessor<std::int64_t, 1>(), t = truth.accessor<std::int64_t, 1>();
  const auto c = confidence.accessor<float, 1>();
  std::vector<double> sure;
  std::vector<bool> right;
  for (std::int64_t i = 0; i < predicted.size(0); ++i) sure.push_back(c[i]), right.push_back(p[i] == t[i]);
  m.ece = expected_calibration_error(sure, right, 10);
  std::int64_t correct = 0;
  for (const TaskExample& e : examples) {
    std::vector<int> digits;
    for (std::int64_t i : e.images) digits.push_back(static_cast<int>(p[row.at(i)]));
    correct += task.label_of(digits) == e.label;
  }
  m.label_accuracy = static_cast<double>(correct) / examples.size();
  return m;
}

nlohmann::json test_json(const SetMetrics& m) {
  const std::vector<int> map = learned_map(m.concepts.confusion);
  return {{"label_accuracy", m.label_accuracy},
          {"concept_accuracy", m.concepts.accuracy},
          {"concept_collapse", m.concepts.collapse},
          {"concept_ece", m.ece},
          {"concept_map", map},
          {"map_one_to_one", is_one_to_one(map) ? 1 : 0},
          {"examples", m.examples},
          {"confusion", m.concepts.confusion}};
}

nlohmann::json ood_json(const SetMetrics& m) {
  if (m.examples == 0) return nullptr;
  return {{"label_accuracy", m.label_accuracy}, {"concept_accuracy", m.concepts.accuracy}, {"examples", m.examples}};
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
    const std::vector<TaskExample> test_examples = task->test_set(), ood_examples = task->ood_set();

    std::ostringstream history;
    history << "epoch,loss,train_seconds,examples_per_second,test_label_accuracy,test_concept_accuracy,"
               "ood_label_accuracy,data_s,network_forward_s,auxiliary_s,circuit_forward_s,circuit_backward_s,"
               "network_backward_s,optimizer_s\n";
    std::vector<double> losses, label_accuracies, concept_accuracies;
    double train_seconds = 0;
    std::int64_t trained = 0;
    int renamed = 0;  // concepts that align_clusters moved to another cluster, over the epochs
    bridge::EpochReport last;
    SetMetrics test, ood;
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
            const torch::Tensor original = batch.images;
            batch.images = neural::augment(original, augment, augment_generator);
            if (joint.needs_other_view) batch.other_view = neural::augment(original, augment, augment_generator);
            return batch;
          },
          on_training_step(out_dir, log, terminal, epoch, config.epochs, batches));
      if (terminal) log << "\n";
      train_seconds += r.seconds;
      trained += r.examples;
      last = r;
      if (config.joint_align && joint.cluster_order.defined()) {
        const Alignment a = align_clusters(model, make_batch(examples, 0, std::min<std::int64_t>(n, 2000), data.train),
                                           joint, kConceptNetwork);
        renamed += a.renamed;
        if (a.renamed)
          log << "aligned clusters to concepts: " << a.renamed << " concepts renamed, mean log P(query) "
              << fixed(a.before, 4) << " -> " << fixed(a.after, 4) << "\n";
      }
      test = evaluate(net, data.test, test_examples, *task, device);
      ood = evaluate(net, data.test, ood_examples, *task, device);
      losses.push_back(r.loss);
      label_accuracies.push_back(test.label_accuracy);
      concept_accuracies.push_back(test.concepts.accuracy);
      const bridge::StepTimes& t = r.times;
      history << epoch << "," << r.loss << "," << r.seconds << "," << r.examples / r.seconds << ","
              << test.label_accuracy << "," << test.concepts.accuracy << "," << ood.label_accuracy << "," << t.data
              << "," << t.network_forward << "," << t.auxiliary << "," << t.circuit_forward << ","
              << t.circuit_backward << "," << t.network_backward << "," << t.optimizer << "\n";
      const double step = std::max(t.total(), 1e-12);
      auto share = [&](double s) { return fixed(100 * s / step, 0) + "%"; };
      log << "epoch " << epoch << ": loss " << fixed(r.loss, 4);
      for (const auto& [name, value] : r.terms) log << ", " << name << " " << fixed(value, 4);
      log << ", test label accuracy " << fixed(100 * test.label_accuracy, 2) << "%, concept accuracy "
          << fixed(100 * test.concepts.accuracy, 2) << "%";
      if (ood.examples) log << ", OOD label accuracy " << fixed(100 * ood.label_accuracy, 2) << "%";
      log << ", " << fixed(r.examples / r.seconds, 0) << " examples/s; step time: data " << share(t.data)
          << ", network fwd " << share(t.network_forward) << ", mitigation fwd " << share(t.auxiliary)
          << ", circuit fwd " << share(t.circuit_forward) << ", circuit bwd " << share(t.circuit_backward)
          << ", network bwd " << share(t.network_backward) << ", optimizer " << share(t.optimizer) << "\n";
    }
    if (config.epochs == 0) {
      test = evaluate(net, data.test, test_examples, *task, device);
      ood = evaluate(net, data.test, ood_examples, *task, device);
    }

    torch::serialize::OutputArchive archive;
    net.ptr()->save(archive);
    archive.save_to(run.path("model.pt"));
    run.write("history.csv", history.str());
    write_confusion_png(run.path("confusion.png"), test.concepts.confusion);
    write_curves_png(run.path("curves.png"), {losses, label_accuracies, concept_accuracies});

    const bridge::StepTimes& times = last.times;
    const double step = std::max(times.total(), 1e-12);
    return nlohmann::json{
        {"test", test_json(test)},
        {"ood", ood_json(ood)},
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
        {"test_images", data.test.size()}};
  });
}

nlohmann::json evaluate_program_task(const std::string& run_dir) {
  const std::string config_file = (fs::path(run_dir) / "config.toml").string();
  const std::string model_file = (fs::path(run_dir) / "model.pt").string();
  if (!fs::exists(model_file)) throw UserError("FileNotFound", model_file, "no checkpoint: not a finished run");
  const ExperimentConfig config = load_experiment(config_file, {});
  const TrainTest data = load_data(config);
  const std::unique_ptr<ProgramTask> task = make_task(config, data);
  torch::nn::AnyModule net = make_joint_model(config, task->concepts(), kConceptNetwork).concept_network;
  torch::serialize::InputArchive archive;
  archive.load_from(model_file);
  net.ptr()->load(archive);
  const torch::Device device(config.device);
  net.ptr()->to(device);
  nlohmann::json out = test_json(evaluate(net, data.test, task->test_set(), *task, device));
  out.erase("confusion");
  const nlohmann::json ood = ood_json(evaluate(net, data.test, task->ood_set(), *task, device));
  if (!ood.is_null()) out["ood"] = ood;
  return out;
}

}  // namespace gedilog::tasks
