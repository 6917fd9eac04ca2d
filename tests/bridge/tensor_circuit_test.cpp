// Tensor evaluation of layered circuits: values and gradients against the exact engine's
// double-precision evaluator and finite differences on random programs, numerical safety of
// the log semiring, max-product explanations against brute force.
#include "torch_catch.h"

#include <cmath>
#include <optional>
#include <random>

#include "bridge/query_circuit.h"
#include "bridge/tensor_circuit.h"
#include "core/error.h"
#include "symbolic/inference.h"
#include "symbolic/program.h"
#include "symbolic/random_programs.h"
#include "temp_files.h"

namespace gedilog::bridge {
namespace {

using symbolic::Circuit;
using symbolic::CompiledQuery;
using symbolic::GroundProgram;

constexpr double kInf = std::numeric_limits<double>::infinity();

// A query's circuit with every variable as input columns (variables in order, values
// consecutive), as the cache builds it with Inputs::kAll.
symbolic::LayeredCircuit layered(const Circuit& circuit, const GroundProgram& gp) {
  std::vector<std::int64_t> first;
  std::int64_t columns = 0;
  for (const auto& v : gp.variables) {
    first.push_back(columns);
    columns += v.domain_size();
  }
  symbolic::LayeredCircuitBuilder builder(symbolic::Folding::kAnySemiring);
  builder.add(circuit, [&](int var, int value) { return symbolic::LeafInput{first[var] + value, 0.0}; });
  return builder.build(columns);
}

std::vector<std::vector<double>> unflatten(const torch::Tensor& row, const GroundProgram& gp) {
  std::vector<std::vector<double>> w;
  std::int64_t c = 0;
  for (const auto& v : gp.variables) {
    w.emplace_back();
    for (int k = 0; k < v.domain_size(); ++k) w.back().push_back(row[c++].item<double>());
  }
  return w;
}

// Every assignment of the program's variables (nullopt: more than `limit`).
std::optional<std::vector<std::vector<int>>> assignments(const GroundProgram& gp, double limit) {
  double count = 1;
  for (const auto& v : gp.variables) count *= v.domain_size();
  if (count > limit) return std::nullopt;
  std::vector<std::vector<int>> all{{}};
  for (const auto& v : gp.variables) {
    std::vector<std::vector<int>> next;
    for (const auto& a : all)
      for (int k = 0; k < v.domain_size(); ++k) {
        next.push_back(a);
        next.back().push_back(k);
      }
    all.swap(next);
  }
  return all;
}

TEST_CASE("tensor evaluation agrees with the exact engine on random programs", "[bridge]") {
  using namespace symbolic::random_programs;
  std::mt19937 rng(77);
  torch::manual_seed(77);
  Generator gen(rng);
  const testing::TempFiles dir("gedilog_tensor");
  int checked = 0, explained = 0, with_zeros = 0;
  for (int i = 0; i < 60; ++i) {
    const Flavor flavor = std::vector<Flavor>{Flavor::kPropositional, Flavor::kRelational,
                                              Flavor::kGraph}[i % 3];
    const std::string text = gen.generate(flavor).text();
    INFO("program:\n" << text);
    const auto program = symbolic::Program::load(dir.write("p" + std::to_string(i) + ".pl", text));
    const GroundProgram gp = program.ground();
    const std::vector<CompiledQuery> compiled = symbolic::compile_queries(gp);
    for (const CompiledQuery& q : compiled) {
      const symbolic::LayeredCircuit lc = layered(q.circuit, gp);
      const TensorCircuit tc(lc, torch::kCPU, torch::kFloat64);
      const std::int64_t batch = 3;
      // Random positive weights; in one example some are exactly 0 or 1.
      torch::Tensor w = torch::rand({batch, lc.num_columns}, torch::kFloat64) * 0.9 + 0.05;
      if (lc.num_columns > 0 && i % 2 == 0) {
        w[0][0] = 0.0;
        w[0][lc.num_columns - 1] = 1.0;
        ++with_zeros;
      }
      w.requires_grad_(true);
      const torch::Tensor p = tc.forward(w, Semiring::probability());
      REQUIRE(p.size(1) == static_cast<std::int64_t>(q.circuit.roots().size()));

      // Values: the exact engine's evaluator, example by example.
      for (std::int64_t b = 0; b < batch; ++b) {
        const auto expected = q.circuit.evaluate(unflatten(w[b].detach(), gp));
        for (std::size_t r = 0; r < expected.size(); ++r)
          CHECK(p[b][r].item<double>() == Approx(expected[r]).epsilon(1e-10).margin(1e-14));
      }
      if (lc.num_columns == 0) continue;
      ++checked;

      // Gradients: autograd against central differences of the exact evaluator (the circuit is
      // multilinear in its leaves, so differences are exact up to rounding).
      const torch::Tensor grad = torch::autograd::grad({p.select(1, 0).sum()}, {w})[0];
      for (std::int64_t c = 0; c < lc.num_columns; c += std::max<std::int64_t>(1, lc.num_columns / 7)) {
        torch::Tensor plus = w[1].detach().clone(), minus = plus.clone();
        const double h = 1e-3;
        plus[c] += h;
        minus[c] -= h;
        const double fd = (q.circuit.evaluate(unflatten(plus, gp))[0] -
                           q.circuit.evaluate(unflatten(minus, gp))[0]) / (2 * h);
        CHECK(grad[1][c].item<double>() == Approx(fd).epsilon(1e-6).margin(1e-9));
      }

      // Log semiring: the same values, and d log f / d log w = w · (df/dw) / f, with no NaN
      // even where a leaf is log 0 = -inf.
      const torch::Tensor lw = w.detach().log().requires_grad_(true);
      const torch::Tensor lp = tc.forward(lw, Semiring::log_probability());
      CHECK(torch::allclose(lp.exp(), p.detach(), 1e-10, 1e-14));
      const torch::Tensor lgrad = torch::autograd::grad({lp.select(1, 0).sum()}, {lw})[0];
      CHECK_FALSE(lgrad.isnan().any().item<bool>());
      const torch::Tensor f = p.detach().select(1, 0).unsqueeze(1);
      const torch::Tensor possible = (f > 0).squeeze(1);  // log f = -inf has no derivative
      const torch::Tensor expected_lgrad = (w.detach() * grad / f).index({possible});
      CHECK(torch::allclose(lgrad.index({possible}), expected_lgrad, 1e-8, 1e-10));

      // Max-product: the best assignment against brute force. Weights are scaled to a maximum
      // of 1 per variable so that variables outside the circuit do not change the maximum.
      const auto all = assignments(gp, 2000);
      if (!all) continue;
      torch::Tensor mw = w.detach()[1].clone();
      std::int64_t c0 = 0;
      for (const auto& v : gp.variables) {
        auto block = mw.narrow(0, c0, v.domain_size());
        block.div_(block.max());
        c0 += v.domain_size();
      }
      const auto weights = unflatten(mw, gp);
      double best = 0.0;
      for (const auto& a : *all) {
        std::vector<std::vector<double>> indicator;
        double weight = 1.0;
        for (std::size_t v = 0; v < a.size(); ++v) {
          indicator.emplace_back(gp.variables[v].domain_size(), 0.0);
          indicator.back()[a[v]] = 1.0;
          weight *= weights[v][a[v]];
        }
        if (q.circuit.evaluate(indicator)[0] > 0.5) best = std::max(best, weight);
      }
      const torch::Tensor log_mw = mw.log().unsqueeze(0);
      const double mpe = tc.forward(log_mw, Semiring::max_product())[0][0].item<double>();
      CHECK(std::exp(mpe) == Approx(best).epsilon(1e-10).margin(1e-300));
      if (best == 0.0) continue;
      // The explanation is a satisfying assignment of the circuit's variables with that weight.
      const torch::Tensor chosen = tc.explain(log_mw, 0)[0];
      std::vector<std::vector<double>> indicator;
      double weight = 1.0;
      bool one_value_each = true;
      std::int64_t c1 = 0;
      for (std::size_t v = 0; v < gp.variables.size(); ++v) {
        const int k = gp.variables[v].domain_size();
        const auto block = chosen.narrow(0, c1, k);
        const std::int64_t n = block.sum().item<std::int64_t>();
        if (n > 1) one_value_each = false;
        // A variable outside the circuit: any value (weight 1 at its best).
        const std::int64_t value = n == 1 ? block.argmax().item<std::int64_t>()
                                          : mw.narrow(0, c1, k).argmax().item<std::int64_t>();
        indicator.emplace_back(k, 0.0);
        indicator.back()[value] = 1.0;
        weight *= weights[v][value];
        c1 += k;
      }
      CHECK(one_value_each);
      CHECK(q.circuit.evaluate(indicator)[0] == Approx(1.0));
      CHECK(weight == Approx(best).epsilon(1e-10));
      ++explained;
    }
  }
  CHECK(checked > 40);
  CHECK(explained > 20);
  CHECK(with_zeros > 10);
}

TEST_CASE("the log semiring is stable on a circuit of 10^5 nodes", "[bridge]") {
  // 2^16 binary variables, each a sum of its two values, multiplied by a balanced product
  // tree: the probability 0.5^65536 underflows any float, its logarithm does not.
  const std::int64_t m = 1 << 16;
  symbolic::LayeredCircuit lc;
  lc.num_columns = 2 * m;
  symbolic::LayeredCircuit::Layer sums;
  for (std::int64_t i = 0; i < m; ++i) {
    sums.children.push_back(2 * i);
    sums.children.push_back(2 * i + 1);
    sums.offsets.push_back(sums.children.size());
  }
  sums.num_sums = m;
  lc.layers.push_back(sums);
  for (std::int64_t width = m / 2; width >= 1; width /= 2) {
    symbolic::LayeredCircuit::Layer products;
    for (std::int64_t i = 0; i < width; ++i) {
      products.children.push_back(2 * i);
      products.children.push_back(2 * i + 1);
      products.offsets.push_back(products.children.size());
    }
    lc.layers.push_back(products);
  }
  lc.roots = {0};
  REQUIRE(lc.num_nodes() > 100000);
  const TensorCircuit tc(lc, torch::kCPU, torch::kFloat32);
  torch::Tensor probs = torch::full({2, 2 * m}, 0.25);
  probs[1].narrow(0, 0, 2 * m).index_put_({torch::arange(0, 2 * m, 2)}, 0.0);  // a value of 0
  const torch::Tensor log_inputs = probs.log().requires_grad_(true);
  const torch::Tensor root = tc.forward(log_inputs, Semiring::log_probability());
  CHECK(root[0][0].item<double>() == Approx(m * std::log(0.5)).epsilon(1e-5));
  CHECK(root[1][0].item<double>() == Approx(m * std::log(0.25)).epsilon(1e-5));
  CHECK(tc.forward(probs, Semiring::probability())[0][0].item<double>() == 0.0);  // underflow
  const torch::Tensor grad = torch::autograd::grad({root.sum()}, {log_inputs})[0];
  CHECK_FALSE(grad.isnan().any().item<bool>());
  CHECK(grad[0].allclose(torch::full({2 * m}, 0.5)));
  // Where a value has probability 0 the other carries all the mass; the 0 gets no gradient.
  CHECK(grad[1][0].item<double>() == 0.0);
  CHECK(grad[1][1].item<double>() == Approx(1.0));
}

TEST_CASE("a node whose children are all impossible gives -inf, not NaN", "[bridge]") {
  symbolic::LayeredCircuit lc;
  lc.num_columns = 2;
  symbolic::LayeredCircuit::Layer sum;
  sum.children = {0, 1};
  sum.offsets = {0, 2};
  sum.num_sums = 1;
  lc.layers.push_back(sum);
  lc.roots = {0};
  const TensorCircuit tc(lc, torch::kCPU, torch::kFloat64);
  const torch::Tensor x = torch::tensor({{-kInf, -kInf}}, torch::kFloat64).requires_grad_(true);
  const torch::Tensor y = tc.forward(x, Semiring::log_probability());
  CHECK(y[0][0].item<double>() == -kInf);
  const torch::Tensor g = torch::autograd::grad({y.sum()}, {x}, {}, true, false, true)[0];
  CHECK_FALSE(g.isnan().any().item<bool>());
}

TEST_CASE("wrong input shapes are errors that say the expected shape", "[bridge]") {
  symbolic::LayeredCircuit lc;
  lc.num_columns = 3;
  lc.roots = {0};
  const TensorCircuit tc(lc, torch::kCPU);
  try {
    tc.forward(torch::zeros({4, 2}), Semiring::probability());
    FAIL("no error");
  } catch (const UserError& e) {
    CHECK(e.kind() == "ShapeError");
    CHECK_THAT(e.message(), Catch::Contains("[batch, 3]"));
  }
}

TEST_CASE("semirings are a table chosen by name", "[bridge]") {
  CHECK(&semiring("max-product") == &Semiring::max_product());
  CHECK(&semiring("log-probability") == &Semiring::log_probability());
  CHECK(semirings().size() == 3);
  CHECK_THROWS_WITH(semiring("tropical"), Catch::Contains("UnknownSemiring") && Catch::Contains("max-product"));
  // Each semiring's zero and one are neutral for its sum and product.
  for (const Semiring* s : semirings()) {
    CAPTURE(s->name);
    const torch::Tensor x = torch::tensor({0.3, s->zero, 0.7, s->one}, torch::kFloat64).view({2, 2, 1});
    CHECK(s->sum(x)[0][0].item<double>() == Approx(0.3));
    CHECK(s->product(x)[1][0].item<double>() == Approx(0.7));
  }
}

}  // namespace
}  // namespace gedilog::bridge
