#pragma once
// Data-parallel training on PyTorch's c10d: the ranks of a run, as a launcher describes them
// (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT: what torchrun, srun wrappers and
// `gedilog train --nproc K` set), joined by a TCPStore on rank 0 and a Gloo process group.
// Alone (WORLD_SIZE unset or 1) every collective is a no-op, so one code path serves both.
//
// The rule every rank follows: the same seed builds the same model, rank 0's parameters and
// buffers are broadcast at the start, each step's gradients are averaged (one flat bucket per
// dtype), and rank 0's buffers (batch-norm running statistics) are broadcast after each step,
// as PyTorch's DistributedDataParallel does by default. Batch statistics, augmentations and
// SGLD chains are each rank's own, over its shard of the step.
#include <torch/nn/module.h>
#include <torch/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace gedilog::neural {

class ProcessGroup {
 public:
  // One process alone.
  ProcessGroup();
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  // The group the launcher's environment describes, joined (rank 0 serves the store at
  // MASTER_ADDR:MASTER_PORT; the others connect). A rank that does not join within `timeout`,
  // a port in use, a malformed variable or a build without Gloo is a UserError naming it.
  // `timeout` also bounds every later collective: a rank that hangs stops the others after it;
  // one that dies stops them at once (its connection closes).
  static std::unique_ptr<ProcessGroup> from_environment(std::chrono::seconds timeout);

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool alone() const { return size_ == 1; }
  // This rank's contiguous share [first, second) of n items (the shares differ by at most one).
  std::pair<std::int64_t, std::int64_t> share(std::int64_t n) const { return {n * rank_ / size_, n * (rank_ + 1) / size_}; }

  // Sums `tensors` in place over the ranks.
  void all_reduce_sum(std::vector<torch::Tensor>& tensors);
  // Each value replaced by its mean over the ranks (every rank must hold the same names).
  void average(std::map<std::string, double>& values);
  double average(double value);
  // Every parameter's gradient replaced by its mean over the ranks (a parameter without a
  // gradient counts as zero), flattened into one bucket per dtype for one collective each.
  void average_gradients(const std::vector<torch::Tensor>& parameters);
  // Rank 0's values into every rank's `tensors` (parameters at the start, buffers after a step).
  void broadcast(const std::vector<torch::Tensor>& tensors);
  // Returns when every rank has called it.
  void barrier();
  // What this rank says as it stops with an error, for the others: a collective that fails
  // because this rank is gone then names it and quotes `message`.
  void report_failure(const std::string& message);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int rank_ = 0, size_ = 1;
};

// What rank 0 broadcasts after each step: a module's buffers (batch-norm running statistics,
// a read-out's) except an SGLD replay buffer, whose chains are each rank's own.
std::vector<torch::Tensor> replicated_buffers(const torch::nn::Module& module);

// The process's group: alone until set_process_group (what `gedilog train` does when a
// launcher started it), as torch.distributed's default group.
ProcessGroup& process_group();
void set_process_group(std::unique_ptr<ProcessGroup> group);

// The seconds a collective may wait: GEDILOG_DIST_TIMEOUT, else 1800 (PyTorch's default).
std::chrono::seconds distributed_timeout();

}  // namespace gedilog::neural
