#include "tasks/statistics.h"

#include <boost/math/distributions/hypergeometric.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

namespace gedilog::stats {

MeanSummary summarize(const std::vector<double>& values) {
  MeanSummary s;
  s.n = values.size();
  if (s.n == 0) return {0, std::nan(""), std::nan(""), {std::nan(""), std::nan("")}};
  for (double v : values) s.mean += v / static_cast<double>(s.n);
  if (s.n == 1) {
    s.ci = {std::nan(""), std::nan("")};
    return s;
  }
  double squares = 0;
  for (double v : values) squares += (v - s.mean) * (v - s.mean);
  s.sd = std::sqrt(squares / static_cast<double>(s.n - 1));
  const boost::math::students_t t(static_cast<double>(s.n - 1));
  const double half = boost::math::quantile(t, 0.975) * s.sd / std::sqrt(static_cast<double>(s.n));
  s.ci = {s.mean - half, s.mean + half};
  return s;
}

double fisher_exact(std::int64_t a, std::int64_t b, std::int64_t c, std::int64_t d) {
  if (a < 0 || b < 0 || c < 0 || d < 0) throw std::invalid_argument("fisher_exact: counts must be >= 0");
  const auto successes = static_cast<unsigned>(a + c), first_row = static_cast<unsigned>(a + b),
             total = static_cast<unsigned>(a + b + c + d);
  if (total == 0) return 1;
  const boost::math::hypergeometric_distribution<double> h(successes, first_row, total);
  const auto [low, high] = boost::math::support(h);
  const double observed = boost::math::pdf(h, static_cast<unsigned>(a));
  double p = 0;
  for (unsigned x = low; x <= high; ++x) {
    const double px = boost::math::pdf(h, x);
    if (px <= observed * (1 + 1e-7)) p += px;  // R's relative tolerance for equal probabilities
  }
  return std::min(1.0, p);
}

namespace {

// P(U = u) for u = 0 .. m·n, U the Mann-Whitney statistic of samples of m and n values without
// ties under the null: counts of orderings N(u; i, j) = N(u - j; i - 1, j) + N(u; i, j - 1).
std::vector<double> u_distribution(std::size_t m, std::size_t n) {
  // counts[j] = N(·; i, j) for the current i.
  std::vector<std::vector<double>> counts(n + 1, std::vector<double>(1, 1.0));  // i = 0: U = 0 only
  for (std::size_t i = 1; i <= m; ++i) {
    std::vector<std::vector<double>> next(n + 1);
    next[0] = {1.0};  // j = 0: U = 0 only
    for (std::size_t j = 1; j <= n; ++j) {
      next[j].assign(i * j + 1, 0.0);
      for (std::size_t u = 0; u < counts[j].size(); ++u) next[j][u + j] += counts[j][u];  // the largest is an x
      for (std::size_t u = 0; u < next[j - 1].size(); ++u) next[j][u] += next[j - 1][u];  // the largest is a y
    }
    counts = std::move(next);
  }
  std::vector<double> p = counts[n];
  double total = 0;
  for (double v : p) total += v;
  for (double& v : p) v /= total;
  return p;
}

}  // namespace

double mann_whitney(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.empty() || y.empty()) return 1;
  double u = 0;
  for (double a : x)
    for (double b : y) u += a > b ? 1.0 : a == b ? 0.5 : 0.0;
  std::map<double, int> ties;
  for (double v : x) ++ties[v];
  for (double v : y) ++ties[v];
  const double m = static_cast<double>(x.size()), n = static_cast<double>(y.size()), total = m + n;
  const bool tied = ties.size() < x.size() + y.size();
  if (!tied && x.size() + y.size() <= 40) {
    const std::vector<double> p = u_distribution(x.size(), y.size());
    const auto k = static_cast<std::size_t>(u);
    double below = 0, above = 0;
    for (std::size_t i = 0; i < p.size(); ++i) (i <= k ? below : above) += p[i];
    above += p[k];  // P(U >= k)
    return std::min(1.0, 2 * std::min(below, above));
  }
  double correction = 0;
  for (const auto& [value, t] : ties) correction += static_cast<double>(t) * t * t - t;
  const double variance = m * n / 12 * ((total + 1) - correction / (total * (total - 1)));
  if (variance <= 0) return 1;  // every value equal
  const double z = std::max(0.0, std::abs(u - m * n / 2) - 0.5) / std::sqrt(variance);
  return std::min(1.0, 2 * boost::math::cdf(boost::math::complement(boost::math::normal(), z)));
}

}  // namespace gedilog::stats
