#include "tasks/metrics.h"

#include <torch/torch.h>

#include <algorithm>
#include <array>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/maximum_weighted_matching.hpp>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <stdexcept>

namespace gedilog::tasks {

namespace {

// The share of right examples when the images `order` names are taken `slots` at a time.
double grouped_accuracy(const std::vector<std::int64_t>& order, const std::vector<int>& predicted,
                        const std::vector<int>& truth, int slots, const LabelOf& label_of) {
  const std::size_t examples = order.size() / static_cast<std::size_t>(slots);
  std::size_t right = 0;
  std::vector<int> p(static_cast<std::size_t>(slots)), t(static_cast<std::size_t>(slots));
  for (std::size_t e = 0; e < examples; ++e) {
    bool all_right = true;
    for (int k = 0; k < slots; ++k) {
      const auto i = static_cast<std::size_t>(
          order[e * static_cast<std::size_t>(slots) + static_cast<std::size_t>(k)]);
      p[static_cast<std::size_t>(k)] = predicted[i];
      t[static_cast<std::size_t>(k)] = truth[i];
      all_right = all_right && predicted[i] == truth[i];
    }
    right +=
        all_right || label_of(p) == label_of(t);  // wrong digits can still give the right label
  }
  return examples ? static_cast<double>(right) / static_cast<double>(examples) : 0.0;
}

}  // namespace

RepairedAccuracy repaired_accuracy(const std::vector<int>& predicted, const std::vector<int>& truth,
                                   int slots, const LabelOf& label_of, std::uint64_t seed,
                                   int groupings, int resamples, int groupings_per_resample) {
  if (predicted.size() != truth.size() || slots < 1 || groupings < 1)
    throw std::invalid_argument(
        "repaired_accuracy: one prediction per image, a slot and a grouping at least");
  RepairedAccuracy r;
  r.groupings = groupings;
  r.examples = static_cast<std::int64_t>(truth.size() / static_cast<std::size_t>(slots));
  if (r.examples == 0) return r;
  std::mt19937_64 rng(seed);
  std::vector<std::int64_t> order(truth.size());
  // The mean accuracy over `count` random groupings of the images `order` names.
  auto mean_over_groupings = [&](int count) {
    double sum = 0;
    for (int g = 0; g < count; ++g) {
      std::shuffle(order.begin(), order.end(), rng);
      sum += grouped_accuracy(order, predicted, truth, slots, label_of);
    }
    return sum / count;
  };
  std::iota(order.begin(), order.end(), 0);
  r.mean = mean_over_groupings(groupings);
  std::uniform_int_distribution<std::int64_t> any(0, static_cast<std::int64_t>(truth.size()) - 1);
  std::vector<double> estimates;
  for (int b = 0; b < resamples; ++b) {
    for (std::int64_t& i : order) i = any(rng);
    estimates.push_back(mean_over_groupings(groupings_per_resample));
  }
  if (estimates.empty()) return r.ci = {std::nan(""), std::nan("")}, r;
  std::sort(estimates.begin(), estimates.end());
  auto at = [&](double q) {
    return estimates[static_cast<std::size_t>(std::lround(q * (estimates.size() - 1)))];
  };
  r.ci = {at(0.025), at(0.975)};
  return r;
}

ConceptMetrics concept_metrics(const torch::Tensor& predicted, const torch::Tensor& truth, int classes) {
  ConceptMetrics m;
  const torch::Tensor p = predicted.to(torch::kCPU, torch::kLong).contiguous(), t = truth.to(torch::kCPU, torch::kLong).contiguous();
  const std::int64_t n = t.size(0);
  m.accuracy = n ? p.eq(t).sum().item<double>() / n : 0.0;
  const torch::Tensor counts =
      torch::zeros({classes * classes}, torch::kDouble).index_add_(0, t * classes + p, torch::ones({n}, torch::kDouble));
  const auto c = counts.view({classes, classes});
  for (int i = 0; i < classes; ++i) {
    const double row = c[i].sum().item<double>();
    std::vector<double> r;
    for (int j = 0; j < classes; ++j) r.push_back(row > 0 ? c[i][j].item<double>() / row : 0.0);
    m.confusion.push_back(r);
  }
  int columns = 0;
  double coverage = 0;
  for (int j = 0; j < classes; ++j) {
    if (c[j].sum().item<double>() == 0 && c.select(1, j).sum().item<double>() == 0) continue;  // value absent
    ++columns;
    double best = 0;
    for (int i = 0; i < classes; ++i) best = std::max(best, m.confusion[i][j]);
    coverage += best;
  }
  m.collapse = columns ? 1.0 - coverage / columns : 0.0;
  m.f1 = macro_f1({t.data_ptr<std::int64_t>(), t.data_ptr<std::int64_t>() + n}, {p.data_ptr<std::int64_t>(), p.data_ptr<std::int64_t>() + n});
  return m;
}

double macro_f1(const std::vector<std::int64_t>& truth, const std::vector<std::int64_t>& predicted) {
  if (truth.size() != predicted.size()) throw std::invalid_argument("macro_f1: as many predictions as truths");
  std::map<std::int64_t, std::array<double, 3>> tally;  // value -> TP, FP, FN
  for (std::size_t i = 0; i < truth.size(); ++i) {
    if (truth[i] == predicted[i]) {
      tally[truth[i]][0] += 1;
    } else {
      tally[predicted[i]][1] += 1;
      tally[truth[i]][2] += 1;
    }
  }
  double sum = 0;
  for (const auto& [value, t] : tally) sum += 2 * t[0] / (2 * t[0] + t[1] + t[2]);
  return tally.empty() ? 0.0 : sum / static_cast<double>(tally.size());
}

double expected_calibration_error(const std::vector<double>& confidence, const std::vector<bool>& correct, int bins) {
  std::vector<double> count(bins), right(bins), sure(bins);
  for (std::size_t i = 0; i < confidence.size(); ++i) {
    const int b = std::clamp(static_cast<int>(confidence[i] * bins), 0, bins - 1);  // confidence 1 in the top bin
    count[b] += 1;
    right[b] += correct[i];
    sure[b] += confidence[i];
  }
  double ece = 0;
  for (int b = 0; b < bins; ++b)
    if (count[b] > 0) ece += count[b] / confidence.size() * std::abs(right[b] / count[b] - sure[b] / count[b]);
  return ece;
}

std::vector<int> learned_map(const std::vector<std::vector<double>>& confusion) {
  std::vector<int> map;
  for (const auto& row : confusion) {
    const auto best = std::max_element(row.begin(), row.end());
    map.push_back(best == row.end() || *best == 0 ? -1 : static_cast<int>(best - row.begin()));
  }
  return map;
}

bool is_identity(const std::vector<int>& map) {
  for (std::size_t v = 0; v < map.size(); ++v)
    if (map[v] >= 0 && map[v] != static_cast<int>(v)) return false;
  return true;
}

bool is_one_to_one(const std::vector<int>& map) {
  std::set<int> seen;
  for (int v : map)
    if (v >= 0 && !seen.insert(v).second) return false;
  return true;
}

}  // namespace gedilog::tasks

