#pragma once
// The subcommands of `gedilog`. Each registers itself on the app and runs when chosen.
namespace CLI {
class App;
}

namespace gedilog::app {

void setup_query(CLI::App& app);
void setup_compile(CLI::App& app);
void setup_sample(CLI::App& app);
void setup_train(CLI::App& app);  // train and cluster
void setup_eval(CLI::App& app);
void setup_predict(CLI::App& app);
void setup_images(CLI::App& app);
void setup_compare(CLI::App& app);
void setup_shortcuts(CLI::App& app);
void setup_runs(CLI::App& app);
void setup_config(CLI::App& app);

}  // namespace gedilog::app
