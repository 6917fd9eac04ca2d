// gedilog train CONFIG.toml [--set key=value ...] --out DIR
// gedilog eval DIR
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>

#include "app/commands.h"
#include "tasks/experiment.h"
#include "tasks/mnist_add_experiment.h"

namespace gedilog::app {

namespace {

struct TrainOptions {
  std::string config;
  std::vector<std::string> overrides;
  std::string out;
};

void run_train(const TrainOptions& o) {
  const tasks::ExperimentConfig config = tasks::load_experiment(o.config, o.overrides);
  // Ctrl-C stops after the current step, and the run is recorded as interrupted.
  std::signal(SIGINT, [](int) { tasks::request_interrupt(); });
  const nlohmann::json m = tasks::train_mnist_add(config, o.out, std::cerr, ::isatty(STDERR_FILENO));
  const auto& test = m.at("test");
  std::printf("| task | digits | form | epochs | seed | test sum accuracy | test digit accuracy | "
              "concept collapse | train s | examples/s |\n|---|---|---|---|---|---|---|---|---|---|\n");
  std::printf("| %s | %d | %s | %d | %lld | %.2f%% | %.2f%% | %.2f | %.1f | %.0f |\n", config.task.c_str(),
              config.digits, config.form.c_str(), config.epochs, static_cast<long long>(config.seed),
              100 * test.at("label_accuracy").get<double>(), 100 * test.at("concept_accuracy").get<double>(),
              test.at("concept_collapse").get<double>(), m.at("train_seconds").get<double>(),
              m.at("examples_per_second").get<double>());
  std::printf("\nrun folder: %s\n", o.out.c_str());
}

}  // namespace

void setup_train(CLI::App& app) {
  auto options = std::make_shared<TrainOptions>();
  CLI::App* cmd = app.add_subcommand("train", "Train a network through a program (an experiment file)");
  cmd->add_option("config", options->config, "Experiment file (TOML), e.g. examples/mnist_add.toml")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--set", options->overrides, "Override a key: section.key=value (repeatable)");
  cmd->add_option("--out", options->out, "Run folder to create")->required();
  cmd->callback([options] { run_train(*options); });

  auto dir = std::make_shared<std::string>();
  CLI::App* eval = app.add_subcommand("eval", "Re-evaluate the checkpoint of a run folder on its test data");
  eval->add_option("run", *dir, "Run folder")->required()->check(CLI::ExistingDirectory);
  eval->callback([dir] { std::cout << tasks::evaluate_mnist_add(*dir).dump(2) << "\n"; });
}

}  // namespace gedilog::app
