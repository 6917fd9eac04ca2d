// The circuits' structural properties, checked node by node on compiled programs:
// smooth (a sum's children mention the same variables), decomposable (a product's children share
// none), deterministic (a sum's children are exclusive), and a model count that smoothing makes
// exact: with every leaf weight 1 the root counts the models over its own variables.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "symbolic/circuit.h"
#include "symbolic/compiler.h"
#include "symbolic/program.h"
#include "circuit_testing.h"
#include "temp_files.h"

namespace gedilog::symbolic {
namespace {

using Kind = CircuitNode::Kind;
using Scope = std::set<int>;

using testing::children;

// The (variable, value) leaf a sum's child starts with: the child itself or a product's leaf.
std::pair<int, int> branch_value(const Circuit& c, int child) {
  const CircuitNode& n = c.graph()[child];
  if (n.kind == Kind::kLeaf) return {n.variable, n.value};
  if (n.kind == Kind::kProduct)
    for (int g : children(c, child))
      if (c.graph()[g].kind == Kind::kLeaf) return {c.graph()[g].variable, c.graph()[g].value};
  return {-1, -1};
}

std::vector<Scope> check_structure(const Circuit& c) {
  std::vector<Scope> scope(c.num_nodes());
  for (std::size_t id = 0; id < c.num_nodes(); ++id) {
    const CircuitNode& n = c.graph()[id];
    const std::vector<int> kids = children(c, id);
    for (int k : kids) REQUIRE(static_cast<std::size_t>(k) < id);  // children first
    if (n.kind == Kind::kLeaf) scope[id] = {n.variable};
    for (int k : kids) scope[id].insert(scope[k].begin(), scope[k].end());
    if (n.kind == Kind::kSum) {
      std::set<std::pair<int, int>> values;
      std::set<int> variables;
      for (int k : kids) {
        INFO("sum node " << id << " child " << k);
        CHECK(scope[k] == scope[id]);  // smooth
        const auto v = branch_value(c, k);
        CHECK(v.first >= 0);
        variables.insert(v.first);
        values.insert(v);
      }
      CHECK(variables.size() == 1);          // deterministic: one variable decides ...
      CHECK(values.size() == kids.size());   // ... with a different value per child
    }
    if (n.kind == Kind::kProduct) {
      std::size_t total = 0;
      for (int k : kids) total += scope[k].size();
      CHECK(total == scope[id].size());  // decomposable: disjoint children
    }
  }
  return scope;
}

void check_program(const std::string& file) {
  const GroundProgram gp = Program::load(file).ground();
  Compiler compiler(gp);
  std::vector<int> program_variable;
  for (int v = 0; v < compiler.mdd().num_variables(); ++v)
    program_variable.push_back(compiler.program_variable(v));
  for (const GroundQuery& q : gp.queries) {
    INFO("query " << q.text);
    const MddRef f = compiler.query(q);
    const Circuit circuit = Circuit::from_mdd(compiler.mdd(), {f}, program_variable);
    const auto scope = check_structure(circuit);

    // Model count: circuit (all weights 1) times the sizes of the variables outside its scope
    // equals the MDD's count over all variables.
    std::vector<std::vector<double>> ones;
    for (const RandomVariable& v : gp.variables) ones.emplace_back(v.domain_size(), 1.0);
    std::vector<std::vector<double>> mdd_ones(compiler.mdd().num_variables());
    for (int v = 0; v < compiler.mdd().num_variables(); ++v)
      mdd_ones[v].assign(compiler.mdd().domain_size(v), 1.0);
    double count = circuit.evaluate(ones)[0];
    const Scope& root_scope = scope[circuit.roots()[0]];
    for (int v = 0; v < static_cast<int>(gp.variables.size()); ++v)
      if (!root_scope.count(v)) count *= gp.variables[v].domain_size();
    if (f == Mdd::kFalse) count = 0;
    CHECK(count == Approx(compiler.mdd().weighted_count(f, mdd_ones)).epsilon(1e-12));
  }
}

TEST_CASE("the fixpoint's garbage is collected: the same diagrams in fewer nodes", "[circuit][mdd]") {
  const testing::TempFiles files("gedilog_collect");
  // A 4 x 4 grid with edges both ways: its fixpoint rounds make about 200 000 nodes for
  // answers of a few hundred.
  std::string text = testing::bidirectional_grid_edges(4);
  text += "p(X,Y) :- e(X,Y).\np(X,Y) :- e(X,Z), p(Z,Y).\n"
          "query(p(n00,n33)). query(p(n33,n00)). query(\\+ p(n11,n22)).\nevidence(p(n03,n30)).\n";
  const GroundProgram gp = Program::load(files.write("grid.pl", text)).ground();
  Compiler plain(gp), collected(gp);
  collected.set_collection_threshold(2000);
  std::vector<std::vector<double>> weights(plain.mdd().num_variables());
  for (int v = 0; v < plain.mdd().num_variables(); ++v)
    weights[v] = gp.variables[plain.program_variable(v)].probabilities;
  for (const GroundQuery& q : gp.queries) {
    INFO("query " << q.text);
    const MddRef a = plain.query(q), b = collected.query(q);
    const MddRef ea = plain.evidence(), eb = collected.evidence();
    CHECK(collected.mdd().size(b) == plain.mdd().size(a));
    CHECK(collected.mdd().weighted_count(b, weights) ==
          Approx(plain.mdd().weighted_count(a, weights)).epsilon(1e-12));
    CHECK(collected.mdd().weighted_count(eb, weights) ==
          Approx(plain.mdd().weighted_count(ea, weights)).epsilon(1e-12));
  }
  CHECK(plain.mdd().peak_nodes() > 100000);
  CHECK(collected.mdd().peak_nodes() < plain.mdd().peak_nodes() / 4);
}

}  // namespace

TEST_CASE("circuits of the examples are smooth, decomposable and deterministic", "[circuit]") {
  const std::string root = std::string(GEDILOG_SOURCE_DIR);
  check_program(root + "/examples/addition_carry.pl");
  check_program(root + "/examples/mnist_addition.pl");
}

TEST_CASE("circuits with ADs, negation, cycles and evidence are smooth", "[circuit]") {
  const testing::TempFiles files("gedilog_circuit");
  check_program(files.write("mixed.pl", R"(
0.3::a. 0.6::b.
0.2::c(X,red); 0.5::c(X,green) :- ball(X).
ball(1). ball(2).
0.4::e(1,2). 0.5::e(2,3). 0.6::e(3,1). 0.7::e(2,1).
p(X,Y) :- e(X,Y).
p(X,Y) :- e(X,Z), p(Z,Y).
q :- a, \+ b.
q :- c(1,red), \+ c(2,green).
r :- p(1,3), \+ q.
s :- c(1,C), c(2,C).
query(q). query(r). query(s). query(p(1,1)). query(\+ r).
evidence(b, false).
)"));
}

}  // namespace gedilog::symbolic
