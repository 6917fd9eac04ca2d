// gedilog images SOURCE:SPLIT [--config FILE]: the inputs examples may name, with their labels.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "app/commands.h"
#include "tasks/data_sources.h"
#include "tasks/experiment.h"
#include "tasks/file_task.h"

namespace gedilog::app {

void setup_images(CLI::App& app) {
  auto source = std::make_shared<std::string>();
  auto config_file = std::make_shared<std::string>();
  CLI::App* images = app.add_subcommand("images", torch_command("images"));
  images->add_option("split", *source, "SOURCE:SPLIT, e.g. mnist:train, fashion-mnist:test, or a [[source]]'s name")->required();
  images->add_option("--config", *config_file, "the experiment file that declares the source ([[source]]) or data.dir");
  images->callback([source, config_file] {
    const tasks::ImageRef split = tasks::parse_image_ref(*source + ":0", "gedilog images", "split");
    const tasks::ExperimentConfig config = config_file->empty() ? tasks::ExperimentConfig{} : tasks::load_experiment(*config_file, {});
    const tasks::Source data = tasks::load_named_source(split.source, config, config_file->empty() ? "gedilog images" : *config_file);
    const tasks::ImageSet& set = split.test ? data.data.test : data.data.train;
    std::cout << "image,label\n";
    for (std::int64_t i = 0; i < set.size(); ++i) {
      const std::int64_t label = set.labels[i].item<std::int64_t>();
      std::cout << *source << ":" << i << "," << (label < 0 ? "" : data.classes.at(label)) << "\n";  // empty: unlabelled
    }
  });
}

}  // namespace gedilog::app
