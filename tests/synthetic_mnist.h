#pragma once
// Tiny synthetic MNIST-like data written by tests: IDX files (gzip or not) of digits that are
// easy to tell apart, so a few training steps learn them.
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace gedilog::testing {

inline std::string be32(std::uint32_t v) {
  return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
}

// A synthetic digit: a bright 5x5 block whose place says the digit, plus a little noise.
inline std::vector<unsigned char> synthetic_digit(int digit, std::mt19937& rng) {
  std::vector<unsigned char> img(784);
  std::uniform_int_distribution<int> noise(0, 40);
  for (auto& p : img) p = static_cast<unsigned char>(noise(rng));
  const int top = 3 + (digit / 5) * 12, left = 2 + (digit % 5) * 5;
  for (int r = 0; r < 5; ++r)
    for (int c = 0; c < 5; ++c) img[(top + r) * 28 + left + c] = 250;
  return img;
}

inline void write_bytes(const std::string& file, const std::string& bytes, bool gzip) {
  if (gzip) {
    gzFile out = gzopen(file.c_str(), "wb");
    gzwrite(out, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(out);
  } else {
    std::ofstream(file, std::ios::binary) << bytes;
  }
}

// Writes {prefix}-images-idx3-ubyte and {prefix}-labels-idx1-ubyte (".gz" when gzip) with n
// synthetic digits (labels cycle 0..9).
inline void write_idx(const std::string& dir, const std::string& prefix, int n, bool gzip, unsigned seed) {
  std::mt19937 rng(seed);
  std::string images = be32(2051) + be32(n) + be32(28) + be32(28), labels = be32(2049) + be32(n);
  for (int i = 0; i < n; ++i) {
    const auto img = synthetic_digit(i % 10, rng);
    images.append(img.begin(), img.end());
    labels.push_back(static_cast<char>(i % 10));
  }
  const std::string gz = gzip ? ".gz" : "";
  write_bytes(dir + "/" + prefix + "-images-idx3-ubyte" + gz, images, gzip);
  write_bytes(dir + "/" + prefix + "-labels-idx1-ubyte" + gz, labels, gzip);
}


// Writes `train` and `test` synthetic digits (train-* and t10k-* IDX files, seeds `seed` and
// seed + 1) into the folder `dir`, and returns the experiment-file section that reads them.
inline std::string idx_data_section(const std::string& dir, int train, int test, unsigned seed,
                                    bool gzip_test = false) {
  std::filesystem::create_directories(dir);
  write_idx(dir, "train", train, false, seed);
  write_idx(dir, "t10k", test, gzip_test, seed + 1);
  return "[data]\nsource = \"idx\"\ndir = \"" + dir + "\"\n";
}

}  // namespace gedilog::testing
