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
                         static_cast<int>(config.clusters), classes);
}

// metrics.json's "test" (ACC, NMI, ARI, the matching, the confusion matrix and, with
// data.ood_source, the energy score's AUROC against that source's test images) and "val".
nlohmann::json evaluate_sets(neural::Objective& objective, const TrainTest& data, const ExperimentConfig& config,
                             torch::Device device) {
  const int classes = classes_of(data);
  const torch::Tensor test_logits = logits_of(objective, data.test.images, device);
  const ClusterMetrics test =
      cluster_metrics(test_logits.argmax(1), data.test.labels, static_cast<int>(config.clusters), classes);
  nlohmann::json val = nullptr;
  if (data.validation.size() > 0) {
    const ClusterMetrics v = cluster_metrics_of(objective, data.validation, config, classes, device);
    val = {{"accuracy", v.accuracy}, {"nmi", v.nmi}, {"ari", v.ari}};
  }
  nlohmann::json out = {{"accuracy", test.accuracy}, {"nmi", test.nmi}, {"ari", test.ari},
                        {"class_of_cluster", test.class_of}, {"confusion", test.confusion}};
  if (!config.ood_source.empty()) {
    // Energy score -E(x) = logsumexp f(x): high on the training distribution.
    const TrainTest other = load_source(config.ood_source, "");
    const std::int64_t m = std::min(other.test.size(), data.test.size());
    const torch::Tensor in = torch::logsumexp(test_logits, 1);
    const torch::Tensor out_scores = torch::logsumexp(logits_of(objective, other.test.images.narrow(0, 0, m), device), 1);
    out["ood_auroc"] = auroc(to_vector(in), to_vector(out_scores));
    out["ood_source"] = config.ood_source;
    out["ood_images"] = m;
  }
  return {{"test", out}, {"val", val}};
}

}  // namespace

