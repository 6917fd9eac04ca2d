#pragma once
// The subcommands of `gedilog`. Each registers itself on the app and runs when chosen.
//
// Two executables share them: `gedilog` runs the exact engine's commands (query, compile,
// sample) itself and never loads LibTorch, so they start in a tenth of a second; the commands
// that need tensors (or the libraries that link them) run in `gedilog-torch`, installed next to
// it, which `gedilog` replaces itself with (exec: same arguments, exit status and signals).
#include <cstring>

namespace CLI {
class App;
}

namespace gedilog::app {

// Exact engine: in gedilog.
void setup_query(CLI::App& app);
void setup_compile(CLI::App& app);
void setup_sample(CLI::App& app);

// In gedilog-torch.
void setup_train(CLI::App& app);  // train and cluster
void setup_eval(CLI::App& app);
void setup_predict(CLI::App& app);
void setup_images(CLI::App& app);
void setup_compare(CLI::App& app);
void setup_shortcuts(CLI::App& app);
void setup_runs(CLI::App& app);
void setup_config(CLI::App& app);

struct TorchCommand {
  const char* name;
  const char* description;  // both executables' --help
};
inline constexpr TorchCommand kTorchCommands[] = {
    {"train", "Train as an experiment file says: mnist-add, a shortcut task, a task defined by files, or cluster"},
    {"cluster", "Train a perception objective without labels and evaluate its clusters (task \"cluster\")"},
    {"eval", "Re-evaluate the checkpoint of a run folder on its test data (or other data)"},
    {"predict", "P(query) and the most probable explanation of each example of a file, from a run of task "
                "\"files\" (JSONL out; JSONL or CSV in)"},
    {"images", "List the inputs of a dataset split with their labels (CSV: image,label)"},
    {"compare", "Run experiments over tasks x variants x seeds (resumable) and tabulate mean ± std per cell"},
    {"shortcuts", "Count the concept maps that satisfy a digit-pair task's program on every training pair"},
    {"runs", "List the runs recorded in a folder's runs.db: status and headline metrics"},
    {"config", "List every key of an experiment file with its default (--keys), or print a file resolved"},
};

// The description of a command of gedilog-torch; nullptr for any other name.
inline const char* torch_command(const char* name) {
  for (const TorchCommand& c : kTorchCommands)
    if (std::strcmp(c.name, name) == 0) return c.description;
  return nullptr;
}

}  // namespace gedilog::app
