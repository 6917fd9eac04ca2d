#pragma once
// The `mnist-add` task: two N-digit numbers made of distinct images, labelled with their sum.
// Each epoch pairs the images anew (seeded); floor(images / 2N) examples.
#include <cstdint>
#include <string>
#include <vector>

#include "tasks/experiment.h"  // AdditionForm
#include "tasks/mnist_data.h"

namespace gedilog::tasks {

struct AdditionExample {
  std::vector<std::int64_t> a, b;  // image indices, least significant digit first
  std::vector<int> sum;            // digits of a + b, least significant first (N + 1)
};

class MnistAddition {
 public:
  // Throws UserError when there are fewer than 2N images, at `location` (where task.digits was set).
  MnistAddition(const ImageSet& images, int digits, std::uint64_t seed, const std::string& location = "task.digits");

  int digits() const { return digits_; }
  std::int64_t size() const;  // examples per epoch
  // The examples of an epoch (deterministic in seed and epoch).
  std::vector<AdditionExample> epoch(int epoch) const;

 private:
  const ImageSet& images_;
  int digits_;
  std::uint64_t seed_;
};

// The queries a program of `form` answers for N-digit addition: one template (carry) or one
// per possible sum (DeepProbLog's form; N <= 2).
std::vector<std::string> addition_templates(AdditionForm form, int digits);
// Which template of addition_templates an example uses.
std::int64_t addition_template_index(AdditionForm form, const AdditionExample& example);
// The digits of a + b (N + 1 of them) for two N-digit numbers, least significant digit first.
std::vector<int> digit_sum(const std::vector<int>& a, const std::vector<int>& b);

}  // namespace gedilog::tasks
