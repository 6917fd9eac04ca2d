// gedilog eval DIR [--set key=value ...] [--json]: any finished run folder, whatever its task.
#include <CLI/CLI.hpp>
#include <iostream>
#include <map>
#include <memory>
#include <set>

#include "app/commands.h"
#include "tasks/run_experiment.h"
#include "tasks/training_run.h"

namespace gedilog::app {

namespace {

struct EvalOptions {
  std::string dir;
  std::vector<std::string> overrides;
  bool json = false;
};

// A number as a table cell: shares (accuracies, F1, ...) in [0, 1] stay fractions with 4
// digits, counts are integers.
std::string cell(const nlohmann::json& v) {
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  if (v.is_number()) return tasks::fixed(v.get<double>(), 4);
  return "-";
}

// A set's numbers by name; where the program has several networks, each one's concept
// accuracy as NETWORK.concept_accuracy.
std::vector<std::pair<std::string, nlohmann::json>> numbers(const nlohmann::json& set) {
  std::vector<std::pair<std::string, nlohmann::json>> out;
  for (const auto& [key, value] : set.items()) {
    if (value.is_number()) out.push_back({key, value});
    if (key == "networks" && value.size() > 1)
      for (const auto& [network, m] : value.items())
        out.push_back({network + ".concept_accuracy", m.is_null() ? nlohmann::json() : m.at("concept_accuracy")});
  }
  return out;
}

// One row per evaluated set (test first; the others are the nested objects with an
// "examples" count), one column per number any set has.
std::string table(const nlohmann::json& evaluation) {
  std::vector<std::pair<std::string, const nlohmann::json*>> sets{{"test", &evaluation}};
  for (const auto& [name, value] : evaluation.items())
    if (value.is_object() && value.contains("examples")) sets.push_back({name, &value});
  std::vector<std::string> columns;
  std::set<std::string> seen;
  for (const auto& [name, set] : sets)
    for (const auto& [key, value] : numbers(*set))
      if (seen.insert(key).second) columns.push_back(key);
  std::string out = "| set |", rule = "|---|";
  for (const std::string& c : columns) out += " " + c + " |", rule += "---|";
  out += "\n" + rule + "\n";
  for (const auto& [name, set] : sets) {
    std::map<std::string, nlohmann::json> row;
    for (auto& [key, value] : numbers(*set)) row[key] = value;
    out += "| " + name + " |";
    for (const std::string& c : columns) out += " " + (row.count(c) ? cell(row[c]) : std::string("-")) + " |";
    out += "\n";
  }
  return out;
}

}  // namespace

void setup_eval(CLI::App& app) {
  auto o = std::make_shared<EvalOptions>();
  CLI::App* eval = app.add_subcommand("eval", torch_command("eval"));
  eval->add_option("run", o->dir, "Run folder")->required()->check(CLI::ExistingDirectory);
  eval->add_option("--set", o->overrides,
                   "Evaluate with a key of the run's config.toml changed: other data, e.g. data.source=fashion-mnist "
                   "or task.test=other.jsonl (repeatable)");
  eval->add_flag("--json", o->json, "Print the metrics as JSON (every value, nested per set) instead of a table");
  eval->callback([o] {
    const nlohmann::json metrics = tasks::evaluate_run(o->dir, o->overrides);
    std::cout << (o->json ? metrics.dump(2) : table(metrics)) << "\n";
  });
}

}  // namespace gedilog::app
