#include "symbolic/layered_circuit.h"

#include <algorithm>
#include <cstring>
#include <tuple>

#include "core/error.h"

namespace gedilog::symbolic {

std::int64_t LayeredCircuit::num_nodes() const {
  std::int64_t n = num_inputs();
  for (const Layer& layer : layers) n += layer.size();
  return n;
}

std::int64_t LayeredCircuit::num_edges() const {
  std::int64_t n = 0;
  for (const Layer& layer : layers) n += static_cast<std::int64_t>(layer.children.size());
  return n;
}

std::vector<double> LayeredCircuit::evaluate(const std::vector<double>& columns) const {
  GEDILOG_CHECK(static_cast<std::int64_t>(columns.size()) == num_columns,
                "layered circuit evaluated with the wrong number of columns");
  std::vector<double> inputs = columns;
  inputs.insert(inputs.end(), constants.begin(), constants.end());
  std::vector<double> values = inputs;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const Layer& layer = layers[l];
    if (l > 0) values.insert(values.end(), inputs.begin(), inputs.end());  // readable from every layer
    std::vector<double> next(layer.size());
    for (std::int64_t i = 0; i < layer.size(); ++i) {
      const bool sum = i < layer.num_sums;
      double v = sum ? 0.0 : 1.0;
      for (std::int64_t e = layer.offsets[i]; e < layer.offsets[i + 1]; ++e)
        v = sum ? v + values[layer.children[e]] : v * values[layer.children[e]];
      next[i] = v;
    }
    values.swap(next);
  }
  std::vector<double> result;
  for (std::int64_t r : roots) result.push_back(values[r]);
  return result;
}

// --- Builder: fold and share ---------------------------------------------------------------

std::size_t LayeredCircuitBuilder::NodeHash::operator()(const Node& n) const {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &n.value, sizeof bits);
  std::size_t h = std::hash<std::uint64_t>()(bits) ^ (static_cast<std::size_t>(n.kind) << 1) ^
                  (std::hash<std::int64_t>()(n.column) << 3);
  for (int c : n.children) h = h * 1000003u ^ static_cast<std::size_t>(c);
  return h;
}

bool LayeredCircuitBuilder::NodeEqual::operator()(const Node& a, const Node& b) const {
  return a.kind == b.kind && a.column == b.column &&
         std::memcmp(&a.value, &b.value, sizeof a.value) == 0 && a.children == b.children;
}

int LayeredCircuitBuilder::intern(Node node) {
  auto [it, fresh] = index_.try_emplace(node, static_cast<int>(nodes_.size()));
  if (fresh) nodes_.push_back(std::move(node));
  return it->second;
}

int LayeredCircuitBuilder::column(std::int64_t c) { return intern({Node::kColumn, c, 0.0, {}}); }

int LayeredCircuitBuilder::constant(double value) {
  return intern({Node::kConstant, -1, value, {}});
}

bool LayeredCircuitBuilder::is_constant(int id, double value) const {
  return nodes_[id].kind == Node::kConstant && nodes_[id].value == value;
}

int LayeredCircuitBuilder::combine(Node::Kind kind, std::vector<int> children) {
  // Children may repeat (x + x is not x): they are kept as a sorted multiset.
  std::vector<int> rest;
  double folded = kind == Node::kSum ? 0.0 : 1.0;
  bool any_folded = false;
  for (int c : children) {
    if (kind == Node::kProduct && is_constant(c, 0.0)) return constant(0.0);
    const bool fold = nodes_[c].kind == Node::kConstant &&
                      (kind == Node::kProduct || folding_ == Folding::kSumProduct);
    if (kind == Node::kSum && is_constant(c, 0.0)) continue;  // x + 0 = max(x, 0) = x
    if (fold) {
      if (kind == Node::kSum && any_folded) sums_folded_ = true;  // c1 + c2 is not max(c1, c2)
      folded = kind == Node::kSum ? folded + nodes_[c].value : folded * nodes_[c].value;
      any_folded = true;
    } else {
      rest.push_back(c);
    }
  }
  const double neutral = kind == Node::kSum ? 0.0 : 1.0;
  if (rest.empty()) return constant(any_folded ? folded : neutral);
  if (any_folded && folded != neutral) rest.push_back(constant(folded));
  if (rest.size() == 1) return rest[0];
  std::sort(rest.begin(), rest.end());
  return intern({kind, -1, 0.0, std::move(rest)});
}

void LayeredCircuitBuilder::add(const Circuit& circuit,
                                const std::function<LeafInput(int, int)>& leaf) {
  using Kind = CircuitNode::Kind;
  const CircuitGraph& g = circuit.graph();
  std::vector<int> mapped(circuit.num_nodes());
  for (std::size_t id = 0; id < mapped.size(); ++id) {  // ids are a topological order
    const CircuitNode& n = g[id];
    switch (n.kind) {
      case Kind::kLeaf: {
        const LeafInput in = leaf(n.variable, n.value);
        mapped[id] = in.column >= 0 ? column(in.column) : constant(in.constant);
        break;
      }
      case Kind::kTrue: mapped[id] = constant(1.0); break;
      case Kind::kFalse: mapped[id] = constant(0.0); break;
      case Kind::kSum:
      case Kind::kProduct: {
        std::vector<int> children;
        for (auto [e, end] = boost::out_edges(id, g); e != end; ++e)
          children.push_back(mapped[boost::target(*e, g)]);
        mapped[id] = combine(n.kind == Kind::kSum ? Node::kSum : Node::kProduct, children);
        break;
      }
    }
  }
  for (int r : circuit.roots()) roots_.push_back(mapped[r]);
}

