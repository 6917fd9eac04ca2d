#include "tasks/metrics.h"

#include <torch/torch.h>

namespace gedilog::tasks {

ConceptMetrics concept_metrics(const torch::Tensor& predicted, const torch::Tensor& truth, int classes) {
  ConceptMetrics m;
  const torch::Tensor p = predicted.to(torch::kCPU, torch::kLong), t = truth.to(torch::kCPU, torch::kLong);
  const std::int64_t n = t.size(0);
  m.accuracy = n ? p.eq(t).sum().item<double>() / n : 0.0;
  const torch::Tensor counts =
      torch::zeros({classes * classes}, torch::kDouble).index_add_(0, t * classes + p, torch::ones({n}, torch::kDouble));
  const auto c = counts.view({classes, classes});
  int present = 0, predicted_present = 0;
  for (int i = 0; i < classes; ++i) {
    const double row = c[i].sum().item<double>();
    present += row > 0;
    predicted_present += row > 0 && c.select(1, i).sum().item<double>() > 0;
    std::vector<double> r;
    for (int j = 0; j < classes; ++j) r.push_back(row > 0 ? c[i][j].item<double>() / row : 0.0);
    m.confusion.push_back(r);
  }
  // Values predicted at least once, among those present in the truth.
  m.collapse = present ? 1.0 - static_cast<double>(predicted_present) / present : 0.0;
  return m;
}

}  // namespace gedilog::tasks
