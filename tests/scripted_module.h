#pragma once
// A TorchScript module made in C++ as PyTorch users make theirs (torch.jit.script(model).save):
// an MLP on flattened inputs, in -> hidden (ReLU) -> out.
#include <torch/script.h>

#include <cmath>
#include <string>

namespace gedilog::testing {

inline void save_scripted_mlp(const std::string& file, std::int64_t in, std::int64_t hidden, std::int64_t out) {
  torch::jit::Module m("ScriptedMlp");
  m.register_attribute("training", c10::BoolType::get(), true);
  m.register_parameter("w1", torch::randn({in, hidden}) / std::sqrt(static_cast<double>(in)), false);
  m.register_parameter("b1", torch::zeros({hidden}), false);
  m.register_parameter("w2", torch::randn({hidden, out}) / std::sqrt(static_cast<double>(hidden)), false);
  m.register_parameter("b2", torch::zeros({out}), false);
  m.define(R"(
def forward(self, x):
    h = torch.relu(torch.matmul(x.flatten(1), self.w1) + self.b1)
    return torch.matmul(h, self.w2) + self.b2
)");
  m.save(file);
}

}  // namespace gedilog::testing
