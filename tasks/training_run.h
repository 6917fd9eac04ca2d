#pragma once
// What every training command (`gedilog train`, `gedilog cluster`) shares: the data, objective
// and augmentations an experiment file asks for, the progress display, Ctrl-C.
#include <chrono>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <utility>

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include "neural/augment.h"
#include "neural/objectives.h"
#include "tasks/experiment.h"
#include "tasks/mnist_data.h"

namespace gedilog::bridge {
struct Batch;
}

namespace gedilog::tasks {

class RunFolder;

// data.source / data.dir, subsets of data.train_images / data.test_images, and the validation
// split (data.validation of the training subset), all seeded, the same whatever the training
// seed.
TrainTest load_data(const ExperimentConfig& config);
// A set cut in two disjoint parts, `share` of its images (rounded) in the second, by a seeded
// permutation.
std::pair<ImageSet, ImageSet> split_off(const ImageSet& set, double share, std::uint64_t seed);
// A source by name ("mnist", "fashion-mnist", "idx" with a folder), whole.
TrainTest load_source(const std::string& source, const std::string& dir);

// train.device, checked: a CUDA device needs a CUDA build.
torch::Device training_device(const ExperimentConfig& config);

// What every training run begins with: the device, LibTorch's global generator seeded with
// train.seed, the data (none when !with_data: a task that loads its own), and the time it began.
struct RunStart {
  torch::Device device;
  TrainTest data;
  std::chrono::steady_clock::time_point time;
  double wall_seconds() const;  // since `time`
};
RunStart start_run(const ExperimentConfig& config, bool with_data = true);

// The [objective] section as a module (its encoder: model.network, neural::make_encoder).
std::shared_ptr<neural::Objective> make_objective(const ExperimentConfig& config);
neural::AugmentOptions augment_options(const ExperimentConfig& config);
// A training batch's images as the networks see them: augmented, and augmented once more into
// batch.other_view when the objective compares two views.
void augment_batch(bridge::Batch& batch, const neural::AugmentOptions& augment, torch::Generator& generator,
                   bool other_view);

// train.learning_rate under train.schedule for epoch (1-based) of train.epochs.
double learning_rate_at(const ExperimentConfig& config, int epoch);

// Ctrl-C: request_interrupt is async-signal-safe (for a SIGINT handler); a training loop then
// stops after its step with a UserError naming the run folder, which is recorded as failed.
void request_interrupt();
bool interrupted();
// What every training command installs: SIGINT and SIGTERM request the interrupt (without
// restarting a blocking wait, so that `compare` hears them while it waits for its runs); a
// child run of `compare` (GEDILOG_PARENT_PID set to its parent) is sent SIGTERM when that
// parent dies, however it dies.
void stop_on_signals();
// The environment entry spawn_run gives a child run.
std::string parent_pid_entry();
void throw_if_interrupted(const std::string& run_dir);

// On a terminal, one line redrawn per step: "epoch 2/5 [####......] 12/63 loss 0.1234".
void show_progress(std::ostream& log, int epoch, int epochs, std::int64_t step, std::int64_t steps, double loss);

// The Trainer's per-step callback of a training command: Ctrl-C stops the run after the step;
// on a terminal the progress line is redrawn.
std::function<void(std::int64_t, double)> on_training_step(const std::string& run_dir, std::ostream& log, bool terminal,
                                                           int epoch, int epochs, std::int64_t steps);

// A run's checkpoint: model.pt, written whole or not at all (a full disk is a UserError, not
// LibTorch aborting from a destructor), and its CRC-32 beside it in model.pt.crc32.
void write_checkpoint(RunFolder& run, torch::serialize::OutputArchive& archive);
// A finished run's checkpoint: read(archive) loads the modules from `file` (a run folder's
// model.pt). A missing, damaged (its CRC-32 differs) or mismatched checkpoint (another
// architecture) is a UserError naming the file, not LibTorch's internal message.
void read_checkpoint(const std::string& file, const std::function<void(torch::serialize::InputArchive&)>& read);

double peak_rss_mib();
std::string fixed(double value, int digits);

}  // namespace gedilog::tasks
