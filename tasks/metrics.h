#pragma once
// Concept metrics (DESIGN.md, "Tasks"): accuracy of the argmax concept against the true one
// (identity map: the program fixes what each value means), concept collapse
// Cls = 1 - (values predicted at least once / values present), row-normalised confusion.
#include <torch/types.h>

#include <vector>

namespace gedilog::tasks {

struct ConceptMetrics {
  double accuracy = 0;
  double collapse = 0;
  std::vector<std::vector<double>> confusion;  // [true][predicted], rows sum to 1 (or 0)
};

ConceptMetrics concept_metrics(const torch::Tensor& predicted, const torch::Tensor& truth, int classes);

}  // namespace gedilog::tasks
