#pragma once
// Concept metrics (DESIGN.md, "Tasks"; docs/metrics.md gives each definition and the rsbench
// file it follows): accuracy of the argmax concept against the true one (identity map: the
// program fixes what each value means), concept collapse as rsbench computes it, row-normalised
// confusion, macro F1; and the clustering metrics of `gedilog cluster`.
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "tasks/statistics.h"

namespace gedilog::tasks {

struct ConceptMetrics {
  double accuracy = 0;
  // rsbench's (utils/train.py, 1 - compute_coverage): 1 - the mean, over the values present in
  // the truth or the predictions, of the largest share of any true value's row that goes to it.
  double collapse = 0;
  double f1 = 0;  // macro_f1
  std::vector<std::vector<double>> confusion;  // [true][predicted], rows sum to 1 (or 0)
};

ConceptMetrics concept_metrics(const torch::Tensor& predicted, const torch::Tensor& truth, int classes);

// Macro-averaged F1 over the values present in the truth or the predictions (scikit-learn's
// f1_score(average="macro")): per value 2 TP / (2 TP + FP + FN), then their mean.
double macro_f1(const std::vector<std::int64_t>& truth, const std::vector<std::int64_t>& predicted);

// Expected calibration error: predictions binned by confidence into `bins` equal bins of
// [0, 1]; Σ_bins (share of predictions) · |accuracy - mean confidence|.
double expected_calibration_error(const std::vector<double>& confidence, const std::vector<bool>& correct, int bins = 10);

// The concept map a network learnt: for each true value (row of a confusion matrix), the value
// it is predicted as most often (-1: value absent); and whether present values map one-to-one.
std::vector<int> learned_map(const std::vector<std::vector<double>>& confusion);
bool is_one_to_one(const std::vector<int>& map);
bool is_identity(const std::vector<int>& map);  // every present value read as itself

// Label accuracy over the same images re-paired: other random groupings of them into examples
// of `slots` images. mnist-add pairs its test digits once, so at N = 100 its 2 000 test digits make
// 10 sums and the canonical accuracy moves in steps of 10 points. An example is right when
// label_of(its predicted digits) == label_of(its true digits), in the order of its images.
// `mean`: over `groupings` seeded random groupings of the images. `ci`: a 95% percentile
// bootstrap interval over the images (each of `resamples` draws of as many images with
// replacement, grouped `groupings_per_resample` times): the uncertainty that the finite set of
// test images leaves, which averaging over groupings alone does not shrink.
struct RepairedAccuracy {
  double mean = 0;
  stats::Interval ci;
  int groupings = 0;
  std::int64_t examples = 0;  // per grouping
};
using LabelOf = std::function<std::vector<int>(const std::vector<int>& digits)>;
RepairedAccuracy repaired_accuracy(const std::vector<int>& predicted, const std::vector<int>& truth,
                                   int slots, const LabelOf& label_of, std::uint64_t seed,
                                   int groupings = 100, int resamples = 200,
                                   int groupings_per_resample = 10);

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
