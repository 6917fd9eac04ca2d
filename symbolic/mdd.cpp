#include "symbolic/mdd.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "core/error.h"

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

Mdd::Mdd() : offsets_{0, 0}, unique_(kInitialCapacity) {}

int Mdd::add_variable(int domain_size) {
  GEDILOG_CHECK(domain_size >= 2, "domain size " + std::to_string(domain_size) + " below 2");
  domain_sizes_.push_back(domain_size);
  return num_variables() - 1;
}

void Mdd::check_ref(MddRef r) const {
  GEDILOG_CHECK(r < offsets_.size(), "unknown MDD node " + std::to_string(r));
}

int Mdd::var_of(MddRef r) const {
  check_ref(r);
  return is_terminal(r) ? kTerminalVar : static_cast<int>(field(r, kVarField));
}

const MddRef* Mdd::children_of(MddRef r) const {
  check_ref(r);
  GEDILOG_CHECK(!is_terminal(r), "terminals have no children");
  return &records_[offsets_[r] + kChildrenField];
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
    GEDILOG_CHECK(is_terminal(c) || var_of(c) > var,
                  "child of variable " + std::to_string(var_of(c)) + " is not below variable " +
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
    if (slot.hash == h && field(slot.ref, kVarField) == static_cast<std::uint32_t>(var) &&
        std::equal(kids, kids + k, &records_[offsets_[slot.ref] + kChildrenField])) {
      return slot.ref;
    }
  }

  if (offsets_.size() >= node_limit_)
    throw UserError("ResourceError", "",
                    "the decision diagrams outgrow the limit of " + std::to_string(node_limit_) +
                        " nodes: this program is too large for exact compilation "
                        "(raise it with --max-nodes, or give the program more structure)");
  GEDILOG_CHECK(offsets_.size() < kNone && records_.size() + kChildrenField + k <= kNone,
                "too many MDD nodes");
  const auto ref = static_cast<MddRef>(offsets_.size());
  offsets_.push_back(static_cast<std::uint32_t>(records_.size()));
  records_.push_back(static_cast<std::uint32_t>(var));
  records_.push_back(kNone);
  records_.insert(records_.end(), kids, kids + k);
  unique_[i] = UniqueSlot{ref, h};
  ++unique_count_;
  return ref;
}

void Mdd::place_unique(UniqueSlot slot) {
  const std::size_t mask = unique_.size() - 1;
  std::size_t i = slot.hash & mask;
  while (unique_[i].ref != kFalse) i = (i + 1) & mask;
  unique_[i] = slot;
}

void Mdd::grow_unique() {
  std::vector<UniqueSlot> old(unique_.size() * 2);
  old.swap(unique_);
  for (const UniqueSlot& slot : old)
    if (slot.ref != kFalse) place_unique(slot);
}

void Mdd::collect_garbage(const std::vector<MddRef*>& roots) {
  GEDILOG_CHECK(scratch_.empty(), "garbage collection inside an MDD operation");
  peak_nodes_ = peak_nodes();
  const std::size_t n = offsets_.size();
  std::vector<char> live(n, 0);
  live[kFalse] = live[kTrue] = 1;
  for (const MddRef* r : roots) {
    check_ref(*r);
    live[*r] = 1;
  }
  // Children have smaller refs: one pass from the top marks everything below a live node.
  for (std::size_t r = n; r-- > 2;)
    if (live[r])
      for (int i = 0; i < domain_sizes_[field(static_cast<MddRef>(r), kVarField)]; ++i)
        live[field(static_cast<MddRef>(r), kChildrenField + i)] = 1;

  std::vector<MddRef> remap(n, kNone);
  remap[kFalse] = kFalse;
  remap[kTrue] = kTrue;
  std::vector<std::uint32_t> offsets{0, 0}, records;
  for (std::size_t r = 2; r < n; ++r) {
    if (!live[r]) continue;
    const auto old = static_cast<MddRef>(r);
    const std::uint32_t var = field(old, kVarField);
    remap[r] = static_cast<MddRef>(offsets.size());
    offsets.push_back(static_cast<std::uint32_t>(records.size()));
    records.push_back(var);
    records.push_back(kNone);  // the negation, below
    for (int i = 0; i < domain_sizes_[var]; ++i) records.push_back(remap[field(old, kChildrenField + i)]);
  }
  for (std::size_t r = 2; r < n; ++r)  // negations known on both sides survive
    if (live[r]) {
      const MddRef neg = field(static_cast<MddRef>(r), kNegationField);
      if (neg != kNone && remap[neg] != kNone) records[offsets[remap[r]] + kNegationField] = remap[neg];
    }
  offsets_.swap(offsets);
  records_.swap(records);

  std::size_t capacity = kInitialCapacity;
  while (over_load(offsets_.size(), capacity)) capacity *= 2;
  unique_.assign(capacity, UniqueSlot{});
  unique_count_ = offsets_.size() - 2;
  for (std::size_t r = 2; r < offsets_.size(); ++r) {
    const auto ref = static_cast<MddRef>(r);
    const int var = static_cast<int>(field(ref, kVarField));
    place_unique({ref, hash_node(var, &records_[offsets_[r] + kChildrenField], domain_sizes_[var])});
  }
  and_table_ = ComputedTable();
  or_table_ = ComputedTable();
  for (MddRef* r : roots) *r = remap[*r];
  live_after_collection_ = offsets_.size();
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
  if (field(a, kNegationField) == b) return op == Op::kAnd ? kFalse : kTrue;
  if (a > b) std::swap(a, b);  // both operations commute: one cache entry per pair
  ComputedTable& table = op == Op::kAnd ? and_table_ : or_table_;
  if (const MddRef cached = table.find(a, b); cached != kNone) return cached;

  const int var_a = static_cast<int>(field(a, kVarField));
  const int var_b = static_cast<int>(field(b, kVarField));
  const int var = std::min(var_a, var_b);
  const int k = domain_sizes_[var];
  const std::size_t base = scratch_.size();
  for (int i = 0; i < k; ++i) {
    // Indices, not pointers: records_ may reallocate during the recursive call.
    const MddRef ca = var_a == var ? field(a, kChildrenField + i) : a;
    const MddRef cb = var_b == var ? field(b, kChildrenField + i) : b;
    const MddRef r = apply(op, ca, cb);
    scratch_.push_back(r);
  }
  const MddRef result = find_or_add_node(var, &scratch_[base]);
  scratch_.resize(base);
  table.insert(a, b, result);
  return result;
}

