// gedilog predict DIR EXAMPLES: P(query) and explanations from a run of a task defined by files.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <utility>

#include "app/commands.h"
#include "tasks/file_task.h"

namespace gedilog::app {

void setup_predict(CLI::App& app) {
  auto o = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* cmd = app.add_subcommand("predict", torch_command("predict"));
  cmd->add_option("run", o->first, "Run folder")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("examples", o->second, "Example file (.jsonl or .csv; probability may be left out)")
      ->required()
      ->check(CLI::ExistingFile);
  auto semiring = std::make_shared<std::string>("probability");
  cmd->add_option("--semiring", *semiring,
                  "probability: P(query | evidence); max-product: the probability of its most probable explanation")
      ->check(CLI::IsMember({"probability", "max-product"}))
      ->capture_default_str();
  cmd->callback([o, semiring] { tasks::predict_file_task(o->first, o->second, std::cout, *semiring); });
}

}  // namespace gedilog::app
