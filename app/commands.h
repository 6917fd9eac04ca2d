#pragma once
// The subcommands of `gedilog`. Each registers itself on the app and runs when chosen.
namespace CLI {
class App;
}

namespace gedilog::app {

void setup_query(CLI::App& app);
void setup_compile(CLI::App& app);
void setup_train(CLI::App& app);  // train, eval and cluster
void setup_compare(CLI::App& app);
void setup_shortcuts(CLI::App& app);

}  // namespace gedilog::app
