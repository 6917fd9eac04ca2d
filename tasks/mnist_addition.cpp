#include "tasks/mnist_addition.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <sstream>

#include "core/error.h"

namespace gedilog::tasks {

MnistAddition::MnistAddition(const ImageSet& images, int digits, std::uint64_t seed, const std::string& location)
    : images_(images), digits_(digits), seed_(seed) {
  if (digits < 1) throw UserError("ConfigError", location, "task.digits must be at least 1");
  if (images.size() < 2 * digits)
    throw UserError("ConfigError", location,
                    std::to_string(digits) + "-digit addition needs " + std::to_string(2 * digits) +
                        " images, the data has " + std::to_string(images.size()));
}

std::int64_t MnistAddition::size() const { return images_.size() / (2 * digits_); }

std::vector<AdditionExample> MnistAddition::epoch(int epoch) const {
  std::vector<std::int64_t> order(images_.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed_ * 1000003 + static_cast<std::uint64_t>(epoch));
  std::shuffle(order.begin(), order.end(), rng);
  const auto labels = images_.labels.accessor<std::int64_t, 1>();
  std::vector<AdditionExample> examples(size());
  std::size_t next = 0;
  for (AdditionExample& e : examples) {
    std::vector<int> a, b;
    for (int i = 0; i < digits_; ++i) e.a.push_back(order[next]), a.push_back(static_cast<int>(labels[order[next++]]));
    for (int i = 0; i < digits_; ++i) e.b.push_back(order[next]), b.push_back(static_cast<int>(labels[order[next++]]));
    e.sum = digit_sum(a, b);
  }
  return examples;
}

namespace {

std::string inputs(int from, int n, bool most_significant_first) {
  std::ostringstream out;
  out << "[";
  for (int i = 0; i < n; ++i) {
    const int k = most_significant_first ? from + n - 1 - i : from + i;
    out << (i ? "," : "") << "in(" << k << ")";
  }
  out << "]";
  return out.str();
}

}  // namespace

std::vector<std::string> addition_templates(AdditionForm form, int digits) {
  if (form == AdditionForm::kCarry)
    return {"add(" + inputs(0, digits, false) + "," + inputs(digits, digits, false) + "," +
            inputs(2 * digits, digits + 1, false) + ")"};
  if (digits > 2)
    throw UserError("ConfigError", "task.form",
                    "DeepProbLog's form grounds all 10^N numbers per query: use form = \"carry\" "
                    "for more than 2 digits");
  int top = 1;
  for (int i = 0; i < digits; ++i) top *= 10;
  std::vector<std::string> templates;
  const std::string a = inputs(0, digits, true), b = inputs(digits, digits, true);
  for (int s = 0; s <= 2 * (top - 1); ++s)
    templates.push_back("multi_addition(" + a + "," + b + "," + std::to_string(s) + ")");
  return templates;
}

std::int64_t addition_template_index(AdditionForm form, const AdditionExample& example) {
  if (form == AdditionForm::kCarry) return 0;
  std::int64_t sum = 0;
  for (auto d = example.sum.rbegin(); d != example.sum.rend(); ++d) sum = sum * 10 + *d;
  return sum;
}

std::vector<int> digit_sum(const std::vector<int>& a, const std::vector<int>& b) {
  std::vector<int> sum;
  int carry = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const int s = a[i] + b[i] + carry;
    sum.push_back(s % 10);
    carry = s / 10;
  }
  sum.push_back(carry);
  return sum;
}

}  // namespace gedilog::tasks
