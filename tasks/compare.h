#pragma once
// `gedilog compare GRID.toml --out DIR [--jobs K]`: experiments run over tasks x variants x
// seeds, each run a folder DIR/[<task>-]<variant>-s<seed> recorded in DIR/runs.db; finished
// runs are skipped, so an interrupted comparison resumes. The results are read back from
// runs.db into DIR/results.md (per cell and metric: the mean with its 95% t-interval, or for
// binary metrics the count with its Wilson interval; p-values of each variant against the
// baseline: Fisher's exact test or Mann-Whitney's U; the learned concept map of every run),
// DIR/results.csv and a bar chart, DIR/results.png (tasks/statistics.h).
//
// A grid file:
//   experiment = "cluster_mnist.toml"       # relative to the grid file
//   seeds = [0, 1, 2]
//   set = ["train.epochs=20"]                # overrides for every run (optional)
//   metrics = ["test.accuracy", "test.nmi"]  # paths into metrics.json
//   baseline = "GEDI"                        # optional: the variant others are tested against
//   [[task]]                                 # optional: a second axis, each with its own
//   name = "mnist-half"                      # experiment file and overrides
//   experiment = "shortcuts/half.toml"
//   set = ["train.epochs=5"]
//   [[variant]]
//   name = "GEDI"
//   set = ["objective.generative=1"]
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace gedilog::tasks {

struct Grid {
  struct Axis {  // a task or a variant
    std::string name;
    std::string experiment;  // tasks only: their experiment file (empty: the grid's)
    std::vector<std::string> set;
  };
  std::string file;        // the grid file
  std::string experiment;  // resolved against the grid file's folder
  std::vector<std::int64_t> seeds;
  std::vector<std::string> set;
  std::vector<std::string> metrics;
  std::string baseline;     // the variant every other is tested against (default: the first)
  std::vector<Axis> tasks;  // empty: the grid's experiment alone
  std::vector<Axis> variants;
  std::vector<std::string> command_line;  // `compare --set`: after the variant's, for every run
};

// One run of a grid: what to train and where.
struct GridRun {
  std::string task, variant;  // names (task empty without a task axis)
  std::int64_t seed = 0;
  std::string experiment;
  std::vector<std::string> overrides;  // grid, task, variant, then train.seed
  std::string dir;
};

// Reads and checks a grid file (errors name the file, line and key); every cell's
// configuration is checked before anything runs. `overrides` (compare --set) apply to every
// run, after the grid's, the task's and the variant's own.
Grid load_grid(const std::string& file, const std::vector<std::string>& overrides = {});

// Every run of the grid, in table order (task, variant, seed).
std::vector<GridRun> grid_runs(const Grid& grid, const std::string& out_dir);

struct CompareOptions {
  int jobs = 1;            // runs at a time; > 1 runs each as a child process of `executable`
  std::string executable;  // the gedilog binary (jobs > 1)
};

// Runs what is not finished, then writes the results; returns results.md's text. A run that
// fails is reported (its log is DIR/<run>.log with jobs > 1) and the others go on; the call
// then throws UserError naming the failed runs, after the results are written.
std::string run_grid(const Grid& grid, const std::string& out_dir, std::ostream& log, bool terminal,
                     const CompareOptions& options = {});

// "GEDI without generative" -> "gedi-without-generative".
std::string slug(const std::string& name);

}  // namespace gedilog::tasks