void LayeredCircuitBuilder::add(const LayeredCircuit& circuit,
                                const std::vector<std::int64_t>& column_map) {
  GEDILOG_CHECK(static_cast<std::int64_t>(column_map.size()) == circuit.num_columns,
                "column map of the wrong size");
  std::vector<int> inputs;
  for (std::int64_t c = 0; c < circuit.num_columns; ++c) inputs.push_back(column(column_map[c]));
  for (double v : circuit.constants) inputs.push_back(constant(v));
  std::vector<int> previous = inputs;
  for (std::size_t l = 0; l < circuit.layers.size(); ++l) {
    const LayeredCircuit::Layer& layer = circuit.layers[l];
    const std::int64_t size = l == 0 ? 0 : static_cast<std::int64_t>(previous.size());  // inputs follow
    std::vector<int> current(layer.size());
    for (std::int64_t i = 0; i < layer.size(); ++i) {
      std::vector<int> children;
      for (std::int64_t e = layer.offsets[i]; e < layer.offsets[i + 1]; ++e) {
        const std::int64_t c = layer.children[e];
        children.push_back(l > 0 && c >= size ? inputs[c - size] : previous[c]);
      }
      current[i] = combine(i < layer.num_sums ? Node::kSum : Node::kProduct, children);
    }
    previous.swap(current);
  }
  for (std::int64_t r : circuit.roots) roots_.push_back(previous[r]);
  sums_folded_ = sums_folded_ || circuit.sums_folded;
}

// --- Builder: layer ------------------------------------------------------------------------

LayeredCircuit LayeredCircuitBuilder::build(std::int64_t num_columns) const {
  const int n = static_cast<int>(nodes_.size());
  // Depth: inputs 0, an operation one above its deepest child. Ids are children-first.
  std::vector<int> depth(n, 0);
  for (int id = 0; id < n; ++id)
    for (int c : nodes_[id].children) depth[id] = std::max(depth[id], depth[c] + 1);
  int top = 0;
  for (int r : roots_) top = std::max(top, depth[r]);

  // reach[id]: the highest layer that needs node id (-1: unused, dropped).
  std::vector<int> reach(n, -1);
  for (int r : roots_) reach[r] = top;
  // Inputs are readable from every layer: only operations need pass-through chains.
  for (int id = n - 1; id >= 0; --id) {
    if (reach[id] < 0) continue;
    for (int c : nodes_[id].children) reach[c] = std::max(reach[c], depth[c] == 0 ? 0 : depth[id] - 1);
  }

  LayeredCircuit out;
  out.num_columns = num_columns;
  out.sums_folded = sums_folded_;
  // position[id][l - depth[id]]: where node id (or its pass-through copy) sits in layer l.
  std::vector<std::vector<std::int64_t>> position(n);
  for (int id = 0; id < n; ++id) {
    if (reach[id] < 0) continue;
    position[id].resize(reach[id] - depth[id] + 1);
    if (depth[id] > 0) continue;
    const Node& node = nodes_[id];
    if (node.kind == Node::kColumn) {
      GEDILOG_CHECK(node.column < num_columns, "leaf column beyond the input columns");
      position[id][0] = node.column;
    } else {
      position[id][0] = num_columns + static_cast<std::int64_t>(out.constants.size());
      out.constants.push_back(node.value);
    }
  }

  // Nodes of each layer, real or pass-through copies.
  std::vector<std::vector<int>> members(top + 1);
  for (int id = 0; id < n; ++id)
    for (int l = std::max(depth[id], 1); l <= reach[id]; ++l) members[l].push_back(id);

  std::int64_t previous = out.num_inputs();  // size of layer l - 1
  for (int l = 1; l <= top; ++l) {
    auto is_copy = [&](int id) { return depth[id] < l; };
    auto key = [&](int id) {
      const bool sum = is_copy(id) || nodes_[id].kind == Node::kSum;
      const std::size_t fan_in = is_copy(id) ? 1 : nodes_[id].children.size();
      return std::make_tuple(!sum, fan_in, id);
    };
    std::vector<int>& ids = members[l];
    std::sort(ids.begin(), ids.end(), [&](int a, int b) { return key(a) < key(b); });
    LayeredCircuit::Layer layer;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const int id = ids[i];
      position[id][l - depth[id]] = static_cast<std::int64_t>(i);
      if (is_copy(id)) {
        layer.children.push_back(position[id][l - 1 - depth[id]]);
      } else {
        for (int c : nodes_[id].children)
          layer.children.push_back(depth[c] > 0 || l == 1 ? position[c][l - 1 - depth[c]] : previous + position[c][0]);
      }
      layer.offsets.push_back(static_cast<std::int64_t>(layer.children.size()));
      if (!std::get<0>(key(id))) ++layer.num_sums;
    }
    previous = layer.size();
    out.layers.push_back(std::move(layer));
  }
  for (int r : roots_) out.roots.push_back(position[r][top - depth[r]]);
  return out;
}

}  // namespace gedilog::symbolic
