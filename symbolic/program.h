#pragma once
// A ProbLog / DeepProbLog program, read by SWI-Prolog's own reader (load stage of the pipeline).
#include <string>
#include <vector>

#include "symbolic/ground_program.h"

namespace gedilog::symbolic {

// nn(Net, Inputs, Var, Domain) :: Head. — kept for the bridge, which binds Net to a network.
struct NeuralDeclaration {
  std::string network;              // e.g. "mnist_net"
  std::string inputs;               // e.g. "[A]"
  std::string variable;             // e.g. "B"
  std::vector<std::string> domain;  // e.g. {"0", ..., "9"}
  std::string head;                 // e.g. "digit(A,B)"
  std::string location;             // FILE:LINE
};

class Program {
 public:
  // Loads FILE; throws UserError naming FILE:LINE for syntax errors, bad probabilities, ...
  static Program load(const std::string& file);

  const std::string& file() const { return file_; }
  const std::vector<NeuralDeclaration>& neural_declarations() const { return neural_; }
  // The files it was read from: FILE and the files it consults (what a cache key hashes).
  const std::vector<std::string>& source_files() const { return sources_; }

  // The relevant ground program of the program's own queries and evidence.
  GroundProgram ground() const;
  // ... of the given queries (Prolog text, e.g. "addition(in(0),in(1),7)") and the evidence.
  GroundProgram ground(const std::vector<std::string>& queries) const;

 private:
  Program() = default;
  std::string file_;
  std::string module_;  // the Prolog module holding the program
  std::vector<NeuralDeclaration> neural_;
  std::vector<std::string> sources_;
};

}  // namespace gedilog::symbolic
