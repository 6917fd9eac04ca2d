#include "tasks/program_experiment.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <ostream>

#include "bridge/trainer.h"
#include "neural/distributed.h"
#include "neural/torchscript.h"
#include "tasks/joint_training.h"
#include "tasks/plots.h"
#include "tasks/program_model.h"
#include "tasks/program_task.h"
#include "tasks/run_store.h"
#include "tasks/training_run.h"

namespace gedilog::tasks {

namespace {

using nlohmann::json;

std::string percent(const json& v) { return fixed(100 * v.get<double>(), 2) + "%"; }

// A set's number, NaN (an empty history cell) where the set or the number is null.
double value(const json& evaluation, const char* set, const char* key) {
  const json& s = evaluation.at(set);
  return s.is_null() || s.at(key).is_null() ? std::nan("") : s.at(key).get<double>();
}

class ProgramExperiment : public Experiment {
 public:
  // Members in the order the generator is drawn from (the networks' initial weights after the
  // data and circuits): the same seed trains the same run.
  ProgramExperiment(const ExperimentConfig& config, std::ostream& log)
      : config_(config),
        device_(training_device(config)),
        task_(make_program_task(config)),
        model_(config, task_->program(), task_->networks(), task_->query_templates(), task_->input_shapes(), device_),
        trainer_(*model_.neural, {config.train.learning_rate, model_.joint.auxiliary, model_.joint.extra_parameters,
                                  config.train.fact_learning_rate}),
        augment_(config.augment),
        generator_(torch::make_generator<torch::CPUGeneratorImpl>(rank_seed(config, 1))),
        sets_(task_->evaluation_sets()) {
    task_->check(model_);
    const bridge::CircuitCache::Stats& cache = model_.cache.stats();
    const bridge::QueryCircuit& circuit = model_.neural->circuit();
    log << "program " << task_->program().file() << ": " << model_.templates.size() << " query templates ("
        << cache.compiled << " compiled in " << fixed(cache.compile_seconds, 2) << " s, " << cache.disk_hits
        << " from the cache), circuit " << circuit.circuit.num_nodes() << " nodes, " << circuit.circuit.layers.size()
        << " layers; " << model_.networks.size() << " network(s), " << model_.neural->facts().size()
        << " learnable fact(s); " << task_->train_size() << " training examples";
    for (const EvaluationSet& s : sets_) log << ", " << s.examples.size() << " " << s.name;
    log << "; mitigation " << mitigation_name(config) << "\n";
    for (const symbolic::LearnableDeclaration& d : untrained_facts(model_))
      log << "warning: " << d.location << ": learnable fact " << d.heads
          << " is used by no example's query: it is not trained (facts.json lists it as untrained)\n";
  }

  EpochReport train_epoch(int epoch, double learning_rate, const StepCallback& on_step, std::ostream& log) override {
    trainer_.set_learning_rate(learning_rate);
    trainer_.set_program_weight(epoch <= config_.joint.warmup ? 0.0 : 1.0);
    restart_rank_stream(generator_, config_, 1, epoch);
    const std::vector<Example> examples = task_->train_epoch(epoch);
    std::vector<std::int64_t> trainable;  // an example whose template has no proof has P = 0 whatever trains
    for (std::size_t e = 0; e < examples.size(); ++e)
      if (model_.provable(examples[e])) trainable.push_back(static_cast<std::int64_t>(e));
    const torch::Tensor& images = task_->train_images().images;
    const std::int64_t n = static_cast<std::int64_t>(trainable.size()), size = config_.train.batch_size;
    const std::int64_t batches = (n + size - 1) / size;
    last_ = trainer_.train_epoch(
        batches,
        [&](std::int64_t i) {
          const std::vector<std::int64_t> step(trainable.begin() + i * size, trainable.begin() + std::min(n, (i + 1) * size));
          const neural::ProcessGroup& ranks = neural::process_group();
          const auto [first, last] = ranks.share(static_cast<std::int64_t>(step.size()));
          const std::vector<std::int64_t> which(step.begin() + first, step.begin() + last);
          if (which.empty()) return bridge::Batch{};  // more ranks than the step has examples
          bridge::Batch batch = make_batch(model_, examples, which, images);
          if (!ranks.alone()) batch.step_examples = static_cast<std::int64_t>(step.size());
          augment_batch(batch, augment_, generator_, model_.joint.needs_other_view);
          return batch;
        },
        [&](std::int64_t step, double loss) { on_step(step, batches, loss); });
    if (model_.joint.objective) {
      // Renamings are searched on (at most 2 000) true training examples, un-augmented.
      std::vector<std::int64_t> aligning;
      for (std::int64_t e : trainable)
        if (examples[e].target > 0.5 && aligning.size() < 2000) aligning.push_back(e);
      renamed_ += refit_and_align(
          model_.joint, *model_.neural, task_->unlabelled_images(), config_.joint.align && !aligning.empty(),
          [&] { return make_batch(model_, examples, aligning, images); }, model_.concept_network, log);
    }
    return {last_.loss, last_.terms, last_.examples, batches, last_.seconds};
  }

