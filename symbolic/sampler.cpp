#include "symbolic/sampler.h"

#include <algorithm>

#include "core/error.h"
#include "symbolic/inference.h"

namespace gedilog::symbolic {

WorldSampler::WorldSampler(const GroundProgram& program) : program_(program), dependencies_(program) {
  for (const std::vector<double>& w : fixed_weights(program))  // refuses neural and t(_)
    distributions_.emplace_back(w.begin(), w.end());
  for (int c = 0; c < dependencies_.num_components(); ++c)
    cyclic_.push_back(dependencies_.cyclic(c));  // throws NegativeCycle
  for (const GroundEvidence& e : program.evidence)
    if (e.atom < 0 && e.value)
      throw UserError("InconsistentEvidenceError", e.location.empty() ? program.source : e.location,
                      "evidence " + e.text + " has no proof: no world satisfies it");
  values_.assign(program.variables.size(), 0);
  truth_.assign(program.atoms.size(), 0);
}

bool WorldSampler::holds(const Literal& l) const {
  switch (l.kind) {
    case Literal::Kind::kAtom: return truth_[l.index];
    case Literal::Kind::kNegatedAtom: return !truth_[l.index];
    case Literal::Kind::kChoice: return values_[l.index] == l.value;
  }
  return false;
}

void WorldSampler::draw(std::mt19937_64& rng) {
  for (std::size_t v = 0; v < values_.size(); ++v) values_[v] = distributions_[v](rng);
}

// Components in order (dependencies first); within a cycle, rounds until nothing changes:
// atoms only turn true, so at most one round per atom.
void WorldSampler::least_model() {
  std::fill(truth_.begin(), truth_.end(), 0);
  for (int c = 0; c < dependencies_.num_components(); ++c) {
    const std::vector<int>& atoms = dependencies_.atoms_of(c);
    for (bool changed = true; changed;) {
      changed = false;
      for (int a : atoms) {
        if (truth_[a]) continue;
        for (int r : dependencies_.rules_of(a)) {
          bool body = true;
          for (const Literal& l : program_.rules[r].body)
            if (!holds(l)) {
              body = false;
              break;
            }
          if (body) {
            truth_[a] = 1;
            changed = cyclic_[c];
            break;
          }
        }
      }
    }
  }
}

std::vector<char> WorldSampler::sample(std::mt19937_64& rng) {
  for (std::size_t tries = 0;; ++tries) {
    draw(rng);
    least_model();
    bool accepted = true;
    for (const GroundEvidence& e : program_.evidence)
      accepted = accepted && (e.atom >= 0 ? truth_[e.atom] != 0 : false) == e.value;
    if (accepted) break;
    ++rejected_;
    if (tries + 1 >= max_rejections_)
      throw inconsistent_evidence(program_, std::to_string(max_rejections_) +
                                                " worlds in a row failed the evidence: it is too improbable to "
                                                "sample by rejection (or impossible); use gedilog query for the "
                                                "exact answer");
  }
  std::vector<char> answers;
  for (const GroundQuery& q : program_.queries) {
    const bool proved = q.atom >= 0 && truth_[q.atom];
    answers.push_back(proved != q.negated);
  }
  return answers;
}

}  // namespace gedilog::symbolic
