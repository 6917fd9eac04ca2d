#include "symbolic/mdd.h"

#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "core/error.h"

namespace gedilog::symbolic {
namespace {

using Assignment = std::vector<int>;
using Weights = std::vector<std::vector<double>>;

// Calls f on every full assignment of variables with the given domain sizes, in mixed radix order.
void for_each_assignment(const std::vector<int>& domains,
                         const std::function<void(const Assignment&)>& f) {
  Assignment a(domains.size(), 0);
  while (true) {
    f(a);
    std::size_t i = 0;
    while (i < a.size() && ++a[i] == domains[i]) a[i++] = 0;
    if (i == a.size()) return;
  }
}

// Boolean expressions over "var == value" literals, kept apart from the MDD so that they give an
// independent truth table.
class Exprs {
 public:
  enum class Kind { kLit, kAnd, kOr, kNot };
  struct Node {
    Kind kind;
    int var = 0, value = 0;  // kLit
    int lhs = -1, rhs = -1;  // operands
  };

  int lit(int var, int value) { return add({Kind::kLit, var, value}); }
  int and_(int a, int b) { return add({Kind::kAnd, 0, 0, a, b}); }
  int or_(int a, int b) { return add({Kind::kOr, 0, 0, a, b}); }
  int not_(int a) { return add({Kind::kNot, 0, 0, a}); }

  bool eval(int e, const Assignment& a) const {
    const Node& n = nodes_[e];
    switch (n.kind) {
      case Kind::kLit:
        return a[n.var] == n.value;
      case Kind::kAnd:
        return eval(n.lhs, a) && eval(n.rhs, a);
      case Kind::kOr:
        return eval(n.lhs, a) || eval(n.rhs, a);
      case Kind::kNot:
        return !eval(n.lhs, a);
    }
    return false;
  }

  MddRef build(int e, Mdd& m) const {
    const Node& n = nodes_[e];
    switch (n.kind) {
      case Kind::kLit:
        return m.literal(n.var, n.value);
      case Kind::kAnd:
        return m.apply_and(build(n.lhs, m), build(n.rhs, m));
      case Kind::kOr:
        return m.apply_or(build(n.lhs, m), build(n.rhs, m));
      case Kind::kNot:
        return m.negate(build(n.lhs, m));
    }
    return Mdd::kFalse;
  }

  int random(std::mt19937& rng, const std::vector<int>& domains, int depth) {
    std::uniform_int_distribution<int> pick(0, 3);
    const int kind = depth == 0 ? 0 : pick(rng);
    if (kind == 0) {
      const int var =
          std::uniform_int_distribution<int>(0, static_cast<int>(domains.size()) - 1)(rng);
      return lit(var, std::uniform_int_distribution<int>(0, domains[var] - 1)(rng));
    }
    const int a = random(rng, domains, depth - 1);
    if (kind == 3) return not_(a);
    const int b = random(rng, domains, depth - 1);
    return kind == 1 ? and_(a, b) : or_(a, b);
  }

  // An equivalent expression of a different shape: commuted operands, De Morgan, double negation,
  // and literals replaced by the negated disjunction of the other values of their variable.
  int rewrite(int e, std::mt19937& rng, const std::vector<int>& domains) {
    const Node n = nodes_[e];
    const bool coin = std::uniform_int_distribution<int>(0, 1)(rng) == 1;
    switch (n.kind) {
      case Kind::kLit: {
        if (!coin) return lit(n.var, n.value);
        int others = -1;
        for (int v = 0; v < domains[n.var]; ++v) {
          if (v == n.value) continue;
          others = others < 0 ? lit(n.var, v) : or_(lit(n.var, v), others);
        }
        return not_(others);
      }
      case Kind::kAnd:
      case Kind::kOr: {
        int a = rewrite(n.lhs, rng, domains);
        int b = rewrite(n.rhs, rng, domains);
        if (coin) std::swap(a, b);
        if (std::uniform_int_distribution<int>(0, 1)(rng) == 0) {
          return n.kind == Kind::kAnd ? and_(a, b) : or_(a, b);
        }
        return n.kind == Kind::kAnd ? not_(or_(not_(a), not_(b))) : not_(and_(not_(a), not_(b)));
      }
      case Kind::kNot: {
        const int a = rewrite(n.lhs, rng, domains);
        return coin ? not_(not_(not_(a))) : not_(a);
      }
    }
    return e;
  }

