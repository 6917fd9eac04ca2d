#include "tasks/file_experiment.h"

#include <torch/torch.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <set>
#include <limits>
#include <memory>
#include <ostream>
#include <sstream>

#include "bridge/query_circuit.h"
#include "bridge/tensor_circuit.h"
#include "bridge/trainer.h"
#include "neural/batched.h"
#include "neural/encoders.h"
#include "core/error.h"
#include "symbolic/program.h"
#include "tasks/file_task.h"
#include "tasks/joint_training.h"
#include "tasks/metrics.h"
#include "tasks/run_store.h"
#include "tasks/training_run.h"

namespace gedilog::tasks {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::int64_t kEvalBatch = 256;
constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();

// Which network reads which input slot in a template's circuit.
struct Read {
  std::string network;
  std::int64_t slot;
};

// The program, its networks and learnable facts, and the circuit of every template the
// example sets use. Built once per command; not movable (the cache refers to the program).
struct FileModel {
  ExperimentConfig config;
  symbolic::Program program;
  bridge::CircuitCache cache;
  std::map<std::string, std::int64_t> domain;  // network -> outputs
  std::map<std::string, torch::nn::AnyModule> networks;
  std::vector<symbolic::QueryTemplate> templates;  // each distinct one, in order of first use
  std::map<std::string, std::size_t> template_index;  // by key
  std::vector<std::int64_t> first_query;  // per template: its first answer in the circuit, -1: no proof
  std::vector<std::int64_t> answers;      // per template: its number of answers
  std::vector<std::vector<Read>> reads;   // per template
  // [joint]: the mitigations act on the program's one network, whose concept network
  // joint.concept_network is (the objective's cluster head when joint.objective > 0).
  std::string joint_network;  // empty: no mitigation
  JointModel joint;
  std::unique_ptr<bridge::NeuralProgram> neural;
  std::int64_t slots_read = 0;  // 1 + the largest K of an input in(K) the merged circuit reads

  // inputs: kAll where explanations are asked for (max-product cannot undo folded sums of
  // fixed probabilities), kNeural to train.
  FileModel(const ExperimentConfig& c, const std::vector<const std::vector<FileExample>*>& sets, torch::Device device,
            const symbolic::Program& p, bridge::Inputs inputs = bridge::Inputs::kNeural)
      : config(c), program(p), cache(program, inputs, c.cache_dir) {
    domain = check_networks(config, program);
    const bool mitigated = mitigation_name(config) != "none";  // one network (load_experiment checks)
    for (const NetworkSpec& n : config.networks) {
      if (!mitigated) {
        networks.emplace(n.name, neural::make_encoder(n.architecture, domain.at(n.name)));
        continue;
      }
      ExperimentConfig with_architecture = config;
      with_architecture.network = n.architecture;
      joint = make_joint_model(with_architecture, domain.at(n.name), n.name);
      for (const auto& module : joint.extra_modules) module->to(device);
      joint_network = n.name;
      networks.emplace(n.name, joint.concept_network);
    }
    for (const auto* set : sets)
      for (const FileExample& e : *set)
        if (template_index.try_emplace(e.query_template.key(), templates.size()).second)
          templates.push_back(e.query_template);
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
        if (in.is_neural() && in.slot() >= 0) r.push_back({in.network, in.slot()});
      if (any) {
        provable.push_back(&part);
        queries += answers.back();
      }
    }
    neural = std::make_unique<bridge::NeuralProgram>(bridge::merge(provable), networks, device);
    for (std::int64_t k : neural->slots()) slots_read = std::max(slots_read, k + 1);
  }

  std::size_t template_of(const FileExample& e) const { return template_index.at(e.query_template.key()); }
};

