#pragma once
// Helpers shared by the circuit tests.
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

}  // namespace gedilog::testing
