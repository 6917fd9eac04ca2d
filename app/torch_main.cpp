// gedilog-torch: the commands that need LibTorch, started by gedilog (see commands.h).
#include <CLI/CLI.hpp>

#include "app/commands.h"
#include "app/run_cli.h"

int main(int argc, char** argv) {
  CLI::App app{"gedilog: neuro-symbolic learning with exact probabilistic logic (training and runs)"};
  gedilog::app::setup_train(app);
  gedilog::app::setup_eval(app);
  gedilog::app::setup_predict(app);
  gedilog::app::setup_images(app);
  gedilog::app::setup_compare(app);
  gedilog::app::setup_shortcuts(app);
  gedilog::app::setup_runs(app);
  gedilog::app::setup_config(app);
  return gedilog::app::run_cli(app, argc, argv);
}
