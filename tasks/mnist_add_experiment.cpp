#include "tasks/mnist_add_experiment.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "bridge/query_circuit.h"
#include "bridge/trainer.h"
#include "symbolic/error.h"
#include "symbolic/program.h"
#include "tasks/metrics.h"
#include "tasks/mnist_addition.h"
#include "tasks/mnist_data.h"
#include "tasks/plots.h"
#include "tasks/run_store.h"
#include "tasks/training_run.h"

namespace gedilog::tasks {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::string program_file(const ExperimentConfig& c) {
  if (!c.program.empty()) return c.program;
  const std::string name = c.form == "carry" ? "multi_digit_addition.pl" : "mnist_addition.pl";
  return (fs::path(GEDILOG_SOURCE_DIR) / "examples" / name).string();
}

AdditionForm form_of(const ExperimentConfig& c) {
  return c.form == "carry" ? AdditionForm::kCarry : AdditionForm::kDeepProbLog;
}

// Examples [begin, end) as a batch: each distinct image once.
bridge::Batch make_batch(const std::vector<AdditionExample>& examples, std::int64_t begin, std::int64_t end,
                         const ImageSet& images, AdditionForm form) {
  const int n = static_cast<int>(examples[begin].a.size());
  const int inputs = form == AdditionForm::kCarry ? 3 * n + 1 : 2 * n;
  std::vector<std::int64_t> pool;  // distinct image indices, in order of first use
  std::unordered_map<std::int64_t, std::int64_t> row;
  std::vector<std::int64_t> in, query;
  for (std::int64_t e = begin; e < end; ++e) {
    for (int k = 0; k < inputs; ++k) {
      const std::int64_t v = addition_input(examples[e], k);
      if (k < 2 * n) {
        auto [it, fresh] = row.try_emplace(v, static_cast<std::int64_t>(pool.size()));
        if (fresh) pool.push_back(v);
        in.push_back(it->second);
      } else {
        in.push_back(v);
      }
    }
    query.push_back(addition_template_index(form, examples[e]));
  }
  return {images.images.index_select(0, torch::tensor(pool, torch::kLong)),
          torch::tensor(in, torch::kLong).view({end - begin, inputs}), torch::tensor(query, torch::kLong)};
}

struct TestMetrics {
  double label_accuracy = 0;
  ConceptMetrics concepts;
};

// Concepts: the network's argmax on every test image; labels: the sum of the argmax digits of
// the test examples (pairs of the test images, seeded), against the true sum.
TestMetrics evaluate(torch::nn::AnyModule& net, const ImageSet& test, int digits, std::uint64_t seed,
                     torch::Device device) {
  torch::NoGradGuard no_grad;
  net.ptr()->eval();
  std::vector<torch::Tensor> predicted;
  for (std::int64_t i = 0; i < test.size(); i += 1000)
    predicted.push_back(net.forward(test.images.narrow(0, i, std::min<std::int64_t>(1000, test.size() - i)).to(device))
                            .argmax(1)
                            .cpu());
  const torch::Tensor digit = torch::cat(predicted);
  TestMetrics m;
  m.concepts = concept_metrics(digit, test.labels, 10);
  const MnistAddition task(test, digits, seed);
  const auto examples = task.epoch(0);
  const auto d = digit.accessor<std::int64_t, 1>();
  std::int64_t right = 0;
  for (const AdditionExample& e : examples) {
    int carry = 0;
    bool ok = true;
    for (int i = 0; i < digits; ++i) {
      const int s = static_cast<int>(d[e.a[i]] + d[e.b[i]]) + carry;
      ok = ok && s % 10 == e.sum[i];
      carry = s / 10;
    }
    right += ok && carry == e.sum[digits];
  }
  m.label_accuracy = examples.empty() ? 0.0 : static_cast<double>(right) / examples.size();
  return m;
}

}  // namespace

