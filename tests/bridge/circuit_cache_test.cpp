// Query templates and the circuit cache: each template compiled once, kept on disk across
// runs, recompiled when the program changes; merged templates share their inputs; the query
// API (bind, log-probabilities, explanations) on MNIST-addition-style programs.
#include "torch_catch.h"

#include <filesystem>
#include <fstream>

#include "bridge/query_circuit.h"
#include "bridge/tensor_circuit.h"
#include "core/error.h"
#include "symbolic/inference.h"
#include "symbolic/program.h"
#include "temp_files.h"

namespace gedilog::bridge {
namespace {

const char* kAddition = R"(
nn(mnist_net, [X], Y, [0,1,2,3,4,5,6,7,8,9]) :: digit(X, Y).
addition(X, Y, Z) :- digit(X, X2), digit(Y, Y2), Z is X2 + Y2.
)";

std::vector<std::string> sum_templates() {
  std::vector<std::string> t;
  for (int s = 0; s <= 18; ++s) t.push_back("addition(in(0),in(1)," + std::to_string(s) + ")");
  return t;
}

// [batch, 10] log-probabilities of each digit network input, from `probs` rows.
torch::Tensor bind(const QueryCircuit& qc, const std::vector<torch::Tensor>& per_input) {
  return bind_inputs(qc, per_input[0].size(0), true, [&](const InputVariable& in) {
    CHECK(in.network == "mnist_net");
    return per_input.at(in.slot()).log();
  });
}

TEST_CASE("the circuit cache compiles each template once and keeps it across runs", "[bridge]") {
  const testing::TempFiles dir("gedilog_cache");
  const std::string file = dir.write("addition.pl", kAddition);
  const std::string cache_dir = dir.path("cache");
  const auto program = symbolic::Program::load(file);
  const std::vector<std::string> templates = sum_templates();

  QueryCircuit first_run;
  {
    CircuitCache cache(program, Inputs::kNeural, cache_dir);
    first_run = cache.merged(templates);
    cache.merged(templates);  // a second epoch
    CHECK(cache.stats().compiled == 19);
    CHECK(cache.stats().memory_hits == 19);
    CHECK(cache.stats().disk_hits == 0);
  }
  {
    CircuitCache cache(program, Inputs::kNeural, cache_dir);  // a second run
    const QueryCircuit again = cache.merged(templates);
    CHECK(cache.stats().compiled == 0);
    CHECK(cache.stats().disk_hits == 19);
    CHECK(again.circuit.num_nodes() == first_run.circuit.num_nodes());
    CHECK(again.queries == first_run.queries);
  }
  SECTION("a damaged entry is recompiled") {
    for (const auto& entry : std::filesystem::directory_iterator(cache_dir))
      std::ofstream(entry.path(), std::ios::trunc) << "not msgpack";
    CircuitCache cache(program, Inputs::kNeural, cache_dir);
    const QueryCircuit again = cache.merged(templates);
    CHECK(cache.stats().compiled == 19);
    CHECK(again.circuit.num_nodes() == first_run.circuit.num_nodes());
  }
  SECTION("a flipped bit anywhere in an entry is recompiled, never evaluated") {
    // Every entry, a bit at 40 positions spread over it: the checksum (or the parse) fails and
    // the template compiles again; the merged circuit computes what it did.
    const TensorCircuit reference(first_run.circuit, torch::kCPU, torch::kFloat64);
    const torch::Tensor p = torch::softmax(torch::arange(10, torch::kFloat64).view({1, 10}), 1);
    const torch::Tensor expected = log_probabilities(first_run, reference, bind(first_run, {p, p.flip(1)}));
    for (int trial = 0; trial < 40; ++trial) {
      CAPTURE(trial);
      for (const auto& entry : std::filesystem::directory_iterator(cache_dir)) {
        std::fstream f(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
        const auto size = static_cast<std::int64_t>(std::filesystem::file_size(entry.path()));
        const std::int64_t at = (trial * 7919 + 13) % size;
        f.seekg(at);
        char byte = 0;
        f.get(byte);
        f.seekp(at);
        f.put(static_cast<char>(byte ^ (1 << (trial % 8))));
      }
      CircuitCache cache(program, Inputs::kNeural, cache_dir);
      const QueryCircuit again = cache.merged(templates);
      CHECK(cache.stats().compiled == 19);
      CHECK(cache.stats().disk_hits == 0);
      const TensorCircuit tc(again.circuit, torch::kCPU, torch::kFloat64);
      CHECK(torch::allclose(log_probabilities(again, tc, bind(again, {p, p.flip(1)})), expected));
    }
  }
  SECTION("an edited program is recompiled") {
    const auto edited =
        symbolic::Program::load(dir.write("addition.pl", std::string(kAddition) + "% edited\n"));
    CircuitCache cache(edited, Inputs::kNeural, cache_dir);
    cache.get(templates[7]);
    CHECK(cache.stats().compiled == 1);
    CHECK(cache.stats().disk_hits == 0);
  }
  SECTION("the other input choice is another entry") {
    CircuitCache cache(program, Inputs::kAll, cache_dir);
    cache.get(templates[7]);
    CHECK(cache.stats().compiled == 1);
  }

  // The merged circuit: 19 roots over the two digit variables' 20 columns.
  REQUIRE(first_run.queries.size() == 19);
  REQUIRE(first_run.inputs.size() == 2);
  CHECK(first_run.num_columns() == 20);
  const TensorCircuit tc(first_run.circuit, torch::kCPU, torch::kFloat64);
  const torch::Tensor uniform = torch::full({1, 10}, 0.1, torch::kFloat64);
  const torch::Tensor logp = log_probabilities(first_run, tc, bind(first_run, {uniform, uniform}));
  for (int s = 0; s <= 18; ++s) {
    const int ways = s <= 9 ? s + 1 : 19 - s;
    CHECK(std::exp(logp[0][s].item<double>()) == Approx(ways / 100.0));
  }
}

TEST_CASE("query API: bind the network's outputs, evaluate, backward, explain", "[bridge]") {
  const testing::TempFiles dir("gedilog_query_api");
  const auto program = symbolic::Program::load(dir.write("addition.pl", kAddition));
  CircuitCache cache(program, Inputs::kNeural);
  const QueryCircuit qc = cache.merged({"addition(in(0),in(1),7)", "addition(in(0),in(1),9)"});
  const TensorCircuit tc(qc.circuit, torch::kCPU, torch::kFloat32);

  // Example 0 looks like (3, 4); example 1 like (2 or 5, 4).
  torch::Tensor logits0 = torch::zeros({2, 10}), logits1 = torch::zeros({2, 10});
  logits0[0][3] = 5;
  logits1[0][4] = 5;
  logits0[1][2] = 3;
  logits0[1][5] = 2.5;
  logits1[1][4] = 5;
  logits0.requires_grad_(true);
  const torch::Tensor inputs = bind_inputs(qc, 2, true, [&](const InputVariable& in) {
    return torch::log_softmax(in.slot() == 0 ? logits0 : logits1, 1);
  });
  const torch::Tensor logp = log_probabilities(qc, tc, inputs);  // [2, 2]
  REQUIRE(logp.sizes() == torch::IntArrayRef({2, 2}));
  // The loss of "example 0 sums to 7": its gradient raises digit 3 of the first image.
  const torch::Tensor loss = -logp[0][0];
  loss.backward();
  CHECK(logits0.grad()[0][3].item<float>() < 0);
  CHECK(logits0.grad()[1].abs().sum().item<float>() == 0);  // example 1 is not in the loss

  // Most probable digits given each sum.
  const torch::Tensor seven = explain_query(qc, tc, inputs.detach(), 0);
  CHECK(seven[0][0].item<std::int64_t>() == 3);
  CHECK(seven[0][1].item<std::int64_t>() == 4);
  const torch::Tensor nine = explain_query(qc, tc, inputs.detach(), 1);
  CHECK(nine[1][0].item<std::int64_t>() == 5);  // 2 is likelier alone, but 2 + 4 is not 9
  CHECK(nine[1][1].item<std::int64_t>() == 4);

  // A network output of the wrong shape names the variable.
  try {
    bind_inputs(qc, 2, true, [&](const InputVariable&) { return torch::zeros({2, 9}); });
    FAIL("no error");
  } catch (const UserError& e) {
    CHECK(e.kind() == "ShapeError");
    CHECK_THAT(e.message(), Catch::Contains("mnist_net([in(0)])"));
  }
}

TEST_CASE("evidence: log P(q | e) from the joint and evidence roots", "[bridge]") {
  const testing::TempFiles dir("gedilog_evidence");
  const std::string file = dir.write("burglary.pl", R"(
0.1::burglary. 0.2::earthquake.
0.9::alarm :- burglary. 0.4::alarm :- earthquake.
evidence(alarm, true).
query(burglary). query(earthquake).
)");
  const auto program = symbolic::Program::load(file);
  const auto exact = symbolic::solve(program.ground());
  for (Inputs inputs : {Inputs::kNeural, Inputs::kAll}) {
    CircuitCache cache(program, inputs);
    const QueryCircuit qc = cache.merged({"burglary", "earthquake"});
    REQUIRE(qc.evidence_root[0] >= 0);
    const TensorCircuit tc(qc.circuit, torch::kCPU, torch::kFloat64);
    const torch::Tensor log_fixed =
        torch::tensor(qc.fixed_columns(), torch::kFloat64).log().reshape({1, -1});
    const torch::Tensor logp = log_probabilities(qc, tc, log_fixed);
    CHECK(std::exp(logp[0][0].item<double>()) == Approx(exact[0].probability));
    CHECK(std::exp(logp[0][1].item<double>()) == Approx(exact[1].probability));
  }
  // Evidence given beside a template, observed true or false ({goal, value}), as the
  // program's own evidence/2 would: P(burglary | alarm) and P(burglary | not earthquake).
  {
    const std::string plain = dir.write("plain.pl", "0.1::burglary. 0.2::earthquake.\n"
                                                     "0.9::alarm :- burglary. 0.4::alarm :- earthquake.\n");
    const std::string negative = dir.write("negative.pl", "0.1::burglary. 0.2::earthquake.\n"
                                                           "0.9::alarm :- burglary. 0.4::alarm :- earthquake.\n"
                                                           "evidence(earthquake, false).\nquery(burglary).\n");
    const auto p = symbolic::Program::load(plain);
    CircuitCache cache(p, Inputs::kAll);
    const auto value_of = [&](const std::vector<symbolic::Evidence>& evidence) {
      const auto qc = cache.get("burglary", evidence);
      const TensorCircuit tc(qc->circuit, torch::kCPU, torch::kFloat64);
      const torch::Tensor log_fixed = torch::tensor(qc->fixed_columns(), torch::kFloat64).log().reshape({1, -1});
      return std::exp(log_probabilities(*qc, tc, log_fixed)[0][0].item<double>());
    };
    CHECK(value_of({{"alarm", true}}) == Approx(exact[0].probability));
    CHECK(value_of({{"earthquake", false}}) ==
          Approx(symbolic::solve(symbolic::Program::load(negative).ground())[0].probability));
  }
  // Max-product needs the fixed probabilities as inputs: folded sums cannot be undone.
  CircuitCache folded(program, Inputs::kNeural);
  const QueryCircuit qc = folded.merged({"burglary"});
  const TensorCircuit tc(qc.circuit, torch::kCPU);
  CHECK_THROWS_AS(tc.forward(torch::zeros({1, 0}), Semiring::max_product()), UserError);
}

}  // namespace
}  // namespace gedilog::bridge
