#include "tasks/plots.h"

#include <cairo.h>
#include <png.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <sstream>

#include "core/error.h"

namespace gedilog::tasks {

namespace {

struct Canvas {
  int width, height;
  std::vector<unsigned char> rgb;
  Canvas(int w, int h) : width(w), height(h), rgb(static_cast<std::size_t>(w) * h * 3, 255) {}
  void set(int x, int y, const unsigned char* c) {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    std::copy(c, c + 3, rgb.begin() + (static_cast<std::size_t>(y) * width + x) * 3);
  }
  void line(double x0, double y0, double x1, double y1, const unsigned char* c) {
    const int steps = static_cast<int>(std::max(std::abs(x1 - x0), std::abs(y1 - y0))) + 1;
    for (int s = 0; s <= steps; ++s) {
      const double t = static_cast<double>(s) / steps;
      const int x = static_cast<int>(std::lround(x0 + t * (x1 - x0)));
      const int y = static_cast<int>(std::lround(y0 + t * (y1 - y0)));
      for (int dx = 0; dx < 2; ++dx)
        for (int dy = 0; dy < 2; ++dy) set(x + dx, y + dy, c);
    }
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

void write_confusion_png(const std::string& file, const std::vector<std::vector<double>>& confusion) {
  const int n = static_cast<int>(confusion.size()), cell = 32;
  Canvas canvas(n * cell, n * cell);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      const double v = std::clamp(confusion[i][j], 0.0, 1.0);
      const unsigned char c[3] = {static_cast<unsigned char>(255 * (1 - v)),
                                  static_cast<unsigned char>(255 * (1 - 0.8 * v)),
                                  static_cast<unsigned char>(255 - 100 * v)};
      for (int y = 0; y < cell - 1; ++y)
        for (int x = 0; x < cell - 1; ++x) canvas.set(j * cell + x, i * cell + y, c);
    }
  canvas.write(file);
}

void write_curves_png(const std::string& file, const std::vector<std::vector<double>>& series) {
  static const unsigned char colours[4][3] = {{220, 40, 40}, {40, 80, 220}, {30, 160, 60}, {240, 150, 20}};
  static const unsigned char grey[3] = {160, 160, 160};
  const int w = 480, h = 320, margin = 20;
  Canvas canvas(w, h);
  canvas.line(margin, h - margin, w - margin, h - margin, grey);
  canvas.line(margin, margin, margin, h - margin, grey);
  for (std::size_t s = 0; s < series.size(); ++s) {
    const std::vector<double>& v = series[s];
    if (v.empty()) continue;
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    const double span = *hi - *lo > 0 ? *hi - *lo : 1.0;
    auto px = [&](std::size_t i) {
      return margin + (v.size() > 1 ? static_cast<double>(i) / (v.size() - 1) : 0.5) * (w - 2 * margin);
    };
    auto py = [&](std::size_t i) { return h - margin - (v[i] - *lo) / span * (h - 2 * margin); };
    for (std::size_t i = 0; i + 1 < v.size(); ++i) canvas.line(px(i), py(i), px(i + 1), py(i + 1), colours[s % 4]);
    if (v.size() == 1) canvas.line(px(0) - 3, py(0), px(0) + 3, py(0), colours[s % 4]);
  }
  canvas.write(file);
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