MddRef Mdd::negate_node(MddRef a) {
  if (is_terminal(a)) return a == kFalse ? kTrue : kFalse;
  if (const MddRef known = field(a, kNegationField); known != kNone) return known;
  const int var = static_cast<int>(field(a, kVarField));
  const int k = domain_sizes_[var];
  const std::size_t base = scratch_.size();
  for (int i = 0; i < k; ++i) {
    const MddRef r = negate_node(field(a, kChildrenField + i));
    scratch_.push_back(r);
  }
  const MddRef result = find_or_add_node(var, &scratch_[base]);
  scratch_.resize(base);
  records_[offsets_[a] + kNegationField] = result;
  records_[offsets_[result] + kNegationField] = a;
  return result;
}

// ---------------------------------------------------------------------------------------------
// Queries

std::vector<MddRef> Mdd::reachable(MddRef root) const {
  check_ref(root);
  // Children have smaller refs than their parents, so a bitmap up to root marks visits.
  std::vector<bool> seen(root + 1, false);
  std::vector<MddRef> order;
  // Depth-first, emitting a node once all its children are emitted: (node, next child).
  std::vector<std::pair<MddRef, int>> stack = {{root, 0}};
  seen[root] = true;
  while (!stack.empty()) {
    const auto [r, next] = stack.back();
    if (is_terminal(r) || next == domain_sizes_[field(r, kVarField)]) {
      order.push_back(r);
      stack.pop_back();
      continue;
    }
    ++stack.back().second;
    const MddRef c = field(r, kChildrenField + next);
    if (!seen[c]) {
      seen[c] = true;
      stack.emplace_back(c, 0);
    }
  }
  return order;
}

std::size_t Mdd::size(MddRef root) const { return reachable(root).size(); }

bool Mdd::evaluate(MddRef root, const std::vector<int>& assignment) const {
  check_ref(root);
  MddRef r = root;
  while (!is_terminal(r)) {
    const auto var = field(r, kVarField);
    GEDILOG_CHECK(var < assignment.size(), "assignment lacks variable " + std::to_string(var));
    const int value = assignment[var];
    GEDILOG_CHECK(value >= 0 && value < domain_sizes_[var], "value " + std::to_string(value) +
                                                                " outside the domain of variable " +
                                                                std::to_string(var));
    r = field(r, kChildrenField + value);
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
  auto level = [&](MddRef r) -> std::size_t { return is_terminal(r) ? n : field(r, kVarField); };

  // count[ref]: weighted count of a node over the variables from its own level down. Left
  // uninitialised on purpose: only reachable nodes are written (children first) and read, so a
  // small diagram in a large manager touches few pages.
  const std::vector<MddRef> nodes = reachable(root);
  std::unique_ptr<double[]> count(new double[root + 1]);
  for (MddRef r : nodes) {
    if (is_terminal(r)) {
      count[r] = r == kTrue ? 1.0 : 0.0;
      continue;
    }
    const std::size_t var = field(r, kVarField);
    double total = 0.0;
    for (int v = 0; v < domain_sizes_[var]; ++v) {
      const MddRef c = field(r, kChildrenField + v);
      const std::size_t child_level = level(c);
      double x = count[c];
      if (x != 0.0 && child_level > var + 1) x *= skipped.product(var + 1, child_level);
      total += weights[var][v] * x;
    }
    count[r] = total;
  }
  return skipped.product(0, level(root)) * count[root];
}

}  // namespace gedilog::symbolic
