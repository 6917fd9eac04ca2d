// gedilog eval DIR: any finished run folder, whatever its task.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "app/commands.h"
#include "tasks/run_experiment.h"

namespace gedilog::app {

void setup_eval(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  CLI::App* eval = app.add_subcommand("eval", "Re-evaluate the checkpoint of a run folder on its test data");
  eval->add_option("run", *dir, "Run folder")->required()->check(CLI::ExistingDirectory);
  eval->callback([dir] { std::cout << tasks::evaluate_run(*dir).dump(2) << "\n"; });
}

}  // namespace gedilog::app
