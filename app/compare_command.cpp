// gedilog compare GRID.toml --out DIR
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>
#include <memory>

#include "app/commands.h"
#include "tasks/compare.h"
#include "tasks/training_run.h"

namespace gedilog::app {

void setup_compare(CLI::App& app) {
  struct Options {
    std::string grid, out;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "compare", "Run an experiment over variants x seeds (resumable) and tabulate mean ± std per variant");
  cmd->add_option("grid", o->grid, "Grid file (TOML), e.g. examples/gedi_ablation.toml")->required()->check(CLI::ExistingFile);
  cmd->add_option("--out", o->out, "Folder of the runs, runs.db and results.md / results.csv")->required();
  cmd->callback([o] {
    const tasks::Grid grid = tasks::load_grid(o->grid);
    std::signal(SIGINT, [](int) { tasks::request_interrupt(); });
    std::cout << tasks::run_grid(grid, o->out, std::cerr, ::isatty(STDERR_FILENO)) << "\nresults: " << o->out
              << "/results.md\n";
  });
}

}  // namespace gedilog::app
