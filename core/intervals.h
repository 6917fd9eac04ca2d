#pragma once
// Wilson's score interval for a proportion: what `gedilog sample` says of an estimate and
// `gedilog compare` of a cell's success rate (tasks/statistics.h holds the rest). Here, header-only,
// so that the LibTorch-free command line has it too.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>

namespace gedilog::stats {

struct Interval {
  double low = 0, high = 0;  // NaN when undefined (fewer than 2 values for a mean)
};

// Wilson's score interval for `successes` of `n` (z = 1.96): honest near 0 and 1, where
// p ± z·sd would leave [0, 1]; [0, 1] for n = 0.
inline Interval wilson_interval(std::int64_t successes, std::int64_t n, double z = 1.959963984540054) {
  if (n <= 0) return {0, 1};
  if (successes < 0 || successes > n) throw std::invalid_argument("wilson_interval: successes must be in [0, n]");
  const double k = static_cast<double>(successes), m = static_cast<double>(n), z2 = z * z;
  const double centre = (k + z2 / 2) / (m + z2);
  const double half = z / (m + z2) * std::sqrt(k * (m - k) / m + z2 / 4);
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

}  // namespace gedilog::stats
