// gedilog query FILE|- [--json] [--mpe]: the probability of every query of a ProbLog program,
// or the most probable explanation of its evidence.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <map>
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
  bool mpe = false;
  EngineOptions engine;
};

// 12 significant digits: tiny probabilities such as 7.4e-65 keep their precision.
std::string format_probability(double p) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.12g", p);
  return buffer;
}

// The choices of an explanation as ProbLog's mpe mode lists facts: a chosen head, or every
// head of a choice left at "none" negated. Probabilistic rules with the same head are
// separate choices: those name their clause (the location; empty for the others).
std::vector<std::pair<std::string, std::string>> explanation_facts(const symbolic::GroundProgram& ground,
                                                                   const symbolic::Explanation& e) {
  std::map<std::string, int> uses;
  for (const symbolic::RandomVariable& var : ground.variables) ++uses[var.value_names.front()];
  std::vector<std::pair<std::string, std::string>> facts;
  for (std::size_t v = 0; v < ground.variables.size(); ++v) {
    const symbolic::RandomVariable& var = ground.variables[v];
    const int value = e.values[v];
    const std::string where = uses[var.value_names.front()] > 1 ? var.location : "";
    if (value < var.domain_size() - 1 || var.value_names[value] != "none") {
      facts.emplace_back(var.value_names[value], where);
      continue;
    }
    for (int h = 0; h + 1 < var.domain_size(); ++h) facts.emplace_back("\\+" + var.value_names[h], where);
  }
  return facts;
}

void run_mpe(const QueryOptions& options, const ProgramInput& input) {
  const auto ground = symbolic::Program::load(input.path()).ground();
  const symbolic::Explanation e = symbolic::most_probable_explanation(ground, options.engine.max_nodes);
  const auto facts = explanation_facts(ground, e);
  if (options.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [fact, where] : facts) {
      nlohmann::json f{{"fact", fact}};
      if (!where.empty()) f["location"] = where;
      list.push_back(f);
    }
    std::cout << nlohmann::json{{"probability", e.probability}, {"facts", list}}.dump(2) << "\n";
    return;
  }
  std::cout << "% Probability: " << format_probability(e.probability) << "\n";
  for (const auto& [fact, where] : facts) std::cout << fact << (where.empty() ? "" : "  % " + where) << "\n";
}

void run_query(const QueryOptions& options, const ProgramInput& input) {
  symbolic::Program::set_grounding_seconds(options.engine.max_seconds);
  if (options.mpe) return run_mpe(options, input);
  const auto program = symbolic::Program::load(input.path());
  const auto results = symbolic::solve(
      program.ground(), {symbolic::parse_compiler(options.engine.compiler), options.engine.max_nodes});
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
  cmd->add_flag("--mpe", options->mpe,
                "The most probable world given the evidence instead (ProbLog's mpe mode): its "
                "probability and every random fact's value (by MDDs, whatever --compiler says)");
  add_engine_options(cmd, options->engine);
  cmd->callback([options] {
    with_program(options->file, [&](const ProgramInput& input) { run_query(*options, input); });
  });
}

}  // namespace gedilog::app