// The checks of examples that train or test: ground queries, provable true ones, each input
// from the dataset of the network that reads it.
void check_examples(const FileModel& m, const std::vector<FileExample>& set) {
  std::map<std::string, std::string> dataset;
  for (const NetworkSpec& n : m.config.networks) dataset[n.name] = n.dataset;
  for (const FileExample& e : set) {
    const std::size_t t = m.template_of(e);
    if (m.answers[t] != 1)
      throw UserError("ExampleError", e.location,
                      "query: " + e.query + " has " + std::to_string(m.answers[t]) +
                          " answers; an example's query must be ground once its inputs are bound");
    if (m.first_query[t] < 0 && e.target > 0)
      throw UserError("NoProof", e.location, "query: " + e.query + " has no proof, so it cannot have probability " +
                                                 tasks::fixed(e.target, 2));
    for (const Read& r : m.reads[t]) {
      const ImageRef& ref = e.images.at(r.slot);
      if (ref.source != dataset.at(r.network))
        throw UserError("ExampleError", e.location,
                        "inputs." + e.names.at(r.slot) + ": network " + r.network + " reads " + dataset.at(r.network) +
                            " images, not " + ref.text());
    }
  }
}

// joint.supervision: which training examples give their images' concepts, and each pool row's
// concept (its class's index in the network's domain; -1 where the class is not a value).
struct Supervision {
  std::vector<bool> example;
  std::vector<std::int64_t> concept_of_row;
};

bridge::Batch make_batch(const FileModel& m, const std::vector<FileExample>& set,
                         const std::vector<std::vector<std::int64_t>>& rows, const std::vector<std::int64_t>& which,
                         const ImagePool& pool, const Supervision* supervision = nullptr) {
  // Every slot the merged circuit reads, even where these examples have fewer (a one-image
  // query predicted alone beside two-image templates): the extra slots are not read.
  std::size_t width = std::max<std::size_t>(1, static_cast<std::size_t>(m.slots_read));
  for (std::int64_t e : which) width = std::max(width, rows[e].size());
  std::vector<std::int64_t> distinct, in, query, given;
  std::vector<float> target;
  std::unordered_map<std::int64_t, std::int64_t> local;
  for (std::int64_t e : which) {
    for (std::size_t k = 0; k < width; ++k) {
      if (k >= rows[e].size()) {  // a slot another template has: any row will do, it is not read
        in.push_back(0);
        continue;
      }
      auto [it, fresh] = local.try_emplace(rows[e][k], static_cast<std::int64_t>(distinct.size()));
      if (fresh) distinct.push_back(rows[e][k]), given.push_back(-1);
      if (supervision && supervision->example[e]) given[it->second] = supervision->concept_of_row[rows[e][k]];
      in.push_back(it->second);
    }
    query.push_back(std::max<std::int64_t>(0, m.first_query[m.template_of(set[e])]));
    target.push_back(static_cast<float>(set[e].target));
  }
  bridge::Batch b;
  b.images = pool.images.index_select(0, torch::tensor(distinct, torch::kLong));
  b.inputs = torch::tensor(in, torch::kLong).view({static_cast<std::int64_t>(which.size()), static_cast<std::int64_t>(width)});
  b.query = torch::tensor(query, torch::kLong);
  b.target = torch::tensor(target);
  if (supervision) b.given = torch::tensor(given, torch::kLong);
  return b;
}

// The provable examples of a set, by index.
std::vector<std::int64_t> provable(const FileModel& m, const std::vector<FileExample>& set) {
  std::vector<std::int64_t> out;
  for (std::size_t e = 0; e < set.size(); ++e)
    if (m.first_query[m.template_of(set[e])] >= 0) out.push_back(static_cast<std::int64_t>(e));
  return out;
}

struct SetResult {
  std::vector<double> log_p;  // per example: log P(query | evidence)
  double accuracy = 0, loss = 0;
  // network -> over the images whose class is a value of its domain (null: none is): the
  // share right, macro F1 and rsbench's collapse (tasks/metrics.h)
  json concept_accuracy = json::object(), concept_f1 = json::object(), concept_collapse = json::object();
};

