#pragma once
// `gedilog compare GRID.toml --out DIR`: one experiment file run over variants x seeds, each
// run a folder DIR/<variant>-s<seed> recorded in DIR/runs.db; finished runs are skipped, so an
// interrupted comparison resumes. The table of mean ± std per variant and metric is read back
// from runs.db into DIR/results.md and DIR/results.csv.
//
// A grid file:
//   experiment = "cluster_mnist.toml"       # relative to the grid file
//   seeds = [0, 1, 2]
//   set = ["train.epochs=20"]                # overrides for every run (optional)
//   metrics = ["test.accuracy", "test.nmi"]  # paths into metrics.json
//   [[variant]]
//   name = "GEDI"
//   set = ["objective.generative=1"]
#include <iosfwd>
#include <string>
#include <vector>

namespace gedilog::tasks {

struct Grid {
  struct Variant {
    std::string name;
    std::vector<std::string> set;
  };
  std::string file;        // the grid file
  std::string experiment;  // resolved against the grid file's folder
  std::vector<std::int64_t> seeds;
  std::vector<std::string> set;
  std::vector<std::string> metrics;
  std::vector<Variant> variants;
};

// Reads and checks a grid file (errors name the file, line and key); every variant's
// configuration is checked before anything runs.
Grid load_grid(const std::string& file);

// Runs what is not finished, then writes the results; returns results.md's text.
std::string run_grid(const Grid& grid, const std::string& out_dir, std::ostream& log, bool terminal);

// "GEDI without generative" -> "gedi-without-generative".
std::string slug(const std::string& name);

}  // namespace gedilog::tasks
