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
  plain.set_cycles_by_fixpoint(true);
  collected.set_cycles_by_fixpoint(true);
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

// P(atom) in a compiler's manager; the atom's MDD size through `size`.
double atom_probability(Compiler& compiler, const GroundProgram& gp, int atom, std::size_t& size) {
  std::vector<std::vector<double>> weights(compiler.mdd().num_variables());
  for (int v = 0; v < compiler.mdd().num_variables(); ++v)
    weights[v] = gp.variables[compiler.program_variable(v)].probabilities;
  const MddRef f = compiler.atom(atom);
  size = compiler.mdd().size(f);
  return compiler.mdd().weighted_count(f, weights);
}

TEST_CASE("linear cycles by elimination: the fixpoint's diagrams, from far fewer nodes", "[circuit][mdd]") {
  const testing::TempFiles files("gedilog_elimination");
  // Right recursion over a bidirectional grid (one cycle of 16 atoms p(_, n33), each rule
  // through one of them), left recursion (the cycle of l(n00, _)), the smokers' cycle, and
  // beside them a cycle that is not linear (t's rule uses two atoms of its own cycle).
  std::string text = testing::bidirectional_grid_edges(4);
  text += "p(X,Y) :- e(X,Y).\np(X,Y) :- e(X,Z), p(Z,Y).\n"
          "l(X,Y) :- e(X,Y).\nl(X,Y) :- l(X,Z), e(Z,Y).\n"
          "0.5::f(a,b). 0.6::f(b,c). 0.7::f(c,a). 0.4::f(b,a).\n"
          "t(X,Y) :- f(X,Y).\nt(X,Y) :- t(X,Z), t(Z,Y).\n"
          "fr(p1,p2). fr(p2,p3). fr(p3,p4). fr(p4,p5). fr(p5,p1). fr(p2,p5).\n"
          "friend(X,Y) :- fr(X,Y).\nfriend(X,Y) :- fr(Y,X).\n"
          "0.3::stress(X) :- fr(X,_).\n0.2::influences(X,Y) :- friend(X,Y).\n"
          "smokes(X) :- stress(X).\nsmokes(X) :- friend(X,Y), influences(Y,X), smokes(Y).\n"
          "query(p(n00,n33)). query(\\+ p(n11,n33)). query(l(n00,n22)). query(t(a,c)).\n"
          "query(smokes(p3)).\nevidence(p(n03,n33)).\n";
  const GroundProgram gp = Program::load(files.write("cycles.pl", text)).ground();
  Compiler fixpoint(gp), eliminated(gp);
  fixpoint.set_cycles_by_fixpoint(true);
  for (const GroundQuery& q : gp.queries) {
    INFO("query " << q.text);
    std::size_t size_f = 0, size_e = 0;
    const double p_f = atom_probability(fixpoint, gp, q.atom, size_f);
    const double p_e = atom_probability(eliminated, gp, q.atom, size_e);
    CHECK(p_e == Approx(p_f).epsilon(1e-12));
    CHECK(size_e == size_f);  // canonical diagrams in the same variable order
  }
  // Atoms that no query, evidence or other component uses are left out of the elimination
  // and solved when asked for: every atom of the program, in an order that asks for them late.
  for (int a = static_cast<int>(gp.atoms.size()) - 1; a >= 0; --a) {
    INFO("atom " << gp.atoms[a]);
    std::size_t size_f = 0, size_e = 0;
    const double p_f = atom_probability(fixpoint, gp, a, size_f);
    const double p_e = atom_probability(eliminated, gp, a, size_e);
    CHECK(p_e == Approx(p_f).epsilon(1e-12));
    CHECK(size_e == size_f);
  }

  // The fixpoint's rounds build reachability within k steps, larger than the answer.
  std::string grid = testing::bidirectional_grid_edges(4);
  grid += "p(X,Y) :- e(X,Y).\np(X,Y) :- e(X,Z), p(Z,Y).\nquery(p(n00,n33)).\n";
  const GroundProgram gp2 = Program::load(files.write("grid.pl", grid)).ground();
  Compiler by_fixpoint(gp2), by_elimination(gp2);
  by_fixpoint.set_cycles_by_fixpoint(true);
  by_fixpoint.query(gp2.queries[0]);
  by_elimination.query(gp2.queries[0]);
  CHECK(by_elimination.mdd().peak_nodes() * 4 < by_fixpoint.mdd().peak_nodes());
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
