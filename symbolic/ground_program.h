#pragma once
// The relevant ground program of a set of queries: what the grounder hands the compiler.
//
// Atoms are the nodes of the ground program (for ProbLog's call-keyed grounding an atom is
// "calling C returned answer A"; several atoms may print alike). Each atom is defined by the
// disjunction of its rules; a rule is a conjunction of literals. Leaves are choices of random
// variables: every annotated-disjunction instance (and every probabilistic fact) is one
// categorical variable.
#include <cstdint>
#include <string>
#include <vector>

namespace gedilog::symbolic {

struct Literal {
  enum class Kind { kAtom, kNegatedAtom, kChoice };
  Kind kind;
  int index;      // atom index, or variable index for a choice
  int value = 0;  // the chosen value, for a choice

  static Literal atom(int a) { return {Kind::kAtom, a, 0}; }
  static Literal negated(int a) { return {Kind::kNegatedAtom, a, 0}; }
  static Literal choice(int var, int value) { return {Kind::kChoice, var, value}; }
};

struct GroundRule {
  int head;
  std::vector<Literal> body;  // empty: the head is true
};

struct RandomVariable {
  std::string name;                      // e.g. "c(b1,red); c(b1,green)" or "mnist_net([in(0)])"
  std::string location;                  // FILE:LINE of the clause that introduced it
  std::vector<std::string> value_names;  // one per value; "none" for the leftover mass of an AD
  // Probability of each value (sums to 1). Empty for a neural variable: its probabilities
  // come from a network at evaluation time.
  std::vector<double> probabilities;
  // A learnable distribution (ProbLog's t(_)::f): `probabilities` are its starting values,
  // trained by gradient (gedilog train); exact inference refuses it.
  bool learnable = false;
  std::string network;  // neural variables: the network's name
  std::string inputs;   // neural variables: the inputs, as Prolog text (for messages)
  // Neural variables: per input, K where it is the placeholder in(K) of a query template, -1
  // where it is any other term (read from the term, not from its text).
  std::vector<std::int64_t> input_slots;
  // Identity within the program (its clause and the clause variables' bindings; for a neural
  // variable its network and inputs): the same key in two groundings is the same variable.
  std::string key;

  bool is_neural() const { return !network.empty(); }
  int domain_size() const { return static_cast<int>(value_names.size()); }
};

struct GroundQuery {
  std::string text;      // the ground query as printed, e.g. "path(a,d)" or "\+p"
  std::string location;  // FILE:LINE of its query/1
  int atom;              // -1 when the query has no proof (probability 0)
  bool negated = false;
  // An answer with variables left: only allowed when it is certain (ProbLog: NonGroundQuery).
  bool ground = true;
};

struct GroundEvidence {
  std::string text;
  std::string location;
  int atom;  // the atom that is true iff the evidence goal has a proof
  bool value;
};

struct GroundProgram {
  std::string source;  // the program file
  std::vector<std::string> atoms;
  std::vector<GroundRule> rules;
  std::vector<RandomVariable> variables;
  std::vector<GroundQuery> queries;
  std::vector<GroundEvidence> evidence;
};

}  // namespace gedilog::symbolic
