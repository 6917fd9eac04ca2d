#pragma once
// Exact inference on a ground program: compile each query (with the evidence) into an
// arithmetic circuit and evaluate it in double precision. P(q | e) = P(q ∧ e) / P(e).
#include <string>
#include <vector>

#include "core/error.h"
#include "symbolic/circuit.h"
#include "symbolic/ground_program.h"

namespace gedilog::symbolic {

// The knowledge compilers: fixed-order MDDs (compiler.h; linear on chain-like programs such as
// the digit-wise adder) and the decomposing decision-DNNF compiler (ddnnf_compiler.h;
// exponential only in the treewidth: Bayesian networks). kAuto picks one per program
// (choose_compiler).
enum class CompilerKind { kAuto, kMdd, kDdnnf };
const char* compiler_name(CompilerKind kind);
CompilerKind parse_compiler(const std::string& name);  // "auto", "mdd", "ddnnf"; UserError otherwise

struct CompileOptions {
  CompilerKind compiler = CompilerKind::kAuto;
  // The largest MDD manager or decision-DNNF allowed (ResourceError beyond).
  std::size_t max_nodes = Mdd::kDefaultNodeLimit;
  // MDDs: every cycle by fixpoint (Compiler::set_cycles_by_fixpoint), for comparisons only.
  bool cycles_by_fixpoint = false;
};

// The compiler used for a program, and why (one line, for gedilog compile --stats). kAuto:
// the MDDs for cyclic programs, neural programs, programs of more than 5000 variables, atoms
// and rules, and domains over 64 values; otherwise the MDDs when their fixed
// order is no wider than the decomposition's elimination order (widths in bits: the random
// variables' domains a cut or a clique holds), the decision-DNNF compiler when it is narrower.
// The widths misjudge some programs by orders of magnitude, so MDDs chosen by width get
// kAutoMddBudget nodes; past it the decision-DNNF compiler starts over.
struct CompilerChoice {
  CompilerKind kind = CompilerKind::kMdd;
  std::string reason;
  bool by_width = false;  // chosen by the width comparison (not by a rule only one compiler meets)
};
inline constexpr std::size_t kAutoMddBudget = std::size_t{1} << 18;

struct CompiledQuery {
  GroundQuery query;
  // Roots: {q ∧ e, e} with evidence, {q} without.
  Circuit circuit;
  CompilerKind compiler = CompilerKind::kMdd;
  // Size of the compiler's form of q ∧ e: MDD nodes, or decision-DNNF nodes (shared with the
  // program's other queries).
  std::size_t compiler_nodes = 0;
  double compile_seconds = 0.0;  // knowledge compilation and circuit conversion
  // The most nodes the compiler held so far, garbage included: its memory (an MDD node takes
  // about 100 bytes with the tables).
  std::size_t peak_nodes = 0;
};

struct QueryResult {
  std::string query;
  double probability;
};

// Compiles every query of the program. Queries share one MDD manager (one variable order) or
// one decision-DNNF compiler (one component cache).
// `choice`, when given, receives the compiler used and why.
std::vector<CompiledQuery> compile_queries(const GroundProgram& program,
                                           const CompileOptions& options = {},
                                           CompilerChoice* choice = nullptr);

// The leaf weights of a program whose variables all have fixed probabilities; throws a
// UserError naming the neural predicate otherwise.
std::vector<std::vector<double>> fixed_weights(const GroundProgram& program);

// InconsistentEvidenceError at the program's first evidence (or the program, without one).
UserError inconsistent_evidence(const GroundProgram& program, const std::string& message);

// P(q | evidence) from a compiled query; throws InconsistentEvidenceError when P(e) = 0.
double probability(const CompiledQuery& compiled, const GroundProgram& program,
                   const std::vector<std::vector<double>>& weights);

// Compile and evaluate every query.
std::vector<QueryResult> solve(const GroundProgram& program, const CompileOptions& options = {});

// ProbLog's MPE mode: the most probable world in which the evidence holds (a value of every
// random variable of the ground program; the queries only choose which part is ground) and
// its probability P(world), by max-product over the evidence's MDD. Ties go to the lower
// value. Throws InconsistentEvidenceError when no world satisfies the evidence.
struct Explanation {
  double probability = 0.0;
  std::vector<int> values;  // per random variable of the program: the index of its value
};
Explanation most_probable_explanation(const GroundProgram& program,
                                      std::size_t max_nodes = Mdd::kDefaultNodeLimit);

}  // namespace gedilog::symbolic
