#include "tasks/plots.h"

#include <cairo.h>
#include <png.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <sstream>

#include "core/error.h"
#include "tasks/run_store.h"

extern char** environ;

namespace gedilog::tasks {

namespace fs = std::filesystem;

namespace {

struct Canvas {
  int width, height;
  std::vector<unsigned char> rgb;
  Canvas(int w, int h) : width(w), height(h), rgb(static_cast<std::size_t>(w) * h * 3, 255) {}
  void set(int x, int y, const unsigned char* c) {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    std::copy(c, c + 3, rgb.begin() + (static_cast<std::size_t>(y) * width + x) * 3);
  }
  void write(const std::string& file) const {
    FILE* out = std::fopen(file.c_str(), "wb");
    if (!out) throw UserError("IOError", file, "cannot write");
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
      png_destroy_write_struct(&png, &info);
      std::fclose(out);
      throw UserError("IOError", file, "libpng failed to write");
    }
    png_init_io(png, out);
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < height; ++y)
      png_write_row(png, const_cast<png_bytep>(rgb.data() + static_cast<std::size_t>(y) * width * 3));
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
    std::fclose(out);
  }
};

}  // namespace

namespace {

// Runs `program args...` (found on PATH), its output discarded and its errors into
// `errors_file`; its exit status, or -1 when it cannot be started.
int run_program(std::vector<std::string> args, const std::string& errors_file) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, errors_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return -1;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Runs gnuplot on `script` (which sets its output to `file`): the script goes to FILE.gp and
// gnuplot's complaints to FILE.gp.log, both removed once the figure is written.
void run_gnuplot(const std::string& file, const std::string& script) {
  const std::string script_file = file + ".gp", log_file = file + ".gp.log";
  {
    std::ofstream out(script_file);
    out << script;
    if (!out.flush()) throw UserError("IOError", script_file, "cannot write the figure's gnuplot script");
  }
  const int status = run_program({"gnuplot", script_file}, log_file);
  std::ifstream log(log_file);
  const std::string complaint((std::istreambuf_iterator<char>(log)), {});
  std::error_code ignored;
  fs::remove(script_file, ignored);
  fs::remove(log_file, ignored);
  if (status != 0) throw UserError("PlotError", file, "gnuplot failed: " + complaint.substr(0, 500));
}

// A text for a gnuplot script, in single quotes (a quote inside doubled).
std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// What every figure starts with: PNG through cairo, text as written (no _ subscripts).
std::string preamble(const std::string& file, int width, int height, const std::string& title) {
  return "set terminal pngcairo size " + std::to_string(width) + "," + std::to_string(height) +
         " font 'DejaVu Sans,10' noenhanced\nset output " + quoted(file) + "\nset title " + quoted(title) + "\n";
}

}  // namespace

bool gnuplot_available() {
  static const bool available = run_program({"gnuplot", "--version"}, "/dev/null") == 0;
  return available;
}

void write_confusion_png(const std::string& file, const std::vector<std::vector<double>>& confusion,
                         const std::vector<std::string>& classes, const std::string& title,
                         const std::string& columns) {
  if (!gnuplot_available() || confusion.empty()) return;
  const std::size_t n = confusion.size();
  std::ostringstream script;
  script << preamble(file, 640, 600, title) << "set xlabel " << quoted(columns) << "\nset ylabel 'true'\n"
         << "set xrange [-0.5:" << n - 0.5 << "]\nset yrange [" << n - 0.5 << ":-0.5]\nset size ratio -1\n"
         << "set cbrange [0:1]\nset cblabel 'share of the true class (cells: %)'\n"
         << "set palette defined (0 '#ffffff', 1 '#08306b')\nset tics scale 0\n";
  for (const char* axis : {"xtics", "ytics"}) {
    script << "set " << axis << " (";
    for (std::size_t k = 0; k < n; ++k)
      script << (k ? ", " : "") << quoted(k < classes.size() ? classes[k] : std::to_string(k)) << " " << k;
    script << ")\n";
  }
  if (n > 20) script << "set xtics rotate by 90 right\n";  // many classes: their labels side by side overlap
  script << "$m << EOD\n";
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) script << j << " " << i << " " << std::clamp(confusion[i][j], 0.0, 1.0) << "\n";
  script << "EOD\n";
  // Each cell's share in percent (none where it is 0), dark on light cells and light on dark.
  const std::string label = n <= 20 ? "sprintf('%.0f', 100 * $3)" : "''";
  script << "plot $m using 1:2:3 with image notitle, \\\n"
         << "  $m using 1:2:($3 > 0.005 && $3 < 0.5 ? " << label << " : '') with labels tc rgb '#000000' notitle, \\\n"
         << "  $m using 1:2:($3 >= 0.5 ? " << label << " : '') with labels tc rgb '#ffffff' notitle\n";
  run_gnuplot(file, script.str());
}