// Per pool row: its dataset class as an index into `network`'s domain (the dataset's class
// names, tasks::class_names), -1 where that class is not a value of the domain.
std::vector<std::int64_t> concepts_of_rows(const FileModel& m, const std::string& network, const ImagePool& pool) {
  std::vector<std::string> values;
  for (const symbolic::NeuralDeclaration& d : m.program.neural_declarations())
    if (d.network == network) values = d.domain;
  std::map<std::string, std::vector<std::string>> classes;  // by source
  const auto labels = pool.labels.accessor<std::int64_t, 1>();
  std::vector<std::int64_t> out;
  for (std::int64_t row = 0; row < pool.labels.size(0); ++row) {
    const std::string& source = pool.sources[row];
    if (!classes.count(source)) classes[source] = class_names(source);
    const auto it = std::find(values.begin(), values.end(), classes[source].at(labels[row]));
    out.push_back(it == values.end() ? -1 : static_cast<std::int64_t>(it - values.begin()));
  }
  return out;
}

SetResult evaluate(FileModel& m, const std::vector<FileExample>& set, const std::vector<std::vector<std::int64_t>>& rows,
                   const ImagePool& pool) {
  torch::NoGradGuard no_grad;
  m.neural->train(false);
  SetResult r;
  r.log_p.assign(set.size(), kMinusInfinity);
  const std::vector<std::int64_t> todo = provable(m, set);
  for (std::size_t i = 0; i < todo.size(); i += kEvalBatch) {
    const std::vector<std::int64_t> which(todo.begin() + i, todo.begin() + std::min(todo.size(), i + kEvalBatch));
    const bridge::Batch b = make_batch(m, set, rows, which, pool);
    const torch::Tensor lp = m.neural->log_probability(m.neural->leaves(b, m.neural->network_log_probs(b)), b.query)
                                 .to(torch::kCPU, torch::kFloat64);
    for (std::size_t j = 0; j < which.size(); ++j) r.log_p[which[j]] = lp[j].item<double>();
  }
  std::int64_t right = 0;
  std::vector<double> targets;
  for (std::size_t e = 0; e < set.size(); ++e) {
    right += (std::exp(r.log_p[e]) > 0.5) == (set[e].target > 0.5);
    targets.push_back(set[e].target);
  }
  r.accuracy = static_cast<double>(right) / set.size();
  r.loss = bridge::query_loss(torch::tensor(r.log_p, torch::kFloat64), torch::tensor(targets, torch::kFloat64))
               .mean()
               .item<double>();

  // Concepts: each network's argmax on the images it reads (each once), where the dataset's
  // class is a value of the network's domain.
  for (auto& [name, net] : m.networks) {
    const std::vector<std::int64_t> truth_of = concepts_of_rows(m, name, pool);
    std::vector<std::int64_t> used;
    std::unordered_map<std::int64_t, bool> seen;
    for (std::size_t e = 0; e < set.size(); ++e)
      for (const Read& read : m.reads[m.template_of(set[e])]) {
        const std::int64_t row = rows[e][read.slot];
        if (read.network == name && truth_of[row] >= 0 && seen.try_emplace(row, true).second) used.push_back(row);
      }
    if (used.empty()) {
      r.concept_accuracy[name] = r.concept_f1[name] = r.concept_collapse[name] = nullptr;
      continue;
    }
    const torch::Tensor guesses =
        neural::forward_in_chunks(*net.ptr(), [&](const torch::Tensor& x) { return net.forward(x); },
                                  pool.images.index_select(0, torch::tensor(used, torch::kLong)), m.neural->device())
            .argmax(1);
    std::vector<std::int64_t> truth;
    for (std::int64_t row : used) truth.push_back(truth_of[row]);
    const ConceptMetrics c =
        concept_metrics(guesses, torch::tensor(truth, torch::kLong), static_cast<int>(m.domain.at(name)));
    r.concept_accuracy[name] = c.accuracy;
    r.concept_f1[name] = c.f1;
    r.concept_collapse[name] = c.collapse;
  }
  return r;
}

// The program's learnable facts no example's query depends on: nothing trains them.
std::vector<symbolic::LearnableDeclaration> untrained_facts(const FileModel& m) {
  std::vector<symbolic::LearnableDeclaration> out;
  for (const symbolic::LearnableDeclaration& d : m.program.learnable_declarations()) {
    bool used = false;
    for (const bridge::LearnableFact& f : m.neural->facts()) used = used || f.location == d.location;
    if (!used) out.push_back(d);
  }
  return out;
}

