#include "symbolic/inference.h"

#include <chrono>

#include "symbolic/compiler.h"
#include "symbolic/error.h"

namespace gedilog::symbolic {

namespace {

std::vector<CompiledQuery> compile_all(const GroundProgram& program, std::size_t max_mdd_nodes) {
  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  Compiler compiler(program);
  compiler.mdd().set_node_limit(max_mdd_nodes);
  std::vector<int> program_variable;
  for (int v = 0; v < compiler.mdd().num_variables(); ++v)
    program_variable.push_back(compiler.program_variable(v));
  const MddRef evidence = compiler.evidence();
  const bool has_evidence = !program.evidence.empty();
  // The evidence's share of the time is charged to the first query.
  std::vector<CompiledQuery> compiled;
  for (const GroundQuery& q : program.queries) {
    const MddRef formula = compiler.query(q);
    if (!q.ground && formula != Mdd::kTrue)
      throw UserError("NonGroundQuery", q.location.empty() ? program.source : q.location,
                      "query answer " + q.text + " is not ground and not certain");
    const MddRef joint = compiler.mdd().apply_and(formula, evidence);
    std::vector<MddRef> roots{joint};
    if (has_evidence) roots.push_back(evidence);
    CompiledQuery c{q, Circuit::from_mdd(compiler.mdd(), roots, program_variable),
                    compiler.mdd().size(joint), 0.0};
    const auto now = Clock::now();
    c.compile_seconds = std::chrono::duration<double>(now - start).count();
    start = now;
    compiled.push_back(std::move(c));
  }
  return compiled;
}

}  // namespace

std::vector<CompiledQuery> compile_queries(const GroundProgram& program,
                                           std::size_t max_mdd_nodes) {
  try {
    return compile_all(program, max_mdd_nodes);
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
      throw UserError("UnsupportedLearnable", var.location,
                      "learnable probability of " + var.name + " needs training (gedilog train), not exact inference");
    weights.push_back(var.probabilities);
  }
  return weights;
}

double probability(const CompiledQuery& compiled, const GroundProgram& program,
                   const std::vector<std::vector<double>>& weights) {
  const std::vector<double> values = compiled.circuit.evaluate(weights);
  if (values.size() == 1) return values[0];
  if (values[1] <= 0.0) {
    const GroundEvidence& first = program.evidence.front();
    throw UserError("InconsistentEvidenceError",
                    first.location.empty() ? program.source : first.location,
                    "the evidence has probability 0");
  }
  return values[0] / values[1];
}

std::vector<QueryResult> solve(const GroundProgram& program, std::size_t max_mdd_nodes) {
  const auto weights = fixed_weights(program);
  std::vector<QueryResult> results;
  for (const CompiledQuery& c : compile_queries(program, max_mdd_nodes))
    results.push_back({c.query.text, probability(c, program, weights)});
  return results;
}

}  // namespace gedilog::symbolic
