#include "tasks/plots.h"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "symbolic/error.h"

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
