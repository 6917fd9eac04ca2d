#pragma once
// A decision-DNNF over the program's random variables, as the top-down compiler builds it:
// leaves "variable = value", conjunctions of children over disjoint variables, disjunctions of
// mutually exclusive children. Not smooth (Circuit::from_nnf smooths it). Nodes are
// hash-consed and stored children first, so ids are a topological order.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace gedilog::symbolic {

class Nnf {
 public:
  enum class Kind : std::uint8_t { kFalse, kTrue, kLeaf, kAnd, kOr };
  static constexpr int kFalseNode = 0;
  static constexpr int kTrueNode = 1;

  Nnf() {
    add(Kind::kFalse, -1, -1, {});
    add(Kind::kTrue, -1, -1, {});
  }

  int leaf(int variable, int value) { return add(Kind::kLeaf, variable, value, {}); }
  // Conjunction: drops TRUE children, FALSE if any child is FALSE, a single child as itself.
  int conjoin(std::vector<int> children) { return combine(Kind::kAnd, std::move(children)); }
  // Disjunction of mutually exclusive children: drops FALSE children.
  int disjoin(std::vector<int> children) { return combine(Kind::kOr, std::move(children)); }

  std::size_t size() const { return kinds_.size(); }
  Kind kind(int n) const { return kinds_[n]; }
  int variable(int n) const { return variables_[n]; }
  int value(int n) const { return values_[n]; }
  const int* children_begin(int n) const { return children_.data() + offsets_[n]; }
  const int* children_end(int n) const { return children_.data() + offsets_[n + 1]; }

 private:
  int combine(Kind kind, std::vector<int> children) {
    const int neutral = kind == Kind::kAnd ? kTrueNode : kFalseNode;
    std::vector<int> kept;
    kept.reserve(children.size());
    for (int c : children) {
      if (kind == Kind::kAnd && c == kFalseNode) return kFalseNode;
      if (c != neutral) kept.push_back(c);
    }
    if (kept.empty()) return neutral;
    if (kept.size() == 1) return kept[0];
    std::sort(kept.begin(), kept.end());  // one node per set of children
    return add(kind, -1, -1, kept);
  }

  int add(Kind kind, int variable, int value, const std::vector<int>& children) {
    Key key{kind, variable, value, children};
    auto [it, fresh] = unique_.try_emplace(std::move(key), static_cast<int>(kinds_.size()));
    if (!fresh) return it->second;
    kinds_.push_back(kind);
    variables_.push_back(variable);
    values_.push_back(value);
    children_.insert(children_.end(), children.begin(), children.end());
    if (offsets_.empty()) offsets_.push_back(0);
    offsets_.push_back(static_cast<std::uint32_t>(children_.size()));
    return it->second;
  }

  struct Key {
    Kind kind;
    int variable, value;
    std::vector<int> children;
    bool operator==(const Key& o) const {
      return kind == o.kind && variable == o.variable && value == o.value && children == o.children;
    }
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const {
      std::uint64_t h = static_cast<std::uint64_t>(k.kind) * 0x9E3779B97F4A7C15ull;
      auto mix = [&h](std::uint64_t x) { h = (h ^ x) * 0x100000001B3ull + (h >> 29); };
      mix(static_cast<std::uint64_t>(k.variable + 1));
      mix(static_cast<std::uint64_t>(k.value + 1));
      for (int c : k.children) mix(static_cast<std::uint64_t>(c));
      return static_cast<std::size_t>(h);
    }
  };

  std::vector<Kind> kinds_;
  std::vector<int> variables_, values_;
  std::vector<std::uint32_t> offsets_;
  std::vector<int> children_;
  std::unordered_map<Key, int, KeyHash> unique_;
};

}  // namespace gedilog::symbolic
