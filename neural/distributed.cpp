#include "neural/distributed.h"

#include <torch/torch.h>

#include <cerrno>
#include <cstdlib>
#include <map>
#include <utility>

#include "core/error.h"
#include "neural/gedi.h"

#ifdef GEDILOG_WITH_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

namespace gedilog::neural {

namespace {

// An integer environment variable in [low, high]; `fallback` where it is unset.
long environment_integer(const char* name, long fallback, long low, long high) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  errno = 0;
  const long value = std::strtol(text, &end, 10);
  if (errno != 0 || *end != '\0' || value < low || value > high)
    throw UserError("DistributedError", name,
                    std::string("'") + text + "' is not an integer in [" + std::to_string(low) + ", " +
                        std::to_string(high) + "]");
  return value;
}

std::string environment_text(const char* name, const char* fallback) {
  const char* text = std::getenv(name);
  return text != nullptr && *text != '\0' ? text : fallback;
}

// Tensors grouped by dtype and device, each group flattened into one contiguous bucket, so that
// a collective runs once per group whatever the number of tensors.
struct Buckets {
  std::map<std::pair<int, std::string>, std::vector<std::size_t>> members;  // (dtype, device) -> tensor indices

  explicit Buckets(const std::vector<torch::Tensor>& tensors) {
    for (std::size_t i = 0; i < tensors.size(); ++i)
      members[{static_cast<int>(tensors[i].scalar_type()), tensors[i].device().str()}].push_back(i);
  }
  static torch::Tensor flat(const std::vector<torch::Tensor>& tensors, const std::vector<std::size_t>& which) {
    std::vector<torch::Tensor> parts;
    for (std::size_t i : which) parts.push_back(tensors[i].detach().reshape(-1));
    return torch::cat(parts);
  }
  static void unflatten(const torch::Tensor& flat, const std::vector<torch::Tensor>& tensors,
                        const std::vector<std::size_t>& which) {
    torch::NoGradGuard no_grad;
    std::int64_t at = 0;
    for (std::size_t i : which) {
      const std::int64_t n = tensors[i].numel();
      tensors[i].copy_(flat.narrow(0, at, n).view_as(tensors[i]));
      at += n;
    }
  }
};

}  // namespace

#ifdef GEDILOG_WITH_GLOO

struct ProcessGroup::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
  std::chrono::seconds timeout;
  std::string where;  // "MASTER_ADDR:MASTER_PORT host:port", as errors name the group

  // The ranks of `group` that reported a failure (report_failure), with their messages; empty
  // where none did (killed) or the store is gone with rank 0.
  std::string failures(const ProcessGroup& group) {
    std::string out;
    try {
      store->setTimeout(std::chrono::seconds(5));  // an error path must not wait the full timeout
      for (int r = 0; r < group.size(); ++r)
        if (r != group.rank() && store->check({"failed/" + std::to_string(r)})) {
          const std::vector<std::uint8_t> text = store->get("failed/" + std::to_string(r));
          out += "; rank " + std::to_string(r) + " failed: " + std::string(text.begin(), text.end());
        }
    } catch (const std::exception&) {
      out = "; rank 0, which serves the store, is gone";
    }
    return out;
  }

  // Runs a collective; a failure (a rank died: its connection closed; or hung past the timeout)
  // becomes a UserError that says so, naming the ranks that said why they stopped.
  template <class F>
  void run(const ProcessGroup& group, const char* what, F&& collective) {
    try {
      collective()->wait();
    } catch (const std::exception& e) {
      const std::string known = failures(group);
      throw UserError("DistributedError", where,
                      std::string(what) + " failed: " +
                          (known.empty() ? "another rank stopped (its connection closed: killed?) or did not answer within " +
                                               std::to_string(timeout.count()) + " s (GEDILOG_DIST_TIMEOUT) [" + e.what() + "]"
                                         : "another rank stopped" + known));
    }
  }
};

std::unique_ptr<ProcessGroup> ProcessGroup::from_environment(std::chrono::seconds timeout) {
  auto group = std::make_unique<ProcessGroup>();
  const long size = environment_integer("WORLD_SIZE", 1, 1, 1 << 16);
  if (size == 1) return group;
  const long rank = environment_integer("RANK", -1, 0, size - 1);
  if (rank < 0) throw UserError("DistributedError", "RANK", "unset, but WORLD_SIZE is " + std::to_string(size));
  const std::string address = environment_text("MASTER_ADDR", "127.0.0.1");
  const auto port = static_cast<std::uint16_t>(environment_integer("MASTER_PORT", 29500, 1, 65535));
  const std::string where = "MASTER_ADDR:MASTER_PORT " + address + ":" + std::to_string(port);

  group->rank_ = static_cast<int>(rank);
  group->size_ = static_cast<int>(size);
  group->impl_ = std::make_unique<Impl>();
  Impl& impl = *group->impl_;
  impl.timeout = timeout;
  impl.where = where;
  try {
    c10d::TCPStoreOptions options;
    options.port = port;
    options.isServer = rank == 0;
    options.numWorkers = static_cast<std::size_t>(size);
    options.waitWorkers = false;
    options.timeout = timeout;
    impl.store = c10::make_intrusive<c10d::TCPStore>(address, options);
  } catch (const std::exception& e) {
    throw UserError("DistributedError", where,
                    rank == 0 ? std::string("rank 0 cannot serve the store there (is the port in use?): ") + e.what()
                              : "rank " + std::to_string(rank) + " cannot reach rank 0's store within " +
                                    std::to_string(timeout.count()) + " s: " + e.what());
  }
  impl.store->set("joined/" + std::to_string(rank), std::vector<std::uint8_t>{1});
  try {
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(address));
    impl.group = c10::make_intrusive<c10d::ProcessGroupGloo>(impl.store, group->rank_, group->size_, options);
  } catch (const std::exception& e) {
    std::string missing;
    for (long r = 0; r < size; ++r)
      if (!impl.store->check({"joined/" + std::to_string(r)})) missing += (missing.empty() ? "" : ", ") + std::to_string(r);
    throw UserError("DistributedError", where,
                    missing.empty() ? std::string("the ranks could not connect: ") + e.what()
                                    : "rank(s) " + missing + " of " + std::to_string(size) + " did not join within " +
                                          std::to_string(timeout.count()) + " s");
  }
  return group;
}