  json evaluate() override {
    json out;
    for (const EvaluationSet& s : sets_) out[s.name] = evaluate_set(model_, *task_, s, /*confusion=*/s.name == "test");
    if (out.contains("ood_sums") && !out["ood_sums"].is_null()) out["ood_sums"]["sums"] = task_->ood_sums();
    return out;
  }

  std::vector<Column> history_columns(const json& e) const override {
    std::vector<Column> columns{{"test_accuracy", value(e, "test", "accuracy")},
                                {"test_loss", value(e, "test", "loss")},
                                {"val_accuracy", value(e, "val", "accuracy")},
                                {"test_concept_accuracy", value(e, "test", "concept_accuracy")},
                                {"val_concept_accuracy", value(e, "val", "concept_accuracy")},
                                {"test_answer_accuracy", value(e, "test", "answer_accuracy")},
                                {"val_answer_accuracy", value(e, "val", "answer_accuracy")}};
    if (task_->labelled()) {
      for (const char* set : {"test", "val", "ood"})
        columns.push_back({std::string(set) + "_label_accuracy", value(e, set, "label_accuracy")});
      if (task_->repairable_slots() > 0) {
        columns.push_back({"test_label_accuracy_repaired", value(e, "test", "label_accuracy_repaired")});
        columns.push_back({"val_label_accuracy_repaired", value(e, "val", "label_accuracy_repaired")});
      }
    }
    const bridge::StepTimes& t = last_.times;
    for (const Column& c : std::vector<Column>{{"data_s", t.data},
                                               {"network_forward_s", t.network_forward},
                                               {"auxiliary_s", t.auxiliary},
                                               {"circuit_forward_s", t.circuit_forward},
                                               {"circuit_backward_s", t.circuit_backward},
                                               {"network_backward_s", t.network_backward},
                                               {"communication_s", t.communication},
                                               {"optimizer_s", t.optimizer}})
      columns.push_back(c);
    for (const bridge::LearnableFact& f : model_.neural->facts()) columns.push_back({"P(" + f.name + ")", f.probabilities()[0]});
    return columns;
  }

  std::string epoch_summary(const json& e) const override {
    const json& test = e.at("test");
    std::string out;
    if (task_->labelled()) {
      out = "test label accuracy " + percent(test.at("label_accuracy"));
      if (!e.at("ood").is_null()) out += ", OOD label accuracy " + percent(e.at("ood").at("label_accuracy"));
      if (!e.at("val").is_null()) out += ", validation label accuracy " + percent(e.at("val").at("label_accuracy"));
    } else {
      out = "test accuracy " + percent(test.at("accuracy")) + ", test loss " + fixed(test.at("loss").get<double>(), 4);
      if (!test.at("answer_accuracy").is_null()) out += ", answer accuracy " + percent(test.at("answer_accuracy"));
      if (!e.at("val").is_null()) out += ", validation accuracy " + percent(e.at("val").at("accuracy"));
    }
    for (const auto& [name, network] : test.at("networks").items())
      if (!network.is_null())
        out += ", " + (model_.networks.size() == 1 ? std::string("concept") : name + " concept") + " accuracy " +
               percent(network.at("concept_accuracy"));
    for (const bridge::LearnableFact& f : model_.neural->facts())
      out += ", P(" + f.name + ") " + fixed(f.probabilities()[0], 3);
    const bridge::StepTimes& t = last_.times;
    const double step = std::max(t.total(), 1e-12);
    auto share = [&](double s) { return fixed(100 * s / step, 0) + "%"; };
    return out + "; step time: data " + share(t.data) + ", network fwd " + share(t.network_forward) +
           ", mitigation fwd " + share(t.auxiliary) + ", circuit fwd " + share(t.circuit_forward) + ", circuit bwd " +
           share(t.circuit_backward) + ", network bwd " + share(t.network_backward) +
           (t.communication > 0 ? ", all-reduce " + share(t.communication) : "") + ", optimizer " + share(t.optimizer);
  }

