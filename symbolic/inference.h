#pragma once
// Exact inference on a ground program: compile each query (with the evidence) into an
// arithmetic circuit and evaluate it in double precision. P(q | e) = P(q ∧ e) / P(e).
#include <string>
#include <vector>

#include "symbolic/circuit.h"
#include "symbolic/ground_program.h"

namespace gedilog::symbolic {

struct CompiledQuery {
  GroundQuery query;
  // Roots: {q ∧ e, e} with evidence, {q} without.
  Circuit circuit;
  std::size_t mdd_nodes = 0;     // size of the query's decision diagram (q ∧ e)
  double compile_seconds = 0.0;  // knowledge compilation and circuit conversion
};

struct QueryResult {
  std::string query;
  double probability;
};

// Compiles every query of the program. Queries share one MDD manager (one variable order),
// which may hold at most max_mdd_nodes nodes (ResourceError beyond).
std::vector<CompiledQuery> compile_queries(const GroundProgram& program,
                                           std::size_t max_mdd_nodes = Mdd::kDefaultNodeLimit);

// The leaf weights of a program whose variables all have fixed probabilities; throws a
// UserError naming the neural predicate otherwise.
std::vector<std::vector<double>> fixed_weights(const GroundProgram& program);

// P(q | evidence) from a compiled query; throws InconsistentEvidenceError when P(e) = 0.
double probability(const CompiledQuery& compiled, const GroundProgram& program,
                   const std::vector<std::vector<double>>& weights);

// Compile and evaluate every query.
std::vector<QueryResult> solve(const GroundProgram& program,
                               std::size_t max_mdd_nodes = Mdd::kDefaultNodeLimit);

}  // namespace gedilog::symbolic
