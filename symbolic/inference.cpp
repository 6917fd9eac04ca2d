#include "symbolic/inference.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <memory>
#include <unordered_map>

#include "symbolic/compiler.h"
#include "symbolic/ddnnf_compiler.h"
#include "core/error.h"

namespace gedilog::symbolic {

namespace {

using Clock = std::chrono::steady_clock;

UserError non_ground_query(const GroundProgram& program, const GroundQuery& q) {
  return UserError("NonGroundQuery", q.location.empty() ? program.source : q.location,
                   "query answer " + q.text + " is not ground and not certain");
}

std::vector<CompiledQuery> compile_with_mdds(const GroundProgram& program,
                                             const CompileOptions& options, std::size_t max_nodes) {
  auto start = Clock::now();
  Compiler compiler(program);
  compiler.mdd().set_node_limit(max_nodes);
  compiler.set_cycles_by_fixpoint(options.cycles_by_fixpoint);
  std::vector<int> program_variable;
  for (int v = 0; v < compiler.mdd().num_variables(); ++v)
    program_variable.push_back(compiler.program_variable(v));
  compiler.evidence();
  const bool has_evidence = !program.evidence.empty();
  // The evidence's share of the time is charged to the first query.
  std::vector<CompiledQuery> compiled;
  for (const GroundQuery& q : program.queries) {
    const MddRef formula = compiler.query(q);  // may collect garbage: evidence() after it
    const MddRef evidence = compiler.evidence();
    if (!q.ground && formula != Mdd::kTrue) throw non_ground_query(program, q);
    const MddRef joint = compiler.mdd().apply_and(formula, evidence);
    std::vector<MddRef> roots{joint};
    if (has_evidence) roots.push_back(evidence);
    CompiledQuery c{q, Circuit::from_mdd(compiler.mdd(), roots, program_variable),
                    CompilerKind::kMdd, compiler.mdd().size(joint), 0.0};
    c.peak_nodes = compiler.mdd().peak_nodes();
    const auto now = Clock::now();
    c.compile_seconds = std::chrono::duration<double>(now - start).count();
    start = now;
    compiled.push_back(std::move(c));
  }
  return compiled;
}

std::vector<CompiledQuery> compile_with_ddnnf(const GroundProgram& program,
                                              DdnnfCompiler& compiler, std::size_t max_nodes,
                                              Clock::time_point start) {
  compiler.set_node_limit(max_nodes);
  std::vector<int> domain_size;
  for (const RandomVariable& v : program.variables) domain_size.push_back(v.domain_size());

  std::vector<std::pair<int, bool>> evidence;
  bool impossible_evidence = false;  // an evidence goal without proof, required true
  for (const GroundEvidence& e : program.evidence) {
    if (e.atom >= 0)
      evidence.emplace_back(e.atom, e.value);
    else
      impossible_evidence = impossible_evidence || e.value;
  }
  const bool has_evidence = !program.evidence.empty();
  const int evidence_root =
      impossible_evidence ? Nnf::kFalseNode : has_evidence ? compiler.compile(evidence) : Nnf::kTrueNode;
  std::vector<CompiledQuery> compiled;
  for (const GroundQuery& q : program.queries) {
    // The query's formula is `atom` (or its negation); without proof it is FALSE (or TRUE).
    if (!q.ground) {
      const bool certain = q.atom < 0 ? q.negated : compiler.compile({{q.atom, q.negated}}) == Nnf::kFalseNode;
      if (!certain) throw non_ground_query(program, q);
    }
    int joint;
    if (q.atom < 0) {
      joint = q.negated ? evidence_root : Nnf::kFalseNode;
    } else {
      std::vector<std::pair<int, bool>> assumptions = evidence;
      assumptions.emplace_back(q.atom, !q.negated);
      joint = impossible_evidence ? Nnf::kFalseNode : compiler.compile(assumptions);
    }
    std::vector<int> roots{joint};
    if (has_evidence) roots.push_back(evidence_root);
    CompiledQuery c{q, Circuit::from_nnf(compiler.nnf(), roots, domain_size),
                    CompilerKind::kDdnnf, compiler.nnf().size(), 0.0};
    c.peak_nodes = compiler.nnf().size();  // an NNF only grows
    const auto now = Clock::now();
    c.compile_seconds = std::chrono::duration<double>(now - start).count();
    start = now;
    compiled.push_back(std::move(c));
  }
  return compiled;
}

}  // namespace

const char* compiler_name(CompilerKind kind) {
  switch (kind) {
    case CompilerKind::kAuto: return "auto";
    case CompilerKind::kMdd: return "mdd";
    case CompilerKind::kDdnnf: return "ddnnf";
  }
  return "?";
}

CompilerKind parse_compiler(const std::string& name) {
  for (CompilerKind k : {CompilerKind::kAuto, CompilerKind::kMdd, CompilerKind::kDdnnf})
    if (name == compiler_name(k)) return k;
  throw UserError("UnknownCompiler", "", "unknown compiler '" + name + "' (auto, mdd, ddnnf)");
}

namespace {

// kAuto's rule (inference.h). `ddnnf` is built when the rule needs it, and kept.
CompilerChoice choose(const GroundProgram& program, CompilerKind requested,
                      std::unique_ptr<DdnnfCompiler>& ddnnf) {
  if (requested != CompilerKind::kAuto) return {requested, "requested"};
  for (const RandomVariable& v : program.variables)
    if (v.domain_size() > DdnnfCompiler::kMaxDomain)
      return {CompilerKind::kMdd, v.name + " has more than " +
                                      std::to_string(DdnnfCompiler::kMaxDomain) + " values"};
  // The decomposing compiler unrolls a cycle of n atoms n times; the MDDs' fixpoint is cheaper.
  if (AtomDependencies(program).any_cyclic()) return {CompilerKind::kMdd, "the program is cyclic"};
  // Neural programs keep the circuits their training was measured with (the digit-wise adder:
  // linear MDDs), until the width estimate below predicts MDD sizes better than it does.
  for (const RandomVariable& v : program.variables)
    if (v.is_neural()) return {CompilerKind::kMdd, "a neural program"};
  const std::size_t size = program.variables.size() + program.atoms.size() + program.rules.size();
  if (size > static_cast<std::size_t>(DdnnfCompiler::kMaxVariablesToCompareOrders))
    return {CompilerKind::kMdd, "too large to compare the orders cheaply (" + std::to_string(size) +
                                    " variables, atoms and rules)"};
  ddnnf = std::make_unique<DdnnfCompiler>(program);
  const double mdd_width = ddnnf->frontier_width(Compiler::variable_order(program));
  char reason[160];
  std::snprintf(reason, sizeof reason, "fixed order width %.1f bits, elimination width %.1f bits",
                mdd_width, ddnnf->order_width());
  // Ties go to the MDDs: on chain-like programs (the digit-wise adder) they are linear, and
  // their circuits are the ones the neural tasks were measured with.
  if (mdd_width >= 0 && mdd_width <= ddnnf->order_width()) return {CompilerKind::kMdd, reason, true};
  return {CompilerKind::kDdnnf, reason, true};
}

}  // namespace

std::vector<CompiledQuery> compile_queries(const GroundProgram& program,
                                           const CompileOptions& options,
                                           CompilerChoice* choice) {
  try {
    const auto start = Clock::now();
    std::unique_ptr<DdnnfCompiler> ddnnf;
    CompilerChoice chosen = choose(program, options.compiler, ddnnf);
    if (choice) *choice = chosen;
    if (chosen.kind == CompilerKind::kMdd) {
      if (!chosen.by_width) return compile_with_mdds(program, options, options.max_nodes);
      // A 30-node Bayesian network judged 22.2 bits wide for the MDDs against 23.6 for the
      // decomposition took 1.3 M MDD nodes and 49 s, and 0.16 s decomposed.
      try {
        return compile_with_mdds(program, options, std::min(options.max_nodes, kAutoMddBudget));
      } catch (const UserError& e) {
        if (e.kind() != "ResourceError") throw;
      }
      chosen = {CompilerKind::kDdnnf,
                chosen.reason + "; the MDDs passed " + std::to_string(kAutoMddBudget) + " nodes, so decision-DNNF",
                true};
      if (choice) *choice = chosen;  // its compile time includes the MDDs' attempt
    }
    if (!ddnnf) ddnnf = std::make_unique<DdnnfCompiler>(program);
    return compile_with_ddnnf(program, *ddnnf, options.max_nodes, start);
  } catch (const UserError& e) {
    if (!e.location().empty()) throw;
    throw UserError(e.kind(), program.source, e.message());  // name the program
  }
}

std::vector<std::vector<double>> fixed_weights(const GroundProgram& program) {
  std::vector<std::vector<double>> weights;
  for (const RandomVariable& var : program.variables) {
    if (var.is_neural())
      throw UserError("NeuralPredicate", var.location,
                      "neural predicate " + var.name + " needs network '" + var.network +
                          "' to give its probabilities; exact inference alone cannot evaluate "
                          "it (use gedilog train)");
    if (var.learnable)
      // ProbLog's inference stops here too: it evaluates t(_) as arithmetic.
      throw UserError("ArithmeticError", var.location,
                      "learnable probability t(...) of " + var.name +
                          " has no value in exact inference; train it (gedilog train) or write a number");
    weights.push_back(var.probabilities);
  }
  return weights;
}

UserError inconsistent_evidence(const GroundProgram& program, const std::string& message) {
  const bool located = !program.evidence.empty() && !program.evidence.front().location.empty();
  return UserError("InconsistentEvidenceError", located ? program.evidence.front().location : program.source,
                   message);
}

double probability(const CompiledQuery& compiled, const GroundProgram& program,
                   const std::vector<std::vector<double>>& weights) {
  const std::vector<double> values = compiled.circuit.evaluate(weights);
  if (values.size() == 1) return values[0];
  if (values[1] <= 0.0) throw inconsistent_evidence(program, "the evidence has probability 0");
  return values[0] / values[1];
}

std::vector<QueryResult> solve(const GroundProgram& program, const CompileOptions& options) {
  const auto weights = fixed_weights(program);
  std::vector<QueryResult> results;
  for (const CompiledQuery& c : compile_queries(program, options))
    results.push_back({c.query.text, probability(c, program, weights)});
  return results;
}

Explanation most_probable_explanation(const GroundProgram& program, std::size_t max_nodes) {
  const auto weights = fixed_weights(program);
  Compiler compiler(program);
  compiler.mdd().set_node_limit(max_nodes);
  const MddRef evidence = compiler.evidence();
  const Mdd& mdd = compiler.mdd();

  // Log-weights relative to each variable's most probable value: a variable a path does not
  // test then costs nothing, and takes that value.
  const int n = mdd.num_variables();
  std::vector<std::vector<double>> score(n);
  double log_best = 0.0;  // log of the product of every variable's largest probability
  std::vector<int> best_value(n, 0);
  for (int v = 0; v < n; ++v) {
    const std::vector<double>& w = weights[compiler.program_variable(v)];
    best_value[v] = static_cast<int>(std::max_element(w.begin(), w.end()) - w.begin());
    const double top = w[best_value[v]];
    log_best += std::log(top);
    for (double p : w) score[v].push_back(std::log(p) - std::log(top));
  }
  // best[r]: the largest score of a path from node r to TRUE, and its first value.
  std::unordered_map<MddRef, std::pair<double, int>> best;
  const double impossible = -std::numeric_limits<double>::infinity();
  std::function<double(MddRef)> visit = [&](MddRef r) -> double {
    if (r == Mdd::kTrue) return 0.0;
    if (r == Mdd::kFalse) return impossible;
    if (auto it = best.find(r); it != best.end()) return it->second.first;
    const int v = mdd.var_of(r);
    const MddRef* kids = mdd.children_of(r);
    std::pair<double, int> top{impossible, 0};
    for (int value = 0; value < mdd.domain_size(v); ++value) {
      const double s = score[v][value] + visit(kids[value]);
      if (s > top.first) top = {s, value};
    }
    best[r] = top;
    return top.first;
  };
  const double path_score = visit(evidence);
  if (path_score == impossible)  // no world, or only worlds of probability 0
    throw inconsistent_evidence(program, "the evidence has probability 0");

  std::vector<int> mdd_values = best_value;
  for (MddRef r = evidence; !Mdd::is_terminal(r);) {
    const int v = mdd.var_of(r), value = best.at(r).second;
    mdd_values[v] = value;
    r = mdd.children_of(r)[value];
  }
  Explanation e;
  e.probability = std::exp(path_score + log_best);
  e.values.assign(program.variables.size(), 0);
  for (int v = 0; v < n; ++v) e.values[compiler.program_variable(v)] = mdd_values[v];
  return e;
}

}  // namespace gedilog::symbolic
