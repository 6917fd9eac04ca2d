#include "tasks/program_task.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <random>
#include <set>

#include "core/error.h"
#include "tasks/file_task.h"
#include "tasks/mnist_addition.h"
#include "tasks/training_run.h"

namespace gedilog::tasks {

namespace fs = std::filesystem;

namespace {

std::string example_program(const std::string& name) {
  return (fs::path(GEDILOG_SOURCE_DIR) / "examples" / name).string();
}

// Digits 0 .. 9, given for the images of a seeded share of the training images (the set is
// re-paired each epoch, so supervision sticks to images, not to examples).
class MnistAddTask : public DigitTask {
 public:
  MnistAddTask(const ExperimentConfig& c, const TrainTest& data)
      : DigitTask(c, data,
                  c.task.program.empty() ? example_program(c.task.form == AdditionForm::kCarry ? "multi_digit_addition.pl"
                                                                                               : "mnist_addition.pl")
                                    : c.task.program),
        form_(c.task.form),
        train_(data_.train, c.task.digits, static_cast<std::uint64_t>(c.train.seed), c.where("task.digits")),
        test_(data_.test, c.task.digits, static_cast<std::uint64_t>(c.train.seed), c.where("task.digits")) {
    if (data_.validation.size() >= 2 * c.task.digits)
      validation_.emplace(data_.validation, c.task.digits, static_cast<std::uint64_t>(c.train.seed));
    std::mt19937_64 rng(static_cast<std::uint64_t>(c.train.seed) * 7919 + 17);
    std::bernoulli_distribution given(c.joint.supervision);
    for (std::int64_t i = 0; i < data_.train.size(); ++i) given_.push_back(given(rng));
  }
  std::vector<std::string> templates() const override { return addition_templates(form_, train_.digits()); }
  std::int64_t concepts() const override { return 10; }
  std::int64_t train_size() const override { return train_.size(); }
  std::vector<Example> train_epoch(int epoch) const override { return convert(train_.epoch(epoch), &data_.train); }
  std::vector<Example> test_set() const override { return convert(test_.epoch(0), nullptr); }
  std::vector<Example> validation_set() const override {
    return validation_ ? convert(validation_->epoch(0), nullptr) : std::vector<Example>{};
  }
  std::vector<int> label_of(const std::vector<int>& digits) const override {
    const auto half = digits.begin() + static_cast<std::ptrdiff_t>(digits.size() / 2);
    return digit_sum({digits.begin(), half}, {half, digits.end()});
  }
  int repairable_slots() const override { return 2 * train_.digits(); }

 private:
  std::vector<Example> convert(const std::vector<AdditionExample>& examples, const ImageSet* supervised) const {
    std::vector<Example> out;
    out.reserve(examples.size());
    for (const AdditionExample& a : examples) {
      Example e;
      e.images = a.a;
      e.images.insert(e.images.end(), a.b.begin(), a.b.end());
      if (form_ == AdditionForm::kCarry) e.observed.assign(a.sum.begin(), a.sum.end());
      e.query = static_cast<std::size_t>(addition_template_index(form_, a));
      if (supervised) {
        const auto labels = supervised->labels.accessor<std::int64_t, 1>();
        for (std::int64_t i : e.images) e.given.push_back(given_[i] ? labels[i] : -1);
      }
      out.push_back(std::move(e));
    }
    return out;
  }

