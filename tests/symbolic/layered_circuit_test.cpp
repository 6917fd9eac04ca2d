// Layering: a layered circuit must compute what its circuit computes, have the shape the tensor
// evaluator relies on (every edge between adjacent layers or from an input, sums before
// products, runs sorted by fan-in, nothing unused), and share what merged circuits have in
// common.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <set>

#include "symbolic/inference.h"
#include "symbolic/layered_circuit.h"
#include "symbolic/program.h"
#include "random_programs.h"
#include "temp_files.h"

namespace gedilog::symbolic {
namespace {

// The invariants the tensor evaluator needs; returns "" or the first broken one.
std::string shape_error(const LayeredCircuit& c) {
  std::int64_t previous = c.num_inputs();
  std::vector<bool> used_input(c.num_inputs(), false), used;
  for (std::size_t l = 0; l < c.layers.size(); ++l) {
    const LayeredCircuit::Layer& layer = c.layers[l];
    const std::string at = "layer " + std::to_string(l + 1) + ": ";
    if (layer.size() == 0) return at + "empty";
    if (layer.num_sums < 0 || layer.num_sums > layer.size()) return at + "bad num_sums";
    for (std::int64_t i = 0; i < layer.size(); ++i) {
      if (layer.fan_in(i) < 1) return at + "node without children";
      if (i > 0 && i != layer.num_sums && layer.fan_in(i) < layer.fan_in(i - 1))
        return at + "fan-in not sorted within a kind";
      if (i >= layer.num_sums && layer.fan_in(i) < 2) return at + "a product of one child";
    }
    // Children: the previous layer, or (above layer 1) the inputs after it.
    used.assign(l == 0 ? 0 : previous, false);
    const std::int64_t limit = l == 0 ? previous : previous + c.num_inputs();
    for (std::int64_t child : layer.children) {
      if (child < 0 || child >= limit) return at + "child outside the previous layer and the inputs";
      if (l == 0) used_input[child] = true;
      else if (child < previous) used[child] = true;
      else used_input[child - previous] = true;
    }
    for (bool u : used)
      if (!u) return at + "an unused node below it";
    previous = layer.size();
  }
  for (std::int64_t i = c.num_columns; i < c.num_inputs(); ++i)
    if (!used_input[i] && std::find(c.roots.begin(), c.roots.end(), i) == c.roots.end())
      return "an unused constant";
  for (std::int64_t r : c.roots)
    if (r < 0 || r >= previous) return "root outside the last layer";
  return "";
}

struct Compiled {
  GroundProgram program;
  std::vector<CompiledQuery> queries;
};

Compiled compile_text(const testing::TempFiles& dir, const std::string& name,
                      const std::string& text) {
  const Program p = Program::load(dir.write(name, text));
  Compiled c{p.ground(), {}};
  c.queries = compile_queries(c.program);
  return c;
}

// Column of every (variable, value): variables in order, values consecutive.
std::vector<std::int64_t> first_columns(const GroundProgram& gp, std::int64_t* total) {
  std::vector<std::int64_t> first;
  std::int64_t next = 0;
  for (const RandomVariable& v : gp.variables) {
    first.push_back(next);
    next += v.domain_size();
  }
  *total = next;
  return first;
}

TEST_CASE("layered circuits compute what their circuits compute, on random programs", "[layered]") {
  using namespace random_programs;
  std::mt19937 rng(515);
  Generator gen(rng);
  const testing::TempFiles dir("gedilog_layered");
  int circuits = 0, folded_to_constant = 0;
  for (int i = 0; i < 150; ++i) {
    const Flavor flavor = std::vector<Flavor>{Flavor::kPropositional, Flavor::kRelational,
                                              Flavor::kGraph}[i % 3];
    const std::string text = gen.generate(flavor).text();
    INFO("program:\n" << text);
    const Compiled c = compile_text(dir, "p" + std::to_string(i) + ".pl", text);
    std::int64_t num_columns = 0;
    const std::vector<std::int64_t> first = first_columns(c.program, &num_columns);
    std::vector<double> columns;
    std::uniform_real_distribution<double> weight(0.05, 1.0);
    std::vector<std::vector<double>> weights;  // random, not normalised: any semiring values
    for (const RandomVariable& v : c.program.variables) {
      weights.emplace_back();
      for (int k = 0; k < v.domain_size(); ++k) {
        weights.back().push_back(weight(rng));
        columns.push_back(weights.back().back());
      }
    }
    const auto fixed = fixed_weights(c.program);
    for (const CompiledQuery& q : c.queries) {
      ++circuits;
      const std::vector<double> expected = q.circuit.evaluate(weights);
      // Every leaf an input column, folding only what holds in every semiring.
      LayeredCircuitBuilder as_columns(Folding::kAnySemiring);
      as_columns.add(q.circuit, [&](int var, int value) {
        return LeafInput{first[var] + value, 0.0};
      });
      const LayeredCircuit lc = as_columns.build(num_columns);
      REQUIRE(shape_error(lc) == "");
      const std::vector<double> got = lc.evaluate(columns);
      REQUIRE(got.size() == expected.size());
      for (std::size_t r = 0; r < got.size(); ++r) CHECK(got[r] == Approx(expected[r]).epsilon(1e-12));

      // Fixed probabilities as constants, folded.
      LayeredCircuitBuilder as_constants(Folding::kSumProduct);
      as_constants.add(q.circuit, [&](int var, int value) {
        return LeafInput{-1, fixed[var][value]};
      });
      const LayeredCircuit folded = as_constants.build(0);
      REQUIRE(shape_error(folded) == "");
      CHECK(folded.layers.empty());  // nothing but constants: folds to the answer
      folded_to_constant += folded.layers.empty();
      const std::vector<double> exact = q.circuit.evaluate(fixed);
      const std::vector<double> value = folded.evaluate({});
      for (std::size_t r = 0; r < value.size(); ++r) CHECK(value[r] == Approx(exact[r]).margin(1e-12));

      // Re-read from its layered form (as from a cache) with the columns renumbered.
      std::vector<std::int64_t> reversed(num_columns);
      std::vector<double> reversed_columns(num_columns);
      for (std::int64_t k = 0; k < num_columns; ++k) {
        reversed[k] = num_columns - 1 - k;
        reversed_columns[num_columns - 1 - k] = columns[k];
      }
      LayeredCircuitBuilder again(Folding::kAnySemiring);
      again.add(lc, reversed);
      const LayeredCircuit lc2 = again.build(num_columns);
      REQUIRE(shape_error(lc2) == "");
      CHECK(lc2.num_nodes() == lc.num_nodes());
      const std::vector<double> got2 = lc2.evaluate(reversed_columns);
      for (std::size_t r = 0; r < got2.size(); ++r) CHECK(got2[r] == Approx(expected[r]).epsilon(1e-12));
    }
  }
  CHECK(circuits > 150);
  CHECK(folded_to_constant == circuits);
}

TEST_CASE("merged circuits share their common nodes", "[layered]") {
  const testing::TempFiles dir("gedilog_layered_merge");
  // Two queries over the same two neural-like variables (as columns): the digit sum.
  const Compiled c = compile_text(dir, "sum.pl", R"(
1/3::d1(0); 1/3::d1(1); 1/3::d1(2).
1/3::d2(0); 1/3::d2(1); 1/3::d2(2).
s(S) :- d1(X), d2(Y), S is X + Y.
query(s(2)). query(s(3)).
)");
  REQUIRE(c.queries.size() == 2);
  std::int64_t num_columns = 0;
  const std::vector<std::int64_t> first = first_columns(c.program, &num_columns);
  auto column = [&](int var, int value) { return LeafInput{first[var] + value, 0.0}; };

  LayeredCircuitBuilder one;
  one.add(c.queries[0].circuit, column);
  const LayeredCircuit single = one.build(num_columns);

  LayeredCircuitBuilder three;
  for (int q : {0, 1, 0}) three.add(c.queries[q].circuit, column);
  const LayeredCircuit merged = three.build(num_columns);
  REQUIRE(shape_error(merged) == "");
  REQUIRE(merged.roots.size() == 3);
  CHECK(merged.roots[0] == merged.roots[2]);  // the same circuit twice: one root node
  // The two sums share their leaves and the sub-circuits over d2: far fewer nodes than two
  // separate circuits.
  CHECK(merged.num_nodes() < 2 * single.num_nodes());

  std::vector<double> uniform(num_columns, 1.0 / 3);
  const std::vector<double> p = merged.evaluate(uniform);
  CHECK(p[0] == Approx(3.0 / 9));  // (0,2) (1,1) (2,0)
  CHECK(p[1] == Approx(2.0 / 9));  // (1,2) (2,1)
  CHECK(p[2] == Approx(3.0 / 9));
}

TEST_CASE("constant folding keeps max-product meaning apart from sum-product", "[layered]") {
  const testing::TempFiles dir("gedilog_layered_fold");
  const Compiled c = compile_text(dir, "fold.pl", R"(
0.3::a. 0.6::b.
q :- a. q :- b.
query(q).
)");
  const auto fixed = fixed_weights(c.program);
  auto constant = [&](int var, int value) { return LeafInput{-1, fixed[var][value]}; };
  LayeredCircuitBuilder sum_product(Folding::kSumProduct);
  sum_product.add(c.queries[0].circuit, constant);
  const LayeredCircuit folded = sum_product.build(0);
  CHECK(folded.layers.empty());
  CHECK(folded.evaluate({})[0] == Approx(1 - 0.7 * 0.4));

  LayeredCircuitBuilder any(Folding::kAnySemiring);
  any.add(c.queries[0].circuit, constant);
  const LayeredCircuit kept = any.build(0);
  REQUIRE(shape_error(kept) == "");
  CHECK_FALSE(kept.layers.empty());  // a + ¬a·b keeps its sum: in max-product it is a max
  CHECK(kept.evaluate({})[0] == Approx(1 - 0.7 * 0.4));
}

}  // namespace
}  // namespace gedilog::symbolic