// Every learnable fact of the program: those trained with their values and probabilities,
// the others named with "trained": false.
json facts_json(const FileModel& m) {
  json facts = json::array();
  for (const bridge::LearnableFact& f : m.neural->facts())
    facts.push_back({{"name", f.name}, {"location", f.location}, {"key", f.key}, {"values", f.values},
                     {"probabilities", f.probabilities()}, {"trained", true}});
  for (const symbolic::LearnableDeclaration& d : untrained_facts(m))
    facts.push_back({{"name", d.heads}, {"location", d.location}, {"trained", false}});
  return facts;
}

// The networks, each under its name, and the learnable facts' logits under "fact:KEY".
void save_model(const FileModel& m, torch::serialize::OutputArchive& archive) {
  for (const auto& [name, net] : m.networks) {
    torch::serialize::OutputArchive part;
    net.ptr()->save(part);
    archive.write(name, part);
  }
  for (const bridge::LearnableFact& f : m.neural->facts()) archive.write("fact:" + f.key, f.logits.detach().cpu());
}

void load_model(FileModel& m, torch::serialize::InputArchive& archive) {
  for (auto& [name, net] : m.networks) {
    torch::serialize::InputArchive part;
    archive.read(name, part);
    net.ptr()->load(part);
    net.ptr()->to(m.neural->device());
  }
  torch::NoGradGuard no_grad;
  for (bridge::LearnableFact& f : m.neural->facts()) f.logits.copy_(read_tensor(archive, "fact:" + f.key));
}

// A finished run's model.pt read into `m`.
void load_run(FileModel& m, const std::string& run_dir) {
  read_checkpoint((fs::path(run_dir) / "model.pt").string(),
                  [&](torch::serialize::InputArchive& archive) { load_model(m, archive); });
}

std::string percent(double v) { return fixed(100 * v, 2) + "%"; }

// data.validation of the training examples, held out by a seeded shuffle (the same for every
// training seed): {train, validation}. Examples, not images, are held out: an image a
// validation example reads may also be read by a training example.
std::pair<std::vector<FileExample>, std::vector<FileExample>> split_examples(std::vector<FileExample> all, double share) {
  const auto held = static_cast<std::size_t>(share * static_cast<double>(all.size()) + 0.5);
  std::mt19937_64 rng(20261201);
  std::shuffle(all.begin(), all.end(), rng);
  std::vector<FileExample> validation(std::make_move_iterator(all.end() - static_cast<std::ptrdiff_t>(held)),
                                      std::make_move_iterator(all.end()));
  all.resize(all.size() - held);
  return {std::move(all), std::move(validation)};
}

json set_json(const SetResult& r, std::size_t examples) {
  return {{"accuracy", r.accuracy},         {"loss", r.loss},
          {"examples", examples},           {"concept_accuracy", r.concept_accuracy},
          {"concept_f1", r.concept_f1},     {"concept_collapse", r.concept_collapse}};
}

// What [joint] adds to training a task defined by files, around each epoch: the supervised
// examples' concepts, and after the epoch the objective's read-out refitted on the training
// images and its clusters renamed to fit the program (align_clusters, on true examples).
class Mitigation {
 public:
  Mitigation(const FileModel& m, const std::vector<FileExample>& train, const ImagePool& pool) {
    if (m.joint_network.empty()) return;
    const ExperimentConfig& c = m.config;
    if (c.joint_supervision > 0 && c.joint_supervision_weight > 0) {
      // The first share of the (shuffled) training examples give their images' concepts.
      const auto given = static_cast<std::size_t>(c.joint_supervision * static_cast<double>(train.size()) + 0.5);
      supervision_.emplace(Supervision{std::vector<bool>(train.size(), false), concepts_of_rows(m, m.joint_network, pool)});
      for (std::size_t e = 0; e < given; ++e) supervision_->example[e] = true;
    }
    std::set<std::int64_t> rows;
    for (const auto& example : pool.rows[0]) rows.insert(example.begin(), example.end());
    training_rows_ = torch::tensor(std::vector<std::int64_t>(rows.begin(), rows.end()), torch::kLong);
    for (std::size_t e = 0; e < train.size() && aligning_.size() < 2000; ++e)
      if (train[e].target > 0.5 && m.first_query[m.template_of(train[e])] >= 0)
        aligning_.push_back(static_cast<std::int64_t>(e));
  }

