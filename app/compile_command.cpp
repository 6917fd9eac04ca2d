// gedilog compile FILE [--stats] [--json] [--dot FILE]: compile every query of a program into
// an arithmetic circuit and report its size and the time it took.
#include <CLI/CLI.hpp>
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "app/engine_options.h"
#include "core/error.h"
#include "symbolic/inference.h"
#include "symbolic/program.h"

namespace gedilog::app {

namespace {

struct CompileOptions {
  std::string file;
  bool stats = false;
  bool json = false;
  std::string dot;
  EngineOptions engine;
};

void write_dot(const std::string& path, const symbolic::GroundProgram& ground,
               const std::vector<symbolic::CompiledQuery>& compiled) {
  std::ofstream out(path);
  if (!out) throw UserError("FileNotWritable", path, "cannot write the circuit");
  // One digraph per query, in one file (Graphviz renders each: dot -Tpdf -O FILE).
  for (const auto& c : compiled) {
    std::vector<std::string> labels{c.query.text};
    if (c.circuit.roots().size() > 1) {
      labels[0] += " ∧ evidence";
      labels.push_back("evidence");
    }
    c.circuit.write_dot(out, ground, labels);
  }
  if (!out) throw UserError("FileNotWritable", path, "cannot write the circuit");
}

void compile_program(const CompileOptions& options, const ProgramInput& input) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  symbolic::Program::set_grounding_seconds(options.engine.max_seconds);
  const auto program = symbolic::Program::load(input.path());
  const auto ground = program.ground();
  const double ground_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  symbolic::CompilerChoice choice;
  const auto compiled = symbolic::compile_queries(
      ground, {symbolic::parse_compiler(options.engine.compiler), options.engine.max_nodes}, &choice);
  if (!options.dot.empty()) write_dot(options.dot, ground, compiled);

  if (options.json) {
    nlohmann::json queries = nlohmann::json::array();
    for (const auto& c : compiled)
      queries.push_back({{"query", c.query.text},
                         {"nodes", c.circuit.num_nodes()},
                         {"edges", c.circuit.num_edges()},
                         {"compiler_nodes", c.compiler_nodes},
                         {"compile_seconds", c.compile_seconds}});
    std::cout << nlohmann::json{{"queries", queries},
                                {"compiler", symbolic::compiler_name(choice.kind)},
                                {"compiler_reason", choice.reason},
                                {"ground_seconds", ground_seconds},
                                {"atoms", ground.atoms.size()},
                                {"rules", ground.rules.size()},
                                {"variables", ground.variables.size()}}
                     .dump(2)
              << "\n";
    return;
  }
  if (!options.stats) {
    std::cout << "compiled " << compiled.size() << " queries of " << input.name() << "\n";
    return;
  }
  std::cout << "ground program: " << ground.atoms.size() << " atoms, " << ground.rules.size()
            << " rules, " << ground.variables.size() << " random variables (" << std::fixed
            << std::setprecision(4) << ground_seconds << " s)\n"
            << "compiler: " << symbolic::compiler_name(choice.kind) << " (" << choice.reason << ")\n";
  for (const auto& c : compiled)
    std::cout << c.query.text << ": " << c.circuit.num_nodes() << " nodes, "
              << c.circuit.num_edges() << " edges, " << c.compiler_nodes
              << (c.compiler == symbolic::CompilerKind::kMdd ? " MDD" : " decision-DNNF") << " nodes, "
              << c.compile_seconds << " s\n";
}

}  // namespace

void setup_compile(CLI::App& app) {
  auto options = std::make_shared<CompileOptions>();
  CLI::App* cmd = app.add_subcommand("compile", "Compile each query into an arithmetic circuit");
  add_program_argument(cmd, options->file);
  cmd->add_flag("--stats", options->stats, "Print circuit sizes and compile times per query");
  cmd->add_flag("--json", options->json, "Print the statistics as JSON");
  cmd->add_option("--dot", options->dot, "Write the circuits for Graphviz to this file");
  add_engine_options(cmd, options->engine);
  cmd->callback([options] {
    with_program(options->file, [&](const ProgramInput& input) { compile_program(*options, input); });
  });
}

}  // namespace gedilog::app
