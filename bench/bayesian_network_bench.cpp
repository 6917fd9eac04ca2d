// Random Bayesian networks (bench/random_bayesian_network.h: 2-3 values a node, up to 3
// parents among earlier nodes, CPT rows as annotated disjunctions, 2 observed nodes, every
// value of 2 nodes queried), answered exactly by each knowledge compiler. Prints a Markdown
// table per size: median and worst time over the seeds (load + ground + compile + evaluate),
// circuit nodes, and how many networks each compiler answered within its node limit.
//
//   build/bench/bayesian_network_bench --nodes 10,20,30,40,60 --seeds 5
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "bench/random_bayesian_network.h"
#include "core/error.h"
#include "symbolic/inference.h"
#include "symbolic/program.h"

using namespace gedilog::symbolic;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  CLI::App app{"Exact inference on random Bayesian networks, per knowledge compiler"};
  std::vector<int> sizes{10, 20, 30, 40, 60};
  int seeds = 5;
  std::size_t mdd_limit = std::size_t{1} << 22;
  std::vector<std::string> compilers{"ddnnf", "mdd", "auto"};
  app.add_option("--nodes", sizes, "Network sizes")->delimiter(',');
  app.add_option("--seeds", seeds, "Networks per size (seeds 1 .. N)");
  app.add_option("--mdd-limit", mdd_limit, "Node limit of the MDD compiler (ResourceError past it)");
  app.add_option("--compilers", compilers, "Compilers to run")->delimiter(',');
  CLI11_PARSE(app, argc, argv);

  const auto dir = std::filesystem::temp_directory_path() / "gedilog_bn_bench";
  std::filesystem::create_directories(dir);
  std::cout << "| nodes | compiler | answered | median s | worst s | median circuit nodes |\n"
            << "|---:|---|---:|---:|---:|---:|\n";
  for (int n : sizes) {
    for (const std::string& name : compilers) {
      std::vector<double> seconds;
      std::vector<std::size_t> nodes;
      int answered = 0;
      for (int seed = 1; seed <= seeds; ++seed) {
        const auto bn = gedilog::bench::BayesianNetwork::random(n, static_cast<unsigned>(seed));
        const auto path = (dir / ("bn" + std::to_string(n) + "_" + std::to_string(seed) + ".pl")).string();
        std::ofstream(path) << bn.problog();
        const auto start = Clock::now();
        try {
          const GroundProgram gp = Program::load(path).ground();
          const CompilerKind kind = parse_compiler(name);
          const auto compiled = compile_queries(gp, {kind, kind == CompilerKind::kMdd ? mdd_limit : Mdd::kDefaultNodeLimit});
          const auto weights = fixed_weights(gp);
          std::size_t total = 0;
          for (const auto& c : compiled) probability(c, gp, weights), total += c.circuit.num_nodes();
          ++answered;
          nodes.push_back(total);
        } catch (const gedilog::UserError& e) {
          if (e.kind() != "ResourceError") throw;
        }
        seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
      }
      std::sort(seconds.begin(), seconds.end());
      std::sort(nodes.begin(), nodes.end());
      char line[256];
      std::snprintf(line, sizeof line, "| %d | %s | %d / %d | %.3f | %.3f | %s |\n", n, name.c_str(),
                    answered, seeds, seconds[seconds.size() / 2], seconds.back(),
                    nodes.empty() ? "-" : std::to_string(nodes[nodes.size() / 2]).c_str());
      std::cout << line << std::flush;
    }
  }
}
