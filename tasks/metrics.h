#pragma once
// Concept metrics (DESIGN.md, "Tasks"): accuracy of the argmax concept against the true one
// (identity map: the program fixes what each value means), concept collapse
// Cls = 1 - (values predicted at least once / values present), row-normalised confusion; and
// the clustering metrics of `gedilog cluster`.
#include <torch/types.h>

#include <vector>

namespace gedilog::tasks {

struct ConceptMetrics {
  double accuracy = 0;
  double collapse = 0;
  std::vector<std::vector<double>> confusion;  // [true][predicted], rows sum to 1 (or 0)
};

ConceptMetrics concept_metrics(const torch::Tensor& predicted, const torch::Tensor& truth, int classes);

// Expected calibration error: predictions binned by confidence into `bins` equal bins of
// [0, 1]; Σ_bins (share of predictions) · |accuracy - mean confidence|.
double expected_calibration_error(const std::vector<double>& confidence, const std::vector<bool>& correct, int bins = 10);

// The concept map a network learnt: for each true value (row of a confusion matrix), the value
// it is predicted as most often (-1: value absent); and whether present values map one-to-one.
std::vector<int> learned_map(const std::vector<std::vector<double>>& confusion);
bool is_one_to_one(const std::vector<int>& map);

// Clustering metrics (unsupervised: cluster ids mean nothing until matched to classes).
struct ClusterMetrics {
  double accuracy = 0;  // under the best one-to-one cluster -> class map (Hungarian)
  double nmi = 0;       // normalised mutual information, arithmetic mean of the entropies
  double ari = 0;       // adjusted Rand index
  std::vector<int> class_of;  // cluster -> matched class (-1: unmatched)
  std::vector<std::vector<double>> confusion;  // [class][matched class], rows sum to 1 (or 0)
};

ClusterMetrics cluster_metrics(const torch::Tensor& clusters, const torch::Tensor& classes, int num_clusters,
                               int num_classes);

// The one-to-one map rows -> columns of largest total count: result[r] is r's column, or -1.
// Boost.Graph's maximum weighted matching on the bipartite graph (integer weights: its dual
// updates test equalities, which floating point would break).
std::vector<int> best_assignment(const std::vector<std::vector<std::int64_t>>& counts);

// Area under the ROC curve of scores meant to be higher on `positive` than on `negative`
// (Mann-Whitney; ties count a half).
double auroc(const std::vector<double>& positive, const std::vector<double>& negative);

}  // namespace gedilog::tasks
