#pragma once
// A task defined by files (task.name = "files"; docs/writing-programs.md): a program, the
// network of each of its neural predicates ([[network]]), and example files for train and test.
//
// An example file holds one example per line, as JSONL (".jsonl"):
//   {"query": "mult(X, Y, 12)", "inputs": {"X": "mnist:train:17", "Y": "mnist:train:4"},
//    "evidence": ["\\+ digit(X, 0)"], "probability": 1}
// or as CSV (".csv", RFC 4180 quoting) with a header naming the columns: query, probability and
// evidence (goals separated by ';') as above, and one column per input variable.
// "evidence" and "probability" may be left out: the target P(query | evidence) is 1 (a true
// query); 0 makes a negative example. An image is SOURCE:SPLIT:INDEX with SOURCE mnist,
// fashion-mnist or idx (data.dir), SPLIT train or test, INDEX 0-based within the split (as
// `gedilog images` lists them).
#include <torch/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "symbolic/program.h"
#include "tasks/experiment.h"
#include "tasks/mnist_data.h"

namespace gedilog::tasks {

struct ImageRef {
  std::string source;  // "mnist" | "fashion-mnist" | "idx"
  bool test = false;
  std::int64_t index = 0;
  std::string text() const;  // SOURCE:SPLIT:INDEX
  bool operator<(const ImageRef& o) const;
};

// Throws UserError naming `location` and `field` for a malformed reference.
ImageRef parse_image_ref(const std::string& text, const std::string& location, const std::string& field = "image");

struct FileExample {
  std::string query;                  // as written
  symbolic::QueryTemplate query_template;  // the inputs as in(0), in(1), ..., and the evidence
  std::vector<std::string> names;     // the input variable of each slot in(K)
  std::vector<ImageRef> images;       // the image of each slot in(K)
  double target = 1;                  // the probability the query should have
  std::string location;               // FILE:LINE
};

// Reads an example file (.jsonl or .csv) against the program, whose reader parses the queries.
// Errors name FILE:LINE and the field.
std::vector<FileExample> read_examples(const std::string& file, const symbolic::Program& program);

// The images some example sets use, each once, with their labels: the rows that batches gather.
struct ImagePool {
  torch::Tensor images;              // [rows, 1, 28, 28]
  torch::Tensor labels;              // [rows] int64: the dataset's class
  std::vector<std::string> sources;  // per row
  std::vector<std::vector<std::vector<std::int64_t>>> rows;  // [set][example][slot K]: its row

  // Loads the datasets the examples name; an index beyond its split is an error naming the
  // example and input.
  ImagePool(const std::vector<const std::vector<FileExample>*>& sets, const ExperimentConfig& config);
};

// Every [[network]] names a network of the program's nn/4 declarations, and each of those
// networks has a [[network]]; their domain sizes (the networks' outputs) by network name.
std::map<std::string, std::int64_t> check_networks(const ExperimentConfig& config, const symbolic::Program& program);

}  // namespace gedilog::tasks