std::string confusion_markdown(const std::vector<std::vector<double>>& confusion, const std::vector<std::string>& classes,
                               const std::string& title, const std::string& columns) {
  auto name = [&](std::size_t k) { return k < classes.size() ? classes[k] : std::to_string(k); };
  std::ostringstream out;
  out << title << ": a row per true class, a column per " << columns << ", each cell the row's share (%)\n\n"
      << "| true / " << columns << " |";
  for (std::size_t j = 0; j < confusion.size(); ++j) out << " " << name(j) << " |";
  out << "\n|---|";
  for (std::size_t j = 0; j < confusion.size(); ++j) out << "---:|";
  out << "\n" << std::fixed << std::setprecision(1);
  for (std::size_t i = 0; i < confusion.size(); ++i) {
    out << "| " << name(i) << " |";
    for (double share : confusion[i]) out << " " << 100 * share << " |";
    out << "\n";
  }
  return out.str();
}

void write_confusion(RunFolder& run, const std::string& name, const std::vector<std::vector<double>>& confusion,
                     const std::vector<std::string>& classes, const std::string& title, const std::string& columns) {
  write_confusion_png(run.path(name + ".png"), confusion, classes, title, columns);
  run.write(name + ".md", confusion_markdown(confusion, classes, title, columns));
}

void write_curves_png(const std::string& file, const std::string& title, const std::vector<Curve>& curves) {
  std::size_t epochs = 0;
  for (const Curve& c : curves) epochs = std::max(epochs, c.values.size());
  if (!gnuplot_available() || epochs == 0) return;
  bool shares = false;
  for (const Curve& c : curves) shares = shares || c.share;
  std::ostringstream script;
  script << preamble(file, 800, 480, title) << "set xlabel 'epoch'\nset ylabel 'training loss'\nset ytics nomirror\n"
         << "set grid\nset key below\nset xrange [0.5:" << epochs + 0.5 << "]\n"
         << (epochs <= 20 ? "set xtics 1\n" : "");
  if (shares) script << "set y2label 'accuracy'\nset y2range [0:1]\nset y2tics 0.1\n";
  script << "$h << EOD\n";
  for (std::size_t e = 0; e < epochs; ++e) {
    script << e + 1;
    for (const Curve& c : curves)
      script << " " << (e < c.values.size() && std::isfinite(c.values[e]) ? std::to_string(c.values[e]) : "NaN");
    script << "\n";
  }
  script << "EOD\nplot ";
  for (std::size_t k = 0; k < curves.size(); ++k)
    script << (k ? ", " : "") << "$h using 1:" << k + 2 << " with linespoints lw 2 pt 7 ps 0.6 axes "
           << (curves[k].share ? "x1y2" : "x1y1") << " title " << quoted(curves[k].name);
  script << "\n";
  run_gnuplot(file, script.str());
}

void write_image_grid_png(const std::string& file, const std::vector<std::vector<float>>& images, int height,
                          int width, int columns) {
  const int count = static_cast<int>(images.size()), zoom = 2, gap = 2;
  const int rows = (count + columns - 1) / columns;
  const int cell_w = width * zoom + gap, cell_h = height * zoom + gap;
  Canvas canvas(std::max(1, columns * cell_w), std::max(1, rows * cell_h));
  for (int k = 0; k < count; ++k)
    for (int y = 0; y < height * zoom; ++y)
      for (int x = 0; x < width * zoom; ++x) {
        const float v = std::clamp(images[k][(y / zoom) * width + x / zoom], 0.0f, 1.0f);
        const unsigned char g = static_cast<unsigned char>(255 * (1 - v));
        const unsigned char c[3] = {g, g, g};
        canvas.set((k % columns) * cell_w + x, (k / columns) * cell_h + y, c);
      }
  canvas.write(file);
}

}  // namespace gedilog::tasks

