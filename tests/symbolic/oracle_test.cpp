// Property tests: exact inference on many random small ProbLog programs must agree, to 1e-9,
// with brute-force possible-world enumeration (random_programs.h: the generator and oracle).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "symbolic/inference.h"
#include "symbolic/program.h"
#include "random_programs.h"
#include "temp_files.h"

namespace gedilog::symbolic {
namespace {

using namespace random_programs;

// ---- running gedilog against the oracle ------------------------------------------------------

// Compares gedilog (with one knowledge compiler) with the oracle on one program; returns "" or
// a description of the mismatch.
std::string compare(const std::string& file, const Expected& ex, CompilerKind compiler) {
  std::ostringstream out;
  out << compiler_name(compiler) << ": ";
  const auto prefix = out.tellp();
  try {
    const auto program = Program::load(file);
    const auto results = solve(program.ground(), {compiler});
    if (ex.inconsistent) return "expected InconsistentEvidenceError, got results";
    // Every answer must match the oracle; an answer only one side lists must have probability
    // 0 there (which impossible answers are listed is the grounder's choice: ProbLog drops
    // answers whose proofs are false deterministically, the oracle keeps every structural one).
    std::multiset<std::string> got, want;
    for (const QueryResult& r : results) {
      auto it = ex.value.find(r.query);
      const double expected = it == ex.value.end() ? 0.0 : it->second;
      if (!(std::abs(r.probability - expected) <= kTolerance)) {
        char buf[200];
        std::snprintf(buf, sizeof buf, "%s: gedilog %.15g, oracle %.15g%s\n", r.query.c_str(),
                      r.probability, expected, it == ex.value.end() ? " (not an oracle answer)" : "");
        out << buf;
      }
      if (r.probability > kTolerance) got.insert(r.query);
    }
    for (const std::string& t : ex.texts)
      if (ex.value.at(t) > kTolerance) want.insert(t);
    if (got != want) {
      out << "possible answers differ: gedilog {";
      for (const auto& g : got) out << g << " ";
      out << "} oracle {";
      for (const auto& w : want) out << w << " ";
      out << "}\n";
    }
  } catch (const UserError& e) {
    if (ex.inconsistent && e.kind() == "InconsistentEvidenceError" &&
        e.location().rfind(file, 0) == 0)
      return "";
    out << "UserError " << e.kind() << " at " << e.location() << ": " << e.what() << "\n";
  } catch (const std::exception& e) {
    out << "exception: " << e.what() << "\n";
  }
  return out.tellp() == prefix ? "" : out.str();
}

struct BatchStats {
  int programs = 0, rejected = 0, with_evidence = 0, inconsistent = 0, non_ground_queries = 0;
  double worlds = 0;
};

// Generates and checks `count` programs; evidence_rate: the share of programs with evidence.
BatchStats run_batch(unsigned seed, int count, const std::vector<Flavor>& flavors,
                     double evidence_rate) {
  // GEDILOG_ORACLE_SCALE=N runs N times as many programs (a longer search for rare bugs);
  // GEDILOG_ORACLE_SEED=S shifts every seed.
  if (const char* scale = std::getenv("GEDILOG_ORACLE_SCALE")) count *= std::max(1, std::atoi(scale));
  if (const char* shift = std::getenv("GEDILOG_ORACLE_SEED")) seed += static_cast<unsigned>(std::atoi(shift));
  std::mt19937 rng(seed);
  Generator gen(rng);
  const gedilog::testing::TempFiles dir("gedilog_oracle");
  BatchStats stats;
  for (int i = 0; i < count; ++i) {
    const Flavor flavor = flavors[i % flavors.size()];
    Model model;
    Expected ex;
    for (int attempt = 0;; ++attempt) {
      REQUIRE(attempt < 1000);
      model = gen.generate(flavor);
      Oracle oracle(model);
      if (std::bernoulli_distribution(evidence_rate)(rng))
        while (model.evidence.empty()) gen.add_evidence(model, oracle);
      ex = Oracle(model).solve(kMaxWorlds);
      if (ex.worlds <= kMaxWorlds) break;
      ++stats.rejected;
    }
    const std::string text = model.text();
    const std::string file =
        dir.write("s" + std::to_string(seed) + "_" + std::to_string(i) + ".pl", text);
    INFO("program #" << i << " (seed " << seed << "), " << ex.worlds << " worlds, file " << file
                     << ":\n"
                     << text);
    // GEDILOG_ORACLE_DUMP=DIR keeps a copy of every program with the oracle's answers.
    if (const char* dump = std::getenv("GEDILOG_ORACLE_DUMP")) {
      std::ofstream out(std::string(dump) + "/s" + std::to_string(seed) + "_" +
                        std::to_string(i) + ".pl");
      out << text << "% oracle (" << ex.worlds << " worlds):"
          << (ex.inconsistent ? " InconsistentEvidenceError" : "") << "\n";
      for (const std::string& t : ex.texts) out << "%   " << t << ": " << ex.value[t] << "\n";
    }
    for (CompilerKind compiler : {CompilerKind::kMdd, CompilerKind::kDdnnf}) {
      const std::string mismatch = compare(file, ex, compiler);
      CHECK(mismatch == "");
    }
    ++stats.programs;
    stats.worlds += ex.worlds;
    if (!model.evidence.empty()) ++stats.with_evidence;
    if (ex.inconsistent) ++stats.inconsistent;
    for (const QuerySpec& q : model.queries) stats.non_ground_queries += !q.atom.ground();
  }
  return stats;
}

void report(const BatchStats& s) {
   INFO("programs " << s.programs << " (" << s.rejected << " rejected), with evidence " << s.with_evidence << ", inconsistent "
                   << s.inconsistent << ", non-ground queries " << s.non_ground_queries
                   << ", mean worlds " << s.worlds / std::max(1, s.programs));
  CHECK(s.programs > 0);
}

TEST_CASE("oracle: propositional programs with ADs, negation and cycles", "[oracle]") {
  const BatchStats s = run_batch(1001, 400, {Flavor::kPropositional}, 0.25);
  report(s);
}

TEST_CASE("oracle: relational programs with AD rules over shared variables", "[oracle]") {
  const BatchStats s = run_batch(2002, 400, {Flavor::kRelational}, 0.25);
  report(s);
  CHECK(s.non_ground_queries > 0);
}

TEST_CASE("oracle: reachability over random cyclic graphs", "[oracle]") {
  const BatchStats s = run_batch(3003, 250, {Flavor::kGraph}, 0.25);
  report(s);
  CHECK(s.non_ground_queries > 0);
}

TEST_CASE("oracle: conditioning on evidence", "[oracle]") {
  const BatchStats s = run_batch(
      4004, 250, {Flavor::kPropositional, Flavor::kRelational, Flavor::kGraph}, 1.0);
  report(s);
  CHECK(s.with_evidence == s.programs);
  CHECK(s.inconsistent > 0);
}

// The oracle itself, on a program small enough to check by hand: P(a) = 1 - 0.5 * 0.8 = 0.6
// (a :- f1. a :- f2.), P(s) = 0.6 * P(\+ a) = 0.24, and with evidence(f1, false): P(a) = 0.2.
TEST_CASE("oracle: enumerator agrees with hand computation", "[oracle]") {
  Model m;
  m.flavor = "hand";
  m.stratum = {{"f1", 0}, {"f2", 0}, {"a", 1}, {"s", 2}};
  m.clauses = {Clause{{{0.5, "0.5"}}, {Atom{"f1", {}}}, {}},
               Clause{{{0.2, "0.2"}}, {Atom{"f2", {}}}, {}},
               Clause{{}, {Atom{"a", {}}}, {{BodyLit::Kind::kPos, Atom{"f1", {}}}}},
               Clause{{}, {Atom{"a", {}}}, {{BodyLit::Kind::kPos, Atom{"f2", {}}}}},
               Clause{{{0.6, "0.6"}}, {Atom{"s", {}}}, {{BodyLit::Kind::kNeg, Atom{"a", {}}}}}};
  m.queries = {{Atom{"a", {}}}, {Atom{"s", {}}}};
  Expected ex = Oracle(m).solve(kMaxWorlds);
  CHECK(ex.worlds == 8);
  CHECK(ex.value["a"] == Approx(0.6).margin(1e-12));
  CHECK(ex.value["s"] == Approx(0.24).margin(1e-12));
  m.evidence = {{Atom{"f1", {}}, false, 1}};
  ex = Oracle(m).solve(kMaxWorlds);
  CHECK(ex.value["a"] == Approx(0.2).margin(1e-12));
  CHECK(ex.value["s"] == Approx(0.48).margin(1e-12));

  const gedilog::testing::TempFiles dir("gedilog_oracle");
  const std::string file = dir.write("hand.pl", m.text());
  CHECK(compare(file, ex, CompilerKind::kMdd) == "");
  CHECK(compare(file, ex, CompilerKind::kDdnnf) == "");
}

}  // namespace
}  // namespace gedilog::symbolic
