#pragma once
// Sampling (ProbLog's sample mode), without compiling anything: a world draws every random
// variable from its distribution, and the ground program's least model in that world is
// computed component by component (a cycle by fixpoint, negation only on components below).
// Evidence is met by rejection, as ProbLog does: a world where it fails is drawn again.
// Its cost per world is linear in the ground program (times a cycle's rounds), so it answers
// programs too large to compile, within the sampling error it reports.
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "symbolic/dependencies.h"
#include "symbolic/ground_program.h"

namespace gedilog::symbolic {

class WorldSampler {
 public:
  // Throws a UserError for a neural or learnable variable (fixed probabilities only), for a
  // cycle through negation, and for evidence that has no proof but must hold.
  // `program` must outlive the sampler.
  explicit WorldSampler(const GroundProgram& program);

  // Past this many rejected worlds in a row, sample() stops with InconsistentEvidenceError.
  void set_max_rejections(std::size_t n) { max_rejections_ = n; }

  // Draws worlds until one satisfies the evidence; returns whether each query holds in it.
  std::vector<char> sample(std::mt19937_64& rng);
  // The last world: a value per random variable, and the truth of every atom.
  const std::vector<int>& values() const { return values_; }
  const std::vector<char>& truth() const { return truth_; }
  // Worlds rejected so far (for every accepted one, the evidence's improbability shows here).
  std::uint64_t rejected() const { return rejected_; }

 private:
  void draw(std::mt19937_64& rng);
  void least_model();
  bool holds(const Literal& l) const;

  const GroundProgram& program_;
  AtomDependencies dependencies_;
  std::vector<char> cyclic_;  // per component
  std::vector<std::discrete_distribution<int>> distributions_;
  std::vector<int> values_;
  std::vector<char> truth_;
  std::size_t max_rejections_ = 1000000;
  std::uint64_t rejected_ = 0;
};

}  // namespace gedilog::symbolic