nlohmann::json train_cluster(const ExperimentConfig& config, const std::string& out_dir, std::ostream& log,
                             bool terminal) {
  if (config.task != "cluster")
    throw UserError("ConfigError", "task.name",
                    "gedilog cluster runs task \"cluster\"; this experiment is '" + config.task + "' (gedilog train)");
  RunFolder run(out_dir, to_toml(config), config.task, config.seed);
  return run.complete([&] {
    const RunStart start = start_run(config);
    const torch::Device device = start.device;
    const TrainTest& data = start.data;
    const std::shared_ptr<neural::Objective> objective = make_objective(config);
    objective->to(device);
    torch::optim::Adam adam(objective->parameters(), torch::optim::AdamOptions(config.learning_rate));
    torch::Generator generator = torch::make_generator<torch::CPUGeneratorImpl>(static_cast<std::uint64_t>(config.seed) + 1);
    const neural::AugmentOptions augment = augment_options(config);
    const int classes = classes_of(data);

    const std::int64_t n = data.train.size();
    if (n == 0) throw UserError("DataError", "data.train_images", "no training images");
    const std::int64_t steps = (n + config.batch_size - 1) / config.batch_size;
    std::ostringstream history;
    std::vector<std::string> term_names;
    std::vector<double> losses, accuracies, nmis;
    std::map<std::string, double> last_terms;
    double train_seconds = 0;
    std::int64_t trained = 0, step_count = 0;
    ClusterMetrics test;
    // GEDI's energy gap (Gedi::energy_gap) on a fixed sample of the training images.
    auto* gedi = dynamic_cast<neural::Gedi*>(objective.get());
    const bool with_gap = gedi && config.generative > 0;
    const torch::Tensor gap_images = data.train.images.narrow(0, 0, std::min<std::int64_t>(512, n)).to(device);
    double energy_gap = std::nan("");
    auto evaluate = [&] { test = cluster_metrics_of(*objective, data.test, config, classes, device); };
    for (int epoch = 1; epoch <= config.epochs; ++epoch) {
      const auto epoch_start = Clock::now();
      bridge::set_learning_rate(adam, learning_rate_at(config, epoch));
      const torch::Tensor order = torch::randperm(n, generator);
      std::map<std::string, double> sums;
      double loss_sum = 0;
      for (std::int64_t s = 0; s < steps; ++s) {
        const torch::Tensor pick = order.narrow(0, s * config.batch_size, std::min(config.batch_size, n - s * config.batch_size));
        const torch::Tensor x = data.train.images.index_select(0, pick);
        const neural::Losses l =
            objective->loss(neural::augment(x, augment, generator).to(device), neural::augment(x, augment, generator).to(device));
        const torch::Tensor total = l.total();
        adam.zero_grad();
        total.backward();
        adam.step();
        if (term_names.empty())
          for (const neural::LossTerm& t : l.terms) term_names.push_back(t.name);
        for (const neural::LossTerm& t : l.terms) sums[t.name] += t.value.item<double>();
        loss_sum += total.item<double>();
        throw_if_interrupted(out_dir);
        if (terminal) show_progress(log, epoch, config.epochs, s, steps, loss_sum / (s + 1));
      }
      if (terminal) log << "\n";
      const double seconds = std::chrono::duration<double>(Clock::now() - epoch_start).count();
      train_seconds += seconds;
      trained += n;
      step_count += steps;
      objective->fit_read_out(data.train.images.to(device));
      evaluate();
      if (with_gap) energy_gap = gedi->energy_gap(gap_images);
      if (epoch == 1) {
        history << "epoch,loss";
        for (const std::string& t : term_names) history << "," << t;
        history << ",train_seconds,test_accuracy,test_nmi,test_ari" << (with_gap ? ",energy_gap" : "") << "\n";
      }
      history << epoch << "," << loss_sum / steps;
      for (const std::string& t : term_names) history << "," << (last_terms[t] = sums[t] / steps);
      history << "," << seconds << "," << test.accuracy << "," << test.nmi << "," << test.ari;
      if (with_gap) history << "," << energy_gap;
      history << "\n";
      losses.push_back(loss_sum / steps);
      accuracies.push_back(test.accuracy);
      nmis.push_back(test.nmi);
      log << "epoch " << epoch << ": loss " << fixed(loss_sum / steps, 4);
      for (const std::string& t : term_names) log << " (" << t << " " << fixed(last_terms[t], 4) << ")";
      log << ", test ACC " << fixed(test.accuracy, 4) << ", NMI " << fixed(test.nmi, 4) << ", ARI "
          << fixed(test.ari, 4);
      if (with_gap) log << ", energy gap " << fixed(energy_gap, 3);
      log << ", " << fixed(seconds, 1) << " s\n";
    }
    if (config.epochs == 0) evaluate();

    const nlohmann::json evaluation = evaluate_sets(*objective, data, config, device);
    if (with_gap) {
      // Samples of the learnt density: SGLD chains continued from the replay buffer.
      objective->eval();
      const torch::Tensor samples =
          gedi->sampler().sample(64, [&](const torch::Tensor& x) { return gedi->energy_of(x); }).cpu();
      std::vector<std::vector<float>> images;
      for (std::int64_t i = 0; i < samples.size(0); ++i) {
        const torch::Tensor img = samples[i].flatten().contiguous();
        images.emplace_back(img.data_ptr<float>(), img.data_ptr<float>() + img.numel());
      }
      write_image_grid_png(run.path("samples.png"), images, 28, 28, 8);
    }

    torch::serialize::OutputArchive archive;
    objective->save(archive);
    write_checkpoint(run, archive);
    run.write("history.csv", history.str());
    write_confusion_png(run.path("confusion.png"), test.confusion);
    write_curves_png(run.path("curves.png"), {losses, accuracies, nmis});

    nlohmann::json terms = nlohmann::json::object();
    for (const auto& [name, value] : last_terms) terms[name] = value;
    nlohmann::json metrics = {{"test", evaluation.at("test")},
                              {"val", evaluation.at("val")},
                              {"validation_images", data.validation.size()},
                              {"train_seconds", train_seconds},
                              {"step_seconds", step_count ? train_seconds / step_count : 0.0},
                              {"examples_per_second", train_seconds > 0 ? trained / train_seconds : 0.0},
                              {"last_epoch_terms", terms},
                              {"wall_seconds", start.wall_seconds()},
                              {"peak_rss_mib", peak_rss_mib()},
                              {"train_images", n},
                              {"test_images", data.test.size()}};
    if (with_gap && std::isfinite(energy_gap)) metrics["energy_gap"] = energy_gap;
    return metrics;
  });
}

nlohmann::json evaluate_cluster(const std::string& run_dir) {
  const ExperimentConfig config = load_experiment((std::filesystem::path(run_dir) / "config.toml").string(), {});
  const torch::Device device = training_device(config);
  const std::shared_ptr<neural::Objective> objective = make_objective(config);
  read_checkpoint((std::filesystem::path(run_dir) / "model.pt").string(),
                  [&](torch::serialize::InputArchive& archive) { objective->load(archive); });
  objective->to(device);
  const nlohmann::json sets = evaluate_sets(*objective, load_data(config), config, device);
  nlohmann::json out = sets.at("test");
  out.erase("confusion");
  if (!sets.at("val").is_null()) out["val"] = sets.at("val");
  return out;
}

}  // namespace gedilog::tasks
