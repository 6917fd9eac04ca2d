// Networks bound to a program's neural predicates (bridge::NeuralProgram): neural facts
// (DeepProbLog's nn/3, one output through a sigmoid) and networks that read a tuple of inputs,
// against their closed forms and their gradients against finite differences.
#include "torch_catch.h"

#include <cmath>

#include "bridge/query_circuit.h"
#include "bridge/trainer.h"
#include "core/error.h"
#include "symbolic/program.h"
#include "temp_files.h"

namespace gedilog::bridge {
namespace {

const char* kProgram = R"(
nn(same_net, [X, Y]) :: same(X, Y).
nn(even_net, [X]) :: even(X).
nn(pair_net, [X, Y], Z, [lt, eq, gt]) :: order(X, Y, Z).
different(X, Y) :- \+ same(X, Y).
both_even(X, Y) :- even(X), even(Y).
same_or_less(X, Y) :- same(X, Y).
same_or_less(X, Y) :- order(X, Y, lt).
)";

// log P of each template's query for the examples' images (inputs in(0), in(1) = rows 0, 1 of
// each example's pair in `images`).
torch::Tensor log_p(NeuralProgram& model, const torch::Tensor& images) {
  const std::int64_t b = images.size(0) / 2;
  Batch batch;
  batch.images = images;
  batch.inputs = torch::arange(2 * b, torch::kLong).view({b, 2});
  std::vector<torch::Tensor> per_query;
  for (std::int64_t q = 0; q < static_cast<std::int64_t>(model.circuit().queries.size()); ++q)
    per_query.push_back(model.log_probability(model.leaves(batch, model.network_log_probs(batch)),
                                              torch::full({b}, q, torch::kLong)));
  return torch::stack(per_query, 1);  // [B, queries]
}

TEST_CASE("neural facts and networks of two inputs: closed forms and gradients", "[bridge]") {
  const testing::TempFiles dir("gedilog_neural_program");
  const auto program = symbolic::Program::load(dir.write("same.pl", kProgram));
  CircuitCache cache(program, Inputs::kNeural);
  torch::manual_seed(11);
  torch::nn::Linear same(6, 1), even(3, 1), pair(6, 3);  // images are 3-vectors; a pair is 6
  NeuralProgram model(cache.merged({"same(in(0),in(1))", "different(in(0),in(1))", "both_even(in(0),in(1))",
                                    "same_or_less(in(0),in(1))"}),
                      {{"same_net", torch::nn::AnyModule(same)},
                       {"even_net", torch::nn::AnyModule(even)},
                       {"pair_net", torch::nn::AnyModule(pair)}},
                      torch::kCPU);
  const torch::Tensor images = torch::randn({8, 3});  // 4 examples of 2 images
  const torch::Tensor p = log_p(model, images).exp().detach();
  for (std::int64_t e = 0; e < 4; ++e) {
    const torch::Tensor x = images[2 * e], y = images[2 * e + 1], xy = torch::cat({x, y}).unsqueeze(0);
    const double s = torch::sigmoid(same(xy)).item<double>();
    const double ex = torch::sigmoid(even(x.unsqueeze(0))).item<double>(),
                 ey = torch::sigmoid(even(y.unsqueeze(0))).item<double>();
    const double lt = torch::softmax(pair(xy), 1)[0][0].item<double>();
    CHECK(p[e][0].item<double>() == Approx(s).epsilon(1e-5));
    CHECK(p[e][1].item<double>() == Approx(1 - s).epsilon(1e-5));
    CHECK(p[e][2].item<double>() == Approx(ex * ey).epsilon(1e-5));
    CHECK(p[e][3].item<double>() == Approx(1 - (1 - s) * (1 - lt)).epsilon(1e-5));  // independent networks
  }

  // d log P / d weights against central differences (the circuit runs in float32: steps of
  // 1e-2, whose O(h^2) error is below the tolerance).
  auto objective = [&] { return log_p(model, images).select(1, 3).sum(); };
  for (torch::nn::Linear* net : {&same, &pair}) {
    torch::Tensor w = (*net)->weight;
    if (w.grad().defined()) w.grad().zero_();
    objective().backward();
    const torch::Tensor analytic = w.grad().clone();
    torch::NoGradGuard no_grad;
    for (std::int64_t i = 0; i < std::min<std::int64_t>(w.numel(), 6); ++i) {
      const float h = 1e-2f, saved = w.view(-1)[i].item<float>();
      w.view(-1)[i] = saved + h;
      const double up = objective().item<double>();
      w.view(-1)[i] = saved - h;
      const double down = objective().item<double>();
      w.view(-1)[i] = saved;
      CHECK(analytic.view(-1)[i].item<double>() == Approx((up - down) / (2 * h)).epsilon(1e-2).margin(1e-3));
    }
  }
}

TEST_CASE("a network read with one input here and two there is an error naming the predicate", "[bridge]") {
  const testing::TempFiles dir("gedilog_neural_arity");
  const auto program = symbolic::Program::load(dir.write(
      "mixed.pl", "nn(net, [X]) :: one(X).\nnn(net, [X, Y]) :: two(X, Y).\nq(X, Y) :- one(X), two(X, Y).\n"));
  CircuitCache cache(program, Inputs::kNeural);
  torch::nn::Linear net(3, 1);
  CHECK_THROWS_WITH(NeuralProgram(cache.merged({"q(in(0),in(1))"}), {{"net", torch::nn::AnyModule(net)}}, torch::kCPU),
                    Catch::Contains("NeuralPredicate") && Catch::Contains("reads"));
  // A network's input that is no placeholder of the query's inputs.
  const auto fixed = symbolic::Program::load(dir.write("fixed.pl", "nn(net, [X, Y]) :: two(X, Y).\nq(X) :- two(X, c).\n"));
  CircuitCache fixed_cache(fixed, Inputs::kNeural);
  CHECK_THROWS_WITH(NeuralProgram(fixed_cache.merged({"q(in(0))"}), {{"net", torch::nn::AnyModule(net)}}, torch::kCPU),
                    Catch::Contains("must take inputs in(K)"));
}

}  // namespace
}  // namespace gedilog::bridge