  const Supervision* supervision() const { return supervision_ ? &*supervision_ : nullptr; }

  // Returns how many concepts changed cluster.
  int after_epoch(FileModel& m, const std::vector<FileExample>& train, const ImagePool& pool, std::ostream& log) const {
    if (!m.joint.objective) return 0;  // nothing to refit: the training rows are not gathered
    return refit_and_align(
        m.joint, *m.neural, pool.images.index_select(0, training_rows_), m.config.joint_align && !aligning_.empty(),
        [&] { return make_batch(m, train, pool.rows[0], aligning_, pool); }, m.joint_network, log);
  }

 private:
  std::optional<Supervision> supervision_;
  torch::Tensor training_rows_;         // the pool rows training examples read
  std::vector<std::int64_t> aligning_;  // true, provable training examples (at most 2 000)
};

class FileExperiment : public Experiment {
 public:
  FileExperiment(const ExperimentConfig& config, std::ostream& log)
      : config_(config),
        device_(training_device(config)),
        program_(symbolic::Program::load(config.program)),
        split_(split_examples(read_examples(config.train_file, program_), config.validation)),
        test_(read_examples(config.test_file, program_)),
        model_(config, {&train(), &validation(), &test_}, device_, program_),
        pool_({&train(), &validation(), &test_}, config),
        trainer_(*model_.neural, {config.learning_rate, model_.joint.auxiliary, model_.joint.extra_parameters,
                                  config.fact_learning_rate}),
        augment_(augment_options(config)),
        generator_(torch::make_generator<torch::CPUGeneratorImpl>(static_cast<std::uint64_t>(config.seed) + 1)),
        trainable_(provable(model_, train())),
        mitigation_(model_, train(), pool_) {
    check_examples(model_, train());
    check_examples(model_, validation());
    check_examples(model_, test_);
    log << "program " << config.program << ": " << model_.templates.size() << " query templates ("
        << model_.cache.stats().compiled << " compiled in " << fixed(model_.cache.stats().compile_seconds, 2)
        << " s, " << model_.cache.stats().disk_hits << " from the cache), circuit "
        << model_.neural->circuit().circuit.num_nodes() << " nodes; " << model_.networks.size() << " network(s), "
        << model_.neural->facts().size() << " learnable fact(s); " << train().size() << " training examples, "
        << validation().size() << " validation, " << test_.size() << " test examples, " << pool_.images.size(0)
        << " images\n";
    for (const symbolic::LearnableDeclaration& d : untrained_facts(model_))
      log << "warning: " << d.location << ": learnable fact " << d.heads
          << " is used by no example's query: it is not trained (facts.json lists it as untrained)\n";
  }

  EpochReport train_epoch(int epoch, double learning_rate, const StepCallback& on_step, std::ostream& log) override {
    trainer_.set_learning_rate(learning_rate);
    trainer_.set_program_weight(epoch <= config_.joint_warmup ? 0.0 : 1.0);
    const torch::Tensor order = torch::randperm(static_cast<std::int64_t>(trainable_.size()), generator_);
    const std::int64_t n = order.size(0), size = config_.batch_size, batches = (n + size - 1) / size;
    const bridge::EpochStats r = trainer_.train_epoch(
        batches,
        [&](std::int64_t i) {
          std::vector<std::int64_t> which;
          for (std::int64_t j = i * size; j < std::min(n, (i + 1) * size); ++j)
            which.push_back(trainable_[order[j].item<std::int64_t>()]);
          bridge::Batch b = make_batch(model_, train(), pool_.rows[0], which, pool_, mitigation_.supervision());
          augment_batch(b, augment_, generator_, model_.joint.needs_other_view);
          return b;
        },
        [&](std::int64_t step, double loss) { on_step(step, batches, loss); });
    renamed_ += mitigation_.after_epoch(model_, train(), pool_, log);
    return {r.loss, r.terms, r.examples, batches, r.seconds};
  }

