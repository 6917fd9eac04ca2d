#pragma once
// A task defined by files (task.name = "files"; docs/writing-programs.md): a program, the
// network of each of its neural predicates ([[network]]), and example files for train and test.
//
// An example file holds one example per line, as JSONL (".jsonl"):
//   {"query": "mult(X, Y, 12)", "inputs": {"X": "mnist:train:17", "Y": "mnist:train:4"},
//    "evidence": ["\\+ digit(X, 0)"], "probability": 1, "answer": 3}
// or as CSV (".csv", RFC 4180 quoting) with a header naming the columns: query, probability,
// answer and evidence (goals separated by ';') as above, and one column per input variable.
// "evidence" and "probability" may be left out: the target P(query | evidence) is 1 (a true
// query); 0 makes a negative example. "answer" (a true query's argument number, 1-based) makes
// that argument the example's answer, scored by the most probable of the query's answers. An
// input is SOURCE:SPLIT:INDEX with SOURCE mnist, fashion-mnist, idx (data.dir) or the name of a
// [[source]] (tasks/data_sources.h), SPLIT train or test, INDEX 0-based within the split (as
// `gedilog images` lists them).
#include <torch/types.h>

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <map>
#include <string>
#include <vector>

#include "symbolic/program.h"
#include "tasks/experiment.h"
#include "tasks/mnist_data.h"
#include "tasks/program_task.h"

namespace gedilog::tasks {

struct ImageRef {
  std::string source;  // built in (is_builtin_source) or a [[source]]'s name
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
  // "answer": N names the query's N-th argument (1-based) as its answer: open_template is the
  // query with it left open, whose answers are the candidates (answer accuracy, as DeepProbLog's
  // argmax over a query's answers). 0: none.
  int answer = 0;
  symbolic::QueryTemplate open_template;
  std::string location;               // FILE:LINE
};

// Reads an example file (.jsonl or .csv) against the program, whose reader parses the queries.
// Errors name FILE:LINE and the field.
std::vector<FileExample> read_examples(const std::string& file, const symbolic::Program& program);

// The images some example sets use, each once, with their labels: the rows that batches gather.
struct ImagePool {
  // [rows, ...] inputs, [rows] labels: the source's class (-1: none). Inputs of several shapes
  // (sources of different shapes) are flattened and zero-padded to the longest: [rows, D].
  ImageSet set;
  std::vector<std::string> sources;  // per row
  std::map<std::string, std::vector<std::string>> classes;  // by source: the names of its labels
  std::map<std::string, std::vector<std::int64_t>> shapes;  // by source: the shape of one input
  std::vector<std::vector<std::vector<std::int64_t>>> rows;  // [set][example][slot K]: its row

  // Loads the sources the examples name; an unknown source or an index beyond its split is an
  // error naming the example and input.
  ImagePool(const std::vector<const std::vector<FileExample>*>& sets, const ExperimentConfig& config);

  // What each network reads: its dataset's shape where rows are padded.
  InputShapes input_shapes(const std::vector<NetworkSpec>& networks) const;
};

// Throws ConfigError unless every [[network]] names a network of the program's nn/4
// declarations and each of those networks has a [[network]].
void check_networks(const ExperimentConfig& config, const symbolic::Program& program);

// Task "files" as a program task: the program, the examples of task.train less the validation
// share (data.validation of its examples, held out by a seeded shuffle, the same for every
// training seed; an image a validation example reads may also be read by a training one) and
// those of task.test. Epochs shuffle the training examples (seeded by train.seed and the
// epoch); joint.supervision gives the concepts of the first share of them.
std::unique_ptr<ProgramTask> make_file_task(const ExperimentConfig& config);

// For each example of `examples_file`, with the run's trained model: P(query | evidence)
// (every answer of a query left non-ground) and the most probable explanation, the value each
// network and learnable fact takes in the likeliest world where the query holds: one JSON
// object per line on `out`. `semiring` "max-product" gives, instead of P(query | evidence), the
// probability of that likeliest world given the evidence (bridge::log_query_values).
void predict_file_task(const std::string& run_dir, const std::string& examples_file, std::ostream& out,
                       const std::string& semiring = "probability");

}  // namespace gedilog::tasks
