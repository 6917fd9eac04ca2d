// gedilog shortcuts CONFIG.toml [--set key=value ...] [--all]
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "app/commands.h"
#include "tasks/experiment.h"
#include "tasks/shortcuts.h"

namespace gedilog::app {

void setup_shortcuts(CLI::App& app) {
  struct Options {
    std::string config;
    std::vector<std::string> overrides;
    bool all = false;
    std::size_t limit = 100;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("shortcuts", torch_command("shortcuts"));
  cmd->add_option("config", o->config, "Experiment file (TOML), e.g. examples/shortcuts/evenodd.toml")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--set", o->overrides, "Override a key: section.key=value (repeatable)");
  cmd->add_flag("--all", o->all, "List every map, not only the one-to-one ones");
  cmd->add_option("--limit", o->limit, "List at most this many maps")->capture_default_str();
  cmd->callback([o] {
    const tasks::ExperimentConfig config = tasks::load_experiment(o->config, o->overrides);
    const tasks::ShortcutCount count = tasks::count_task_shortcuts(config, o->all, o->limit);
    std::cout << config.task.name << ": " << count.maps << " concept map" << (count.maps == 1 ? " satisfies" : "s satisfy")
              << " the program on every training pair; " << count.one_to_one << " one-to-one.\n"
              << (o->all ? "The maps" : "The one-to-one maps") << " (digit->value):\n";
    for (const std::vector<int>& map : count.listed) {
      bool identity = true;
      for (std::size_t i = 0; i < map.size(); ++i) identity = identity && map[i] == count.digits[i];
      std::cout << "  " << tasks::map_text(count.digits, map) << (identity ? "   (the identity)" : "") << "\n";
    }
    const std::int64_t listable = o->all ? count.maps : count.one_to_one;
    if (listable > static_cast<std::int64_t>(count.listed.size()))
      std::cout << "  ... and " << listable - static_cast<std::int64_t>(count.listed.size()) << " more (--limit)\n";
  });
}

}  // namespace gedilog::app
