// gedilog config --keys | gedilog config FILE [--set key=value ...]: the keys an experiment file
// takes, or a file resolved as a run would be (every key written, overrides applied).
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "app/commands.h"
#include "core/error.h"
#include "tasks/experiment.h"

namespace gedilog::app {

void setup_config(CLI::App& app) {
  struct Options {
    std::string file;
    std::vector<std::string> overrides;
    bool keys = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("config", torch_command("config"));
  cmd->add_option("file", o->file, "Experiment file (TOML) to resolve")->check(CLI::ExistingFile);
  cmd->add_option("--set", o->overrides, "Override a key: section.key=value (repeatable)");
  cmd->add_flag("--keys", o->keys, "List every key, its default and the kind of value it takes");
  cmd->callback([o] {
    if (o->keys) {
      std::cout << "| key | default | value |\n|---|---|---|\n";
      for (const tasks::ConfigKey& k : tasks::config_keys())
        std::cout << "| " << k.name << " | " << (k.default_value.empty() ? "\"\"" : k.default_value) << " | " << k.type
                  << " |\n";
      std::cout << "\n[[network]] tables (task \"files\"): name, architecture, dataset. What each key means: "
                   "the comments of examples/*.toml and docs/writing-programs.md.\n";
      return;
    }
    if (o->file.empty() && o->overrides.empty())
      throw UserError("UsageError", "config", "give an experiment file (and --set), or --keys");
    std::cout << tasks::to_toml(tasks::load_experiment(o->file, o->overrides));
  });
}

}  // namespace gedilog::app
