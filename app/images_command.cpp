// gedilog images SOURCE:SPLIT: the images examples may name, with their labels.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "app/commands.h"
#include "tasks/file_task.h"
#include "tasks/training_run.h"

namespace gedilog::app {

void setup_images(CLI::App& app) {
  auto source = std::make_shared<std::string>();
  CLI::App* images = app.add_subcommand("images", "List the images of a dataset split with their labels (CSV: image,label)");
  images->add_option("split", *source, "SOURCE:SPLIT, e.g. mnist:train or fashion-mnist:test")->required();
  images->callback([source] {
    const tasks::ImageRef split = tasks::parse_image_ref(*source + ":0", "gedilog images", "split");
    const tasks::TrainTest data = tasks::load_source(split.source, "");
    const tasks::ImageSet& set = split.test ? data.test : data.train;
    const std::vector<std::string> names = tasks::class_names(split.source);
    std::cout << "image,label\n";
    for (std::int64_t i = 0; i < set.size(); ++i)
      std::cout << *source << ":" << i << "," << names.at(set.labels[i].item<std::int64_t>()) << "\n";
  });
}

}  // namespace gedilog::app
