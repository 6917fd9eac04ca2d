#include "tasks/cluster_experiment.h"

#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <cmath>
#include <map>
#include <ostream>
#include <sstream>

#include "bridge/trainer.h"
#include "neural/batched.h"
#include "neural/distributed.h"
#include "neural/gedi.h"
#include "core/error.h"
#include "tasks/metrics.h"
#include "tasks/plots.h"
#include "tasks/run_store.h"
#include "tasks/training_run.h"

namespace gedilog::tasks {

namespace {

using Clock = std::chrono::steady_clock;

// Cluster logits of every image: [n, C] on the CPU.
torch::Tensor logits_of(neural::Objective& objective, const torch::Tensor& images, torch::Device device) {
  return neural::forward_in_chunks(
      objective, [&](const torch::Tensor& x) { return objective.cluster_logits(x); }, images, device);
}

std::vector<double> to_vector(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kCPU, torch::kDouble).contiguous();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

int classes_of(const TrainTest& data) { return static_cast<int>(data.test.labels.max().item<std::int64_t>()) + 1; }

ClusterMetrics cluster_metrics_of(neural::Objective& objective, const ImageSet& set, const ExperimentConfig& config,
                                  int classes, torch::Device device) {
  return cluster_metrics(logits_of(objective, set.images, device).argmax(1), set.labels,
                         static_cast<int>(config.objective.clusters), classes);
}

// metrics.json's "test" (ACC, NMI, ARI, the matching, the confusion matrix and, with
// data.ood_source, the energy score's AUROC against that source's test images) and "val".
nlohmann::json evaluate_sets(neural::Objective& objective, const TrainTest& data, const ImageSet& ood,
                             const ExperimentConfig& config, torch::Device device) {
  const int classes = classes_of(data);
  const torch::Tensor test_logits = logits_of(objective, data.test.images, device);
  const ClusterMetrics test =
      cluster_metrics(test_logits.argmax(1), data.test.labels, static_cast<int>(config.objective.clusters), classes);
  nlohmann::json val = nullptr;
  if (data.validation.size() > 0) {
    const ClusterMetrics v = cluster_metrics_of(objective, data.validation, config, classes, device);
    val = {{"accuracy", v.accuracy}, {"nmi", v.nmi}, {"ari", v.ari}, {"examples", data.validation.size()}};
  }
  nlohmann::json out = {{"accuracy", test.accuracy}, {"nmi", test.nmi}, {"ari", test.ari}, {"examples", data.test.size()},
                        {"class_of_cluster", test.class_of}, {"confusion", test.confusion}};
  if (!config.data.ood_source.empty()) {
    // Energy score -E(x) = logsumexp f(x): high on the training distribution.
    const std::int64_t m = std::min(ood.size(), data.test.size());
    const torch::Tensor in = torch::logsumexp(test_logits, 1);
    const torch::Tensor out_scores = torch::logsumexp(logits_of(objective, ood.images.narrow(0, 0, m), device), 1);
    out["ood_auroc"] = auroc(to_vector(in), to_vector(out_scores));
    out["ood_source"] = config.data.ood_source;
    out["ood_images"] = m;
  }
  return {{"test", out}, {"val", val}};
}

// The objective moved to `device`, then its parameters (what its optimiser holds).
std::vector<torch::Tensor> parameters_on(neural::Objective& objective, torch::Device device) {
  objective.to(device);
  return objective.parameters();
}

class ClusterExperiment : public Experiment {
 public:
  ClusterExperiment(const ExperimentConfig& config, std::ostream&)
      : config_(config),
        device_(training_device(config)),
        data_(load_data(config)),
        objective_(make_objective(config)),
        adam_(parameters_on(*objective_, device_), torch::optim::AdamOptions(config.train.learning_rate)),
        generator_(torch::make_generator<torch::CPUGeneratorImpl>(rank_seed(config, 1))),
        order_(torch::make_generator<torch::CPUGeneratorImpl>(static_cast<std::uint64_t>(config.train.seed) + 2)),
        augment_(config.augment),
        gedi_(dynamic_cast<neural::Gedi*>(objective_.get())),
        with_gap_(gedi_ && config.objective.gedi.weights.generative > 0) {
    if (data_.train.size() == 0) throw UserError("DataError", config.where("data.train_images"), "no training images");
    gap_images_ = data_.train.images.narrow(0, 0, std::min<std::int64_t>(512, data_.train.size())).to(device_);
    if (!config.data.ood_source.empty()) ood_ = load_source(config.data.ood_source, "").test;
  }