nlohmann::json train_mnist_add(const ExperimentConfig& config, const std::string& out_dir, std::ostream& log,
                               bool terminal) {
  if (config.task != "mnist-add")
    throw UserError("ConfigError", "task.name",
                    "gedilog train runs task \"mnist-add\"; this experiment is '" + config.task + "' (gedilog cluster)");
  RunFolder run(out_dir, to_toml(config), config.task, config.seed);
  return run.complete([&] {
    const auto start = Clock::now();
    const torch::Device device = training_device(config);
    torch::manual_seed(static_cast<std::uint64_t>(config.seed));
    const TrainTest data = load_data(config);
    const AdditionForm form = form_of(config);
    const MnistAddition task(data.train, config.digits, static_cast<std::uint64_t>(config.seed));

    const symbolic::Program program = symbolic::Program::load(program_file(config));
    bridge::CircuitCache cache(program, bridge::Inputs::kNeural, config.cache_dir);
    bridge::QueryCircuit circuit = cache.merged(addition_templates(form, config.digits));
    log << "circuit: " << circuit.queries.size() << " quer" << (circuit.queries.size() == 1 ? "y" : "ies")
        << ", " << circuit.circuit.num_nodes() << " nodes, " << circuit.circuit.layers.size() << " layers ("
        << cache.stats().compiled << " compiled in " << fixed(cache.stats().compile_seconds, 2) << " s, "
        << cache.stats().disk_hits << " from the cache)\n";

    torch::nn::AnyModule net = make_encoder(config, 10);
    bridge::NeuralProgram model(std::move(circuit), {{"mnist_net", net}}, device);
    bridge::Trainer trainer(model, {config.learning_rate});

    const neural::AugmentOptions augment = augment_options(config);
    torch::Generator augment_generator =
        torch::make_generator<torch::CPUGeneratorImpl>(static_cast<std::uint64_t>(config.seed) + 1);

    std::ostringstream history;
    history << "epoch,loss,train_seconds,examples_per_second,test_label_accuracy,test_concept_accuracy,"
               "data_s,network_forward_s,circuit_forward_s,circuit_backward_s,network_backward_s,optimizer_s\n";
    std::vector<double> losses, label_accuracies, concept_accuracies;
    double train_seconds = 0;
    std::int64_t trained = 0;
    bridge::StepTimes times;
    TestMetrics test;
    for (int epoch = 1; epoch <= config.epochs; ++epoch) {
      trainer.set_learning_rate(learning_rate_at(config, epoch));
      const auto examples = task.epoch(epoch);
      const std::int64_t n = static_cast<std::int64_t>(examples.size());
      const std::int64_t batches = (n + config.batch_size - 1) / config.batch_size;
      const bridge::EpochReport r = trainer.train_epoch(
          batches,
          [&](std::int64_t i) {
            bridge::Batch batch = make_batch(examples, i * config.batch_size,
                                             std::min(n, (i + 1) * config.batch_size), data.train, form);
            batch.images = neural::augment(batch.images, augment, augment_generator);
            return batch;
          },
          [&](std::int64_t i, double loss) {
            throw_if_interrupted(out_dir);
            if (terminal) show_progress(log, epoch, config.epochs, i, batches, loss);
          });
      if (terminal) log << "\n";
      train_seconds += r.seconds;
      trained += r.examples;
      times = r.times;
      test = evaluate(net, data.test, config.digits, static_cast<std::uint64_t>(config.seed), device);
      losses.push_back(r.loss);
      label_accuracies.push_back(test.label_accuracy);
      concept_accuracies.push_back(test.concepts.accuracy);
      const bridge::StepTimes& t = r.times;
      history << epoch << "," << r.loss << "," << r.seconds << "," << r.examples / r.seconds << ","
              << test.label_accuracy << "," << test.concepts.accuracy << "," << t.data << "," << t.network_forward
              << "," << t.circuit_forward << "," << t.circuit_backward << "," << t.network_backward << ","
              << t.optimizer << "\n";
      const double step = std::max(t.total(), 1e-12);
      log << "epoch " << epoch << ": loss " << fixed(r.loss, 4) << ", test sum accuracy "
          << fixed(100 * test.label_accuracy, 2) << "%, digit accuracy " << fixed(100 * test.concepts.accuracy, 2)
          << "%, " << fixed(r.examples / r.seconds, 0) << " examples/s; step time: data "
          << fixed(100 * t.data / step, 0) << "%, network fwd " << fixed(100 * t.network_forward / step, 0)
          << "%, circuit fwd " << fixed(100 * t.circuit_forward / step, 0) << "%, circuit bwd "
          << fixed(100 * t.circuit_backward / step, 0) << "%, network bwd "
          << fixed(100 * t.network_backward / step, 0) << "%, optimizer " << fixed(100 * t.optimizer / step, 0)
          << "%\n";
    }
    if (config.epochs == 0) test = evaluate(net, data.test, config.digits, static_cast<std::uint64_t>(config.seed), device);

    torch::serialize::OutputArchive archive;
    net.ptr()->save(archive);
    archive.save_to(run.path("model.pt"));
    run.write("history.csv", history.str());
    write_confusion_png(run.path("confusion.png"), test.concepts.confusion);
    write_curves_png(run.path("curves.png"), {losses, label_accuracies, concept_accuracies});

    const double step = std::max(times.total(), 1e-12);
    nlohmann::json metrics = {
        {"test",
         {{"label_accuracy", test.label_accuracy},
          {"concept_accuracy", test.concepts.accuracy},
          {"concept_collapse", test.concepts.collapse},
          {"confusion", test.concepts.confusion}}},
        {"train_seconds", train_seconds},
        {"examples_per_second", train_seconds > 0 ? trained / train_seconds : 0.0},
        {"wall_seconds", std::chrono::duration<double>(Clock::now() - start).count()},
        {"compile_seconds", cache.stats().compile_seconds},
        {"templates_compiled", cache.stats().compiled},
        {"last_epoch_step_share",
         {{"data", times.data / step},
          {"network_forward", times.network_forward / step},
          {"circuit_forward", times.circuit_forward / step},
          {"circuit_backward", times.circuit_backward / step},
          {"network_backward", times.network_backward / step},
          {"optimizer", times.optimizer / step}}},
        {"peak_rss_mib", peak_rss_mib()},
        {"train_examples_per_epoch", task.size()},
        {"test_images", data.test.size()}};
    return metrics;
  });
}

nlohmann::json evaluate_mnist_add(const std::string& run_dir) {
  const std::string config_file = (fs::path(run_dir) / "config.toml").string();
  const std::string model_file = (fs::path(run_dir) / "model.pt").string();
  if (!fs::exists(model_file)) throw UserError("FileNotFound", model_file, "no checkpoint: not a finished run");
  const ExperimentConfig config = load_experiment(config_file, {});
  const TrainTest data = load_data(config);
  torch::nn::AnyModule net = make_encoder(config, 10);
  torch::serialize::InputArchive archive;
  archive.load_from(model_file);
  net.ptr()->load(archive);
  const torch::Device device(config.device);
  net.ptr()->to(device);
  const TestMetrics test = evaluate(net, data.test, config.digits, static_cast<std::uint64_t>(config.seed), device);
  return {{"label_accuracy", test.label_accuracy},
          {"concept_accuracy", test.concepts.accuracy},
          {"concept_collapse", test.concepts.collapse}};
}

}  // namespace gedilog::tasks