namespace gedilog::tasks {

void write_bar_chart_png(const std::string& file, const BarChart& chart) {
  const int series = static_cast<int>(chart.series.size()), groups = static_cast<int>(chart.groups.size());
  const int bar = 22, gap = 24, left = 56, right = 16, legend_row = 18, panel = 190, top_pad = 28, bottom_pad = 34;
  const int legend = 12 + legend_row * ((series + 2) / 3);
  const int width = std::max(left + groups * (series * bar + gap) + right, 640);
  const int height = legend + static_cast<int>(chart.metrics.size()) * (panel + top_pad + bottom_pad);
  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
  cairo_t* cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, 11);
  auto colour = [&](int s) {  // a qualitative palette (Tableau 20: ten colours, then their light tints)
    static const double c[20][3] = {
        {.12, .47, .71}, {1, .5, .05},    {.17, .63, .17}, {.84, .15, .16}, {.58, .4, .74},  {.55, .34, .29}, {.89, .47, .76},
        {.5, .5, .5},    {.74, .74, .13}, {.09, .75, .81}, {.68, .78, .91}, {1, .73, .47},   {.6, .87, .54},  {1, .6, .59},
        {.77, .69, .84}, {.77, .61, .58}, {.97, .71, .82}, {.78, .78, .78}, {.86, .86, .55}, {.62, .85, .9}};
    cairo_set_source_rgb(cr, c[s % 20][0], c[s % 20][1], c[s % 20][2]);
  };
  auto text = [&](double x, double y, const std::string& t, bool centred) {
    cairo_text_extents_t e;
    cairo_text_extents(cr, t.c_str(), &e);
    cairo_move_to(cr, centred ? x - e.width / 2 - e.x_bearing : x, y);
    cairo_show_text(cr, t.c_str());
  };
  for (int s = 0; s < series; ++s) {  // the legend, three per row
    const double x = left + (s % 3) * ((width - left) / 3.0), y = 8 + legend_row * (s / 3);
    colour(s);
    cairo_rectangle(cr, x, y, 12, 12);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    text(x + 16, y + 10, chart.series[s], false);
  }
  for (std::size_t m = 0; m < chart.metrics.size(); ++m) {
    const double y0 = legend + m * (panel + top_pad + bottom_pad) + top_pad, base = y0 + panel;
    double top = 0;
    bool shares = true;  // every mean in [0, 1]: drawn on [0, 1], whiskers clipped
    for (const auto& cell : chart.values)
      if (!std::isnan(cell[m].first)) {
        top = std::max(top, cell[m].first + cell[m].second);
        shares = shares && cell[m].first >= 0 && cell[m].first <= 1;
      }
    top = shares ? 1.0 : top * 1.1;
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_font_size(cr, 12);
    text(left, y0 - 10, chart.metrics[m], false);
    cairo_set_font_size(cr, 10);
    cairo_set_line_width(cr, 1);
    for (int k = 0; k <= 4; ++k) {  // grid lines at quarters of the scale
      const double y = base - panel * k / 4.0;
      cairo_set_source_rgb(cr, .85, .85, .85);
      cairo_move_to(cr, left, y);
      cairo_line_to(cr, width - right, y);
      cairo_stroke(cr);
      cairo_set_source_rgb(cr, 0, 0, 0);
      std::ostringstream v;
      v << std::setprecision(3) << top * k / 4.0;
      text(6, y + 4, v.str(), false);
    }
    const double slot = static_cast<double>(width - left - right) / std::max(groups, 1);  // groups spread evenly
    for (int g = 0; g < groups; ++g) {
      const double gx = left + g * slot + (slot - series * bar) / 2.0;
      cairo_set_source_rgb(cr, 0, 0, 0);
      text(gx + series * bar / 2.0, base + 14, chart.groups[g], true);
      for (int s = 0; s < series; ++s) {
        const auto [mean, sd] = chart.values.at(g * series + s)[m];
        if (std::isnan(mean)) continue;
        const double x = gx + s * bar, h = panel * std::max(mean, 0.0) / top;
        colour(s);
        cairo_rectangle(cr, x + 2, base - h, bar - 4, h);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        const double lo = base - panel * std::max(mean - sd, 0.0) / top,
                     hi = base - panel * std::min(mean + sd, top) / top;
        cairo_move_to(cr, x + bar / 2.0, lo);
        cairo_line_to(cr, x + bar / 2.0, hi);
        cairo_stroke(cr);
        std::ostringstream v;
        v << std::setprecision(2) << mean;
        cairo_set_font_size(cr, 8);
        text(x + bar / 2.0, hi - 3, v.str(), true);
        cairo_set_font_size(cr, 10);
      }
    }
  }
  cairo_destroy(cr);
  const std::string aside = file + ".part";
  const cairo_status_t status = cairo_surface_write_to_png(surface, aside.c_str());
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS || std::rename(aside.c_str(), file.c_str()) != 0)
    throw UserError("WriteError", file, "cannot write the chart");
}

}  // namespace gedilog::tasks
