#pragma once
// What `gedilog compare` says about a cell of seeds and about a variant against a baseline:
// 95% intervals (Student's t for a mean, Wilson's for a proportion) and two-sided tests
// (Fisher's exact test for counts, Mann-Whitney's U for continuous metrics: seed outcomes are
// often bimodal, so no normality is assumed). Distributions from Boost.Math.
#include <cstdint>
#include <vector>

#include "core/intervals.h"  // Interval, wilson_interval

namespace gedilog::stats {

struct MeanSummary {
  std::size_t n = 0;
  double mean = 0, sd = 0;  // sd: sample standard deviation (0 for n = 1)
  Interval ci;              // mean ± t(0.975, n - 1) · sd / √n
};
MeanSummary summarize(const std::vector<double>& values);

// Fisher's exact test on the 2x2 table [[a, b], [c, d]] (rows: two groups; columns: success,
// failure): the probability, under the hypergeometric law with the margins fixed, of a table
// no more probable than the observed one (as R's fisher.test).
double fisher_exact(std::int64_t a, std::int64_t b, std::int64_t c, std::int64_t d);

// Mann-Whitney U test, two-sided: exact (the distribution of U by recursion) when there are
// no ties, else the normal approximation with the tie correction and a continuity correction.
// 1 when either sample is empty.
double mann_whitney(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace gedilog::stats
