#pragma once
// A reduced ordered multi-valued decision diagram (MDD) package.
//
// Each variable has a finite domain {0, ..., k-1} (k >= 2); an annotated disjunction instance is
// ONE such variable (its heads plus, when the probabilities sum below 1, a "none" value).
// Variables are ordered by their id: a variable declared earlier sits higher in every diagram,
// so callers declare variables in the order their heuristic chooses.
//
// Diagrams are canonical: two functions are equal iff their roots are the same MddRef.
// A unique table makes every (var, children) node exist once; nodes whose children are all
// equal are never created (reduction). A computed table caches apply and negation results.
// collect_garbage() drops the nodes its roots do not reach, at points the caller chooses (the
// compiler's fixpoint rounds leave most of their diagrams behind).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace gedilog::symbolic {

using MddRef = std::uint32_t;

class Mdd {
 public:
  static constexpr MddRef kFalse = 0;
  static constexpr MddRef kTrue = 1;
  // Variable id reported for the two terminals: below every real variable.
  static constexpr int kTerminalVar = -1;

  // A manager refuses to grow past this many nodes (a ResourceError, not an out-of-memory
  // crash): about 100 bytes each with the tables, so the default stays near 3 GiB.
  static constexpr std::size_t kDefaultNodeLimit = std::size_t{1} << 25;

  Mdd();
  void set_node_limit(std::size_t limit) { node_limit_ = limit; }

  // Declares the next variable (lowest in the order so far); returns its id (0, 1, 2, ...).
  int add_variable(int domain_size);
  int num_variables() const { return static_cast<int>(domain_sizes_.size()); }
  int domain_size(int var) const { return domain_sizes_.at(var); }

  // The function "var == value".
  MddRef literal(int var, int value);
  // The reduced node for "case var of value v -> children[v]". Every child must be a terminal or
  // a node of a variable after `var`; children.size() == domain_size(var).
  MddRef make_node(int var, const std::vector<MddRef>& children);

  MddRef apply_and(MddRef a, MddRef b);
  MddRef apply_or(MddRef a, MddRef b);
  MddRef negate(MddRef a);

  static bool is_terminal(MddRef r) { return r <= kTrue; }
  int var_of(MddRef r) const;                 // kTerminalVar for terminals
  const MddRef* children_of(MddRef r) const;  // domain_size(var_of(r)) entries; not for terminals

  // Number of distinct nodes reachable from root, terminals included.
  std::size_t size(MddRef root) const;
  // Number of nodes in the manager, terminals included.
  std::size_t num_nodes() const { return offsets_.size(); }

  // Keeps the nodes the roots reach, renumbered in their old order (children still before
  // parents), forgets the others and the computed tables, and rewrites each *root to its new
  // ref. Every other MddRef held outside is invalid afterwards. Not inside an operation.
  void collect_garbage(const std::vector<MddRef*>& roots);
  // Nodes left by the last collect_garbage() (2 before any), and the most the manager has held.
  std::size_t live_after_collection() const { return live_after_collection_; }
  std::size_t peak_nodes() const { return std::max(peak_nodes_, offsets_.size()); }

  // Truth value under a full assignment (assignment[var] = value).
  bool evaluate(MddRef root, const std::vector<int>& assignment) const;
  // Weighted model count: sum over assignments satisfying root of prod_var weights[var][value].
  // With weights that sum to 1 per variable this is the probability of the function.
  double weighted_count(MddRef root, const std::vector<std::vector<double>>& weights) const;

 private:
  // Marks "no node": an empty cache answer or an unknown negation. Refs stay below it.
  static constexpr MddRef kNone = 0xFFFFFFFFu;

  enum class Op : std::uint8_t { kAnd, kOr };
  MddRef apply(Op op, MddRef a, MddRef b);
  MddRef negate_node(MddRef a);
  // The reduced node (var, kids[0..domain_size(var))), found in or added to the unique table.
  MddRef find_or_add_node(int var, const MddRef* kids);
  void grow_unique();
  void check_ref(MddRef r) const;
  // Word f of the record of node r (not a terminal).
  std::uint32_t field(MddRef r, std::size_t f) const { return records_[offsets_[r] + f]; }
  // Nodes reachable from root, terminals included, children before parents.
  std::vector<MddRef> reachable(MddRef root) const;

  // Lossless open-addressing (linear probing) cache of a commutative binary operation.
  class ComputedTable {
   public:
    ComputedTable();
    MddRef find(MddRef a, MddRef b) const;  // kNone when absent
    void insert(MddRef a, MddRef b, MddRef result);

   private:
    struct Entry {
      MddRef a = kFalse;  // kFalse marks an empty slot: terminal operands are never cached
      MddRef b = kFalse;
      MddRef result = kFalse;
    };
    void grow();
    std::vector<Entry> entries_;
    std::size_t count_ = 0;
  };

  std::vector<int> domain_sizes_;
  // Node storage: node r's record starts at records_[offsets_[r]] and is [var, negation,
  // children...], so reading a node touches one line of records_. The negation is kNone until
  // computed, then set in both directions. Terminals have no record. Children are created
  // before their parents, so they have smaller refs: ascending refs are a bottom-up order.
  static constexpr std::size_t kVarField = 0;
  static constexpr std::size_t kNegationField = 1;
  static constexpr std::size_t kChildrenField = 2;
  std::vector<std::uint32_t> offsets_;
  std::vector<std::uint32_t> records_;
  // Unique table: open addressing with linear probing over (var, children); the stored hash
  // makes probing and rehashing cheap. ref == kFalse marks an empty slot.
  struct UniqueSlot {
    MddRef ref = kFalse;
    std::uint32_t hash = 0;
  };
  std::vector<UniqueSlot> unique_;
  // Puts a node known to be absent into the unique table (no lookup, no growth).
  void place_unique(UniqueSlot slot);
  std::size_t unique_count_ = 0;
  ComputedTable and_table_;
  ComputedTable or_table_;
  // Stack of children under construction, shared by the recursive apply and negation.
  std::vector<MddRef> scratch_;
  std::size_t node_limit_ = kDefaultNodeLimit;
  std::size_t live_after_collection_ = 2;
  std::size_t peak_nodes_ = 0;
};

}  // namespace gedilog::symbolic
