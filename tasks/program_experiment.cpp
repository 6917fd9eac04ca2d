#include "tasks/program_experiment.h"

#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <ostream>
#include <sstream>

#include "bridge/query_circuit.h"
#include "bridge/tensor_circuit.h"
#include "bridge/trainer.h"
#include "core/error.h"
#include "neural/batched.h"
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
  std::optional<RepairedAccuracy> repaired;  // where the task's images can be re-paired
};

// The same re-pairings for every run and epoch, so that runs compare on the same test sums.
constexpr std::uint64_t kRepairSeed = 20261202;

// The concept network on every image the examples use (each computed once, counted per slot):
// argmax concepts and their confidence; labels as SetMetrics says. `repair`: also the label
// accuracy over every image of the set re-paired (task.repairable_slots() images an example).
SetMetrics evaluate(bridge::NeuralProgram& model, torch::nn::AnyModule& net, const ImageSet& set,
                    const std::vector<TaskExample>& examples, const ProgramTask& task,
                    torch::Device device, bool repair = false) {
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
  repair = repair && task.repairable_slots() > 0;
  if (repair)  // the images no example of this pairing uses take part in others
    for (std::int64_t i = 0; i < set.size(); ++i)
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
  if (repair) {
    std::vector<int> predicted_digits, true_digits;
    for (std::size_t r = 0; r < used.size(); ++r) {
      predicted_digits.push_back(static_cast<int>(p[static_cast<std::int64_t>(r)]));
      true_digits.push_back(static_cast<int>(labels[used[r]]));
    }
    m.repaired = repaired_accuracy(
        predicted_digits, true_digits, task.repairable_slots(),
        [&](const std::vector<int>& digits) { return task.label_of(digits); }, kRepairSeed);
  }
  return m;
}

// The re-paired estimate's entries, where the set has one.
void add_repaired(nlohmann::json& out, const SetMetrics& m) {
  if (!m.repaired) return;
  out["label_accuracy_repaired"] = m.repaired->mean;
  out["label_accuracy_repaired_ci"] = {m.repaired->ci.low, m.repaired->ci.high};
  out["repairings"] = m.repaired->groupings;
  out["repaired_examples"] = m.repaired->examples;
}

