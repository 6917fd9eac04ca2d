// gedilog sample FILE|- [-N K] [--seed S] [--estimate] [--json]: ProbLog's sampling mode.
// Without --estimate, K sampled worlds, each as its queries' values; with it, each query's
// frequency over K worlds and its 95% interval.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>

#include "app/commands.h"
#include "app/engine_options.h"
#include "core/intervals.h"
#include "symbolic/program.h"
#include "symbolic/sampler.h"

namespace gedilog::app {

namespace {

struct SampleOptions {
  std::string file;
  std::uint64_t samples = 1;
  std::uint64_t seed = 0;
  bool estimate = false;
  bool json = false;
  double max_seconds = symbolic::Program::kDefaultGroundingSeconds;
};

void sample_program(const SampleOptions& options, const ProgramInput& input) {
  symbolic::Program::set_grounding_seconds(options.max_seconds);
  const auto ground = symbolic::Program::load(input.path()).ground();
  symbolic::WorldSampler sampler(ground);
  std::mt19937_64 rng(options.seed);
  const std::size_t n_queries = ground.queries.size();
  if (n_queries == 0) std::cerr << input.name() << ": no query/1 in the program: nothing to sample\n";

  if (!options.estimate) {
    nlohmann::json worlds = nlohmann::json::array();
    for (std::uint64_t s = 0; s < options.samples; ++s) {
      const std::vector<char> answers = sampler.sample(rng);
      nlohmann::json world = nlohmann::json::object();
      for (std::size_t q = 0; q < n_queries; ++q) {
        if (options.json)
          world[ground.queries[q].text] = answers[q] != 0;
        else
          std::cout << ground.queries[q].text << ": " << (answers[q] ? "true" : "false") << "\n";
      }
      if (options.json) worlds.push_back(world);
      else std::cout << "----\n";
    }
    if (options.json) std::cout << nlohmann::json{{"samples", worlds}}.dump(2) << "\n";
    return;
  }

  std::vector<std::uint64_t> hits(n_queries, 0);
  for (std::uint64_t s = 0; s < options.samples; ++s) {
    const std::vector<char> answers = sampler.sample(rng);
    for (std::size_t q = 0; q < n_queries; ++q) hits[q] += answers[q];
  }
  const double n = static_cast<double>(options.samples);
  nlohmann::json estimates = nlohmann::json::array();
  for (std::size_t q = 0; q < n_queries; ++q) {
    const double p = hits[q] / n;
    const stats::Interval ci =
        stats::wilson_interval(static_cast<std::int64_t>(hits[q]), static_cast<std::int64_t>(options.samples));
    if (options.json) {
      estimates.push_back({{"query", ground.queries[q].text}, {"probability", p}, {"interval95", {ci.low, ci.high}}});
      continue;
    }
    char line[160];
    std::snprintf(line, sizeof line, "%.6g  (95%%: %.6g .. %.6g)", p, ci.low, ci.high);
    std::cout << ground.queries[q].text << ": " << line << "\n";
  }
  if (options.json) {
    std::cout << nlohmann::json{{"queries", estimates}, {"samples", options.samples},
                                {"rejected", sampler.rejected()}}
                     .dump(2)
              << "\n";
    return;
  }
  std::cout << "% " << options.samples << " worlds";
  if (!ground.evidence.empty()) std::cout << ", " << sampler.rejected() << " rejected by the evidence";
  std::cout << "\n";
}

}  // namespace

void setup_sample(CLI::App& app) {
  auto options = std::make_shared<SampleOptions>();
  CLI::App* cmd = app.add_subcommand(
      "sample", "Sample worlds of a ProbLog program and its queries' values, or estimate them (ProbLog's sample mode)");
  add_program_argument(cmd, options->file);
  cmd->add_option("-N,--samples", options->samples, "Worlds to sample")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40))
      ->capture_default_str();
  cmd->add_option("--seed", options->seed, "Random seed (the same seed, the same worlds)")->capture_default_str();
  cmd->add_flag("--estimate", options->estimate,
                "Print each query's frequency over the worlds with its 95% (Wilson) interval");
  cmd->add_flag("--json", options->json, "Machine-readable output");
  add_grounding_option(cmd, options->max_seconds);
  cmd->callback([options] {
    with_program(options->file, [&](const ProgramInput& input) { sample_program(*options, input); });
  });
}

}  // namespace gedilog::app
