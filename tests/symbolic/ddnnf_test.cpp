// The decomposing compiler (ddnnf_compiler.h): its circuits checked node by node on every
// possible world of small programs (smooth, decomposable, and deterministic in the semantic
// sense: in every world at most one child of a sum holds), its answers on random Bayesian
// networks against enumeration of the joint distribution, and against the MDD compiler.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "bench/random_bayesian_network.h"
#include "random_programs.h"
#include "core/error.h"
#include "symbolic/ddnnf_compiler.h"
#include "symbolic/inference.h"
#include "symbolic/program.h"
#include "circuit_testing.h"
#include "temp_files.h"

namespace gedilog::symbolic {
namespace {

using Kind = CircuitNode::Kind;

using testing::children;

// Checks smoothness and decomposability on scopes, and determinism on every world (an
// assignment of every program variable); returns the number of worlds checked.
double check_every_world(const Circuit& c, const GroundProgram& gp) {
  const std::size_t n = c.num_nodes();
  std::vector<std::set<int>> scope(n);
  for (std::size_t id = 0; id < n; ++id) {
    const CircuitNode& node = c.graph()[id];
    const std::vector<int> kids = children(c, id);
    if (node.kind == Kind::kLeaf) scope[id] = {node.variable};
    std::size_t total = 0;
    for (int k : kids) {
      REQUIRE(static_cast<std::size_t>(k) < id);
      scope[id].insert(scope[k].begin(), scope[k].end());
      total += scope[k].size();
    }
    if (node.kind == Kind::kProduct) CHECK(total == scope[id].size());  // decomposable
    if (node.kind == Kind::kSum)
      for (int k : kids) CHECK(scope[k] == scope[id]);  // smooth
  }
  std::vector<std::vector<int>> kids_of(n);
  for (std::size_t id = 0; id < n; ++id) kids_of[id] = children(c, id);
  std::vector<int> world(gp.variables.size(), 0);
  double worlds = 0;
  std::size_t non_exclusive = 0;  // (world, sum node) pairs with two children true
  std::vector<char> holds(n);
  for (;;) {
    ++worlds;
    for (std::size_t id = 0; id < n; ++id) {
      const CircuitNode& node = c.graph()[id];
      const std::vector<int>& kids = kids_of[id];
      int true_kids = 0;
      for (int k : kids) true_kids += holds[k];
      switch (node.kind) {
        case Kind::kLeaf: holds[id] = world[node.variable] == node.value; break;
        case Kind::kTrue: holds[id] = 1; break;
        case Kind::kFalse: holds[id] = 0; break;
        case Kind::kProduct: holds[id] = true_kids == static_cast<int>(kids.size()); break;
        case Kind::kSum:
          non_exclusive += true_kids > 1;  // not deterministic
          holds[id] = true_kids > 0;
          break;
      }
    }
    std::size_t v = 0;
    while (v < world.size() && ++world[v] == gp.variables[v].domain_size()) world[v++] = 0;
    if (v == world.size()) break;
  }
  CHECK(non_exclusive == 0);
  return worlds;
}

}  // namespace

TEST_CASE("ddnnf: circuits of random programs are deterministic in every world", "[ddnnf]") {
  using namespace random_programs;
  std::mt19937 rng(777);
  Generator gen(rng);
  const testing::TempFiles dir("gedilog_ddnnf");
  int checked = 0;
  for (int i = 0; i < 150; ++i) {
    const Flavor flavor = static_cast<Flavor>(i % 3);
    Model model = gen.generate(flavor);
    Oracle oracle(model);
    if (i % 2) gen.add_evidence(model, oracle);
    const Expected ex = Oracle(model).solve(kMaxWorlds);
    if (ex.worlds > kMaxWorlds || ex.inconsistent) continue;
    const std::string text = model.text();
    const std::string file = dir.write("p" + std::to_string(i) + ".pl", text);
    INFO("program:\n" << text);
    GroundProgram gp;
    try {
      gp = Program::load(file).ground();
    } catch (const UserError&) {
      continue;  // programs gedilog rejects are the oracle test's business
    }
    double space = 1;
    for (const RandomVariable& v : gp.variables) space *= v.domain_size();
    if (space > 4096) continue;
    for (const CompiledQuery& c : compile_queries(gp, {CompilerKind::kDdnnf})) {
      INFO("query " << c.query.text);
      check_every_world(c.circuit, gp);
    }
    ++checked;
  }
  CHECK(checked > 60);
}

TEST_CASE("ddnnf: random Bayesian networks against the joint distribution", "[ddnnf]") {
  const testing::TempFiles dir("gedilog_ddnnf_bn");
  for (unsigned seed = 1; seed <= 40; ++seed) {
    const int nodes = 4 + static_cast<int>(seed % 6);  // 4 .. 9 nodes
    const auto bn = bench::BayesianNetwork::random(nodes, seed);
    const std::string text = bn.problog();
    const std::string file = dir.write("bn" + std::to_string(seed) + ".pl", text);
    INFO("seed " << seed << ":\n" << text);
    const GroundProgram gp = Program::load(file).ground();
    const auto expected = bn.exact();
    for (CompilerKind compiler : {CompilerKind::kDdnnf, CompilerKind::kMdd}) {
      // The fixed-order MDDs blow up past a few nodes (9 nodes: > 2^25 MDD nodes).
      if (compiler == CompilerKind::kMdd && nodes > 6) continue;
      INFO("compiler " << compiler_name(compiler));
      const auto results = solve(gp, {compiler});
      REQUIRE(results.size() == expected.size());
      for (std::size_t i = 0; i < results.size(); ++i) {
        CHECK(results[i].query == expected[i].first);
        CHECK(std::abs(results[i].probability - expected[i].second) < 1e-9);
      }
    }
    double space = 1;
    for (const RandomVariable& v : gp.variables) space *= v.domain_size();
    if (space <= 1 << 14) {  // small enough to check every world
      for (const CompiledQuery& c : compile_queries(gp, {CompilerKind::kDdnnf}))
        check_every_world(c.circuit, gp);
    }
  }
}

TEST_CASE("ddnnf: cycles are unrolled to the least model", "[ddnnf]") {
  const testing::TempFiles dir("gedilog_ddnnf_cycles");
  // A 3x3 grid with edges both ways: reachability through cycles of every length.
  std::string text = testing::bidirectional_grid_edges(3);
  text += "p(X,Y) :- e(X,Y).\np(X,Y) :- e(X,Z), p(Z,Y).\nquery(p(n00,n22)). query(p(n22,n00)). query(p(n11,n11)).\n";
  const GroundProgram gp = Program::load(dir.write("grid.pl", text)).ground();
  const auto mdd = solve(gp, {CompilerKind::kMdd});
  const auto ddnnf = solve(gp, {CompilerKind::kDdnnf});
  REQUIRE(mdd.size() == ddnnf.size());
  for (std::size_t i = 0; i < mdd.size(); ++i) {
    INFO(mdd[i].query);
    CHECK(ddnnf[i].probability == Approx(mdd[i].probability).margin(1e-12));
  }
}

TEST_CASE("ddnnf: the node limit is a ResourceError", "[ddnnf]") {
  const testing::TempFiles dir("gedilog_ddnnf_limit");
  const auto bn = bench::BayesianNetwork::random(12, 5);
  const GroundProgram gp = Program::load(dir.write("bn.pl", bn.problog())).ground();
  try {
    compile_queries(gp, {CompilerKind::kDdnnf, 20});
    FAIL("no ResourceError");
  } catch (const UserError& e) {
    CHECK(e.kind() == "ResourceError");
  }
}

TEST_CASE("auto: MDDs chosen by width that pass their budget give way to decision-DNNF", "[ddnnf]") {
  const testing::TempFiles dir("gedilog_auto_budget");
  // The 30-node network of seed 4 (bench/bayesian_network_bench): 22.2 bits for the fixed order
  // against 23.6 for the elimination order, yet 1.3 M MDD nodes (49 s) against 3 438 nodes
  // decomposed (0.16 s).
  const auto bn = bench::BayesianNetwork::random(30, 4);
  const GroundProgram gp = Program::load(dir.write("bn.pl", bn.problog())).ground();
  CompilerChoice choice;
  const auto automatic = compile_queries(gp, {CompilerKind::kAuto}, &choice);
  INFO(choice.reason);
  CHECK(choice.kind == CompilerKind::kDdnnf);
  CHECK_THAT(choice.reason, Catch::Contains("fixed order width") && Catch::Contains("the MDDs passed 262144 nodes"));
  const auto weights = fixed_weights(gp);
  const auto decomposed = compile_queries(gp, {CompilerKind::kDdnnf});
  REQUIRE(automatic.size() == decomposed.size());
  for (std::size_t i = 0; i < automatic.size(); ++i) {
    CHECK(automatic[i].compiler == CompilerKind::kDdnnf);
    CHECK(probability(automatic[i], gp, weights) == Approx(probability(decomposed[i], gp, weights)).margin(1e-12));
  }
}

TEST_CASE("ddnnf: a search that thrashes in one order goes on in the other", "[ddnnf]") {
  const testing::TempFiles dir("gedilog_ddnnf_thrashing");
  // A walk on the line 0..14 (uniform start drawn by select_uniform, up with probability S/14),
  // each state emitting 1 with probability S/14. Deciding the hidden states' atoms opens
  // branches that propagation does not see are empty: about 130 000 decisions for 680 nodes,
  // against a few thousand deciding the random variables.
  const std::string text =
      ":- use_module(library(lists)).\n"
      "start(S) :- findall(X, between(0, 14, X), L), select_uniform(init, L, S, _).\n"
      "P1::emit(T, S, 1); P0::emit(T, S, 0) :- P1 is S / 14, P0 is 1 - P1.\n"
      "Down::step(T, S, L); Up::step(T, S, R) :- between(1, 13, S), L is S - 1, R is S + 1,\n"
      "    Up is S / 14, Down is 1 - Up.\n"
      "step(_, 0, 0).\nstep(_, 14, 14).\n"
      "state(0, S) :- start(S).\n"
      "state(T, S) :- T > 0, T0 is T - 1, state(T0, S0), step(T0, S0, S).\n"
      "observe(T, O) :- state(T, S), emit(T, S, O).\n"
      "query(observe(1, 0)).\n";
  const GroundProgram gp = Program::load(dir.write("line.pl", text)).ground();
  DdnnfCompiler compiler(gp);
  REQUIRE(compiler.decides_atoms());  // the narrower order is the one that thrashes
  compiler.compile({{gp.queries.at(0).atom, true}});
  CHECK(compiler.decisions() < 40000);
  // Mirroring the line (S -> 14 - S) swaps the emissions: P(observe(1, 0)) = 1/2.
  CHECK(solve(gp, {CompilerKind::kDdnnf}).at(0).probability == Approx(0.5).margin(1e-12));
}

}  // namespace gedilog::symbolic
