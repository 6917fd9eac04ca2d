#pragma once
// The atoms' dependency graph of a ground program (an edge from a rule's head to each atom of
// its body) and its strongly connected components, numbered so that a component's
// dependencies come first. Both knowledge compilers walk it: the MDDs solve a cyclic component
// by fixpoint, the decision-DNNF compiler unrolls it.
#include <vector>

#include "symbolic/ground_program.h"

namespace gedilog::symbolic {

class AtomDependencies {
 public:
  explicit AtomDependencies(const GroundProgram& program);

  const std::vector<int>& rules_of(int atom) const { return rules_of_[atom]; }
  int component_of(int atom) const { return component_of_[atom]; }
  int num_components() const { return static_cast<int>(atoms_of_.size()); }
  const std::vector<int>& atoms_of(int component) const { return atoms_of_[component]; }

  // Whether component c is a cycle (several atoms, or one whose rules use it). Throws
  // NegativeCycle (UserError) when the cycle goes through negation, as ProbLog does.
  bool cyclic(int component) const;
  // Whether any component is (NegativeCycle as above).
  bool any_cyclic() const;

 private:
  const GroundProgram& program_;
  std::vector<std::vector<int>> rules_of_;  // atom -> its rules
  std::vector<int> component_of_;           // atom -> its component
  std::vector<std::vector<int>> atoms_of_;  // component -> its atoms
};

}  // namespace gedilog::symbolic