 private:
  int add(Node n) {
    nodes_.push_back(n);
    return static_cast<int>(nodes_.size()) - 1;
  }
  std::vector<Node> nodes_;
};

std::vector<bool> truth_table(const Mdd& m, MddRef f, const std::vector<int>& domains) {
  std::vector<bool> table;
  for_each_assignment(domains, [&](const Assignment& a) { table.push_back(m.evaluate(f, a)); });
  return table;
}

double brute_count(const Mdd& m, MddRef f, const std::vector<int>& domains, const Weights& w) {
  double total = 0.0;
  for_each_assignment(domains, [&](const Assignment& a) {
    if (!m.evaluate(f, a)) return;
    double product = 1.0;
    for (std::size_t v = 0; v < a.size(); ++v) product *= w[v][a[v]];
    total += product;
  });
  return total;
}

// Checks the structural invariants of the diagram below root through the public API (ordered,
// reduced, no duplicate nodes) and returns the number of reachable nodes.
std::size_t check_structure(const Mdd& m, MddRef root) {
  std::set<MddRef> seen = {root};
  std::set<std::pair<int, std::vector<MddRef>>> shapes;
  std::vector<MddRef> stack = {root};
  while (!stack.empty()) {
    const MddRef r = stack.back();
    stack.pop_back();
    if (Mdd::is_terminal(r)) {
      REQUIRE(m.var_of(r) == Mdd::kTerminalVar);
      continue;
    }
    const int var = m.var_of(r);
    const MddRef* kids = m.children_of(r);
    std::vector<MddRef> children(kids, kids + m.domain_size(var));
    bool all_equal = true;
    for (MddRef c : children) {
      all_equal = all_equal && c == children[0];
      REQUIRE((Mdd::is_terminal(c) || m.var_of(c) > var));
      if (seen.insert(c).second) stack.push_back(c);
    }
    REQUIRE_FALSE(all_equal);
    REQUIRE(shapes.emplace(var, children).second);
  }
  return seen.size();
}

Weights random_weights(std::mt19937& rng, const std::vector<int>& domains, bool normalised) {
  std::uniform_real_distribution<double> weight(0.0, 2.0);
  Weights w;
  for (int k : domains) {
    std::vector<double> row(k);
    double sum = 0.0;
    for (double& x : row) sum += x = weight(rng);
    if (normalised) {
      for (double& x : row) x /= sum;
    }
    w.push_back(row);
  }
  return w;
}

TEST_CASE("terminals and literals", "[mdd]") {
  Mdd m;
  CHECK(m.num_nodes() == 2);
  CHECK(m.num_variables() == 0);
  CHECK(Mdd::is_terminal(Mdd::kFalse));
  CHECK(Mdd::is_terminal(Mdd::kTrue));
  CHECK(m.var_of(Mdd::kFalse) == Mdd::kTerminalVar);
  CHECK(m.var_of(Mdd::kTrue) == Mdd::kTerminalVar);
  CHECK(m.add_variable(3) == 0);
  CHECK(m.add_variable(2) == 1);
  CHECK(m.num_variables() == 2);
  CHECK(m.domain_size(0) == 3);
  CHECK(m.domain_size(1) == 2);

  const MddRef x1 = m.literal(0, 1);
  CHECK_FALSE(Mdd::is_terminal(x1));
  CHECK(m.var_of(x1) == 0);
  const MddRef* kids = m.children_of(x1);
  CHECK(kids[0] == Mdd::kFalse);
  CHECK(kids[1] == Mdd::kTrue);
  CHECK(kids[2] == Mdd::kFalse);
  const std::size_t nodes = m.num_nodes();
  CHECK(m.literal(0, 1) == x1);
  CHECK(m.make_node(0, {Mdd::kFalse, Mdd::kTrue, Mdd::kFalse}) == x1);
  CHECK(m.num_nodes() == nodes);
  CHECK(m.literal(0, 2) != x1);
  CHECK(m.literal(1, 1) != x1);

  CHECK(m.evaluate(x1, {1, 0}));
  CHECK_FALSE(m.evaluate(x1, {0, 1}));
  CHECK_FALSE(m.evaluate(x1, {2, 1}));
  CHECK(m.evaluate(Mdd::kTrue, {0, 0}));
  CHECK_FALSE(m.evaluate(Mdd::kFalse, {0, 0}));
}

TEST_CASE("reduction", "[mdd]") {
  Mdd m;
  const int x = m.add_variable(3);
  const int y = m.add_variable(2);
  const int z = m.add_variable(4);
  const MddRef z3 = m.literal(z, 3);
  for (MddRef a : {Mdd::kFalse, Mdd::kTrue, z3}) {
    const std::size_t nodes = m.num_nodes();
    CHECK(m.make_node(x, {a, a, a}) == a);
    CHECK(m.make_node(y, {a, a}) == a);
    CHECK(m.num_nodes() == nodes);
  }
  // The literals of one variable partition its domain.
  CHECK(m.apply_or(m.apply_or(m.literal(x, 0), m.literal(x, 1)), m.literal(x, 2)) == Mdd::kTrue);
  CHECK(m.apply_or(m.literal(x, 2), m.apply_or(m.literal(x, 1), m.literal(x, 0))) == Mdd::kTrue);
  CHECK(m.apply_or(m.literal(y, 0), m.literal(y, 1)) == Mdd::kTrue);
  CHECK(m.apply_and(m.literal(x, 0), m.literal(x, 2)) == Mdd::kFalse);
  CHECK(m.apply_and(m.literal(y, 1), m.literal(y, 0)) == Mdd::kFalse);
  CHECK(m.negate(m.literal(y, 0)) == m.literal(y, 1));
  CHECK(m.negate(m.literal(x, 0)) == m.apply_or(m.literal(x, 1), m.literal(x, 2)));
  CHECK(m.negate(m.literal(x, 0)) == m.make_node(x, {Mdd::kFalse, Mdd::kTrue, Mdd::kTrue}));
  MddRef all_but_3 = Mdd::kFalse;
  for (int v = 0; v < 3; ++v) all_but_3 = m.apply_or(all_but_3, m.literal(z, v));
  CHECK(all_but_3 == m.negate(z3));
  CHECK(m.apply_or(all_but_3, z3) == Mdd::kTrue);
  // (x == 0 & z == 3) | (x != 0 & z == 3) no longer tests x.
  const MddRef split =
      m.apply_or(m.apply_and(m.literal(x, 0), z3), m.apply_and(m.negate(m.literal(x, 0)), z3));
  CHECK(split == z3);
  CHECK(m.make_node(x, {z3, z3, z3}) == z3);
}

TEST_CASE("canonicity under algebraic laws", "[mdd]") {
  Mdd m;
  const std::vector<int> domains = {2, 3, 4, 3};
  for (int k : domains) m.add_variable(k);
  auto lit = [&](int var, int value) { return m.literal(var, value); };
  auto and_ = [&](MddRef a, MddRef b) { return m.apply_and(a, b); };
  auto or_ = [&](MddRef a, MddRef b) { return m.apply_or(a, b); };
  auto not_ = [&](MddRef a) { return m.negate(a); };
  const MddRef a = or_(lit(0, 0), lit(1, 2));
  const MddRef b = and_(lit(1, 1), not_(lit(2, 3)));
  const MddRef c = or_(lit(2, 0), and_(lit(3, 2), lit(0, 1)));

  CHECK(and_(a, b) == and_(b, a));
  CHECK(or_(a, c) == or_(c, a));
  CHECK(and_(and_(a, b), c) == and_(a, and_(b, c)));
  CHECK(or_(or_(a, b), c) == or_(a, or_(b, c)));
  CHECK(and_(a, or_(b, c)) == or_(and_(a, b), and_(a, c)));
  CHECK(or_(a, and_(b, c)) == and_(or_(a, b), or_(a, c)));
  CHECK(not_(and_(a, b)) == or_(not_(a), not_(b)));
  CHECK(not_(or_(b, c)) == and_(not_(b), not_(c)));
  CHECK(or_(a, and_(a, b)) == a);
  CHECK(and_(a, or_(a, b)) == a);
  CHECK(and_(a, a) == a);
  CHECK(or_(c, c) == c);
  // Consensus: the term (b & c) is implied by the others.
  CHECK(or_(or_(and_(a, b), and_(not_(a), c)), and_(b, c)) == or_(and_(a, b), and_(not_(a), c)));
  // x != 3 for a 4-valued x, in three shapes.
  const MddRef x012 = or_(or_(lit(2, 0), lit(2, 1)), lit(2, 2));
  CHECK(x012 == or_(lit(2, 2), or_(lit(2, 0), lit(2, 1))));
  CHECK(x012 == not_(lit(2, 3)));
  CHECK(x012 == and_(and_(not_(lit(2, 3)), or_(x012, lit(2, 3))), Mdd::kTrue));
  // Shannon expansion: make_node agrees with the disjunction of guarded cofactors.
  const MddRef f0 = and_(lit(2, 1), lit(3, 0));
  const MddRef f1 = or_(lit(3, 2), lit(2, 0));
  const MddRef f2 = not_(lit(3, 1));
  const MddRef shannon = or_(or_(and_(lit(1, 0), f0), and_(lit(1, 1), f1)), and_(lit(1, 2), f2));
  CHECK(m.make_node(1, {f0, f1, f2}) == shannon);
  CHECK(m.var_of(shannon) == 1);
  // Variables declared earlier are higher, whatever the operand order.
  const MddRef low_high = and_(lit(3, 1), lit(0, 1));
  CHECK(m.var_of(low_high) == 0);
  CHECK(m.children_of(low_high)[0] == Mdd::kFalse);
  CHECK(m.children_of(low_high)[1] == lit(3, 1));
}

TEST_CASE("negation", "[mdd]") {
  std::mt19937 rng(7);
  const std::vector<int> domains = {3, 2, 4, 2, 3};
  Mdd m;
  for (int k : domains) m.add_variable(k);
  Exprs exprs;
  for (int trial = 0; trial < 50; ++trial) {
    const MddRef f = exprs.build(exprs.random(rng, domains, 5), m);
    const MddRef not_f = m.negate(f);
    CHECK(m.negate(not_f) == f);
    CHECK(m.apply_and(f, not_f) == Mdd::kFalse);
    CHECK(m.apply_and(not_f, f) == Mdd::kFalse);
    CHECK(m.apply_or(f, not_f) == Mdd::kTrue);
    CHECK(m.apply_or(not_f, f) == Mdd::kTrue);
    for_each_assignment(
        domains, [&](const Assignment& a) { REQUIRE(m.evaluate(not_f, a) == !m.evaluate(f, a)); });
  }
  // A complement built without negate still cancels through Shannon expansion.
  const MddRef f = m.apply_or(m.literal(0, 2), m.apply_and(m.literal(1, 0), m.literal(4, 1)));
  Mdd fresh;
  for (int k : domains) fresh.add_variable(k);
  const MddRef g = fresh.apply_or(fresh.literal(0, 2),
                                  fresh.apply_and(fresh.literal(1, 0), fresh.literal(4, 1)));
  const MddRef not_g =
      fresh.apply_and(fresh.apply_or(fresh.literal(0, 0), fresh.literal(0, 1)),
                      fresh.apply_or(fresh.literal(1, 1),
                                     fresh.apply_or(fresh.literal(4, 0), fresh.literal(4, 2))));
  CHECK(fresh.apply_and(g, not_g) == Mdd::kFalse);
  CHECK(fresh.apply_or(not_g, g) == Mdd::kTrue);
  CHECK(fresh.negate(g) == not_g);
  CHECK(fresh.negate(not_g) == g);
  CHECK(fresh.size(g) == m.size(f));
  CHECK(m.negate(Mdd::kTrue) == Mdd::kFalse);
  CHECK(m.negate(Mdd::kFalse) == Mdd::kTrue);
}

TEST_CASE("random functions match their truth tables", "[mdd]") {
  std::mt19937 rng(20240611);
  int equal_pairs = 0;
  int distinct_pairs = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const int n = std::uniform_int_distribution<int>(4, 6)(rng);
    std::vector<int> domains(n);
    for (int& k : domains) k = std::uniform_int_distribution<int>(2, 4)(rng);
    Mdd m;
    for (int k : domains) m.add_variable(k);
    Exprs exprs;
    std::vector<MddRef> refs;
    std::vector<std::vector<bool>> tables;
    const int depth = std::uniform_int_distribution<int>(1, 5)(rng);
    for (int i = 0; i < 10; ++i) {
      const int e = exprs.random(rng, domains, depth);
      const MddRef f = exprs.build(e, m);
      std::vector<bool> table;
      for_each_assignment(domains, [&](const Assignment& a) {
        const bool expected = exprs.eval(e, a);
        REQUIRE(m.evaluate(f, a) == expected);
        table.push_back(expected);
      });
      CHECK(exprs.build(exprs.rewrite(e, rng, domains), m) == f);
      REQUIRE(m.size(f) == check_structure(m, f));
      refs.push_back(f);
      tables.push_back(table);
    }
    // Canonicity: equal truth tables iff equal roots.
    for (std::size_t i = 0; i < refs.size(); ++i) {
      for (std::size_t j = i + 1; j < refs.size(); ++j) {
        REQUIRE((tables[i] == tables[j]) == (refs[i] == refs[j]));
        (refs[i] == refs[j] ? equal_pairs : distinct_pairs) += 1;
      }
    }
    // Binary operations on the built functions, against their truth tables.
    for (std::size_t i = 0; i + 1 < refs.size(); i += 2) {
      const MddRef both = m.apply_and(refs[i], refs[i + 1]);
      const MddRef either = m.apply_or(refs[i], refs[i + 1]);
      const std::vector<bool> both_table = truth_table(m, both, domains);
      const std::vector<bool> either_table = truth_table(m, either, domains);
      for (std::size_t a = 0; a < both_table.size(); ++a) {
        REQUIRE(both_table[a] == (tables[i][a] && tables[i + 1][a]));
        REQUIRE(either_table[a] == (tables[i][a] || tables[i + 1][a]));
      }
    }
    // Weighted counts, with weights that sum to 1 per variable and with weights that do not.
    for (bool normalised : {true, false}) {
      const Weights w = random_weights(rng, domains, normalised);
      for (MddRef f : refs) {
        const double expected = brute_count(m, f, domains, w);
        REQUIRE(m.weighted_count(f, w) == Approx(expected).epsilon(1e-12).margin(1e-12));
      }
    }
  }
  // The trials exercise both sides of the canonicity check.
  CHECK(equal_pairs > 50);
  CHECK(distinct_pairs > 1000);
}

TEST_CASE("garbage collection keeps what the roots reach, canonical and in order", "[mdd]") {
  std::mt19937 rng(20261202);
  for (int trial = 0; trial < 100; ++trial) {
    const int n = std::uniform_int_distribution<int>(4, 6)(rng);
    std::vector<int> domains(n);
    for (int& k : domains) k = std::uniform_int_distribution<int>(2, 4)(rng);
    Mdd m;
    for (int k : domains) m.add_variable(k);
    Exprs exprs;
    std::vector<int> kept_exprs;
    std::vector<MddRef> kept;
    for (int i = 0; i < 12; ++i) {
      const int e = exprs.random(rng, domains, 4);
      const MddRef f = exprs.build(e, m);
      if (i % 3 == 0) {  // a third are kept, the rest become garbage
        kept_exprs.push_back(e);
        kept.push_back(f);
        m.negate(f);  // negations known before the collection must stay right after it
      }
    }
    const Weights w = random_weights(rng, domains, true);
    std::vector<std::vector<bool>> tables;
    std::vector<double> counts;
    for (MddRef f : kept) tables.push_back(truth_table(m, f, domains)), counts.push_back(m.weighted_count(f, w));
    const std::size_t before = m.num_nodes();
    std::vector<MddRef*> roots;
    for (MddRef& f : kept) roots.push_back(&f);
    m.collect_garbage(roots);
    // Exactly the nodes the kept roots reach are left.
    std::set<MddRef> reached{Mdd::kFalse, Mdd::kTrue};
    for (MddRef f : kept) {
      REQUIRE(m.size(f) == check_structure(m, f));  // children below parents, reduced
      std::vector<MddRef> stack{f};
      while (!stack.empty()) {
        const MddRef r = stack.back();
        stack.pop_back();
        if (!reached.insert(r).second || Mdd::is_terminal(r)) continue;
        for (int v = 0; v < m.domain_size(m.var_of(r)); ++v) stack.push_back(m.children_of(r)[v]);
      }
    }
    CHECK(m.num_nodes() <= before);
    CHECK(m.num_nodes() == reached.size());
    for (std::size_t i = 0; i < kept.size(); ++i) {
      REQUIRE(truth_table(m, kept[i], domains) == tables[i]);
      REQUIRE(m.weighted_count(kept[i], w) == Approx(counts[i]).epsilon(1e-12).margin(1e-12));
      // Still canonical: building the function again finds the kept node, and its negation
      // (remembered or recomputed) is its complement.
      REQUIRE(exprs.build(kept_exprs[i], m) == kept[i]);
      const std::vector<bool> negated = truth_table(m, m.negate(kept[i]), domains);
      for (std::size_t a = 0; a < negated.size(); ++a) REQUIRE(negated[a] == !tables[i][a]);
      REQUIRE(m.negate(m.negate(kept[i])) == kept[i]);
    }
  }
}

TEST_CASE("weighted count multiplies in skipped variables", "[mdd]") {
  Mdd m;
  const std::vector<int> domains = {2, 3, 2, 4};
  for (int k : domains) m.add_variable(k);
  const Weights w = {{0.5, 2.0}, {1.0, 3.0, -0.25}, {0.3, 0.9}, {2.0, 0.1, 0.7, 1.5}};
  const double s0 = 2.5, s1 = 3.75, s2 = 1.2, s3 = 4.3;
  CHECK(m.weighted_count(Mdd::kFalse, w) == 0.0);
  CHECK(m.weighted_count(Mdd::kTrue, w) == Approx(s0 * s1 * s2 * s3).epsilon(1e-12));
  CHECK(m.weighted_count(m.literal(2, 1), w) == Approx(s0 * s1 * 0.9 * s3).epsilon(1e-12));
  CHECK(m.weighted_count(m.literal(0, 0), w) == Approx(0.5 * s1 * s2 * s3).epsilon(1e-12));
  CHECK(m.weighted_count(m.literal(3, 2), w) == Approx(s0 * s1 * s2 * 0.7).epsilon(1e-12));
  const MddRef f = m.apply_and(m.literal(0, 1), m.literal(3, 0));
  CHECK(m.weighted_count(f, w) == Approx(2.0 * s1 * s2 * 2.0).epsilon(1e-12));
  // Skips of different lengths below one node: x0 == 0 -> x1 == 2, x0 == 1 -> x3 != 0.
  const MddRef g = m.make_node(0, {m.literal(1, 2), m.negate(m.literal(3, 0))});
  CHECK(m.weighted_count(g, w) ==
        Approx(0.5 * -0.25 * s2 * s3 + 2.0 * s1 * s2 * (s3 - 2.0)).epsilon(1e-12));
  // A variable whose weights cancel wipes out every function that does not test it.
  const Weights cancel = {{0.5, 2.0}, {1.0, -1.0, 0.0}, {0.3, 0.9}, {2.0, 0.1, 0.7, 1.5}};
  CHECK(m.weighted_count(f, cancel) == 0.0);
  CHECK(m.weighted_count(m.apply_and(f, m.literal(1, 0)), cancel) ==
        Approx(2.0 * 1.0 * s2 * 2.0).epsilon(1e-12));
  // No variables at all.
  Mdd empty;
  CHECK(empty.weighted_count(Mdd::kTrue, {}) == 1.0);
  CHECK(empty.weighted_count(Mdd::kFalse, {}) == 0.0);
}

TEST_CASE("size of small diagrams", "[mdd]") {
  Mdd m;
  const int x = m.add_variable(3);
  const int y = m.add_variable(2);
  const int z = m.add_variable(2);
  CHECK(m.size(Mdd::kFalse) == 1);
  CHECK(m.size(Mdd::kTrue) == 1);
  CHECK(m.size(m.literal(x, 1)) == 3);
  CHECK(m.size(m.literal(y, 0)) == 3);
  CHECK(m.size(m.make_node(x, {Mdd::kTrue, Mdd::kTrue, Mdd::kFalse})) == 3);
  CHECK(m.size(m.apply_and(m.literal(x, 0), m.literal(y, 1))) == 4);
  CHECK(m.size(m.apply_or(m.literal(y, 0), m.literal(z, 0))) == 4);
  // x == 0 -> y, x == 1 -> z, x == 2 -> y & z: shares y's and z's literal nodes.
  const MddRef yz = m.apply_and(m.literal(y, 1), m.literal(z, 1));
  const MddRef g = m.make_node(x, {m.literal(y, 1), m.literal(z, 1), yz});
  CHECK(m.size(yz) == 4);
  CHECK(m.size(g) == 6);
  // Only one terminal reachable.
  CHECK(m.size(m.make_node(
            x, {Mdd::kTrue, Mdd::kTrue, m.make_node(y, {Mdd::kTrue, Mdd::kTrue})})) == 1);
}

TEST_CASE("argument checks", "[mdd]") {
  Mdd m;
  CHECK_THROWS_AS(m.add_variable(1), InternalError);
  CHECK_THROWS_AS(m.add_variable(0), InternalError);
  CHECK(m.num_variables() == 0);
  CHECK_THROWS_AS(m.literal(0, 0), InternalError);
  const int x = m.add_variable(3);
  const int y = m.add_variable(2);
  CHECK_THROWS_AS(m.literal(-1, 0), InternalError);
  CHECK_THROWS_AS(m.literal(2, 0), InternalError);
  CHECK_THROWS_AS(m.literal(x, -1), InternalError);
  CHECK_THROWS_AS(m.literal(x, 3), InternalError);
  CHECK_THROWS_AS(m.literal(y, 2), InternalError);
  const MddRef x0 = m.literal(x, 0);
  const MddRef y1 = m.literal(y, 1);
  CHECK_THROWS_AS(m.make_node(x, {y1, Mdd::kTrue}), InternalError);
  CHECK_THROWS_AS(m.make_node(x, {y1, Mdd::kTrue, Mdd::kFalse, Mdd::kTrue}), InternalError);
  CHECK_THROWS_AS(m.make_node(-1, {Mdd::kTrue, Mdd::kFalse}), InternalError);
  CHECK_THROWS_AS(m.make_node(2, {Mdd::kTrue, Mdd::kFalse}), InternalError);
  CHECK_THROWS_AS(m.make_node(y, {x0, Mdd::kFalse}), InternalError);  // child above
  CHECK_THROWS_AS(m.make_node(y, {y1, Mdd::kFalse}), InternalError);  // child at same level
  CHECK_THROWS_AS(m.make_node(x, {x0, x0, x0}), InternalError);       // even when reducible
  const MddRef unknown = static_cast<MddRef>(m.num_nodes());
  CHECK_THROWS_AS(m.make_node(x, {unknown, Mdd::kTrue, y1}), InternalError);
  CHECK_THROWS_AS(m.apply_and(unknown, x0), InternalError);
  CHECK_THROWS_AS(m.apply_or(x0, unknown), InternalError);
  CHECK_THROWS_AS(m.negate(unknown), InternalError);
  CHECK_THROWS_AS(m.var_of(unknown), InternalError);
  CHECK_THROWS_AS(m.children_of(Mdd::kTrue), InternalError);
  CHECK_THROWS_AS(m.size(unknown), InternalError);
  CHECK_THROWS_AS(m.evaluate(x0, {3, 0}), InternalError);
  CHECK_THROWS_AS(m.evaluate(x0, {}), InternalError);
  CHECK_THROWS_AS(m.weighted_count(x0, {{0.2, 0.3, 0.5}}), InternalError);
  CHECK_THROWS_AS(m.weighted_count(x0, {{0.2, 0.8}, {0.5, 0.5}}), InternalError);
  // Failed calls leave the manager usable.
  CHECK(m.make_node(x, {y1, Mdd::kTrue, Mdd::kFalse}) ==
        m.apply_or(m.apply_and(x0, y1), m.literal(x, 1)));
}

TEST_CASE("long chains", "[mdd]") {
  // Folds that add variables below an existing chain rebuild it, so they are quadratic: they
  // use a prefix of the variables. Folds from the bottom are linear and use all of them.
  constexpr int kVars = 3000;
  constexpr int kDown = 300;
  Mdd m;
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> prob(0.0, 0.001);
  Weights w;
  for (int i = 0; i < kVars; ++i) {
    m.add_variable(2);
    const double p = prob(rng);
    w.push_back({p, 1.0 - p});
  }
  auto xor_ = [&](MddRef a, MddRef b) {
    return m.apply_or(m.apply_and(a, m.negate(b)), m.apply_and(m.negate(a), b));
  };
  // any: some x_i == 0; odd: an odd number of x_i == 0.
  MddRef any_up = Mdd::kFalse, odd_up = Mdd::kFalse, none_up = Mdd::kTrue;
  for (int i = kDown - 1; i >= 0; --i) {
    any_up = m.apply_or(m.literal(i, 0), any_up);
    odd_up = xor_(m.literal(i, 0), odd_up);
  }
  MddRef any_down = Mdd::kFalse, odd_down = Mdd::kFalse;
  for (int i = 0; i < kDown; ++i) {
    any_down = m.apply_or(any_down, m.literal(i, 0));
    odd_down = xor_(odd_down, m.literal(i, 0));
  }
  CHECK(any_down == any_up);
  CHECK(odd_down == odd_up);

  any_up = Mdd::kFalse;
  odd_up = Mdd::kFalse;
  for (int i = kVars - 1; i >= 0; --i) {
    any_up = m.apply_or(m.literal(i, 0), any_up);
    odd_up = xor_(m.literal(i, 0), odd_up);
    none_up = m.apply_and(none_up, m.literal(i, 1));
  }
  CHECK(m.size(any_up) == kVars + 2);
  CHECK(m.size(odd_up) == 2 * kVars + 1);  // an even and an odd node per variable but the first
  // Operations that recurse through all kVars levels.
  CHECK(m.negate(any_up) == none_up);
  CHECK(m.apply_and(any_up, odd_up) == odd_up);  // no zero at all is an even number of them
  CHECK(m.apply_or(odd_up, any_up) == any_up);
  CHECK(m.apply_and(none_up, odd_up) == Mdd::kFalse);

  double none = 1.0, bias = 1.0;
  for (const auto& row : w) {
    none *= row[1];
    bias *= 1.0 - 2.0 * row[0];
  }
  CHECK(m.weighted_count(any_up, w) == Approx(1.0 - none).epsilon(1e-12));
  CHECK(m.weighted_count(odd_up, w) == Approx((1.0 - bias) / 2.0).epsilon(1e-12));
  // Weight sums alternating 2 and 1/2 keep every partial product exact and in range; the root
  // of a function of the last variable skips kVars - 1 of them.
  Weights alternating(kVars);
  for (int i = 0; i < kVars; ++i) {
    alternating[i] = i % 2 == 0 ? std::vector<double>{1.0, 1.0} : std::vector<double>{0.25, 0.25};
  }
  const MddRef last = m.literal(kVars - 1, 0);
  CHECK(m.weighted_count(last, alternating) == 0.5);
  CHECK(m.weighted_count(m.apply_and(m.literal(0, 0), last), alternating) == 0.25);
}

TEST_CASE("sum modulo 3 of ternary variables", "[mdd]") {
  constexpr int kVars = 8;
  Mdd m;
  for (int i = 0; i < kVars; ++i) m.add_variable(3);
  // suffix[r]: x_i + ... + x_{n-1} == r (mod 3), built bottom up.
  std::vector<MddRef> suffix = {Mdd::kTrue, Mdd::kFalse, Mdd::kFalse};
  for (int i = kVars - 1; i >= 0; --i) {
    std::vector<MddRef> next(3, Mdd::kFalse);
    for (int r = 0; r < 3; ++r) {
      for (int v = 0; v < 3; ++v) {
        next[r] = m.apply_or(next[r], m.apply_and(m.literal(i, v), suffix[(r - v + 3) % 3]));
      }
    }
    suffix = next;
  }
  // prefix[r]: x_0 + ... + x_i == r (mod 3), built top down.
  std::vector<MddRef> prefix = {Mdd::kTrue, Mdd::kFalse, Mdd::kFalse};
  for (int i = 0; i < kVars; ++i) {
    std::vector<MddRef> next(3, Mdd::kFalse);
    for (int r = 0; r < 3; ++r) {
      for (int v = 0; v < 3; ++v) {
        next[r] = m.apply_or(next[r], m.apply_and(prefix[(r - v + 3) % 3], m.literal(i, v)));
      }
    }
    prefix = next;
  }
  for (int r = 0; r < 3; ++r) CHECK(prefix[r] == suffix[r]);
  CHECK(m.size(prefix[0]) == 1 + 3 * (kVars - 1) + 2);
  CHECK(m.apply_or(m.apply_or(prefix[0], prefix[1]), prefix[2]) == Mdd::kTrue);
  const Weights ones(kVars, {1.0, 1.0, 1.0});
  CHECK(m.weighted_count(prefix[0], ones) == Approx(std::pow(3.0, kVars - 1)).epsilon(1e-12));
}

TEST_CASE("eight queens", "[mdd]") {
  constexpr int kN = 8;
  Mdd m;
  for (int i = 0; i < kN; ++i) m.add_variable(kN);  // row i -> column of its queen
  MddRef board = Mdd::kTrue;
  for (int i = 0; i < kN; ++i) {
    for (int j = i + 1; j < kN; ++j) {
      MddRef compatible = Mdd::kFalse;
      for (int c = 0; c < kN; ++c) {
        MddRef attacked = m.literal(j, c);
        for (int d : {c + (j - i), c - (j - i)}) {
          if (d >= 0 && d < kN) attacked = m.apply_or(attacked, m.literal(j, d));
        }
        compatible = m.apply_or(compatible, m.apply_and(m.literal(i, c), m.negate(attacked)));
      }
      board = m.apply_and(board, compatible);
    }
  }
  const Weights ones(kN, std::vector<double>(kN, 1.0));
  CHECK(m.weighted_count(board, ones) == 92.0);
  CHECK(m.evaluate(board, {0, 4, 7, 5, 2, 6, 1, 3}));
  CHECK_FALSE(m.evaluate(board, {0, 4, 7, 5, 2, 6, 3, 1}));
  CHECK(m.size(board) == check_structure(m, board));
}

}  // namespace
}  // namespace gedilog::symbolic
