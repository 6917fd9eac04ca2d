#include "symbolic/mdd.h"

#include <algorithm>
#include <string>
#include <utility>

#include "symbolic/error.h"

namespace gedilog::symbolic {

namespace {

constexpr std::size_t kInitialCapacity = 1024;  // power of two for every hash table

// Tables grow past 70% load: linear probing stays short and memory stays moderate.
bool over_load(std::size_t count, std::size_t capacity) { return (count + 1) * 10 > capacity * 7; }

// MurmurHash3's 64-bit finaliser: every input bit reaches the low bits used as slot index.
std::uint64_t mix(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

std::uint32_t hash_node(int var, const MddRef* kids, int k) {
  std::uint64_t h = static_cast<std::uint32_t>(var);
  for (int i = 0; i < k; ++i) h = (h + kids[i]) * 0x9e3779b97f4a7c15ULL;
  return static_cast<std::uint32_t>(mix(h));
}

std::size_t hash_pair(MddRef a, MddRef b) {
  return static_cast<std::size_t>(mix((static_cast<std::uint64_t>(a) << 32) | b));
}

// Products of per-variable weight sums over ranges of levels (an iterative segment tree): the
// factor of the variables an edge skips, without dividing prefix products (zeros, underflow).
class RangeProduct {
 public:
  explicit RangeProduct(const std::vector<double>& values)
      : n_(values.size()), tree_(2 * values.size(), 1.0) {
    std::copy(values.begin(), values.end(), tree_.begin() + n_);
    for (std::size_t i = n_; i-- > 1;) tree_[i] = tree_[2 * i] * tree_[2 * i + 1];
  }
  // Product of values[l, r).
  double product(std::size_t l, std::size_t r) const {
    double result = 1.0;
    for (l += n_, r += n_; l < r; l >>= 1, r >>= 1) {
      if (l & 1) result *= tree_[l++];
      if (r & 1) result *= tree_[--r];
    }
    return result;
  }

 private:
  std::size_t n_;
  std::vector<double> tree_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Computed table

Mdd::ComputedTable::ComputedTable() : entries_(kInitialCapacity) {}

MddRef Mdd::ComputedTable::find(MddRef a, MddRef b) const {
  const std::size_t mask = entries_.size() - 1;
  for (std::size_t i = hash_pair(a, b) & mask;; i = (i + 1) & mask) {
    const Entry& e = entries_[i];
    if (e.a == kFalse) return kNone;
    if (e.a == a && e.b == b) return e.result;
  }
}

void Mdd::ComputedTable::insert(MddRef a, MddRef b, MddRef result) {
  if (over_load(count_, entries_.size())) grow();
  const std::size_t mask = entries_.size() - 1;
  std::size_t i = hash_pair(a, b) & mask;
  while (entries_[i].a != kFalse && !(entries_[i].a == a && entries_[i].b == b)) {
    i = (i + 1) & mask;
  }
  if (entries_[i].a == kFalse) ++count_;
  entries_[i] = Entry{a, b, result};
}

void Mdd::ComputedTable::grow() {
  std::vector<Entry> old(entries_.size() * 2);
  old.swap(entries_);
  const std::size_t mask = entries_.size() - 1;
  for (const Entry& e : old) {
    if (e.a == kFalse) continue;
    std::size_t i = hash_pair(e.a, e.b) & mask;
    while (entries_[i].a != kFalse) i = (i + 1) & mask;
    entries_[i] = e;
  }
}

// ---------------------------------------------------------------------------------------------
// Nodes

Mdd::Mdd() : unique_(kInitialCapacity) {
  // The two terminals occupy refs kFalse and kTrue; they own no children.
  vars_ = {kTerminalVar, kTerminalVar};
  child_offsets_ = {0, 0};
  negation_ = {kTrue, kFalse};
}

int Mdd::add_variable(int domain_size) {
  GEDILOG_CHECK(domain_size >= 2, "domain size " + std::to_string(domain_size) + " below 2");
  domain_sizes_.push_back(domain_size);
  return num_variables() - 1;
}

void Mdd::check_ref(MddRef r) const {
  GEDILOG_CHECK(r < vars_.size(), "unknown MDD node " + std::to_string(r));
}

int Mdd::var_of(MddRef r) const {
  check_ref(r);
  return vars_[r];
}

const MddRef* Mdd::children_of(MddRef r) const {
  check_ref(r);
  GEDILOG_CHECK(!is_terminal(r), "terminals have no children");
  return &children_[child_offsets_[r]];
}

MddRef Mdd::literal(int var, int value) {
  GEDILOG_CHECK(var >= 0 && var < num_variables(), "unknown variable " + std::to_string(var));
  GEDILOG_CHECK(
      value >= 0 && value < domain_sizes_[var],
      "value " + std::to_string(value) + " outside the domain of variable " + std::to_string(var));
  std::vector<MddRef> kids(domain_sizes_[var], kFalse);
  kids[value] = kTrue;
  return find_or_add_node(var, kids.data());
}

MddRef Mdd::make_node(int var, const std::vector<MddRef>& children) {
  GEDILOG_CHECK(var >= 0 && var < num_variables(), "unknown variable " + std::to_string(var));
  GEDILOG_CHECK(children.size() == static_cast<std::size_t>(domain_sizes_[var]),
                "variable " + std::to_string(var) + " needs " + std::to_string(domain_sizes_[var]) +
                    " children, got " + std::to_string(children.size()));
  for (MddRef c : children) {
    check_ref(c);
    GEDILOG_CHECK(is_terminal(c) || vars_[c] > var,
                  "child of variable " + std::to_string(vars_[c]) + " is not below variable " +
                      std::to_string(var));
  }
  return find_or_add_node(var, children.data());
}

MddRef Mdd::find_or_add_node(int var, const MddRef* kids) {
  const int k = domain_sizes_[var];
  // Reduction: a test whose outcomes all lead to the same function is that function.
  if (std::all_of(kids + 1, kids + k, [&](MddRef c) { return c == kids[0]; })) return kids[0];

  if (over_load(unique_count_, unique_.size())) grow_unique();
  const std::uint32_t h = hash_node(var, kids, k);
  const std::size_t mask = unique_.size() - 1;
  std::size_t i = h & mask;
  for (; unique_[i].ref != kFalse; i = (i + 1) & mask) {
    const UniqueSlot& slot = unique_[i];
    if (slot.hash == h && vars_[slot.ref] == var &&
        std::equal(kids, kids + k, &children_[child_offsets_[slot.ref]])) {
      return slot.ref;
    }
  }

  GEDILOG_CHECK(vars_.size() < kNone, "too many MDD nodes");
  GEDILOG_CHECK(children_.size() + k <= 0xFFFFFFFFu, "too many MDD edges");
  const auto ref = static_cast<MddRef>(vars_.size());
  vars_.push_back(var);
  child_offsets_.push_back(static_cast<std::uint32_t>(children_.size()));
  children_.insert(children_.end(), kids, kids + k);
  negation_.push_back(kNone);
  unique_[i] = UniqueSlot{ref, h};
  ++unique_count_;
  return ref;
}

void Mdd::grow_unique() {
  std::vector<UniqueSlot> old(unique_.size() * 2);
  old.swap(unique_);
  const std::size_t mask = unique_.size() - 1;
  for (const UniqueSlot& slot : old) {
    if (slot.ref == kFalse) continue;
    std::size_t i = slot.hash & mask;
    while (unique_[i].ref != kFalse) i = (i + 1) & mask;
    unique_[i] = slot;
  }
}

// ---------------------------------------------------------------------------------------------
// Operations

MddRef Mdd::apply_and(MddRef a, MddRef b) {
  check_ref(a);
  check_ref(b);
  return apply(Op::kAnd, a, b);
}

MddRef Mdd::apply_or(MddRef a, MddRef b) {
  check_ref(a);
  check_ref(b);
  return apply(Op::kOr, a, b);
}

MddRef Mdd::negate(MddRef a) {
  check_ref(a);
  return negate_node(a);
}

// Shannon expansion over the top variable of a and b. The recursion descends one variable per
// call, so its depth is bounded by the number of variables.
MddRef Mdd::apply(Op op, MddRef a, MddRef b) {
  if (op == Op::kAnd) {
    if (a == kFalse || b == kFalse) return kFalse;
    if (a == kTrue) return b;
    if (b == kTrue || a == b) return a;
  } else {
    if (a == kTrue || b == kTrue) return kTrue;
    if (a == kFalse) return b;
    if (b == kFalse || a == b) return a;
  }
  if (negation_[a] == b) return op == Op::kAnd ? kFalse : kTrue;
  if (a > b) std::swap(a, b);  // both operations commute: one cache entry per pair
  ComputedTable& table = op == Op::kAnd ? and_table_ : or_table_;
  if (const MddRef cached = table.find(a, b); cached != kNone) return cached;

  const int var_a = vars_[a];
  const int var_b = vars_[b];
  const int var = std::min(var_a, var_b);
  const int k = domain_sizes_[var];
  const std::size_t base = scratch_.size();
  for (int i = 0; i < k; ++i) {
    // Indices, not pointers: children_ may reallocate during the recursive call.
    const MddRef ca = var_a == var ? children_[child_offsets_[a] + i] : a;
    const MddRef cb = var_b == var ? children_[child_offsets_[b] + i] : b;
    const MddRef r = apply(op, ca, cb);
    scratch_.push_back(r);
  }
  const MddRef result = find_or_add_node(var, &scratch_[base]);
  scratch_.resize(base);
  table.insert(a, b, result);
  return result;
}

MddRef Mdd::negate_node(MddRef a) {
  if (negation_[a] != kNone) return negation_[a];  // terminals are preset
  const int var = vars_[a];
  const int k = domain_sizes_[var];
  const std::size_t base = scratch_.size();
  for (int i = 0; i < k; ++i) {
    const MddRef r = negate_node(children_[child_offsets_[a] + i]);
    scratch_.push_back(r);
  }
  const MddRef result = find_or_add_node(var, &scratch_[base]);
  scratch_.resize(base);
  negation_[a] = result;
  negation_[result] = a;
  return result;
}

// ---------------------------------------------------------------------------------------------
// Queries

std::vector<MddRef> Mdd::reachable(MddRef root) const {
  check_ref(root);
  // Every reachable ref is at most root, so a bitmap up to root marks visits.
  std::vector<bool> seen(root + 1, false);
  std::vector<MddRef> nodes;
  std::vector<MddRef> stack = {root};
  seen[root] = true;
  while (!stack.empty()) {
    const MddRef r = stack.back();
    stack.pop_back();
    nodes.push_back(r);
    if (is_terminal(r)) continue;
    const MddRef* kids = &children_[child_offsets_[r]];
    for (int i = 0; i < domain_sizes_[vars_[r]]; ++i) {
      if (!seen[kids[i]]) {
        seen[kids[i]] = true;
        stack.push_back(kids[i]);
      }
    }
  }
  std::sort(nodes.begin(), nodes.end());
  return nodes;
}

std::size_t Mdd::size(MddRef root) const { return reachable(root).size(); }

bool Mdd::evaluate(MddRef root, const std::vector<int>& assignment) const {
  check_ref(root);
  MddRef r = root;
  while (!is_terminal(r)) {
    const int var = vars_[r];
    GEDILOG_CHECK(static_cast<std::size_t>(var) < assignment.size(),
                  "assignment lacks variable " + std::to_string(var));
    const int value = assignment[var];
    GEDILOG_CHECK(value >= 0 && value < domain_sizes_[var], "value " + std::to_string(value) +
                                                                " outside the domain of variable " +
                                                                std::to_string(var));
    r = children_[child_offsets_[r] + value];
  }
  return r == kTrue;
}

double Mdd::weighted_count(MddRef root, const std::vector<std::vector<double>>& weights) const {
  const std::size_t n = domain_sizes_.size();
  GEDILOG_CHECK(weights.size() == n, "need weights for " + std::to_string(n) + " variables, got " +
                                         std::to_string(weights.size()));
  std::vector<double> sums(n, 0.0);
  for (std::size_t v = 0; v < n; ++v) {
    GEDILOG_CHECK(weights[v].size() == static_cast<std::size_t>(domain_sizes_[v]),
                  "weights of variable " + std::to_string(v) + " do not match its domain");
    for (double w : weights[v]) sums[v] += w;
  }
  const RangeProduct skipped(sums);
  // Level of a node in the order; terminals sit below the last variable.
  auto level = [&](MddRef r) { return is_terminal(r) ? n : static_cast<std::size_t>(vars_[r]); };

  // count[i]: weighted count of nodes[i] over the variables from its own level down.
  const std::vector<MddRef> nodes = reachable(root);
  std::vector<double> count(nodes.size(), 0.0);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const MddRef r = nodes[i];
    if (is_terminal(r)) {
      count[i] = r == kTrue ? 1.0 : 0.0;
      continue;
    }
    const auto var = static_cast<std::size_t>(vars_[r]);
    const MddRef* kids = &children_[child_offsets_[r]];
    double total = 0.0;
    for (int v = 0; v < domain_sizes_[var]; ++v) {
      // Children have smaller refs, so they were counted earlier in the ascending order.
      const std::size_t j = std::lower_bound(nodes.begin(), nodes.end(), kids[v]) - nodes.begin();
      const std::size_t child_level = level(kids[v]);
      double c = count[j];
      if (c != 0.0 && child_level > var + 1) c *= skipped.product(var + 1, child_level);
      total += weights[var][v] * c;
    }
    count[i] = total;
  }
  return skipped.product(0, level(root)) * count.back();
}

}  // namespace gedilog::symbolic