namespace gedilog::tasks {

std::vector<int> best_assignment(const std::vector<std::vector<std::int64_t>>& weights) {
  const int rows = static_cast<int>(weights.size());
  const int cols = rows ? static_cast<int>(weights[0].size()) : 0;
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, boost::no_property,
                                      boost::property<boost::edge_weight_t, std::int64_t>>;
  Graph g(rows + cols);  // rows are vertices [0, rows), columns [rows, rows + cols)
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c)
      if (weights[r][c] > 0) boost::add_edge(r, rows + c, weights[r][c], g);
  std::vector<boost::graph_traits<Graph>::vertex_descriptor> mate(rows + cols);
  boost::maximum_weighted_matching(g, &mate[0]);
  std::vector<int> out(rows, -1);
  for (int r = 0; r < rows; ++r)
    if (mate[r] != boost::graph_traits<Graph>::null_vertex()) out[r] = static_cast<int>(mate[r]) - rows;
  return out;
}

ClusterMetrics cluster_metrics(const torch::Tensor& clusters, const torch::Tensor& classes, int num_clusters,
                               int num_classes) {
  const torch::Tensor k = clusters.to(torch::kCPU, torch::kLong), y = classes.to(torch::kCPU, torch::kLong);
  const std::int64_t n = y.size(0);
  std::vector<std::vector<std::int64_t>> count(num_clusters, std::vector<std::int64_t>(num_classes, 0));
  const auto ka = k.accessor<std::int64_t, 1>(), ya = y.accessor<std::int64_t, 1>();
  for (std::int64_t i = 0; i < n; ++i) count[ka[i]][ya[i]] += 1;

  ClusterMetrics m;
  m.class_of = best_assignment(count);
  double matched = 0;
  m.confusion.assign(num_classes, std::vector<double>(num_classes, 0));
  for (int c = 0; c < num_clusters; ++c) {
    if (m.class_of[c] < 0) continue;
    matched += static_cast<double>(count[c][m.class_of[c]]);
    for (int j = 0; j < num_classes; ++j) m.confusion[j][m.class_of[c]] += static_cast<double>(count[c][j]);
  }
  for (auto& row : m.confusion) {
    double total = 0;
    for (double v : row) total += v;
    for (double& v : row) v = total > 0 ? v / total : 0;
  }
  m.accuracy = n ? matched / n : 0;

  // Entropies and mutual information from the contingency table (natural log).
  std::vector<double> a(num_clusters, 0), b(num_classes, 0);
  for (int c = 0; c < num_clusters; ++c)
    for (int j = 0; j < num_classes; ++j) a[c] += static_cast<double>(count[c][j]), b[j] += static_cast<double>(count[c][j]);
  auto entropy = [&](const std::vector<double>& marginal) {
    double h = 0;
    for (double v : marginal)
      if (v > 0) h -= v / n * std::log(v / n);
    return h;
  };
  double mi = 0;
  for (int c = 0; c < num_clusters; ++c)
    for (int j = 0; j < num_classes; ++j)
      if (count[c][j] > 0) {
        const double p = static_cast<double>(count[c][j]) / n;
        mi += p * std::log(p * n * n / (a[c] * b[j]));
      }
  const double h = 0.5 * (entropy(a) + entropy(b));
  m.nmi = h > 0 ? mi / h : 1.0;  // both partitions trivial: identical

  // ARI = (index - expected) / (max - expected), over pairs.
  auto pairs = [](double v) { return v * (v - 1) / 2; };
  double index = 0, sum_a = 0, sum_b = 0;
  for (int c = 0; c < num_clusters; ++c)
    for (int j = 0; j < num_classes; ++j) index += pairs(static_cast<double>(count[c][j]));
  for (double v : a) sum_a += pairs(v);
  for (double v : b) sum_b += pairs(v);
  const double expected = n > 1 ? sum_a * sum_b / pairs(static_cast<double>(n)) : 0;
  const double max_index = 0.5 * (sum_a + sum_b);
  m.ari = max_index - expected != 0 ? (index - expected) / (max_index - expected) : 1.0;
  return m;
}

double auroc(const std::vector<double>& positive, const std::vector<double>& negative) {
  if (positive.empty() || negative.empty()) throw std::invalid_argument("auroc needs scores of both kinds");
  // Rank all scores together (ties share their mean rank); U = rank sum of positives - n+(n+ + 1)/2.
  std::vector<std::pair<double, bool>> all;
  for (double s : positive) all.push_back({s, true});
  for (double s : negative) all.push_back({s, false});
  std::sort(all.begin(), all.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  double rank_sum = 0;
  for (std::size_t i = 0; i < all.size();) {
    std::size_t j = i;
    while (j < all.size() && all[j].first == all[i].first) ++j;
    const double mean_rank = 0.5 * (static_cast<double>(i + 1) + static_cast<double>(j));
    for (std::size_t t = i; t < j; ++t)
      if (all[t].second) rank_sum += mean_rank;
    i = j;
  }
  const double p = static_cast<double>(positive.size()), q = static_cast<double>(negative.size());
  return (rank_sum - p * (p + 1) / 2) / (p * q);
}

}  // namespace gedilog::tasks