nlohmann::json test_json(const SetMetrics& m) {
  const std::vector<int> map = learned_map(m.concepts.confusion);
  nlohmann::json out = {{"label_accuracy", m.label_accuracy},
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
  add_repaired(out, m);
  return out;
}

// An evaluation set that is not the test set: no confusion matrix (null when it is empty).
nlohmann::json summary_json(const SetMetrics& m) {
  if (m.examples == 0) return nullptr;
  nlohmann::json out = {{"label_accuracy", m.label_accuracy},
                        {"label_f1", m.label_f1},
                        {"concept_accuracy", m.concepts.accuracy},
                        {"concept_f1", m.concepts.f1},
                        {"examples", m.examples}};
  add_repaired(out, m);
  return out;
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
  return {evaluate(model, net, data.test, sets.test, task, device, /*repair=*/true),
          evaluate(model, net, data.test, sets.ood, task, device),
          evaluate(model, net, data.test, sets.ood_sums, task, device),
          evaluate(model, net, data.validation, sets.validation, task, device, /*repair=*/true)};
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

class ProgramExperiment : public Experiment {
 public:
  // Members in the order the generator is drawn from (the networks' initial weights after the
  // data and circuits), as before the one training loop: the same seed trains the same run.
  ProgramExperiment(const ExperimentConfig& config, std::ostream& log)
      : config_(config),
        device_(training_device(config)),
        data_(load_data(config)),
        task_(make_task(config, data_)),
        program_(symbolic::Program::load(task_->program_file())),
        cache_(program_, bridge::Inputs::kNeural, config.cache_dir),
        joint_(make_joint_model(config, task_->concepts(), kConceptNetwork)),
        net_(joint_.concept_network),
        model_(cache_.merged(task_->templates()), {{kConceptNetwork, net_}}, device_),
        trainer_(model_, {config.learning_rate, joint_.auxiliary, joint_.extra_parameters}),
        augment_(augment_options(config)),
        generator_(torch::make_generator<torch::CPUGeneratorImpl>(static_cast<std::uint64_t>(config.seed) + 1)),
        sets_(*task_) {
    for (const auto& m : joint_.extra_modules) m->to(device_);
    const bridge::QueryCircuit& circuit = model_.circuit();
    log << "circuit: " << circuit.queries.size() << " quer" << (circuit.queries.size() == 1 ? "y" : "ies") << ", "
        << circuit.circuit.num_nodes() << " nodes, " << circuit.circuit.layers.size() << " layers ("
        << cache_.stats().compiled << " compiled in " << fixed(cache_.stats().compile_seconds, 2) << " s, "
        << cache_.stats().disk_hits << " from the cache); " << task_->train_size() << " training examples, mitigation "
        << mitigation_name(config) << "\n";
  }

  EpochReport train_epoch(int epoch, double learning_rate, const StepCallback& on_step, std::ostream& log) override {
    trainer_.set_learning_rate(learning_rate);
    trainer_.set_program_weight(epoch <= config_.joint_warmup ? 0.0 : 1.0);
    const auto examples = task_->train_epoch(epoch);
    const std::int64_t n = static_cast<std::int64_t>(examples.size()), size = config_.batch_size;
    const std::int64_t batches = (n + size - 1) / size;
    last_ = trainer_.train_epoch(
        batches,
        [&](std::int64_t i) {
          bridge::Batch batch = make_batch(examples, i * size, std::min(n, (i + 1) * size), data_.train);
          augment_batch(batch, augment_, generator_, joint_.needs_other_view);
          return batch;
        },
        [&](std::int64_t step, double loss) { on_step(step, batches, loss); });
    renamed_ += refit_and_align(
        joint_, model_, data_.train.images, config_.joint_align,
        [&] { return make_batch(examples, 0, std::min<std::int64_t>(n, 2000), data_.train); }, kConceptNetwork, log);
    return {last_.loss, last_.terms, last_.examples, batches, last_.seconds};
  }

  nlohmann::json evaluate() override {
    nlohmann::json out;
    add_evaluation(out, evaluate_all(model_, net_, data_, sets_, *task_, device_), *task_);
    return out;
  }

  std::vector<Column> history_columns(const nlohmann::json& e) const override {
    const bridge::StepTimes& t = last_.times;
    auto value = [&](const char* set, const char* key) {
      return e.at(set).is_null() ? std::nan("") : e.at(set).at(key).get<double>();  // NaN: an empty cell
    };
    std::vector<Column> columns{{"test_label_accuracy", value("test", "label_accuracy")},
                                {"test_concept_accuracy", value("test", "concept_accuracy")},
                                {"ood_label_accuracy", value("ood", "label_accuracy")},
                                {"val_label_accuracy", value("val", "label_accuracy")},
                                {"val_concept_accuracy", value("val", "concept_accuracy")},
                                {"data_s", t.data},
                                {"network_forward_s", t.network_forward},
                                {"auxiliary_s", t.auxiliary},
                                {"circuit_forward_s", t.circuit_forward},
                                {"circuit_backward_s", t.circuit_backward},
                                {"network_backward_s", t.network_backward},
                                {"optimizer_s", t.optimizer}};
    if (task_->repairable_slots() > 0) {
      columns.push_back({"test_label_accuracy_repaired", value("test", "label_accuracy_repaired")});
      columns.push_back({"val_label_accuracy_repaired", value("val", "label_accuracy_repaired")});
    }
    return columns;
  }

  std::string epoch_summary(const nlohmann::json& e) const override {
    auto percent = [](const nlohmann::json& v) { return fixed(100 * v.get<double>(), 2) + "%"; };
    std::string out = "test label accuracy " + percent(e.at("test").at("label_accuracy")) + ", concept accuracy " +
                      percent(e.at("test").at("concept_accuracy"));
    if (!e.at("ood").is_null()) out += ", OOD label accuracy " + percent(e.at("ood").at("label_accuracy"));
    if (!e.at("val").is_null()) out += ", validation label accuracy " + percent(e.at("val").at("label_accuracy"));
    const bridge::StepTimes& t = last_.times;
    const double step = std::max(t.total(), 1e-12);
    auto share = [&](double s) { return fixed(100 * s / step, 0) + "%"; };
    return out + "; step time: data " + share(t.data) + ", network fwd " + share(t.network_forward) +
           ", mitigation fwd " + share(t.auxiliary) + ", circuit fwd " + share(t.circuit_forward) + ", circuit bwd " +
           share(t.circuit_backward) + ", network bwd " + share(t.network_backward) + ", optimizer " +
           share(t.optimizer);
  }

  std::vector<std::string> curve_columns() const override { return {"test_label_accuracy", "test_concept_accuracy"}; }

  void save_model(torch::serialize::OutputArchive& archive) override { net_.ptr()->save(archive); }
  void load_model(torch::serialize::InputArchive& archive) override {
    net_.ptr()->load(archive);
    net_.ptr()->to(device_);
  }

  void save_state(torch::serialize::OutputArchive& archive) override {
    save_training_state(archive, trainer_, joint_, generator_, renamed_);
  }
  void load_state(torch::serialize::InputArchive& archive) override {
    renamed_ = load_training_state(archive, trainer_, joint_, generator_, device_);
  }

  nlohmann::json finish(RunFolder& run, const nlohmann::json& evaluation) override {
    std::vector<std::string> concepts;
    for (std::int64_t k = 0; k < task_->concepts(); ++k) concepts.push_back(std::to_string(k));
    write_confusion_png(run.path("confusion.png"),
                        evaluation.at("test").at("confusion").get<std::vector<std::vector<double>>>(), concepts,
                        "concepts on the test set (" + config_.task + ")");
    const bridge::StepTimes& times = last_.times;
    const double step = std::max(times.total(), 1e-12);
    return {{"mitigation", mitigation_name(config_)},
            {"concepts_renamed", renamed_},
            {"compile_seconds", cache_.stats().compile_seconds},
            {"templates_compiled", cache_.stats().compiled},
            {"last_epoch_step_share",
             {{"data", times.data / step},
              {"network_forward", times.network_forward / step},
              {"auxiliary", times.auxiliary / step},
              {"circuit_forward", times.circuit_forward / step},
              {"circuit_backward", times.circuit_backward / step},
              {"network_backward", times.network_backward / step},
              {"optimizer", times.optimizer / step}}},
            {"train_examples_per_epoch", task_->train_size()},
            {"test_images", data_.test.size()},
            {"validation_images", data_.validation.size()}};
  }

 private:
  ExperimentConfig config_;
  torch::Device device_;
  TrainTest data_;
  std::unique_ptr<ProgramTask> task_;
  symbolic::Program program_;
  bridge::CircuitCache cache_;
  JointModel joint_;
  torch::nn::AnyModule net_;
  bridge::NeuralProgram model_;
  bridge::Trainer trainer_;
  neural::AugmentOptions augment_;
  torch::Generator generator_;
  EvaluationSets sets_;
  bridge::EpochStats last_;  // of the last epoch trained in this process
  int renamed_ = 0;           // concepts that align_clusters moved to another cluster, over the epochs
};

}  // namespace

std::unique_ptr<Experiment> make_program_experiment(const ExperimentConfig& config, std::ostream& log) {
  return std::make_unique<ProgramExperiment>(config, log);
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

}  // namespace gedilog::tasks