  std::vector<std::string> curve_columns() const override {
    if (task_->labelled()) return {"test_label_accuracy", "test_concept_accuracy"};
    return {"test_accuracy", "val_accuracy"};
  }

  void save_model(torch::serialize::OutputArchive& archive) override { tasks::save_model(model_, archive); }
  void load_model(torch::serialize::InputArchive& archive) override { tasks::load_model(model_, archive); }

  void save_state(torch::serialize::OutputArchive& archive) override {
    save_training_state(archive, trainer_, model_.joint, generator_, renamed_);
  }
  void load_state(torch::serialize::InputArchive& archive) override {
    renamed_ = load_training_state(archive, trainer_, model_.joint, generator_, device_);
  }

  json finish(RunFolder& run, const json& evaluation) override {
    const json& test = evaluation.at("test");
    if (test.contains("confusion"))
      write_confusion(run, "confusion", test.at("confusion").get<std::vector<std::vector<double>>>(),
                      model_.values(model_.concept_network),
                      model_.concept_network + " on the test set (" + config_.task.name + ")");
    if (test.contains("answer_confusion"))
      write_confusion(run, "answers", test.at("answer_confusion").get<std::vector<std::vector<double>>>(),
                      test.at("answer_values").get<std::vector<std::string>>(),
                      "answers on the test set (" + config_.task.name + ")");
    const json facts = facts_json(model_);
    if (!facts.empty()) run.write("facts.json", facts.dump(2) + "\n");
    // A network brought from PyTorch goes home trained: NAME.torchscript.pt, for torch.jit.load.
    json torchscript = json::object();
    for (const NetworkSpec& n : task_->networks())
      if (neural::is_torchscript(n.architecture)) {
        run.write(n.name + ".torchscript.pt", neural::torchscript_bytes(model_.networks.at(n.name)));
        torchscript[n.name] = n.name + ".torchscript.pt";
      }
    const bridge::StepTimes& times = last_.times;
    const double step = std::max(times.total(), 1e-12);
    std::int64_t parameters = 0;  // what a data-parallel step all-reduces: their gradients
    for (const auto& group : {model_.neural->network_parameters(), model_.neural->fact_parameters(),
                              model_.joint.extra_parameters})
      for (const torch::Tensor& p : group) parameters += p.numel();
    json out = {{"mitigation", mitigation_name(config_)},
                {"trained_parameters", parameters},
                {"concepts_renamed", renamed_},
                {"facts", facts},
                {"compile_seconds", model_.cache.stats().compile_seconds},
                {"templates_compiled", model_.cache.stats().compiled},
                {"templates", model_.templates.size()},
                {"circuit_nodes", model_.neural->circuit().circuit.num_nodes()},
                {"last_epoch_step_share",
                 {{"data", times.data / step},
                  {"network_forward", times.network_forward / step},
                  {"auxiliary", times.auxiliary / step},
                  {"circuit_forward", times.circuit_forward / step},
                  {"circuit_backward", times.circuit_backward / step},
                  {"network_backward", times.network_backward / step},
                  {"communication", times.communication / step},
                  {"optimizer", times.optimizer / step}}},
                {"train_examples_per_epoch", task_->train_size()}};
    if (!torchscript.empty()) out["torchscript"] = torchscript;
    for (const EvaluationSet& s : sets_) out[s.name + "_examples"] = s.examples.size();
    return out;
  }

 private:
  ExperimentConfig config_;
  torch::Device device_;
  std::unique_ptr<ProgramTask> task_;
  ProgramModel model_;
  bridge::Trainer trainer_;
  neural::AugmentOptions augment_;
  torch::Generator generator_;
  std::vector<EvaluationSet> sets_;
  bridge::EpochStats last_;  // of the last epoch trained in this process
  int renamed_ = 0;           // concepts that align_clusters moved to another cluster, over the epochs
};

}  // namespace

std::unique_ptr<Experiment> make_program_experiment(const ExperimentConfig& config, std::ostream& log) {
  return std::make_unique<ProgramExperiment>(config, log);
}

}  // namespace gedilog::tasks
