// Throughput of batched circuit evaluation (bridge/tensor_circuit) against the naive evaluator
// that walks the circuit node by node for each example with autograd scalars (as DeepProbLog
// evaluates its SDDs), on the circuits of MNIST addition:
//   - N-digit addition with a carry (examples/multi_digit_addition.pl), one query template,
//   - merged multi-root circuits: every possible sum of two N-digit numbers in one circuit,
// and, side by side in the same run, a LeNet forward+backward on the batch's images and a
// large tensor copy (the machine's memory bandwidth). Times are medians; prints Markdown.
#include <torch/torch.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <random>
#include <sstream>

#include "bridge/query_circuit.h"
#include "bridge/tensor_circuit.h"
#include "neural/encoders.h"
#include "symbolic/inference.h"
#include "symbolic/program.h"

namespace {

using namespace gedilog;
using Clock = std::chrono::steady_clock;

torch::Device g_device = torch::kCPU;

void sync() {
  if (g_device.is_cuda()) torch::cuda::synchronize();
}

// Median seconds per call of `f`; each sample repeats f until it takes >= 20 ms.
double median_seconds(const std::function<void()>& f, int repeats) {
  f();  // warm up
  sync();
  std::vector<double> samples;
  for (int r = 0; r < repeats; ++r) {
    int calls = 0;
    const auto start = Clock::now();
    double elapsed = 0;
    do {
      f();
      sync();
      ++calls;
      elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    } while (elapsed < 0.02);
    samples.push_back(elapsed / calls);
  }
  std::nth_element(samples.begin(), samples.begin() + samples.size() / 2, samples.end());
  return samples[samples.size() / 2];
}

std::string digits_list(const std::vector<int>& d) {
  std::ostringstream out;
  out << "[";
  for (std::size_t i = 0; i < d.size(); ++i) out << (i ? "," : "") << d[i];
  out << "]";
  return out.str();
}

std::string inputs_list(int from, int n) {
  std::ostringstream out;
  out << "[";
  for (int i = 0; i < n; ++i) out << (i ? "," : "") << "in(" << from + i << ")";
  out << "]";
  return out.str();
}

// add([in(0)..], [in(N)..], Sum) with the sum's digits (least significant first) of `sum`.
std::string addition_template(int n, long long sum) {
  std::vector<int> digits;
  for (int i = 0; i <= n; ++i, sum /= 10) digits.push_back(static_cast<int>(sum % 10));
  return "add(" + inputs_list(0, n) + "," + inputs_list(n, n) + "," + digits_list(digits) + ")";
}

// Random softmax outputs as log-probabilities, [batch, columns].
torch::Tensor random_log_inputs(const bridge::QueryCircuit& qc, std::int64_t batch) {
  return bridge::bind_inputs(qc, batch, true, [&](const bridge::InputVariable& in) {
    return torch::log_softmax(torch::randn({batch, in.size()}) * 2, 1);
  }, g_device);
}

// DeepProbLog's way: for one example, every node of the circuit is a scalar tensor operation.
torch::Tensor naive_log_probability(const symbolic::Circuit& circuit,
                                    const std::vector<std::int64_t>& column_of_variable,
                                    const torch::Tensor& probs /* [columns] */) {
  using Kind = symbolic::CircuitNode::Kind;
  const auto& g = circuit.graph();
  std::vector<torch::Tensor> value(circuit.num_nodes());
  for (std::size_t id = 0; id < value.size(); ++id) {
    const auto& n = g[id];
    switch (n.kind) {
      case Kind::kLeaf: value[id] = probs[column_of_variable[n.variable] + n.value]; break;
      case Kind::kTrue: value[id] = torch::ones({}, probs.options()); break;
      case Kind::kFalse: value[id] = torch::zeros({}, probs.options()); break;
      case Kind::kSum:
      case Kind::kProduct: {
        torch::Tensor acc;
        for (auto [e, end] = boost::out_edges(id, g); e != end; ++e) {
          const torch::Tensor& c = value[boost::target(*e, g)];
          acc = !acc.defined() ? c : n.kind == Kind::kSum ? acc + c : acc * c;
        }
        value[id] = acc;
        break;
      }
    }
  }
  return value[circuit.roots()[0]].log();
}

struct Row {
  std::string circuit;
  std::int64_t batch, nodes, edges, layers;
  double forward, backward, naive, ratio, lenet;
};

void print_rows(const std::vector<Row>& rows) {
  std::printf(
      "| circuit | batch | layered nodes | edges | layers | forward (ms) | fwd+bwd (ms) | "
      "examples/s fwd+bwd | node-evals/s fwd | naive fwd+bwd (ms) | speed-up | LeNet fwd+bwd (ms) "
      "| circuit / LeNet |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const Row& r : rows) {
    std::printf("| %s | %lld | %lld | %lld | %lld | %.3f | %.3f | %.3g | %.3g | ", r.circuit.c_str(),
                (long long)r.batch, (long long)r.nodes, (long long)r.edges, (long long)r.layers,
                r.forward * 1e3, r.backward * 1e3, r.batch / r.backward,
                r.batch * double(r.nodes) / r.forward);
    if (r.naive > 0)
      std::printf("%.1f | %.0fx | ", r.naive * 1e3, r.naive / r.backward);
    else
      std::printf("– | – | ");
    if (r.lenet > 0)
      std::printf("%.3f | %.2f |\n", r.lenet * 1e3, r.backward / r.lenet);
    else
      std::printf("– | – |\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Batched circuit evaluation throughput (see BENCHMARKS.md)"};
  std::vector<int> digits{1, 4, 15, 64};
  std::vector<std::int64_t> batches{1, 16, 128, 1024};
  std::vector<int> merged_digits{1, 2};
  int repeats = 5, naive_examples = 4;
  std::string device = "cpu", program_file = std::string(GEDILOG_SOURCE_DIR) + "/examples/multi_digit_addition.pl";
  app.add_option("--digits", digits, "Numbers of digits N of the single-template circuits")->delimiter(',');
  app.add_option("--merged", merged_digits, "N of the merged circuits (all sums of two N-digit numbers)")->delimiter(',');
  app.add_option("--batches", batches, "Batch sizes")->delimiter(',');
  app.add_option("--repeats", repeats, "Samples per median");
  app.add_option("--naive-examples", naive_examples,
                 "Examples the naive evaluator runs per sample (its time is per example x batch)");
  app.add_option("--device", device, "cpu or cuda");
  CLI11_PARSE(app, argc, argv);
  g_device = torch::Device(device);
  torch::manual_seed(1);
  std::mt19937_64 rng(1);

  const auto program = symbolic::Program::load(program_file);
  bridge::CircuitCache cache(program, bridge::Inputs::kNeural);

  // Memory bandwidth: a 256 MiB copy (read + write).
  {
    const torch::Tensor src = torch::rand({64 << 20}, torch::TensorOptions().device(g_device));
    torch::Tensor dst = torch::empty_like(src);
    const double t = median_seconds([&] { dst.copy_(src); }, repeats);
    std::printf("memory bandwidth (256 MiB tensor copy, read + write): %.1f GB/s\n\n",
                2.0 * src.numel() * 4 / t / 1e9);
  }

  neural::LeNet lenet(10);
  lenet->to(g_device);
  std::vector<Row> rows;
  struct Case {
    std::string name;
    bridge::QueryCircuit qc;
    std::shared_ptr<const bridge::QueryCircuit> single;  // for the naive evaluator
    std::string single_template;
    int images_per_example;
  };
  std::vector<Case> cases;
  for (int n : digits) {
    long long top = 1;
    for (int i = 0; i < std::min(n, 17); ++i) top *= 10;
    const long long sum = std::uniform_int_distribution<long long>(0, 2 * (top - 1))(rng);
    const std::string t = addition_template(n, sum);
    auto single = cache.get(t);
    cases.push_back({"carry N=" + std::to_string(n), *single, single, t, 2 * n});
  }
  for (int n : merged_digits) {
    long long top = 1;
    for (int i = 0; i < n; ++i) top *= 10;
    std::vector<std::string> templates;
    for (long long s = 0; s <= 2 * (top - 1); ++s) templates.push_back(addition_template(n, s));
    cases.push_back({"merged N=" + std::to_string(n) + " (" + std::to_string(templates.size()) + " sums)",
                     cache.merged(templates), nullptr, "", 2 * n});
  }

  for (const Case& c : cases) {
    const bridge::TensorCircuit tc(c.qc.circuit, g_device, torch::kFloat32);
    std::fprintf(stderr, "%s: %lld layered nodes\n", c.name.c_str(), (long long)c.qc.circuit.num_nodes());
    // The naive evaluator needs the unlayered circuit: compile the template once more.
    symbolic::GroundProgram gp;
    std::vector<symbolic::CompiledQuery> compiled;
    std::vector<std::int64_t> column_of_variable;
    if (c.single) {
      gp = program.ground({c.single_template});
      compiled = symbolic::compile_queries(gp);
      for (const auto& v : gp.variables) {
        std::int64_t col = -1;
        for (const auto& in : c.qc.inputs)
          if (in.key == v.key) col = in.first_column;
        column_of_variable.push_back(col);
      }
    }
    for (std::int64_t batch : batches) {
      Row row{c.name, batch, c.qc.circuit.num_nodes(), c.qc.circuit.num_edges(),
              static_cast<std::int64_t>(c.qc.circuit.layers.size()), 0, 0, 0, 0, 0};
      const torch::Tensor log_inputs = random_log_inputs(c.qc, batch);
      {
        torch::NoGradGuard no_grad;
        row.forward = median_seconds([&] { tc.forward(log_inputs, bridge::Semiring::log_probability()); }, repeats);
      }
      const torch::Tensor leaf = log_inputs.clone().requires_grad_(true);
      row.backward = median_seconds([&] {
        torch::Tensor loss = -tc.forward(leaf, bridge::Semiring::log_probability()).sum();
        loss.backward();
      }, repeats);
      if (c.single && naive_examples > 0 && batch <= 128) {
        const torch::Tensor probs = log_inputs.exp().cpu().requires_grad_(true);
        const double per_example = median_seconds([&] {
          for (int e = 0; e < naive_examples; ++e) {
            torch::Tensor lp = naive_log_probability(compiled[0].circuit, column_of_variable, probs[e % batch]);
            (-lp).backward();
          }
        }, std::max(1, repeats / 2)) / naive_examples;
        row.naive = per_example * batch;
      }
      const std::int64_t images = batch * c.images_per_example;
      if (images <= 8192) {
        const torch::Tensor x = torch::rand({images, 1, 28, 28}, torch::TensorOptions().device(g_device));
        row.lenet = median_seconds([&] {
          lenet->zero_grad();
          torch::log_softmax(lenet->forward(x), 1).sum().backward();
        }, repeats);
      }
      rows.push_back(row);
    }
  }
  print_rows(rows);
  std::printf("\nlargest circuit: effective traffic of a forward pass, counted as "
              "4 bytes x batch x (3 x edges + 2 x nodes) per pass:\n");
  const Row* biggest = nullptr;
  for (const Row& r : rows)
    if (!biggest || r.edges * r.batch > biggest->edges * biggest->batch) biggest = &r;
  if (biggest)
    std::printf("%s, batch %lld: %.1f GB/s\n", biggest->circuit.c_str(), (long long)biggest->batch,
                4.0 * biggest->batch * (3.0 * biggest->edges + 2.0 * biggest->nodes) / biggest->forward / 1e9);
  std::printf("\ncircuit cache: %d templates compiled in %.2f s\n", cache.stats().compiled,
              cache.stats().compile_seconds);
  return 0;
}
