#pragma once
// A task trained through a program (`gedilog train`): what the one program experiment
// (tasks/program_experiment.h) trains and evaluates. Every such task gives the same things:
// its program and networks, its query templates, and examples, each a template with the image
// behind each of its inputs and the probability it should have. A task is defined by files
// (tasks/file_task.h: a JSONL or CSV line is an example) or built in: `mnist-add` (N-digit
// numbers, re-paired each epoch) and the digit-pair datasets of the reasoning-shortcut tasks
// (DESIGN.md, "Tasks"): `mnist-evenodd`, `mnist-half`, `mnist-sumparity`, and `mnist-add`
// restricted to some pairs or sums or to a few examples. The built-in tasks generate their
// examples from the digits' labels; they also know the label each query asserts.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "symbolic/program.h"
#include "tasks/experiment.h"
#include "tasks/mnist_data.h"

namespace gedilog::tasks {

class ProgramModel;

// One example of any program task, as a line of an example file gives it.
struct Example {
  std::size_t query = 0;               // index into the task's query_templates()
  std::vector<std::int64_t> images;    // per input in(K): a row of its set's images
  std::vector<std::int64_t> observed;  // values of the inputs after the images (network `observed`)
  double target = 1;                   // the probability P(query | evidence) should have
  std::vector<std::int64_t> given;     // per image: its concept where supervision gives it, else -1
  // A template whose answers are the candidates this example's query is one of (the query with
  // its answer argument open): right when its most probable answer is this query. -1: none.
  std::int64_t choices = -1;
};

// Examples over one set of images, evaluated under `name` in metrics.json ("test", "val",
// "ood", ...). `repairable`: the examples are one random grouping of every image of the set
// (ProgramTask::repairable_slots).
// What the networks read: the shape of a row of the task's images and, where the task's inputs
// have several shapes (its rows then flattened and zero-padded to the longest), each network's
// own (neural::PaddedInput cuts it out of the row).
struct InputShapes {
  std::vector<std::int64_t> row;
  std::map<std::string, std::vector<std::int64_t>> padded;  // network -> its input; empty: `row`
  const std::vector<std::int64_t>& of(const std::string& network) const {
    const auto it = padded.find(network);
    return it == padded.end() ? row : it->second;
  }
};

struct EvaluationSet {
  std::string name;
  const ImageSet* images = nullptr;
  std::vector<Example> examples;
  bool repairable = false;
};

class ProgramTask {
 public:
  virtual ~ProgramTask() = default;
  virtual const symbolic::Program& program() const = 0;
  // The networks of the program's neural predicates (the concept network, which [joint]
  // trains, first).
  virtual std::vector<NetworkSpec> networks() const = 0;
  virtual std::vector<symbolic::QueryTemplate> query_templates() const = 0;
  virtual std::int64_t train_size() const = 0;  // examples per epoch
  // The images training examples index.
  virtual const ImageSet& train_images() const = 0;
  virtual InputShapes input_shapes() const { return {train_images().images.sizes().slice(1).vec(), {}}; }
  // The training images an objective's read-out is refitted on (training examples need not
  // read them all).
  virtual torch::Tensor unlabelled_images() const = 0;
  // Over train_images(), in the order they train; deterministic in the seed and the epoch.
  virtual std::vector<Example> train_epoch(int epoch) const = 0;
  // Every set the task is evaluated on: "test" first, "val" (examples held out of training)
  // whether or not it has examples, then any others.
  virtual std::vector<EvaluationSet> evaluation_sets() const = 0;
  // Per row of `images`: the value (an index into `network`'s domain) its label means, -1
  // where the label is none of them.
  virtual std::vector<std::int64_t> concepts_of(const std::string& network, const ImageSet& images) const = 0;
  // Checks the examples against the compiled model (UserError naming the example).
  virtual void check(const ProgramModel&) const {}

  // Built-in tasks: each query template asserts a label of its images (or, with one template,
  // the label is the one its concepts imply), and label_of gives it for the digits of an
  // example's images, in order. Label accuracy is then argmax_y P(y | images), as rsbench.
  virtual bool labelled() const { return false; }
  virtual std::vector<int> label_of(const std::vector<int>& digits) const;
  // Where the test and validation sets are one random grouping of their images (mnist-add
  // pairs them once), the images per example: any other grouping is as good a set (metrics.h,
  // repaired_accuracy). 0 where the sets are fixed.
  virtual int repairable_slots() const { return 0; }
  // rsbench's second OOD set's sums (mnist-evenodd: the unseen pairs whose sum is 6, 10 or 12).
  virtual std::vector<int> ood_sums() const { return {}; }
};

// The task config.task.name names: a task defined by files, or a built-in one over the data
// config.data.source names.
std::unique_ptr<ProgramTask> make_program_task(const ExperimentConfig& config);

// --- the built-in tasks -------------------------------------------------------------------

// The network the shipped programs name.
inline constexpr const char* kConceptNetwork = "mnist_net";

// A built-in task over digits: its one network mnist_net (config.model.network) reads digits, and a
// digit's label is its concept. Sets of examples are drawn from `data` (held by value: its
// tensors are shared).
class DigitTask : public ProgramTask {
 public:
  DigitTask(const ExperimentConfig& config, TrainTest data, const std::string& program_file);

