// gedilog query FILE [--json]: the probability of every query of a ProbLog program.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "symbolic/inference.h"
#include "symbolic/program.h"

namespace gedilog::app {

namespace {

struct QueryOptions {
  std::string file;
  bool json = false;
  std::size_t max_nodes = symbolic::Mdd::kDefaultNodeLimit;
  std::string compiler = "auto";
};

// 12 significant digits: tiny probabilities such as 7.4e-65 keep their precision.
std::string format_probability(double p) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.12g", p);
  return buffer;
}

void run_query(const QueryOptions& options) {
  const auto program = symbolic::Program::load(options.file);
  const auto results = symbolic::solve(
      program.ground(), {symbolic::parse_compiler(options.compiler), options.max_nodes});
  if (options.json) {
    nlohmann::json queries = nlohmann::json::array();
    for (const auto& r : results) queries.push_back({{"query", r.query}, {"probability", r.probability}});
    std::cout << nlohmann::json{{"queries", queries}}.dump(2) << "\n";
    return;
  }
  for (const auto& r : results) std::cout << r.query << ": " << format_probability(r.probability) << "\n";
}

}  // namespace

void setup_query(CLI::App& app) {
  auto options = std::make_shared<QueryOptions>();
  CLI::App* cmd = app.add_subcommand("query", "Print the probability of each query of a ProbLog program");
  cmd->add_option("file", options->file, "ProbLog program (.pl)")->required()->check(CLI::ExistingFile);
  cmd->add_flag("--json", options->json, "Machine-readable output");
  cmd->add_option("--max-nodes", options->max_nodes, "Largest decision diagram or DNNF allowed")
      ->capture_default_str();
  cmd->add_option("--compiler", options->compiler,
                  "Knowledge compiler: mdd (fixed order), ddnnf (decomposition), auto")
      ->check(CLI::IsMember({"auto", "mdd", "ddnnf"}))
      ->capture_default_str();
  cmd->callback([options] { run_query(*options); });
}

}  // namespace gedilog::app
