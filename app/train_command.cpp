// gedilog train CONFIG.toml [--set key=value ...] --out DIR   (any task)
// gedilog train --resume DIR                                  (continue an interrupted run)
// gedilog train ... --nproc K                                 (K data-parallel ranks here)
// gedilog cluster CONFIG.toml [--set key=value ...] --out DIR (task "cluster" only)
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "app/commands.h"
#include "app/launch_ranks.h"
#include "core/error.h"
#include "neural/distributed.h"
#include "tasks/experiment.h"
#include "tasks/run_experiment.h"
#include "tasks/training_run.h"

namespace gedilog::app {

namespace {

struct TrainOptions {
  std::string config;
  std::vector<std::string> overrides;
  std::string out;
  std::string resume;  // a run folder to continue
  int nproc = 1;       // local ranks to start (launch_ranks.h)
};

// The command line each local rank runs: this one without --nproc.
std::vector<std::string> rank_arguments(const TrainOptions& o, const std::string& command) {
  std::vector<std::string> args{command};
  if (!o.resume.empty()) return args.push_back("--resume"), args.push_back(o.resume), args;
  args.push_back(o.config);
  for (const std::string& s : o.overrides) args.insert(args.end(), {"--set", s});
  args.insert(args.end(), {"--out", o.out});
  return args;
}

// Trains through tasks::run_experiment and prints the run's summary row (rank 0). `only`: the
// one task the command runs (empty: any).
void train(const TrainOptions& o, const std::string& only) {
  const bool rank0 = neural::process_group().rank() == 0;
  // Ctrl-C or SIGTERM stops after the current step, and the run is recorded as interrupted.
  tasks::stop_on_signals();
  if (!o.resume.empty()) {
    const nlohmann::json metrics = tasks::resume_experiment(o.resume, std::cerr, ::isatty(STDERR_FILENO));
    if (!rank0) return;
    const tasks::ExperimentConfig config = tasks::run_config(o.resume);
    std::cout << tasks::experiment_kind(config.task.name).summary(config, metrics) << "\nrun folder: " << o.resume << "\n";
    return;
  }
  if (o.config.empty() || o.out.empty())
    throw UserError("UsageError", o.config.empty() ? "config" : "--out",
                    "required: an experiment file and --out DIR (or --resume DIR alone)");
  const tasks::ExperimentConfig config = tasks::load_experiment(o.config, o.overrides);
  if (!only.empty() && config.task.name != only)
    throw UserError("ConfigError", o.config,
                    "gedilog cluster runs task \"" + only + "\"; this experiment is '" + config.task.name + "' (gedilog train)");
  const nlohmann::json metrics = tasks::run_experiment(config, o.out, std::cerr, ::isatty(STDERR_FILENO));
  if (!rank0) return;
  std::cout << tasks::experiment_kind(config.task.name).summary(config, metrics) << "\nrun folder: " << o.out << "\n";
}

// The command: K local ranks (--nproc), or this process as one rank of the group the
// environment describes (alone without a launcher).
void run(const TrainOptions& o, const std::string& command, const std::string& only) {
  if (o.nproc > 1) {
    if (std::getenv("WORLD_SIZE") != nullptr)
      throw UserError("UsageError", "--nproc", "this process is already a rank of a launched run (WORLD_SIZE is set)");
    // The experiment is checked here first, so that a typo is one clear error, not one per rank.
    if (o.resume.empty()) tasks::load_experiment(o.config, o.overrides);
    else tasks::run_config(o.resume);
    std::exit(launch_local_ranks(o.nproc, rank_arguments(o, command)));
  }
  neural::set_process_group(neural::ProcessGroup::from_environment(neural::distributed_timeout()));
  try {
    train(o, only);
  } catch (const std::exception& e) {
    neural::process_group().report_failure(e.what());  // the other ranks name this one
    throw;
  }
}

CLI::App* add_training_command(CLI::App& app, const char* name, std::shared_ptr<TrainOptions> o,
                               const char* example) {
  CLI::App* cmd = app.add_subcommand(name, torch_command(name));
  CLI::Option* config = cmd->add_option("config", o->config, std::string("Experiment file (TOML), e.g. ") + example)
                            ->check(CLI::ExistingFile);
  CLI::Option* set = cmd->add_option("--set", o->overrides, "Override a key: section.key=value (repeatable)");
  CLI::Option* out = cmd->add_option("--out", o->out, "Run folder to create");
  cmd->add_option("--resume", o->resume,
                  "Continue the interrupted or failed run in this folder from its last finished epoch "
                  "(its config.toml; no experiment file, --set or --out)")
      ->check(CLI::ExistingDirectory)
      ->excludes(config)
      ->excludes(set)
      ->excludes(out);
  cmd->add_option("--nproc", o->nproc,
                  "Data-parallel ranks to start on this machine (Gloo; each takes a shard of every step). "
                  "Under a launcher (torchrun, srun) leave it out: RANK, WORLD_SIZE, MASTER_ADDR and "
                  "MASTER_PORT are read from the environment")
      ->check(CLI::Range(1, 256));
  return cmd;
}

}  // namespace

void setup_train(CLI::App& app) {
  auto train = std::make_shared<TrainOptions>();
  add_training_command(app, "train", train, "examples/mnist_add.toml")
      ->callback([train] { run(*train, "train", ""); });
  auto cluster = std::make_shared<TrainOptions>();
  add_training_command(app, "cluster", cluster, "examples/cluster_mnist.toml")
      ->callback([cluster] { run(*cluster, "cluster", "cluster"); });
}

}  // namespace gedilog::app
