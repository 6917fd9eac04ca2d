#pragma once
// A task trained through a program (`gedilog train`): its program and query templates, the
// training examples of each epoch, its test sets, and the label that a guess of the concepts
// implies. Two kinds: `mnist-add` (N-digit numbers, re-paired each epoch) and the digit-pair
// datasets of the reasoning-shortcut tasks (DESIGN.md, "Tasks"): `mnist-evenodd`, `mnist-half`,
// `mnist-sumparity`, and `mnist-add` restricted to some pairs or sums or to a few examples.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tasks/experiment.h"
#include "tasks/mnist_data.h"

namespace gedilog::tasks {

struct TaskExample {
  std::vector<std::int64_t> images;    // rows of the image set: inputs in(0) .. in(I - 1)
  std::vector<std::int64_t> observed;  // values of the inputs in(I) .. (through network `observed`)
  std::int64_t query = 0;              // which template the example asserts
  std::vector<int> label;              // label_of(the true digits of `images`)
  std::vector<std::int64_t> given;     // per image: its digit where concept supervision gives it, else -1
};

class ProgramTask {
 public:
  virtual ~ProgramTask() = default;
  virtual std::string program_file() const = 0;
  virtual std::vector<std::string> templates() const = 0;
  virtual std::int64_t concepts() const = 0;  // the digit predicate's domain: 0 .. concepts() - 1
  virtual std::int64_t train_size() const = 0;
  // Over the training images; deterministic in the seed and the epoch.
  virtual std::vector<TaskExample> train_epoch(int epoch) const = 0;
  // Over the test images: in distribution, and out of it (pairs training never shows; empty
  // where there are none).
  virtual std::vector<TaskExample> test_set() const = 0;
  virtual std::vector<TaskExample> ood_set() const { return {}; }
  // rsbench's second OOD set where the task has one (mnist-evenodd: the unseen pairs whose sum
  // is 6, 10 or 12), over the test images, and its sums.
  virtual std::vector<TaskExample> ood_sums_set() const { return {}; }
  virtual std::vector<int> ood_sums() const { return {}; }
  // In distribution, over the validation images (data.validation; empty when there are none).
  virtual std::vector<TaskExample> validation_set() const = 0;
  // The label of an example whose images show these digits, in the order of its images.
  virtual std::vector<int> label_of(const std::vector<int>& digits) const = 0;
  // Where the test and validation sets are one random grouping of their images (mnist-add
  // pairs them once), the images per example: any other grouping is as good a set (metrics.h,
  // repaired_accuracy). 0 where the sets are fixed.
  virtual int repairable_slots() const { return 0; }
};

// The task config.task names, over `data` (which must outlive it).
std::unique_ptr<ProgramTask> make_task(const ExperimentConfig& config, const TrainTest& data);

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

class PairTask : public ProgramTask {
 public:
  // Draws the training set (from data.train), the test sets (from data.test) and the
  // validation set (from data.validation, test_per_pair per allowed pair; empty when a digit in
  // play has no validation image) once, seeded by `data_seed`; epochs shuffle the training set
  // by `order_seed`. Throws UserError when a digit in play has no training or test image.
  PairTask(PairTaskSpec spec, const TrainTest& data, std::uint64_t data_seed, std::uint64_t order_seed);
  std::string program_file() const override { return spec_.program; }
  std::vector<std::string> templates() const override { return pair_templates(spec_); }
  std::int64_t concepts() const override { return spec_.digits; }
  std::int64_t train_size() const override { return static_cast<std::int64_t>(train_.size()); }
  std::vector<TaskExample> train_epoch(int epoch) const override;  // the fixed set, reshuffled
  std::vector<TaskExample> test_set() const override { return test_; }
  std::vector<TaskExample> ood_set() const override { return ood_; }
  std::vector<TaskExample> ood_sums_set() const override { return ood_sums_; }
  std::vector<int> ood_sums() const override { return spec_.ood_sums; }
  std::vector<TaskExample> validation_set() const override { return validation_; }
  std::vector<int> label_of(const std::vector<int>& digits) const override {
    return {pair_label(spec_, digits.at(0), digits.at(1))};
  }

 private:
  PairTaskSpec spec_;
  std::uint64_t order_seed_;
  std::vector<TaskExample> train_, test_, ood_, ood_sums_, validation_;
};

}  // namespace gedilog::tasks
