#include "symbolic/circuit.h"

#include <algorithm>
#include <map>
#include <ostream>
#include <unordered_map>

#include "core/error.h"

namespace gedilog::symbolic {

namespace {

using Kind = CircuitNode::Kind;

// Adds nodes to a circuit graph; one leaf per (variable, value) and one sum over all values per
// variable (what smoothing multiplies in), shared by every node that asks.
class NodeWriter {
 public:
  explicit NodeWriter(CircuitGraph& graph) : graph_(graph) {}

  int add(CircuitNode n, const std::vector<int>& children) {
    const int id = static_cast<int>(boost::add_vertex(n, graph_));
    for (int c : children) boost::add_edge(id, c, graph_);
    return id;
  }

  int constant(Kind kind) {
    int& id = kind == Kind::kTrue ? true_ : false_;
    if (id < 0) id = add({kind, -1, -1}, {});
    return id;
  }

  int leaf(int variable, int value) {
    auto [it, fresh] = leaves_.try_emplace({variable, value}, -1);
    if (fresh) it->second = add({Kind::kLeaf, variable, value}, {});
    return it->second;
  }

  int all_values(int variable, int domain_size) {
    auto [it, fresh] = all_values_.try_emplace(variable, -1);
    if (fresh) {
      std::vector<int> children;
      for (int v = 0; v < domain_size; ++v) children.push_back(leaf(variable, v));
      it->second = add({Kind::kSum, -1, -1}, children);
    }
    return it->second;
  }

 private:
  CircuitGraph& graph_;
  int true_ = -1, false_ = -1;
  std::map<std::pair<int, int>, int> leaves_;
  std::unordered_map<int, int> all_values_;
};

// Builds the circuit of MDDs bottom-up, sharing every node it can.
class Builder {
 public:
  Builder(const Mdd& mdd, const std::vector<int>& program_variable, CircuitGraph& graph)
      : mdd_(mdd), program_variable_(program_variable), out_(graph) {}

  int root(MddRef r) {
    if (r == Mdd::kFalse) return out_.constant(Kind::kFalse);
    return node(r);
  }

 private:
  int leaf(int mdd_var, int value) { return out_.leaf(program_variable_[mdd_var], value); }

  // Sum over all values of a variable: multiplies in a variable a branch does not mention.
  int all_values(int mdd_var) {
    return out_.all_values(program_variable_[mdd_var], mdd_.domain_size(mdd_var));
  }

  // Sorted set of the variables an MDD depends on.
  const std::vector<int>& support(MddRef r) {
    auto [it, fresh] = support_.try_emplace(r);
    if (fresh && !Mdd::is_terminal(r)) {
      std::vector<int> s{mdd_.var_of(r)};
      const MddRef* children = mdd_.children_of(r);
      for (int v = 0; v < mdd_.domain_size(mdd_.var_of(r)); ++v) {
        const std::vector<int>& cs = support(children[v]);
        std::vector<int> merged;
        std::set_union(s.begin(), s.end(), cs.begin(), cs.end(), std::back_inserter(merged));
        s.swap(merged);
      }
      support_[r] = std::move(s);  // the recursion may have rehashed: look up again
      return support_[r];
    }
    return it->second;
  }

  int node(MddRef r) {
    if (r == Mdd::kTrue) return out_.constant(Kind::kTrue);
    if (auto it = nodes_.find(r); it != nodes_.end()) return it->second;
    const int var = mdd_.var_of(r);
    const std::vector<int> scope = support(r);
    const MddRef* children = mdd_.children_of(r);
    std::vector<int> terms;
    for (int v = 0; v < mdd_.domain_size(var); ++v) {
      if (children[v] == Mdd::kFalse) continue;
      std::vector<int> factors{leaf(var, v)};
      if (children[v] != Mdd::kTrue) factors.push_back(node(children[v]));
      // Smoothing: the variables of this node that the branch does not mention.
      const std::vector<int>& cs = support(children[v]);
      for (int w : scope)
        if (w != var && !std::binary_search(cs.begin(), cs.end(), w))
          factors.push_back(all_values(w));
      terms.push_back(factors.size() == 1 ? factors[0] : out_.add({Kind::kProduct, -1, -1}, factors));
    }
    GEDILOG_CHECK(!terms.empty(), "an MDD node with only false children");
    const int id = terms.size() == 1 ? terms[0] : out_.add({Kind::kSum, -1, -1}, terms);
    nodes_.emplace(r, id);
    return id;
  }

