// The most probable explanation (inference.h, `gedilog query --mpe`) against enumeration: on
// random programs with evidence and on Bayesian networks with observed nodes, the best world
// found by checking every assignment of the random variables against the decision-DNNF
// compiler's circuit of the evidence (the other compiler: the MPE runs on the MDDs).
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "bench/random_bayesian_network.h"
#include "core/error.h"
#include "random_programs.h"
#include "symbolic/inference.h"
#include "symbolic/program.h"
#include "temp_files.h"

namespace gedilog::symbolic {
namespace {

double world_probability(const GroundProgram& gp, const std::vector<int>& world) {
  double p = 1;
  for (std::size_t v = 0; v < world.size(); ++v) p *= gp.variables[v].probabilities[world[v]];
  return p;
}

// Whether the evidence holds in `world`: the evidence root of a compiled query, evaluated on
// one-hot weights.
bool evidence_holds(const Circuit& circuit, const GroundProgram& gp, const std::vector<int>& world) {
  std::vector<std::vector<double>> weights(gp.variables.size());
  for (std::size_t v = 0; v < world.size(); ++v) {
    weights[v].assign(gp.variables[v].domain_size(), 0.0);
    weights[v][world[v]] = 1.0;
  }
  return circuit.evaluate(weights).back() > 0.5;
}

// Checks the MPE of gp against every world; returns false when the program does not suit.
bool check_mpe(const GroundProgram& gp) {
  double space = 1;
  for (const RandomVariable& v : gp.variables) space *= v.domain_size();
  if (space > 1 << 12 || gp.evidence.empty() || gp.queries.empty()) return false;
  const auto compiled = compile_queries(gp, {CompilerKind::kDdnnf});
  const Circuit& circuit = compiled.front().circuit;  // roots {q and e, e}
  std::vector<int> world(gp.variables.size(), 0);
  double best = 0;
  for (;;) {
    if (evidence_holds(circuit, gp, world)) best = std::max(best, world_probability(gp, world));
    std::size_t v = 0;
    while (v < world.size() && ++world[v] == gp.variables[v].domain_size()) world[v++] = 0;
    if (v == world.size()) break;
  }
  if (best == 0) {
    CHECK_THROWS_AS(most_probable_explanation(gp), UserError);  // InconsistentEvidenceError
    return true;
  }
  const Explanation e = most_probable_explanation(gp);
  REQUIRE(e.values.size() == gp.variables.size());
  CHECK(e.probability == Approx(best).epsilon(1e-12));
  CHECK(world_probability(gp, e.values) == Approx(e.probability).epsilon(1e-12));
  CHECK(evidence_holds(circuit, gp, e.values));
  return true;
}

TEST_CASE("mpe: random programs with evidence against every world", "[mpe]") {
  using namespace random_programs;
  std::mt19937 rng(4242);
  Generator gen(rng);
  const testing::TempFiles dir("gedilog_mpe");
  int checked = 0;
  for (int i = 0; i < 200; ++i) {
    Model model = gen.generate(static_cast<Flavor>(i % 3));
    Oracle oracle(model);
    gen.add_evidence(model, oracle);
    const std::string text = model.text();
    INFO("program:\n" << text);
    GroundProgram gp;
    try {
      gp = Program::load(dir.write("p" + std::to_string(i) + ".pl", text)).ground();
    } catch (const UserError&) {
      continue;  // programs gedilog rejects are the oracle test's business
    }
    checked += check_mpe(gp);
  }
  CHECK(checked > 60);
}

TEST_CASE("mpe: Bayesian networks with observed nodes", "[mpe]") {
  const testing::TempFiles dir("gedilog_mpe_bn");
  int checked = 0;
  for (unsigned seed = 1; seed <= 30; ++seed) {
    const auto bn = bench::BayesianNetwork::random(4 + static_cast<int>(seed % 4), seed);
    const std::string text = bn.problog();
    INFO("seed " << seed << ":\n" << text);
    checked += check_mpe(Program::load(dir.write("bn" + std::to_string(seed) + ".pl", text)).ground());
  }
  CHECK(checked > 10);
}

// burglary, not earthquake, the alarm's rule for a burglary alone fires and John hears it:
// 0.3 * 0.8 * 0.8 * 0.6, times the unused rules at their likelier value (0.9 each).
TEST_CASE("mpe: the alarm network by hand", "[mpe]") {
  const testing::TempFiles dir("gedilog_mpe_alarm");
  const std::string file = dir.write("alarm.pl",
      "0.3::burglary. 0.2::earthquake.\n0.9::alarm :- burglary, earthquake.\n"
      "0.8::alarm :- burglary, \\+earthquake.\n0.1::alarm :- \\+burglary, earthquake.\n"
      "0.6::hears :- alarm.\nevidence(hears, true).\nquery(burglary).\n");
  const GroundProgram gp = Program::load(file).ground();
  const Explanation e = most_probable_explanation(gp);
  CHECK(e.probability == Approx(0.3 * 0.8 * 0.8 * 0.6 * 0.9 * 0.9).epsilon(1e-12));
  for (std::size_t v = 0; v < gp.variables.size(); ++v) {
    INFO(gp.variables[v].name << " = " << gp.variables[v].value_names[e.values[v]]);
    const bool is_true = gp.variables[v].value_names[e.values[v]] != "none";
    if (gp.variables[v].name.find("earthquake") == 0) CHECK(!is_true);
    if (gp.variables[v].name.find("burglary") == 0 || gp.variables[v].name.find("hears") == 0) CHECK(is_true);
  }
}

}  // namespace
}  // namespace gedilog::symbolic
