#include "bridge/semiring.h"

#include <torch/torch.h>

#include <limits>

#include "core/error.h"

namespace gedilog::bridge {

namespace {

// log Σ exp over `dim` (LibTorch's fused, max-shifted logsumexp) with a backward pass that
// gives a node whose children are all -inf (probability 0) a zero gradient instead of the NaN
// of exp(-inf - -inf).
struct SafeLogSumExp : torch::autograd::Function<SafeLogSumExp> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               std::int64_t dim) {
    torch::Tensor out = torch::logsumexp(x, dim);
    ctx->save_for_backward({x, out});
    ctx->saved_data["dim"] = dim;
    return out;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad) {
    const auto saved = ctx->get_saved_variables();
    const std::int64_t dim = ctx->saved_data["dim"].toInt();
    const torch::Tensor weight = (saved[0] - saved[1].unsqueeze(dim)).exp().nan_to_num(0.0);
    return {grad[0].unsqueeze(dim) * weight, torch::Tensor()};
  }
};

constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();

}  // namespace

const Semiring& Semiring::probability() {
  static const Semiring s{"probability", false, [](const torch::Tensor& x) { return x.sum(1); },
                          [](const torch::Tensor& x) { return x.prod(1); }, 0.0, 1.0, true};
  return s;
}

const Semiring& Semiring::log_probability() {
  static const Semiring s{"log-probability", true, [](const torch::Tensor& x) { return SafeLogSumExp::apply(x, 1); },
                          [](const torch::Tensor& x) { return x.sum(1); }, kMinusInfinity, 0.0, true};
  return s;
}

const Semiring& Semiring::max_product() {
  // A folded sum of constants (their total) is not their max: such circuits are refused.
  static const Semiring s{"max-product", true, [](const torch::Tensor& x) { return std::get<0>(x.max(1)); },
                          [](const torch::Tensor& x) { return x.sum(1); }, kMinusInfinity, 0.0, false};
  return s;
}

const std::vector<const Semiring*>& semirings() {
  static const std::vector<const Semiring*> all{&Semiring::probability(), &Semiring::log_probability(),
                                                &Semiring::max_product()};
  return all;
}

const Semiring& semiring(const std::string& name, const std::string& location) {
  std::string known;
  for (const Semiring* s : semirings()) {
    if (s->name == name) return *s;
    known += (known.empty() ? "" : ", ") + s->name;
  }
  throw UserError("UnknownSemiring", location, "'" + name + "' (known: " + known + ")");
}

}  // namespace gedilog::bridge
