// Using gedilog from C++ without the command line: load a program, compile query templates,
// bind a leaf tensor, evaluate, backward, explain.
//
//   build/examples/query_api [examples/mnist_addition.pl]
//
// A stand-in "network" (a learnable table of logits per image) is trained by gradient descent
// on the loss -log P(addition(in(0), in(1), 7)), exactly as a perception network would be.
#include <torch/torch.h>

#include <iostream>

#include "bridge/query_circuit.h"
#include "bridge/tensor_circuit.h"
#include "core/error.h"
#include "symbolic/program.h"

int main(int argc, char** argv) try {
  using namespace gedilog;
  const std::string file = argc > 1 ? argv[1] : GEDILOG_SOURCE_DIR "/examples/mnist_addition.pl";

  // 1. Load the program and compile the templates the data needs (cached on disk: a second
  //    run compiles nothing).
  const symbolic::Program program = symbolic::Program::load(file);
  bridge::CircuitCache cache(program, bridge::Inputs::kNeural, ".gedilog-cache");
  const bridge::QueryCircuit queries =
      cache.merged({"addition(in(0),in(1),7)", "addition(in(0),in(1),8)"});
  const bridge::TensorCircuit circuit(queries.circuit, torch::kCPU);
  std::cout << queries.circuit.num_nodes() << " nodes in " << queries.circuit.layers.size()
            << " layers; templates compiled: " << cache.stats().compiled
            << ", read from the cache folder: " << cache.stats().disk_hits << "\n";

  // 2. Per image, the network's logits (here a learnable table: 2 examples x 2 images).
  torch::manual_seed(0);
  torch::Tensor logits = torch::randn({2, 2, 10}).requires_grad_(true);
  torch::optim::Adam optimizer({logits}, torch::optim::AdamOptions(0.1));
  const torch::Tensor target = torch::tensor({0, 1});  // example 0 sums to 7, example 1 to 8

  for (int step = 0; step < 100; ++step) {
    // 3. Bind the leaf tensor: each neural variable's log-probabilities, [batch, 10].
    const torch::Tensor leaves = bridge::bind_inputs(
        queries, 2, /*log_space=*/true, [&](const bridge::InputVariable& in) {
          return torch::log_softmax(logits.select(1, in.slot()), 1);  // in(K) reads image K
        });
    // 4. Evaluate: log P(query) for every example and query, [batch, queries].
    const torch::Tensor log_p = bridge::log_probabilities(queries, circuit, leaves);
    const torch::Tensor loss = -log_p.gather(1, target.unsqueeze(1)).mean();
    // 5. Backward, into the "network".
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    if (step % 20 == 0) std::cout << "step " << step << ": loss " << loss.item<float>() << "\n";
  }

  // 6. Explain: the most probable digits under each example's sum.
  torch::NoGradGuard no_grad;
  const torch::Tensor leaves = bridge::bind_inputs(queries, 2, true, [&](const bridge::InputVariable& in) {
    return torch::log_softmax(logits.select(1, in.slot()), 1);
  });
  for (int example = 0; example < 2; ++example) {
    const torch::Tensor best = bridge::explain_query(queries, circuit, leaves, example);
    std::cout << queries.queries[example] << ": most probable digits " << best[example][0].item<int>()
              << " + " << best[example][1].item<int>() << "\n";
  }
  return 0;
} catch (const gedilog::UserError& e) {
  std::cerr << e.what() << "\n";
  return 1;
}
