// The sampler (sampler.h, `gedilog sample`): every sampled world's query values against the
// MDD compiler's formulas evaluated in that world (an exact check of the least model, world by
// world), and estimates against the exact probabilities, evidence included.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "random_programs.h"
#include "symbolic/compiler.h"
#include "symbolic/inference.h"
#include "symbolic/program.h"
#include "symbolic/sampler.h"
#include "temp_files.h"

namespace gedilog::symbolic {
namespace {

TEST_CASE("sampler: each world's least model is the compiler's, and estimates are within 5 sd", "[sampler]") {
  using namespace random_programs;
  std::mt19937 program_rng(9090);
  Generator gen(program_rng);
  const testing::TempFiles dir("gedilog_sampler");
  int checked = 0, with_evidence = 0;
  for (int i = 0; i < 150; ++i) {
    Model model = gen.generate(static_cast<Flavor>(i % 3));
    Oracle oracle(model);
    if (i % 2) gen.add_evidence(model, oracle);
    const std::string text = model.text();
    INFO("program:\n" << text);
    GroundProgram gp;
    std::vector<QueryResult> exact;
    try {
      gp = Program::load(dir.write("p" + std::to_string(i) + ".pl", text)).ground();
      exact = solve(gp);
    } catch (const UserError&) {
      continue;  // rejected programs and inconsistent evidence: other tests' business
    }
    WorldSampler sampler(gp);
    sampler.set_max_rejections(20000);
    Compiler compiler(gp);
    std::mt19937_64 rng(i);
    const int n = 2000;
    std::vector<int> hits(gp.queries.size(), 0);
    bool sampled = true;
    for (int s = 0; s < n && sampled; ++s) {
      std::vector<char> answers;
      try {
        answers = sampler.sample(rng);
      } catch (const UserError&) {
        sampled = false;  // evidence too improbable for rejection
        break;
      }
      std::vector<int> assignment(gp.variables.size());
      for (std::size_t v = 0; v < gp.variables.size(); ++v)
        assignment[compiler.mdd_variable(static_cast<int>(v))] = sampler.values()[v];
      for (std::size_t q = 0; q < gp.queries.size(); ++q) {
        const bool expected = compiler.mdd().evaluate(compiler.query(gp.queries[q]), assignment);
        REQUIRE(static_cast<bool>(answers[q]) == expected);
        hits[q] += answers[q];
      }
    }
    if (!sampled) continue;
    for (std::size_t q = 0; q < gp.queries.size(); ++q) {
      INFO("query " << exact[q].query);
      const double p = exact[q].probability, sd = std::sqrt(std::max(0.0, p * (1 - p)) / n);
      CHECK(std::abs(hits[q] / double(n) - p) <= 5 * sd + 1e-12);
    }
    ++checked;
    with_evidence += !gp.evidence.empty();
  }
  CHECK(checked > 60);
  CHECK(with_evidence > 20);
}

TEST_CASE("sampler: reachability through the cycles of a bidirectional grid", "[sampler]") {
  const testing::TempFiles dir("gedilog_sampler_grid");
  // p(n00, n22) on a 3 x 3 grid both ways; the exact answer from the compiler.
  std::string text;
  auto node = [](int r, int c) { return "n" + std::to_string(r) + std::to_string(c); };
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) {
      if (c + 1 < 3) text += "0.5::e(" + node(r, c) + "," + node(r, c + 1) + "). 0.5::e(" + node(r, c + 1) + "," + node(r, c) + ").\n";
      if (r + 1 < 3) text += "0.5::e(" + node(r, c) + "," + node(r + 1, c) + "). 0.5::e(" + node(r + 1, c) + "," + node(r, c) + ").\n";
    }
  text += "p(X,Y) :- e(X,Y).\np(X,Y) :- e(X,Z), p(Z,Y).\nquery(p(n00,n22)).\n";
  const GroundProgram gp = Program::load(dir.write("grid.pl", text)).ground();
  const double p = solve(gp).at(0).probability;
  WorldSampler sampler(gp);
  std::mt19937_64 rng(5);
  const int n = 20000;
  int hits = 0;
  for (int s = 0; s < n; ++s) hits += sampler.sample(rng).at(0);
  CHECK(std::abs(hits / double(n) - p) <= 5 * std::sqrt(p * (1 - p) / n));
}

TEST_CASE("sampler: refusals", "[sampler]") {
  const testing::TempFiles dir("gedilog_sampler_errors");
  auto error_kind = [&](const std::string& name, const std::string& text) -> std::string {
    try {
      const GroundProgram gp = Program::load(dir.write(name, text)).ground();
      WorldSampler sampler(gp);
      sampler.set_max_rejections(1000);
      std::mt19937_64 rng(1);
      sampler.sample(rng);
    } catch (const UserError& e) {
      return e.kind();
    }
    return "";
  };
  CHECK(error_kind("impossible.pl", "0.5::a.\nevidence(a).\nevidence(\\+a).\nquery(a).\n") ==
        "InconsistentEvidenceError");
  CHECK(error_kind("noproof.pl", "0.5::a.\nb :- fail.\nevidence(b).\nquery(a).\n") == "InconsistentEvidenceError");
  CHECK(error_kind("learnable.pl", "t(0.3)::a.\nquery(a).\n") == "ArithmeticError");
}

}  // namespace
}  // namespace gedilog::symbolic
