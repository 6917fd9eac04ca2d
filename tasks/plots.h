#pragma once
// PNG figures: of a run (gnuplot), a confusion matrix as a heat map (and as a text table) and
// curves per epoch, and image grids (libpng); of a comparison (Cairo, for its text), a bar chart of mean ± std per cell.
#include <string>
#include <utility>
#include <vector>

namespace gedilog::tasks {

class RunFolder;

// The run's figures are drawn by gnuplot (Debian's gnuplot-nox, its pngcairo terminal). Where
// it is not installed they are left out (the numbers are in history.csv and metrics.json);
// the training loop says so once. A gnuplot that fails is a PlotError naming the figure.
bool gnuplot_available();

// A heat map, rows = true class, columns = predicted, each cell its share of the row (0 white
// to 1 dark blue, the percentage written in it), classes named on both axes.
void write_confusion_png(const std::string& file, const std::vector<std::vector<double>>& confusion,
                         const std::vector<std::string>& classes, const std::string& title,
                         const std::string& columns = "predicted");

// The same matrix as text: a Markdown table, a row per true class (named), a column per
// predicted one, each cell its share of the row in percent (one decimal), the title above.
std::string confusion_markdown(const std::vector<std::vector<double>>& confusion, const std::vector<std::string>& classes,
                               const std::string& title, const std::string& columns = "predicted");

// What a run folder gets of a confusion matrix: NAME.png (write_confusion_png) and NAME.md
// (confusion_markdown), e.g. confusion.png and confusion.md.
void write_confusion(RunFolder& run, const std::string& name, const std::vector<std::vector<double>>& confusion,
                     const std::vector<std::string>& classes, const std::string& title,
                     const std::string& columns = "predicted");

// Curves over the epochs: losses on the left axis, shares (accuracies, NMI) on the right one,
// fixed to [0, 1]; a legend names each; NaN values are gaps.
struct Curve {
  std::string name;
  std::vector<double> values;  // per epoch
  bool share = false;          // on the right axis, [0, 1]
};
void write_curves_png(const std::string& file, const std::string& title, const std::vector<Curve>& curves);

// Grey images [count][height * width] (values in [0, 1], black on white) in a grid of
// `columns`, each drawn 2x with a 2 px gap (SGLD samples, reconstructions).
void write_image_grid_png(const std::string& file, const std::vector<std::vector<float>>& images, int height,
                          int width, int columns);

// One panel per metric; in each, the groups (tasks) side by side, a bar per series (variant)
// coloured by series, with its mean on top and a whisker of ± std. values[g * series + s][m]
// = (mean, std); a NaN mean draws no bar.
struct BarChart {
  std::vector<std::string> metrics, groups, series;
  std::vector<std::vector<std::pair<double, double>>> values;
};
void write_bar_chart_png(const std::string& file, const BarChart& chart);

}  // namespace gedilog::tasks
