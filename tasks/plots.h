#pragma once
// PNG figures: of a run (libpng), a confusion matrix as a heat map and curves per epoch; of a
// comparison (Cairo, for its text), a bar chart of mean ± std per cell.
#include <string>
#include <utility>
#include <vector>

namespace gedilog::tasks {

// Rows = true class, columns = predicted; white (0) to dark blue (1); 32 px per cell.
void write_confusion_png(const std::string& file, const std::vector<std::vector<double>>& confusion);

// One line per series over the epochs, each scaled to its own [min, max]; colours in order:
// red, blue, green, orange. (No text: the series' names and values are in history.csv.)
void write_curves_png(const std::string& file, const std::vector<std::vector<double>>& series);

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