  const Mdd& mdd_;
  const std::vector<int>& program_variable_;
  NodeWriter out_;
  std::unordered_map<MddRef, std::vector<int>> support_;
  std::unordered_map<MddRef, int> nodes_;
};

}  // namespace

Circuit Circuit::from_mdd(const Mdd& mdd, const std::vector<MddRef>& roots,
                          const std::vector<int>& program_variable) {
  Circuit circuit;
  Builder builder(mdd, program_variable, circuit.graph_);
  for (MddRef r : roots) circuit.roots_.push_back(builder.root(r));
  return circuit;
}

Circuit Circuit::from_nnf(const Nnf& nnf, const std::vector<int>& roots,
                          const std::vector<int>& domain_size) {
  using NnfKind = Nnf::Kind;
  Circuit circuit;
  NodeWriter out(circuit.graph_);
  // Only the nodes the roots reach; ids are children first, so one pass down marks them.
  std::vector<char> reached(nnf.size(), 0);
  for (int r : roots) reached.at(r) = 1;
  for (int n = static_cast<int>(nnf.size()) - 1; n >= 0; --n)
    if (reached[n])
      for (const int* c = nnf.children_begin(n); c != nnf.children_end(n); ++c) reached[*c] = 1;

  std::vector<int> id(nnf.size(), -1);
  std::vector<std::vector<int>> scope(nnf.size());  // sorted variables below each node
  for (int n = 0; n < static_cast<int>(nnf.size()); ++n) {
    if (!reached[n]) continue;
    std::vector<int> kids(nnf.children_begin(n), nnf.children_end(n));
    switch (nnf.kind(n)) {
      case NnfKind::kFalse: id[n] = out.constant(Kind::kFalse); break;
      case NnfKind::kTrue: id[n] = out.constant(Kind::kTrue); break;
      case NnfKind::kLeaf:
        id[n] = out.leaf(nnf.variable(n), nnf.value(n));
        scope[n] = {nnf.variable(n)};
        break;
      case NnfKind::kAnd:
      case NnfKind::kOr: {
        std::vector<int> all;
        for (int k : kids) {
          std::vector<int> merged;
          std::set_union(all.begin(), all.end(), scope[k].begin(), scope[k].end(),
                         std::back_inserter(merged));
          all.swap(merged);
        }
        std::vector<int> children;
        for (int k : kids) {
          if (nnf.kind(n) == NnfKind::kAnd || scope[k].size() == all.size()) {
            children.push_back(id[k]);
            continue;
          }
          // Smoothing: the variables of this sum that the branch does not mention.
          std::vector<int> factors;
          if (nnf.kind(k) != NnfKind::kTrue) factors.push_back(id[k]);
          for (int w : all)
            if (!std::binary_search(scope[k].begin(), scope[k].end(), w))
              factors.push_back(out.all_values(w, domain_size.at(w)));
          children.push_back(factors.size() == 1 ? factors[0]
                                                 : out.add({Kind::kProduct, -1, -1}, factors));
        }
        id[n] = out.add({nnf.kind(n) == NnfKind::kAnd ? Kind::kProduct : Kind::kSum, -1, -1}, children);
        scope[n] = std::move(all);
        break;
      }
    }
  }
  for (int r : roots) circuit.roots_.push_back(id[r]);
  return circuit;
}

std::vector<double> Circuit::evaluate(const std::vector<std::vector<double>>& weights) const {
  std::vector<double> value(num_nodes());
  // Node ids are a topological order (children first).
  for (std::size_t id = 0; id < value.size(); ++id) {
    const CircuitNode& n = graph_[id];
    switch (n.kind) {
      case Kind::kLeaf:
        value[id] = weights.at(n.variable).at(n.value);
        break;
      case Kind::kTrue:
        value[id] = 1.0;
        break;
      case Kind::kFalse:
        value[id] = 0.0;
        break;
      case Kind::kSum: {
        double s = 0.0;
        for (auto [e, end] = boost::out_edges(id, graph_); e != end; ++e)
          s += value[boost::target(*e, graph_)];
        value[id] = s;
        break;
      }
      case Kind::kProduct: {
        double p = 1.0;
        for (auto [e, end] = boost::out_edges(id, graph_); e != end; ++e)
          p *= value[boost::target(*e, graph_)];
        value[id] = p;
        break;
      }
    }
  }
  std::vector<double> result;
  for (int r : roots_) result.push_back(value[r]);
  return result;
}

namespace {

std::string dot_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

void Circuit::write_dot(std::ostream& out, const GroundProgram& program,
                        const std::vector<std::string>& root_labels) const {
  out << "digraph circuit {\n  rankdir=BT;\n  node [fontname=\"Helvetica\"];\n";
  for (std::size_t id = 0; id < num_nodes(); ++id) {
    const CircuitNode& n = graph_[id];
    std::string label, shape = "circle";
    switch (n.kind) {
      case Kind::kLeaf: {
        // A head of an annotated disjunction names itself; "none" and neural values need the
        // variable's name.
        const RandomVariable& var = program.variables.at(n.variable);
        const std::string& value = var.value_names.at(n.value);
        label = var.is_neural() ? var.name + " = " + value
                : value == "none" ? "none of " + var.name
                                  : value;
        shape = "box";
        break;
      }
      case Kind::kSum: label = "+"; break;
      case Kind::kProduct: label = "×"; break;
      case Kind::kTrue: label = "1"; shape = "plaintext"; break;
      case Kind::kFalse: label = "0"; shape = "plaintext"; break;
    }
    out << "  n" << id << " [label=\"" << dot_escape(label) << "\", shape=" << shape << "];\n";
  }
  for (std::size_t id = 0; id < num_nodes(); ++id)
    for (auto [e, end] = boost::out_edges(id, graph_); e != end; ++e)
      out << "  n" << boost::target(*e, graph_) << " -> n" << id << ";\n";
  for (std::size_t r = 0; r < roots_.size(); ++r) {
    const std::string label = r < root_labels.size() ? root_labels[r] : "root";
    out << "  root" << r << " [label=\"" << dot_escape(label) << "\", shape=doubleoctagon];\n";
    out << "  n" << roots_[r] << " -> root" << r << ";\n";
  }
  out << "}\n";
}

}  // namespace gedilog::symbolic
