// gedilog compare GRID.toml --out DIR [--set key=value ...] [--jobs K]
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>

#include "app/commands.h"
#include "tasks/compare.h"
#include "tasks/training_run.h"

namespace gedilog::app {

namespace fs = std::filesystem;

void setup_compare(CLI::App& app) {
  struct Options {
    std::string grid, out;
    std::vector<std::string> overrides;
    int jobs = 1;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("compare", torch_command("compare"));
  cmd->add_option("grid", o->grid, "Grid file (TOML), e.g. examples/gedi_ablation.toml")->required()->check(CLI::ExistingFile);
  cmd->add_option("--out", o->out, "Folder of the runs, runs.db and results.md / .csv / .png")->required();
  cmd->add_option("--set", o->overrides,
                  "Override a key of every run: section.key=value, after the grid's and variants' own (repeatable)");
  cmd->add_option("--jobs", o->jobs, "Runs at a time (each a child process sharing the cores)")
      ->check(CLI::Range(1, 256));
  cmd->callback([o] {
    const tasks::Grid grid = tasks::load_grid(o->grid, o->overrides);
    tasks::stop_on_signals();
    const tasks::CompareOptions options{o->jobs, fs::read_symlink("/proc/self/exe").string()};
    std::cout << tasks::run_grid(grid, o->out, std::cerr, ::isatty(STDERR_FILENO), options) << "\nresults: " << o->out
              << "/results.md\n";
  });
}

}  // namespace gedilog::app
