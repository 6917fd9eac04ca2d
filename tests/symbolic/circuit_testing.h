#pragma once
// Helpers shared by the circuit tests.
#include <string>
#include <vector>

#include "symbolic/circuit.h"

namespace gedilog::testing {

// The children of circuit node `id`, in edge order.
inline std::vector<int> children(const symbolic::Circuit& c, std::size_t id) {
  std::vector<int> out;
  for (auto [e, end] = boost::out_edges(id, c.graph()); e != end; ++e)
    out.push_back(static_cast<int>(boost::target(*e, c.graph())));
  return out;
}

// The edges of a k x k grid, both ways (e(n00,n01), e(n01,n00), ...: cycles of every length),
// as probabilistic facts: 0.6 right, 0.4 left, 0.7 down, 0.3 up.
inline std::string bidirectional_grid_edges(int k) {
  std::string text;
  auto node = [](int r, int c) { return "n" + std::to_string(r) + std::to_string(c); };
  for (int r = 0; r < k; ++r)
    for (int c = 0; c < k; ++c) {
      if (c + 1 < k) text += "0.6::e(" + node(r, c) + "," + node(r, c + 1) + "). 0.4::e(" + node(r, c + 1) + "," + node(r, c) + ").\n";
      if (r + 1 < k) text += "0.7::e(" + node(r, c) + "," + node(r + 1, c) + "). 0.3::e(" + node(r + 1, c) + "," + node(r, c) + ").\n";
    }
  return text;
}

}  // namespace gedilog::testing