  AdditionForm form_;
  MnistAddition train_, test_;
  std::optional<MnistAddition> validation_;  // none without validation images
  std::vector<bool> given_;  // per training image
};

// Images of each digit in a set.
std::vector<std::vector<std::int64_t>> by_digit(const ImageSet& set, int digits) {
  std::vector<std::vector<std::int64_t>> pools(10);
  if (set.size() == 0) return pools;
  const auto labels = set.labels.accessor<std::int64_t, 1>();
  for (std::int64_t i = 0; i < set.size(); ++i)
    if (labels[i] >= 0 && labels[i] < digits) pools[labels[i]].push_back(i);
  return pools;
}

}  // namespace

std::vector<std::pair<int, int>> both_orders(const std::vector<std::pair<int, int>>& pairs) {
  std::set<std::pair<int, int>> out;
  for (const auto& [a, b] : pairs) out.insert({a, b}), out.insert({b, a});
  return {out.begin(), out.end()};
}

std::vector<std::pair<int, int>> other_pairs(const std::vector<std::pair<int, int>>& allowed, int digits) {
  const std::set<std::pair<int, int>> in(allowed.begin(), allowed.end());
  std::vector<std::pair<int, int>> out;
  for (int a = 0; a < digits; ++a)
    for (int b = 0; b < digits; ++b)
      if (!in.count({a, b})) out.emplace_back(a, b);
  return out;
}

std::vector<std::string> pair_templates(const PairTaskSpec& spec) {
  std::vector<std::string> out;
  const int labels = spec.label == PairLabel::kSum ? 2 * spec.digits - 1 : 2;
  const std::string head = spec.label == PairLabel::kSum ? "addition" : "parity";
  for (int l = 0; l < labels; ++l) out.push_back(head + "(in(0),in(1)," + std::to_string(l) + ")");
  return out;
}

int pair_label(const PairTaskSpec& spec, int a, int b) { return spec.label == PairLabel::kSum ? a + b : (a + b) % 2; }

PairTaskSpec pair_task_spec(const ExperimentConfig& c) {
  PairTaskSpec s;
  std::vector<std::pair<int, int>> pairs;
  if (c.task.name == "mnist-evenodd") {
    s.program = "mnist_addition.pl";
    pairs = {{0, 6}, {2, 8}, {4, 6}, {4, 8}, {1, 5}, {3, 7}, {1, 9}, {3, 9}};
    s.ood_sums = {6, 10, 12};  // rsbench, datasets/shortcutmnist.py: get_ood_test
  } else if (c.task.name == "mnist-half") {
    s.program = "half_addition.pl";
    s.digits = 5;
    pairs = {{0, 0}, {0, 1}, {2, 3}, {2, 4}};
  } else if (c.task.name == "mnist-sumparity") {
    s.program = "sum_parity.pl";
    s.label = PairLabel::kParity;
    pairs = other_pairs({}, 10);
  } else if (c.task.name == "mnist-add") {
    if (c.task.digits != 1) throw UserError("ConfigError", c.where("task.digits"), "task.pairs, task.sums and task.train_examples need digits = 1");
    s.program = "mnist_addition.pl";
    pairs = other_pairs({}, 10);
  } else {
    throw UserError("ConfigError", c.where("task.name"), "'" + c.task.name + "' is not a digit-pair task");
  }
  s.program = c.task.program.empty() ? example_program(s.program) : c.task.program;
  if (!c.task.pairs.empty()) pairs = c.task.pairs;
  for (const auto& [a, b] : pairs)
    if (a >= s.digits || b >= s.digits)
      throw UserError("ConfigError", c.where("task.pairs"), c.task.name + " plays digits 0-" + std::to_string(s.digits - 1));
  s.allowed = both_orders(pairs);
  if (!c.task.sums.empty()) {
    const std::set<int> sums(c.task.sums.begin(), c.task.sums.end());
    s.allowed.erase(std::remove_if(s.allowed.begin(), s.allowed.end(),
                                   [&](const std::pair<int, int>& p) { return !sums.count(p.first + p.second); }),
                    s.allowed.end());
  }
  if (s.allowed.empty()) throw UserError("ConfigError", c.where("task.sums"), "no pair of digits is left to train on");
  s.per_pair = c.task.examples_per_pair;
  s.test_per_pair = c.task.test_per_pair;
  s.train_examples = c.task.train_examples;
  s.supervised = c.joint.supervision;
  return s;
}

PairTask::PairTask(const ExperimentConfig& config, PairTaskSpec spec, const TrainTest& data, std::uint64_t data_seed,
                   std::uint64_t order_seed)
    : DigitTask(config, data, spec.program), spec_(std::move(spec)), order_seed_(order_seed) {
  std::mt19937_64 rng(data_seed * 1000003 + 11);
  const auto train_pools = by_digit(data.train, spec_.digits), test_pools = by_digit(data.test, spec_.digits);
  for (int d = 0; d < spec_.digits; ++d)
    if (train_pools[d].empty() || test_pools[d].empty())
      throw UserError("DataError", config.where("data.source"), "no training or test image of digit " + std::to_string(d));
  auto draw = [&](const std::vector<std::vector<std::int64_t>>& pools, int digit) {
    const auto& pool = pools[digit];
    return pool[std::uniform_int_distribution<std::size_t>(0, pool.size() - 1)(rng)];
  };
  auto make = [&](const std::vector<std::vector<std::int64_t>>& pools, std::pair<int, int> p) {
    Example e;
    e.images = {draw(pools, p.first), draw(pools, p.second)};
    e.query = static_cast<std::size_t>(pair_label(spec_, p.first, p.second));
    return e;
  };
  for (const auto& p : training_pairs(spec_, data_seed)) train_.push_back(make(train_pools, p));
  std::shuffle(train_.begin(), train_.end(), rng);
  const auto given = static_cast<std::size_t>(spec_.supervised * train_.size() + 0.5);
  const auto labels = data.train.labels.accessor<std::int64_t, 1>();
  for (std::size_t i = 0; i < given; ++i)
    for (std::int64_t image : train_[i].images) train_[i].given.push_back(labels[image]);
  for (auto& e : train_) e.given.resize(2, -1);
  for (const auto& p : spec_.allowed)
    for (std::int64_t i = 0; i < spec_.test_per_pair; ++i) test_.push_back(make(test_pools, p));
  const std::set<int> ood_sums(spec_.ood_sums.begin(), spec_.ood_sums.end());
  for (const auto& p : other_pairs(spec_.allowed, spec_.digits))
    for (std::int64_t i = 0; i < spec_.test_per_pair; ++i) {
      ood_.push_back(make(test_pools, p));
      if (ood_sums.count(p.first + p.second)) ood_sums_.push_back(ood_.back());
    }
  const auto validation_pools = by_digit(data.validation, spec_.digits);
  bool every_digit = true;
  for (int d = 0; d < spec_.digits; ++d) every_digit = every_digit && !validation_pools[d].empty();
  if (every_digit)
    for (const auto& p : spec_.allowed)
      for (std::int64_t i = 0; i < spec_.test_per_pair; ++i) validation_.push_back(make(validation_pools, p));
}

std::vector<Example> PairTask::train_epoch(int epoch) const {
  std::vector<Example> out = train_;
  std::mt19937_64 rng(order_seed_ * 1000003 + static_cast<std::uint64_t>(epoch));
  std::shuffle(out.begin(), out.end(), rng);
  return out;
}

std::vector<std::pair<int, int>> training_pairs(const PairTaskSpec& spec, std::uint64_t data_seed) {
  if (spec.train_examples == 0) {
    std::vector<std::pair<int, int>> out;
    for (const auto& p : spec.allowed) out.insert(out.end(), spec.per_pair, p);
    return out;
  }
  std::mt19937_64 rng(data_seed * 1000003 + 5);
  std::uniform_int_distribution<std::size_t> pick(0, spec.allowed.size() - 1);
  std::vector<std::pair<int, int>> out;
  for (std::int64_t i = 0; i < spec.train_examples; ++i) out.push_back(spec.allowed[pick(rng)]);
  return out;
}

std::vector<int> ProgramTask::label_of(const std::vector<int>&) const {
  throw InternalError("label_of: the task's queries assert no labels");
}

DigitTask::DigitTask(const ExperimentConfig& config, TrainTest data, const std::string& program_file)
    : data_(std::move(data)),
      network_(config.model.network),
      source_(config.data.source),
      program_(symbolic::Program::load(program_file)) {}

std::vector<NetworkSpec> DigitTask::networks() const { return {{kConceptNetwork, network_, source_, "model.network"}}; }

std::vector<symbolic::QueryTemplate> DigitTask::query_templates() const {
  const std::vector<std::string> t = templates();
  return {t.begin(), t.end()};
}

std::vector<EvaluationSet> DigitTask::evaluation_sets() const {
  const bool repairable = repairable_slots() > 0;
  return {{"test", &data_.test, test_set(), repairable},
          {"val", &data_.validation, validation_set(), repairable},
          {"ood", &data_.test, ood_set()},
          {"ood_sums", &data_.test, ood_sums_set()}};
}

std::vector<std::int64_t> DigitTask::concepts_of(const std::string&, const ImageSet& images) const {
  std::vector<std::int64_t> out;
  if (images.size() == 0) return out;
  const auto labels = images.labels.accessor<std::int64_t, 1>();
  for (std::int64_t i = 0; i < images.size(); ++i) out.push_back(labels[i] >= 0 && labels[i] < concepts() ? labels[i] : -1);
  return out;
}

std::unique_ptr<DigitTask> make_task(const ExperimentConfig& c, const TrainTest& data) {
  const bool restricted_add = !c.task.pairs.empty() || !c.task.sums.empty() || c.task.train_examples > 0;
  if (c.task.name == "mnist-add" && !restricted_add) return std::make_unique<MnistAddTask>(c, data);
  return std::make_unique<PairTask>(c, pair_task_spec(c), data, kPairDataSeed, static_cast<std::uint64_t>(c.train.seed));
}

std::unique_ptr<ProgramTask> make_program_task(const ExperimentConfig& c) {
  if (c.task.name == "files") return make_file_task(c);
  return make_task(c, load_data(c));
}

}  // namespace gedilog::tasks