// `collective` on each bucket of `tensors` (Buckets), the results copied back into them.
template <class F>
void in_buckets(const std::vector<torch::Tensor>& tensors, F&& collective) {
  const Buckets buckets(tensors);
  for (const auto& [key, which] : buckets.members) {
    std::vector<at::Tensor> flat{Buckets::flat(tensors, which)};
    collective(flat);
    Buckets::unflatten(flat[0], tensors, which);
  }
}

void ProcessGroup::all_reduce_sum(std::vector<torch::Tensor>& tensors) {
  if (alone()) return;
  in_buckets(tensors, [&](std::vector<at::Tensor>& flat) {
    impl_->run(*this, "an all-reduce", [&] { return impl_->group->allreduce(flat); });
  });
}

void ProcessGroup::broadcast(const std::vector<torch::Tensor>& tensors) {
  if (alone()) return;
  in_buckets(tensors, [&](std::vector<at::Tensor>& flat) {
    impl_->run(*this, "a broadcast", [&] { return impl_->group->broadcast(flat); });
  });
}

void ProcessGroup::barrier() {
  if (alone()) return;
  impl_->run(*this, "a barrier", [&] { return impl_->group->barrier(); });
}

void ProcessGroup::report_failure(const std::string& message) {
  if (alone()) return;
  try {
    impl_->store->setTimeout(std::chrono::seconds(5));
    impl_->store->set("failed/" + std::to_string(rank_), std::vector<std::uint8_t>(message.begin(), message.end()));
  } catch (const std::exception&) {
    // the store went with rank 0: there is nobody left to tell
  }
}

#else  // built without Gloo's headers: one process only

struct ProcessGroup::Impl {};

std::unique_ptr<ProcessGroup> ProcessGroup::from_environment(std::chrono::seconds) {
  if (environment_integer("WORLD_SIZE", 1, 1, 1 << 16) > 1)
    throw UserError("DistributedError", "WORLD_SIZE",
                    "this gedilog was built without Gloo (Debian's libgloo-dev): it trains in one process only");
  return std::make_unique<ProcessGroup>();
}
void ProcessGroup::all_reduce_sum(std::vector<torch::Tensor>&) {}
void ProcessGroup::broadcast(const std::vector<torch::Tensor>&) {}
void ProcessGroup::barrier() {}
void ProcessGroup::report_failure(const std::string&) {}

#endif

ProcessGroup::ProcessGroup() = default;
ProcessGroup::~ProcessGroup() = default;

void ProcessGroup::average(std::map<std::string, double>& values) {
  if (alone() || values.empty()) return;
  std::vector<double> flat;
  for (const auto& [name, value] : values) flat.push_back(value);
  std::vector<torch::Tensor> sums{torch::tensor(flat, torch::kFloat64)};
  all_reduce_sum(sums);
  std::size_t k = 0;
  for (auto& [name, value] : values) value = sums[0][static_cast<std::int64_t>(k++)].item<double>() / size_;
}

double ProcessGroup::average(double value) {
  std::map<std::string, double> one{{"", value}};
  average(one);
  return one.at("");
}

void ProcessGroup::average_gradients(const std::vector<torch::Tensor>& parameters) {
  if (alone()) return;
  // Each gradient, and a flag of whether the rank has one: a parameter no rank's shard reached
  // keeps no gradient (Adam then leaves it as a single process would).
  std::vector<torch::Tensor> grads;
  std::vector<float> has;
  for (const torch::Tensor& p : parameters) {
    grads.push_back(p.grad().defined() ? p.grad() : torch::zeros_like(p));
    has.push_back(p.grad().defined() ? 1.0f : 0.0f);
  }
  grads.push_back(torch::tensor(has));  // on the CPU, read once below
  all_reduce_sum(grads);
  const auto any = grads.back().accessor<float, 1>();
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    torch::Tensor p = parameters[i];
    if (any[static_cast<std::int64_t>(i)] == 0) continue;
    p.mutable_grad() = grads[i].div_(static_cast<double>(size_));
  }
}

std::vector<torch::Tensor> replicated_buffers(const torch::nn::Module& module) {
  std::vector<torch::Tensor> out;
  for (const auto& b : module.named_buffers())
    if (b.key().find(SgldSampler::kBufferName) == std::string::npos) out.push_back(b.value());
  return out;
}

namespace {
std::unique_ptr<ProcessGroup>& default_group() {
  static std::unique_ptr<ProcessGroup> group = std::make_unique<ProcessGroup>();
  return group;
}
}  // namespace

ProcessGroup& process_group() { return *default_group(); }
void set_process_group(std::unique_ptr<ProcessGroup> group) { default_group() = std::move(group); }

std::chrono::seconds distributed_timeout() {
  return std::chrono::seconds(environment_integer("GEDILOG_DIST_TIMEOUT", 1800, 1, 7 * 24 * 3600));
}

}  // namespace gedilog::neural
