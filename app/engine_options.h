#pragma once
// The options of the exact engine that `query` and `compile` share.
#include <CLI/CLI.hpp>

#include <cstddef>
#include <string>

#include "symbolic/mdd.h"
#include "symbolic/program.h"

namespace gedilog::app {

struct EngineOptions {
  std::size_t max_nodes = symbolic::Mdd::kDefaultNodeLimit;
  std::string compiler = "auto";
  double max_seconds = symbolic::Program::kDefaultGroundingSeconds;
};

inline void add_engine_options(CLI::App* cmd, EngineOptions& o) {
  cmd->add_option("--max-nodes", o.max_nodes, "Largest decision diagram or DNNF allowed")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40))  // -1 must not wrap to "no limit"
      ->capture_default_str();
  cmd->add_option("--compiler", o.compiler, "Knowledge compiler: mdd (fixed order), ddnnf (decomposition), auto")
      ->check(CLI::IsMember({"auto", "mdd", "ddnnf"}))
      ->capture_default_str();
  cmd->add_option("--max-seconds", o.max_seconds, "Longest a grounding may take (0: no limit)")
      ->check(CLI::Range(0, 86400))  // a day
      ->capture_default_str();
}

}  // namespace gedilog::app