  nlohmann::json evaluate() override {
    json out = {{"test", set_json(tasks::evaluate(model_, test_, pool_.rows[2], pool_), test_.size())}, {"val", nullptr}};
    if (!validation().empty())
      out["val"] = set_json(tasks::evaluate(model_, validation(), pool_.rows[1], pool_), validation().size());
    return out;
  }

  std::vector<Column> history_columns(const nlohmann::json& e) const override {
    std::vector<Column> out{{"test_accuracy", e.at("test").at("accuracy").get<double>()},
                            {"test_loss", e.at("test").at("loss").get<double>()},
                            {"val_accuracy", e.at("val").is_null() ? std::nan("") : e.at("val").at("accuracy").get<double>()}};
    for (const bridge::LearnableFact& f : model_.neural->facts()) out.push_back({"P(" + f.name + ")", f.probabilities()[0]});
    return out;
  }

  std::string epoch_summary(const nlohmann::json& e) const override {
    const json& test = e.at("test");
    std::string out = "test accuracy " + percent(test.at("accuracy").get<double>()) + ", test loss " +
                      fixed(test.at("loss").get<double>(), 4);
    for (const auto& [name, acc] : test.at("concept_accuracy").items())
      if (!acc.is_null()) out += ", " + name + " concept accuracy " + percent(acc.get<double>());
    for (const bridge::LearnableFact& f : model_.neural->facts())
      out += ", P(" + f.name + ") " + fixed(f.probabilities()[0], 3);
    return out;
  }

  std::vector<std::string> curve_columns() const override { return {"test_accuracy", "val_accuracy"}; }

  void save_model(torch::serialize::OutputArchive& archive) override { tasks::save_model(model_, archive); }
  void load_model(torch::serialize::InputArchive& archive) override { tasks::load_model(model_, archive); }

  void save_state(torch::serialize::OutputArchive& archive) override {
    save_training_state(archive, trainer_, model_.joint, generator_, renamed_);
  }
  void load_state(torch::serialize::InputArchive& archive) override {
    renamed_ = load_training_state(archive, trainer_, model_.joint, generator_, device_);
  }

  nlohmann::json finish(RunFolder& run, const nlohmann::json&) override {
    run.write("facts.json", facts_json(model_).dump(2) + "\n");
    return {{"mitigation", mitigation_name(config_)},
            {"concepts_renamed", renamed_},
            {"facts", facts_json(model_)},
            {"compile_seconds", model_.cache.stats().compile_seconds},
            {"templates", model_.templates.size()},
            {"circuit_nodes", model_.neural->circuit().circuit.num_nodes()},
            {"train_examples", train().size()},
            {"validation_examples", validation().size()}};
  }

 private:
  const std::vector<FileExample>& train() const { return split_.first; }
  const std::vector<FileExample>& validation() const { return split_.second; }

  ExperimentConfig config_;
  torch::Device device_;
  symbolic::Program program_;
  std::pair<std::vector<FileExample>, std::vector<FileExample>> split_;  // train, validation
  std::vector<FileExample> test_;
  FileModel model_;
  ImagePool pool_;
  bridge::Trainer trainer_;
  neural::AugmentOptions augment_;
  torch::Generator generator_;
  std::vector<std::int64_t> trainable_;  // the provable training examples
  Mitigation mitigation_;
  int renamed_ = 0;  // concepts align_clusters moved to another cluster, over the epochs
};

}  // namespace

std::unique_ptr<Experiment> make_file_experiment(const ExperimentConfig& config, std::ostream& log) {
  return std::make_unique<FileExperiment>(config, log);
}