  virtual std::vector<std::string> templates() const = 0;  // template k asserts label k
  virtual std::int64_t concepts() const = 0;  // the digit predicate's domain: 0 .. concepts() - 1
  // Over the test images: in distribution, and out of it (pairs training never shows; empty
  // where there are none).
  virtual std::vector<Example> test_set() const = 0;
  virtual std::vector<Example> ood_set() const { return {}; }
  // rsbench's second OOD set where the task has one, over the test images.
  virtual std::vector<Example> ood_sums_set() const { return {}; }
  // In distribution, over the validation images (data.validation; empty when there are none).
  virtual std::vector<Example> validation_set() const = 0;

  const symbolic::Program& program() const override { return program_; }
  std::vector<NetworkSpec> networks() const override;
  std::vector<symbolic::QueryTemplate> query_templates() const override;
  const ImageSet& train_images() const override { return data_.train; }
  torch::Tensor unlabelled_images() const override { return data_.train.images; }
  std::vector<EvaluationSet> evaluation_sets() const override;  // test, val, ood, ood_sums
  std::vector<std::int64_t> concepts_of(const std::string& network, const ImageSet& images) const override;
  bool labelled() const override { return true; }
  const TrainTest& data() const { return data_; }

 protected:
  TrainTest data_;

 private:
  std::string network_;  // config.model.network
  std::string source_;   // config.data.source
  symbolic::Program program_;
};

// The built-in task config.task.name names, over `data`.
std::unique_ptr<DigitTask> make_task(const ExperimentConfig& config, const TrainTest& data);

// A digit-pair dataset is the same whatever the training seed, like a published benchmark's.
inline constexpr std::uint64_t kPairDataSeed = 20261124;

// --- digit pairs ---------------------------------------------------------------------------

enum class PairLabel { kSum, kParity };

// A digit-pair task: two images, label d1 + d2 or (d1 + d2) mod 2; examples only for allowed
// ordered pairs of digits.
struct PairTaskSpec {
  std::string program;                     // a program defining addition/3 (kSum) or parity/3
  PairLabel label = PairLabel::kSum;
  int digits = 10;                         // the digits in play: 0 .. digits - 1 (also the domain)
  std::vector<std::pair<int, int>> allowed;  // ordered pairs
  std::int64_t per_pair = 420;             // training examples per allowed pair
  std::int64_t test_per_pair = 60;
  std::int64_t train_examples = 0;         // > 0: this many, pairs drawn uniformly instead
  double supervised = 0;                   // share of training examples with their digits given
  std::vector<int> ood_sums;               // the second OOD set: unseen pairs with these sums
};

// Its query templates, one per label value, e.g. addition(in(0),in(1),7); template l asserts
// label l.
std::vector<std::string> pair_templates(const PairTaskSpec& spec);
int pair_label(const PairTaskSpec& spec, int a, int b);

// The digit pairs of the training examples, in drawing order: per_pair of each allowed pair,
// or train_examples drawn uniformly among them (seeded).
std::vector<std::pair<int, int>> training_pairs(const PairTaskSpec& spec, std::uint64_t data_seed);

// The spec of a shortcut task (or of a restricted mnist-add) from the configuration.
PairTaskSpec pair_task_spec(const ExperimentConfig& config);
// Both orders of each pair, without repeats, sorted.
std::vector<std::pair<int, int>> both_orders(const std::vector<std::pair<int, int>>& pairs);
// The ordered pairs of digits 0 .. digits - 1 that `allowed` does not hold.
std::vector<std::pair<int, int>> other_pairs(const std::vector<std::pair<int, int>>& allowed, int digits);

class PairTask : public DigitTask {
 public:
  // Draws the training set (from data.train), the test sets (from data.test) and the
  // validation set (from data.validation, test_per_pair per allowed pair; empty when a digit in
  // play has no validation image) once, seeded by `data_seed`; epochs shuffle the training set
  // by `order_seed`. Throws UserError when a digit in play has no training or test image.
  PairTask(const ExperimentConfig& config, PairTaskSpec spec, const TrainTest& data, std::uint64_t data_seed,
           std::uint64_t order_seed);
  std::vector<std::string> templates() const override { return pair_templates(spec_); }
  std::int64_t concepts() const override { return spec_.digits; }
  std::int64_t train_size() const override { return static_cast<std::int64_t>(train_.size()); }
  std::vector<Example> train_epoch(int epoch) const override;  // the fixed set, reshuffled
  std::vector<Example> test_set() const override { return test_; }
  std::vector<Example> ood_set() const override { return ood_; }
  std::vector<Example> ood_sums_set() const override { return ood_sums_; }
  std::vector<int> ood_sums() const override { return spec_.ood_sums; }
  std::vector<Example> validation_set() const override { return validation_; }
  std::vector<int> label_of(const std::vector<int>& digits) const override {
    return {pair_label(spec_, digits.at(0), digits.at(1))};
  }

 private:
  PairTaskSpec spec_;
  std::uint64_t order_seed_;
  std::vector<Example> train_, test_, ood_, ood_sums_, validation_;
};

}  // namespace gedilog::tasks
