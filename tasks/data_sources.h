#pragma once
// Data an experiment file declares ([[source]]; docs/writing-programs.md, "Your own data"):
// arrays in IDX files of any rank, NumPy .npy files (what numpy.save writes), folders of PNG
// images (grey or RGB, labels from sub-folder names or a CSV) and CSV rows of numbers. Every
// loader checks its file and names it in errors. Examples name an input of a declared source as
// NAME:SPLIT:INDEX, as they name MNIST digits.
//
// What a network sees of one input (its shape): an array [N, D] gives vectors of D numbers, [N]
// one number each, [N, H, W] grey images (one channel: [1, H, W]), [N, C, H, W] images of C
// channels (PyTorch's layout), higher ranks tensors as they are. Bytes (uint8) are scaled to
// [0, 1] as torchvision's ToTensor does; other numbers are taken as they are.
#include <torch/types.h>

#include <string>
#include <vector>

#include "tasks/experiment.h"
#include "tasks/mnist_data.h"

namespace gedilog::tasks {

// An IDX file (magic 0x0000TTRR: type TT, rank RR; a ".gz" file is decompressed) as a tensor of
// its type (uint8, int8, int16, int32, float32, float64) and shape.
torch::Tensor read_idx(const std::string& file);

// A .npy file (format 1.0-3.0, C order, little-endian or single-byte types: bool, int8-64,
// uint8, float32, float64) as a tensor of its dtype and shape.
torch::Tensor read_npy(const std::string& file);

// Writes `array` (bool, uint8, int8-64, float16-64; any shape) as a .npy file (format 1.0, C
// order, little-endian), which numpy.load and read_npy read.
void write_npy(const std::string& file, const torch::Tensor& array);

// The examples of one split: `array` [N, ...] as float32 inputs in the shape above, `labels`
// (undefined: none; else [N] integers >= 0) as int64. `file` names the source's file in errors.
ImageSet as_inputs(const torch::Tensor& array, const torch::Tensor& labels, const std::string& file,
                   const std::string& labels_file);

// A declared source: its splits (an undeclared one is empty) and the names of its labels,
// classes[label] (the spec's, else sub-folder or CSV label names sorted, else "0", "1", ...
// up to the largest label). Unlabelled examples have label -1.
struct Source {
  TrainTest data;
  std::vector<std::string> classes;
};
Source load_declared_source(const SourceSpec& spec);

// Whether `name` is a built-in source or one the config declares; the names of all of them
// ("mnist, fashion-mnist, idx, ...") for errors.
bool is_source(const std::string& name, const ExperimentConfig& config);
std::string source_names(const ExperimentConfig& config);

// A built-in source ("mnist", "fashion-mnist", "idx" from data.dir) or one the config declares.
// Throws UserError naming `location` for a name that is neither.
Source load_named_source(const std::string& name, const ExperimentConfig& config, const std::string& location);

}  // namespace gedilog::tasks
