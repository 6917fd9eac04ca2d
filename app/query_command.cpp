// gedilog query FILE|- [--json]: the probability of every query of a ProbLog program.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "app/commands.h"
#include "app/engine_options.h"
#include "symbolic/inference.h"
#include "symbolic/program.h"

namespace gedilog::app {

namespace {

struct QueryOptions {
  std::string file;
  bool json = false;
  EngineOptions engine;
};

// 12 significant digits: tiny probabilities such as 7.4e-65 keep their precision.
std::string format_probability(double p) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.12g", p);
  return buffer;
}

void run_query(const QueryOptions& options) {
  symbolic::Program::set_grounding_seconds(options.engine.max_seconds);
  const ProgramInput input(options.file);
  std::vector<symbolic::QueryResult> results;
  try {
    const auto program = symbolic::Program::load(input.path());
    results = symbolic::solve(program.ground(),
                              {symbolic::parse_compiler(options.engine.compiler), options.engine.max_nodes});
  } catch (const UserError& e) {
    throw input.renamed(e);
  }
  // Nothing asked is not an error (ProbLog prints nothing), but it is said, on stderr.
  if (results.empty()) std::cerr << input.name() << ": no query/1 in the program: nothing to answer\n";
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
  add_program_argument(cmd, options->file);
  cmd->add_flag("--json", options->json, "Machine-readable output");
  add_engine_options(cmd, options->engine);
  cmd->callback([options] { run_query(*options); });
}

}  // namespace gedilog::app