void predict_file_task(const std::string& run_dir, const std::string& examples_file, std::ostream& out,
                       const std::string& semiring_name) {
  // P(query) is the probability semiring's answer, computed in log space.
  const bridge::Semiring& semiring =
      semiring_name == "probability" ? bridge::Semiring::log_probability() : bridge::semiring(semiring_name);
  const ExperimentConfig config = run_config(run_dir);
  if (config.task != "files")
    throw UserError("ConfigError", run_dir, "gedilog predict reads runs of task \"files\", not " + config.task);
  const symbolic::Program program = symbolic::Program::load(config.program);
  const std::vector<FileExample> set = read_examples(examples_file, program);
  FileModel m(config, {&set}, training_device(config), program, bridge::Inputs::kAll);
  const ImagePool pool({&set}, config);
  load_run(m, run_dir);
  m.neural->train(false);
  torch::NoGradGuard no_grad;
  const bridge::QueryCircuit& circuit = m.neural->circuit();
  const std::vector<std::int64_t>& slots = m.neural->slots();
  for (std::size_t e = 0; e < set.size(); ++e) {
    const FileExample& x = set[e];
    const std::size_t t = m.template_of(x);
    nlohmann::ordered_json line = {{"query", x.query}, {"location", x.location}};
    if (m.first_query[t] < 0) {
      line["probability"] = 0.0;
      line["explanation"] = nullptr;
      out << line.dump() << "\n";
      continue;
    }
    // Inputs in(K) beyond this example's slots read row 0: its template does not read them.
    const bridge::Batch b = make_batch(m, set, pool.rows[0], {static_cast<std::int64_t>(e)}, pool);
    const torch::Tensor leaves = m.neural->leaves(b, m.neural->network_log_probs(b));
    const torch::Tensor all =
        bridge::log_query_values(circuit, m.neural->tensors(), leaves, semiring)[0].to(torch::kFloat64);
    // An answer's text with the inputs named as in the example again: each placeholder term
    // in(K), not the tail of a longer name such as min(0).
    auto named = [&](std::string text) {
      for (std::size_t k = 0; k < x.names.size(); ++k) {
        const std::string placeholder = "in(" + std::to_string(k) + ")";
        for (std::size_t at = text.find(placeholder); at != std::string::npos; at = text.find(placeholder, at)) {
          const bool inside_name = at > 0 && (std::isalnum(static_cast<unsigned char>(text[at - 1])) || text[at - 1] == '_');
          if (inside_name) {
            at += placeholder.size();
            continue;
          }
          text.replace(at, placeholder.size(), x.names[k]);
          at += x.names[k].size();
        }
      }
      return text;
    };
    nlohmann::ordered_json answers = nlohmann::ordered_json::array();
    std::int64_t best = m.first_query[t];
    for (std::int64_t a = m.first_query[t]; a < m.first_query[t] + m.answers[t]; ++a) {
      // float32 evaluation can overshoot 1 by an ulp: a probability is printed as one.
      answers.push_back({{"query", named(circuit.queries[a])}, {"probability", std::min(1.0, std::exp(all[a].item<double>()))}});
      if (all[a].item<double>() > all[best].item<double>()) best = a;
    }
    if (m.answers[t] == 1) line["probability"] = answers[0]["probability"];
    else line["answers"] = answers;
    // The likeliest world of the (likeliest) answer: each variable it depends on, and its value.
    const torch::Tensor chosen = bridge::explain_query(circuit, m.neural->tensors(), leaves, best)[0];
    nlohmann::ordered_json explanation = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < circuit.inputs.size(); ++i) {
      const std::int64_t v = chosen[i].item<std::int64_t>();
      if (v < 0) continue;
      const bridge::InputVariable& in = circuit.inputs[i];
      const std::string name = !in.is_neural() ? in.name  // a learnable or fixed fact
                                               : in.network + "(" + (slots[i] < static_cast<std::int64_t>(x.names.size())
                                                                          ? x.names[slots[i]]
                                                                          : in.inputs) + ")";
      explanation[name] = in.value_names[v];
    }
    line["explanation"] = explanation;
    out << line.dump() << "\n";
  }
}

}  // namespace gedilog::tasks