  EpochReport train_epoch(int epoch, double learning_rate, const StepCallback& on_step, std::ostream&) override {
    const auto start = std::chrono::steady_clock::now();
    restart_rank_stream(generator_, config_, 1, epoch);
    bridge::set_learning_rate(adam_, learning_rate);
    const std::int64_t n = data_.train.size(), size = config_.train.batch_size, steps = (n + size - 1) / size;
    // The epoch's order is every rank's (its own generator); each rank trains its shard of a
    // step, and the ranks' gradients are averaged (neural/distributed.h).
    neural::ProcessGroup& ranks = neural::process_group();
    const std::vector<torch::Tensor> parameters = objective_->parameters(), buffers = neural::replicated_buffers(*objective_);
    if (!synchronised_) ranks.broadcast(parameters), synchronised_ = true;
    const torch::Tensor order = torch::randperm(n, order_);
    EpochReport r;
    double loss_sum = 0;
    for (std::int64_t s = 0; s < steps; ++s) {
      const std::int64_t begin = s * size;
      const auto [from, to] = ranks.share(std::min(size, n - begin));
      adam_.zero_grad();
      double step_loss = 0;
      if (to > from) {
        const torch::Tensor x = data_.train.images.index_select(0, order.narrow(0, begin + from, to - from));
        const neural::Losses l = objective_->loss(neural::augment(x, augment_, generator_).to(device_),
                                                  neural::augment(x, augment_, generator_).to(device_));
        const torch::Tensor total = l.total();
        total.backward();
        for (const neural::LossTerm& t : l.terms) r.terms[t.name] += t.value.item<double>();
        step_loss = total.item<double>();
      }
      ranks.average_gradients(parameters);
      adam_.step();
      ranks.broadcast(buffers);
      loss_sum += step_loss;
      on_step(s, steps, step_loss);
    }
    for (auto& [name, sum] : r.terms) sum /= static_cast<double>(steps);
    r.loss = loss_sum / static_cast<double>(steps);
    r.loss = ranks.average(r.loss);  // the ranks' means, as one process would report them
    ranks.average(r.terms);
    r.examples = n;
    r.steps = steps;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    objective_->fit_read_out(data_.train.images.to(device_));
    return r;
  }

  nlohmann::json evaluate() override {
    nlohmann::json out = evaluate_sets(*objective_, data_, ood_, config_, device_);
    if (with_gap_) {
      const double gap = gedi_->energy_gap(gap_images_);
      if (std::isfinite(gap)) out["energy_gap"] = gap;
    }
    return out;
  }

  std::vector<Column> history_columns(const nlohmann::json& e) const override {
    const nlohmann::json& test = e.at("test");
    std::vector<Column> out{{"test_accuracy", test.at("accuracy").get<double>()},
                            {"test_nmi", test.at("nmi").get<double>()},
                            {"test_ari", test.at("ari").get<double>()},
                            {"val_accuracy", e.at("val").is_null() ? std::nan("") : e.at("val").at("accuracy").get<double>()}};
    if (with_gap_) out.push_back({"energy_gap", e.value("energy_gap", std::nan(""))});
    return out;
  }

  std::string epoch_summary(const nlohmann::json& e) const override {
    const nlohmann::json& test = e.at("test");
    std::string out = "test ACC " + fixed(test.at("accuracy").get<double>(), 4) + ", NMI " +
                      fixed(test.at("nmi").get<double>(), 4) + ", ARI " + fixed(test.at("ari").get<double>(), 4);
    if (e.contains("energy_gap")) out += ", energy gap " + fixed(e.at("energy_gap").get<double>(), 3);
    return out;
  }

  std::vector<std::string> curve_columns() const override { return {"test_accuracy", "test_nmi"}; }

  void save_model(torch::serialize::OutputArchive& archive) override { objective_->save(archive); }
  void load_model(torch::serialize::InputArchive& archive) override {
    objective_->load(archive);
    objective_->to(device_);
  }

  void save_state(torch::serialize::OutputArchive& archive) override {
    bridge::save_optimizer(archive, adam_);
    archive.write("generator", generator_.get_state());
    archive.write("order_generator", order_.get_state());
  }
  void load_state(torch::serialize::InputArchive& archive) override {
    bridge::load_optimizer(archive, adam_);
    generator_.set_state(read_tensor(archive, "generator"));
    order_.set_state(read_tensor(archive, "order_generator"));
  }

  nlohmann::json finish(RunFolder& run, const nlohmann::json& evaluation) override {
    if (with_gap_) {
      // Samples of the learnt density: SGLD chains continued from the replay buffer.
      objective_->eval();
      const torch::Tensor samples =
          gedi_->sampler().sample(64, [&](const torch::Tensor& x) { return gedi_->energy_of(x); }).cpu();
      std::vector<std::vector<float>> images;
      for (std::int64_t i = 0; i < samples.size(0); ++i) {
        const torch::Tensor img = samples[i].flatten().contiguous();
        images.emplace_back(img.data_ptr<float>(), img.data_ptr<float>() + img.numel());
      }
      write_image_grid_png(run.path("samples.png"), images, 28, 28, 8);
    }
    write_confusion(run, "confusion", evaluation.at("test").at("confusion").get<std::vector<std::vector<double>>>(),
                    class_names(config_.data.source), "clusters on the test set (" + name_of(config_.objective.name) + ")",
                    "cluster, named by its best-matched class");
    return {{"validation_images", data_.validation.size()},
            {"train_images", data_.train.size()},
            {"test_images", data_.test.size()}};
  }

 private:
  ExperimentConfig config_;
  torch::Device device_;
  TrainTest data_;
  std::shared_ptr<neural::Objective> objective_;
  torch::optim::Adam adam_;
  torch::Generator generator_;  // augmentations: this rank's own
  torch::Generator order_;      // each epoch's order of the training images: every rank's
  bool synchronised_ = false;   // rank 0's parameters broadcast
  neural::AugmentOptions augment_;
  neural::Gedi* gedi_;  // objective_ when it is GEDI
  bool with_gap_;       // GEDI's energy gap (Gedi::energy_gap) on a fixed sample of the training images
  torch::Tensor gap_images_;
  ImageSet ood_;  // data.ood_source's test images (none without one)
};

}  // namespace

std::unique_ptr<Experiment> make_cluster_experiment(const ExperimentConfig& config, std::ostream& log) {
  return std::make_unique<ClusterExperiment>(config, log);
}

}  // namespace gedilog::tasks
