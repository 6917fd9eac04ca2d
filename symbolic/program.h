#pragma once
// A ProbLog / DeepProbLog program, read by SWI-Prolog's own reader (load stage of the pipeline).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "symbolic/ground_program.h"

namespace gedilog::symbolic {

// nn(Net, Inputs, Var, Domain) :: Head (a neural annotated disjunction, DeepProbLog's nn/4) or
// nn(Net, Inputs) :: Head (a neural fact, nn/3) — kept for the bridge, which binds Net to a
// network: for nn/4 one output per value of the domain (a softmax), for nn/3 one output, its
// sigmoid P(Head).
struct NeuralDeclaration {
  std::string network;              // e.g. "mnist_net"
  std::string inputs;               // e.g. "[A]"
  std::string variable;             // e.g. "B" ("true" for a neural fact)
  std::vector<std::string> domain;  // e.g. {"0", ..., "9"}; {"true", "false"} for a neural fact
  std::string head;                 // e.g. "digit(A,B)"
  std::string location;             // FILE:LINE
  bool fact = false;                // nn/3
  int arity = 1;                    // the number of inputs: the network reads them as one tuple

  // The network's outputs: the domain's size, or 1 for a neural fact.
  std::int64_t outputs() const { return fact ? 1 : static_cast<std::int64_t>(domain.size()); }
};

// t(_)::f. (or an annotated disjunction of learnable heads): what training learns.
struct LearnableDeclaration {
  std::string heads;     // e.g. "heads", or "a; b"
  std::string location;  // FILE:LINE
};

// A query whose neural inputs are placeholders in(0), in(1), ... (e.g. addition(in(0),in(1),7)),
// with the evidence observed beside it: what a circuit is compiled for, once, and shared by
// every example that differs only in its inputs.
// A ground goal observed beside a query: true, or false.
struct Evidence {
  std::string goal;  // Prolog text
  bool value = true;
  bool operator==(const Evidence& o) const { return goal == o.goal && value == o.value; }
};

struct QueryTemplate {
  std::string query;
  std::vector<Evidence> evidence;

  QueryTemplate(std::string q = "", std::vector<Evidence> e = {}) : query(std::move(q)), evidence(std::move(e)) {}
  // One text for the pair (the cache's key): the query, then " | " and each evidence goal.
  std::string key() const;
  bool operator==(const QueryTemplate& o) const { return query == o.query && evidence == o.evidence; }
};

class Program {
 public:
  // Loads FILE; throws UserError naming FILE:LINE for syntax errors, bad probabilities, ...
  static Program load(const std::string& file);

  // Seconds one grounding (ground(), and each template a cache compiles) may take before it
  // stops with a ResourceError naming the program: `len(L, 3)` over an open list or
  // `p(X) :- p(s(X))` never end. Process-wide; 0: no limit.
  static constexpr double kDefaultGroundingSeconds = 300;
  static void set_grounding_seconds(double seconds);

  const std::string& file() const { return file_; }
  const std::vector<NeuralDeclaration>& neural_declarations() const { return neural_; }
  const std::vector<LearnableDeclaration>& learnable_declarations() const { return learnable_; }
  // The files it was read from: FILE and the files it consults (what a cache key hashes).
  const std::vector<std::string>& source_files() const { return sources_; }

  // The relevant ground program of the program's own queries and evidence.
  GroundProgram ground() const;
  // ... of the given queries (Prolog text, e.g. "addition(in(0),in(1),7)") with the program's
  // evidence and `evidence`.
  GroundProgram ground(const std::vector<std::string>& queries, const std::vector<Evidence>& evidence = {}) const;

  // The template of a query (Prolog text) whose variables named in `inputs` are neural inputs:
  // they become in(0), in(1), ... in order of first appearance in the query, then the evidence;
  // slots[i] is the K of inputs[i]. `evidence` is as written by a user: goals observed true,
  // "\\+ G" for G observed false. Parse errors and inputs that occur nowhere are UserErrors
  // naming `location`.
  QueryTemplate make_template(const std::string& query, const std::vector<std::string>& inputs,
                              const std::vector<std::string>& evidence, const std::string& location,
                              std::vector<int>& slots) const;
  // A template's query (as make_template returns it) with its argument `argument` (1-based, as
  // arg/3) a fresh variable: the query whose answers are the candidates for that argument, e.g.
  // multiplication(in(0),in(1),12) and 3 give multiplication(in(0),in(1),A). An argument that is
  // not ground or is an input is an ExampleError naming `location`.
  std::string open_query(const std::string& query, int argument, const std::string& location) const;

 private:
  Program() = default;
  std::string file_;
  std::string module_;  // the Prolog module holding the program
  std::vector<NeuralDeclaration> neural_;
  std::vector<LearnableDeclaration> learnable_;
  std::vector<std::string> sources_;
};

}  // namespace gedilog::symbolic
