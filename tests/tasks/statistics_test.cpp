// compare's statistics against values computed by hand or published with the tests (R's
// fisher.test and wilcox.test give the same).
#include <catch2/catch.hpp>

#include <cmath>

#include "tasks/statistics.h"

namespace gedilog::stats {
namespace {

TEST_CASE("mean and Student's t interval", "[stats]") {
  const MeanSummary s = summarize({1, 2, 3, 4, 5});
  CHECK(s.n == 5);
  CHECK(s.mean == Approx(3));
  CHECK(s.sd == Approx(std::sqrt(2.5)));
  // t(0.975, 4) = 2.776445: 3 ± 2.776445 · 1.581139 / √5.
  CHECK(s.ci.low == Approx(1.036757).epsilon(1e-6));
  CHECK(s.ci.high == Approx(4.963243).epsilon(1e-6));
  const MeanSummary one = summarize({0.7});
  CHECK(one.mean == Approx(0.7));
  CHECK(std::isnan(one.ci.low));
  CHECK(summarize({}).n == 0);
}

TEST_CASE("Wilson's score interval", "[stats]") {
  const Interval none = wilson_interval(0, 10);
  CHECK(none.low == Approx(0).margin(1e-12));
  CHECK(none.high == Approx(0.277533).epsilon(1e-5));
  const Interval half = wilson_interval(5, 10);
  CHECK(half.low == Approx(0.236593).epsilon(1e-5));
  CHECK(half.high == Approx(0.763407).epsilon(1e-5));
  const Interval nine = wilson_interval(9, 10);
  CHECK(nine.low == Approx(0.595850).epsilon(1e-5));
  CHECK(nine.high == Approx(0.982124).epsilon(1e-5));
  CHECK(wilson_interval(0, 0).high == 1);
  CHECK_THROWS(wilson_interval(11, 10));
}

TEST_CASE("Fisher's exact test, two-sided", "[stats]") {
  CHECK(fisher_exact(1, 9, 11, 3) == Approx(0.002759456).epsilon(1e-6));
  CHECK(fisher_exact(3, 1, 1, 3) == Approx(0.485714286).epsilon(1e-6));  // the tea-tasting table
  // "2 of 5 against 4 of 5": far from significant.
  CHECK(fisher_exact(2, 3, 4, 1) == Approx(0.523809524).epsilon(1e-6));
  CHECK(fisher_exact(9, 1, 2, 8) == Approx(0.005477495).epsilon(1e-6));
  CHECK(fisher_exact(5, 5, 5, 5) == Approx(1));
  CHECK(fisher_exact(0, 0, 0, 0) == 1);
}

TEST_CASE("Mann-Whitney U, exact and with ties", "[stats]") {
  // Complete separation of 3 and 3: 2 of the C(6, 3) = 20 orderings are as extreme.
  CHECK(mann_whitney({1, 2, 3}, {4, 5, 6}) == Approx(0.1));
  CHECK(mann_whitney({4, 5, 6}, {1, 2, 3}) == Approx(0.1));
  CHECK(mann_whitney({1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}) == Approx(2.0 / 252));
  // U = 2 = m·n / 2 for {1, 4} vs {2, 3}: the centre of the distribution.
  CHECK(mann_whitney({1, 4}, {2, 3}) == Approx(1));
  // Ties: U = 4.5, variance 22.22 after the tie correction, z = (8 - 0.5) / 4.714.
  CHECK(mann_whitney({1, 2, 2, 3, 5}, {2, 4, 5, 6, 7}) == Approx(0.111611768).epsilon(1e-6));
  CHECK(mann_whitney({1, 1}, {1, 1}) == 1);
  CHECK(mann_whitney({}, {1}) == 1);
}

}  // namespace
}  // namespace gedilog::stats
