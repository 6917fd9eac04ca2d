#pragma once
// What the kinds of run (tasks/run_experiment.h) share: the data, objective and augmentations an
// experiment file asks for, the device, Ctrl-C, checkpoints.
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

// The [objective] section as a module (its encoder: model.network, neural::make_encoder).
std::shared_ptr<neural::Objective> make_objective(const ExperimentConfig& config);
// A training batch's images as the networks see them: augmented, and augmented once more into
// batch.other_view when the objective compares two views.
void augment_batch(bridge::Batch& batch, const neural::AugmentOptions& augment, torch::Generator& generator,
                   bool other_view);

// The seed of a generator `offset` past train.seed that is this rank's own in a data-parallel
// run (augmentation draws, SGLD noise): train.seed + offset on rank 0, as in one process.
std::uint64_t rank_seed(const ExperimentConfig& config, std::uint64_t offset);
// On a rank other than 0, `generator` restarts from (train.seed, offset, rank, epoch) at the
// start of each epoch: resume.pt holds rank 0's generators only, so the other ranks' draws
// must not depend on earlier epochs for a resumed run to end as the uninterrupted one. On rank
// 0 (and in one process) it does nothing: its streams run on as they always have.
void restart_rank_stream(torch::Generator& generator, const ExperimentConfig& config, std::uint64_t offset, int epoch);

// train.learning_rate under train.schedule for epoch (1-based) of train.epochs.
double learning_rate_at(const ExperimentConfig& config, int epoch);

// Ctrl-C: request_interrupt is async-signal-safe (for a SIGINT handler); a training loop then
// stops after its step with a UserError naming the run folder, which is recorded as failed.
void request_interrupt();
bool interrupted();
// Forgets a request (a test that interrupts a run on purpose, then resumes it).
void clear_interrupt();
// What every training command installs: SIGINT and SIGTERM request the interrupt (without
// restarting a blocking wait, so that `compare` hears them while it waits for its runs); a
// child run of `compare` (GEDILOG_PARENT_PID set to its parent) is sent SIGTERM when that
// parent dies, however it dies.
void stop_on_signals();
// The environment entry spawn_run gives a child run.
std::string parent_pid_entry();
void throw_if_interrupted(const std::string& run_dir);

// A checkpoint in the run folder (model.pt, resume.pt), written whole or not at all (a full disk
// is a UserError, not LibTorch aborting from a destructor), and its CRC-32 beside it (NAME.crc32).
void write_checkpoint(RunFolder& run, const std::string& name, torch::serialize::OutputArchive& archive);
// A finished run's checkpoint: read(archive) loads the modules from `file` (a run folder's
// model.pt). A missing, damaged (its CRC-32 differs) or mismatched checkpoint (another
// architecture) is a UserError naming the file, not LibTorch's internal message.
void read_checkpoint(const std::string& file, const std::function<void(torch::serialize::InputArchive&)>& read);

// Modules beyond a kind's model that training keeps (a decoder's weights): each under
// "module_K" of the archive.
void save_modules(torch::serialize::OutputArchive& archive, const std::vector<std::shared_ptr<torch::nn::Module>>& modules);
void load_modules(torch::serialize::InputArchive& archive, const std::vector<std::shared_ptr<torch::nn::Module>>& modules,
                  torch::Device device);
// A tensor written with archive.write(key, tensor); a missing key is LibTorch's error.
torch::Tensor read_tensor(torch::serialize::InputArchive& archive, const std::string& key);

double peak_rss_mib();
std::string fixed(double value, int digits);

}  // namespace gedilog::tasks
