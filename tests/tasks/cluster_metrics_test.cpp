// Clustering metrics: the Hungarian matching against brute force, ACC / NMI / ARI on
// hand-computed cases, AUROC's ranks and ties.
#include "torch_catch.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "tasks/metrics.h"

namespace gedilog::tasks {
namespace {

TEST_CASE("best_assignment matches brute force over permutations", "[tasks][metrics]") {
  std::mt19937 rng(17);
  for (int trial = 0; trial < 300; ++trial) {
    const int n = 1 + trial % 6;
    std::vector<std::vector<std::int64_t>> w(n, std::vector<std::int64_t>(n));
    for (auto& row : w)
      for (auto& v : row) v = std::uniform_int_distribution<int>(0, trial % 3 == 0 ? 3 : 100)(rng);
    const std::vector<int> got = best_assignment(w);
    std::int64_t got_total = 0;
    std::vector<bool> used(n, false);
    for (int r = 0; r < n; ++r) {
      if (got[r] < 0) continue;
      REQUIRE_FALSE(used[got[r]]);  // one-to-one
      used[got[r]] = true;
      got_total += w[r][got[r]];
    }
    std::vector<int> perm(n);
    std::iota(perm.begin(), perm.end(), 0);
    std::int64_t best = 0;
    do {
      std::int64_t total = 0;
      for (int r = 0; r < n; ++r) total += w[r][perm[r]];
      best = std::max(best, total);
    } while (std::next_permutation(perm.begin(), perm.end()));
    INFO("trial " << trial);
    CHECK(got_total == best);
  }
}

TEST_CASE("a relabelled perfect clustering scores 1 everywhere", "[tasks][metrics]") {
  const torch::Tensor classes = torch::tensor({0, 0, 1, 1, 2, 2, 2});
  const torch::Tensor clusters = torch::tensor({2, 2, 0, 0, 1, 1, 1});
  const ClusterMetrics m = cluster_metrics(clusters, classes, 3, 3);
  CHECK(m.accuracy == Approx(1));
  CHECK(m.nmi == Approx(1));
  CHECK(m.ari == Approx(1));
  CHECK(m.class_of == std::vector<int>{1, 2, 0});
  CHECK(m.confusion[2][2] == Approx(1));
}

TEST_CASE("ACC, NMI and ARI on a hand-computed case", "[tasks][metrics]") {
  // truth [0 0 1 1], clusters [0 0 1 2]: MI = ln 2, H(truth) = ln 2, H(clusters) = 1.5 ln 2,
  // NMI = ln 2 / 1.25 ln 2 = 0.8; ARI = (1 - 1/3) / (1.5 - 1/3) = 4/7; ACC = 3/4.
  const ClusterMetrics m = cluster_metrics(torch::tensor({0, 0, 1, 2}), torch::tensor({0, 0, 1, 1}), 3, 2);
  CHECK(m.accuracy == Approx(0.75));
  CHECK(m.nmi == Approx(0.8));
  CHECK(m.ari == Approx(4.0 / 7.0));
  // A collapsed clustering: no information.
  const ClusterMetrics collapsed = cluster_metrics(torch::zeros({6}, torch::kLong), torch::tensor({0, 1, 2, 0, 1, 2}), 3, 3);
  CHECK(collapsed.accuracy == Approx(1.0 / 3));
  CHECK(collapsed.nmi == Approx(0).margin(1e-12));
  CHECK(collapsed.ari == Approx(0).margin(1e-12));
}

TEST_CASE("AUROC: separation, reversal, ties", "[tasks][metrics]") {
  CHECK(auroc({3, 4, 5}, {0, 1, 2}) == Approx(1));
  CHECK(auroc({0, 1}, {2, 3}) == Approx(0));
  CHECK(auroc({1, 1}, {1, 1}) == Approx(0.5));
  // One of four pairs wrong, one tied: (2 + 0.5) / 4.
  CHECK(auroc({2, 5}, {1, 5}) == Approx(0.625));
  CHECK_THROWS(auroc({}, {1}));
}

}  // namespace
}  // namespace gedilog::tasks
