// The run's figures: gnuplot draws them from what the loop hands over.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tasks/plots.h"
#include "temp_files.h"

namespace gedilog::tasks {
namespace {

bool is_png(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  char magic[8] = {};
  in.read(magic, 8);
  return in && std::string(magic + 1, 3) == "PNG" && std::filesystem::file_size(file) > 1000;
}

TEST_CASE("curves and a confusion matrix are drawn by gnuplot, names quoted, gaps allowed", "[tasks][plots]") {
  if (!gnuplot_available()) {
    const char* ci = std::getenv("CI");
    REQUIRE_FALSE((ci && std::string(ci) == "true"));  // scripts/setup.sh installs gnuplot-nox
    WARN("gnuplot is not installed: figures are left out, nothing to test");
    return;
  }
  const testing::TempFiles dir("gedilog_plots");
  write_curves_png(dir.path("curves.png"), "it's a run",
                   {{"loss", {2.5, 1.4, 0.8}, false}, {"val_accuracy", {0.5, std::nan(""), 0.9}, true}});
  CHECK(is_png(dir.path("curves.png")));
  write_confusion_png(dir.path("confusion.png"), {{0.9, 0.1}, {0.0, 1.0}}, {"tshirt", "o'clock"}, "test");
  CHECK(is_png(dir.path("confusion.png")));
  // The script and gnuplot's log are not left beside the figure.
  CHECK_FALSE(std::filesystem::exists(dir.path("curves.png.gp")));
  CHECK_FALSE(std::filesystem::exists(dir.path("curves.png.gp.log")));
  // Nothing to draw, nothing drawn.
  write_curves_png(dir.path("empty.png"), "none", {{"loss", {}, false}});
  CHECK_FALSE(std::filesystem::exists(dir.path("empty.png")));
}

TEST_CASE("a confusion matrix as text: classes named, shares of each true class in percent", "[tasks][plots]") {
  CHECK(confusion_markdown({{0.9, 0.1}, {0.0, 1.0}}, {"tshirt", "boot"}, "net on test") ==
        "net on test: a row per true class, a column per predicted, each cell the row's share (%)\n\n"
        "| true / predicted | tshirt | boot |\n"
        "|---|---:|---:|\n"
        "| tshirt | 90.0 | 10.0 |\n"
        "| boot | 0.0 | 100.0 |\n");
  // Unnamed classes are numbered.
  CHECK_THAT(confusion_markdown({{1.0, 0.0}, {0.25, 0.75}}, {}, "t", "cluster"),
             Catch::Contains("| true / cluster | 0 | 1 |") && Catch::Contains("| 1 | 25.0 | 75.0 |"));
}

}  // namespace
}  // namespace gedilog::tasks
