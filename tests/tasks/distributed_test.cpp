// Data-parallel training (neural/distributed.h, `gedilog train --nproc K`): two ranks on
// loopback end where one process training the same global batches ends, and faults stop a run
// with an error naming the rank instead of hanging or finishing it.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "synthetic_mnist.h"
#include "tasks/experiment.h"
#include "tasks/run_experiment.h"
#include "temp_files.h"
#include "torch_catch.h"

namespace fs = std::filesystem;
using namespace gedilog;
using namespace gedilog::tasks;

namespace {

// Every tensor of a checkpoint (model.pt), by its path of archive keys.
void collect(torch::serialize::InputArchive& archive, const std::string& prefix, std::map<std::string, torch::Tensor>& out) {
  for (const std::string& key : archive.keys()) {
    torch::Tensor t;
    if (archive.try_read(key, t)) {
      out[prefix + key] = t;
      continue;
    }
    torch::serialize::InputArchive part;
    if (archive.try_read(key, part)) collect(part, prefix + key + "/", out);
  }
}
std::map<std::string, torch::Tensor> checkpoint_tensors(const std::string& file) {
  torch::serialize::InputArchive archive;
  archive.load_from(file);
  std::map<std::string, torch::Tensor> out;
  collect(archive, "", out);
  return out;
}

// The largest difference between two checkpoints' tensors (they must hold the same ones).
double max_difference(const std::string& a, const std::string& b) {
  const auto x = checkpoint_tensors(a), y = checkpoint_tensors(b);
  REQUIRE(x.size() == y.size());
  REQUIRE_FALSE(x.empty());
  double worst = 0;
  for (const auto& [key, t] : x) {
    INFO(key);
    REQUIRE(y.count(key) == 1);
    REQUIRE(y.at(key).sizes() == t.sizes());
    if (t.is_floating_point()) worst = std::max(worst, (t - y.at(key)).abs().max().item<double>());
  }
  return worst;
}

nlohmann::json read_json(const std::string& file) {
  std::ifstream in(file);
  return nlohmann::json::parse(in);
}

// The loss column of a run's history.csv, one value per epoch.
std::vector<double> history_losses(const std::string& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  REQUIRE(line.rfind("epoch,loss,", 0) == 0);
  std::vector<double> out;
  while (std::getline(in, line)) out.push_back(std::stod(line.substr(line.find(',') + 1)));
  return out;
}

// `gedilog train CONFIG --out OUT` with `prefix` before it (environment, launcher options
// after it); returns the exit status, its stderr in `err`.
int train(const std::string& config, const std::string& out, const std::string& options, std::string& err,
          const std::string& prefix = "") {
  const std::string err_file = out + ".err";
  fs::create_directories(fs::path(out).parent_path());
  const std::string command = prefix + " " + GEDILOG_BINARY + " train " + config + " --out " + out + " " + options +
                              " > /dev/null 2> " + err_file;
  const int status = std::system(command.c_str());
  std::ifstream in(err_file);
  err.assign(std::istreambuf_iterator<char>(in), {});
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

// `gedilog train CONFIG --nproc 2 --out OUT`, required to succeed (its stderr shown when not).
void train_two_ranks(const std::string& config, const std::string& out) {
  std::string err;
  const int rc = train(config, out, "--nproc 2", err);
  INFO(err);
  REQUIRE(rc == 0);
}

const char* kNoAugment = "[augment]\nrotation = 0.0\ntranslation = 0.0\nscale = 0.0\nnoise = 0.0\n";

// The one-process run and the two-rank run of `config_file`: same parameters (float
// tolerance), same test metrics to the printed digits.
void check_two_ranks_match_one(const testing::TempFiles& dir, const std::string& config_file) {
  std::ostringstream log;
  const nlohmann::json one = run_experiment(load_experiment(config_file, {}), dir.path("runs/one"), log, false);
  train_two_ranks(config_file, dir.path("runs/two"));
  CHECK(max_difference(dir.path("runs/one/model.pt"), dir.path("runs/two/model.pt")) < 1e-4);
  const nlohmann::json two = read_json(dir.path("runs/two/metrics.json"));
  CHECK(two.at("test").at("loss").get<double>() == Approx(one.at("test").at("loss").get<double>()).epsilon(1e-4));
  CHECK(two.at("test").at("accuracy") == one.at("test").at("accuracy"));
  CHECK(two.at("examples_per_second").get<double>() > 0);
}

sockaddr_in loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  return address;
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = loopback(0);
  socklen_t length = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace

TEST_CASE("two ranks reach the parameters of one process on the same global batches", "[tasks][distributed]") {
  const testing::TempFiles dir("gedilog_ranks");
  SECTION("MNIST addition (an odd last batch: 180 pairs in batches of 16)") {
    const std::string file = dir.write("add.toml", testing::idx_data_section(dir.path("data"), 400, 60, 3) + kNoAugment + R"(
[model]
network = "mlp"
[train]
epochs = 2
batch_size = 16
learning_rate = 0.003
)");
    check_two_ranks_match_one(dir, file);
  }
  SECTION("a task defined by files with a learnable fact") {
    const std::string data = testing::idx_data_section(dir.path("data"), 200, 60, 5);
    dir.write("program.pl",
              "nn(digit_net, [X], Y, [0,1,2,3,4,5,6,7,8,9]) :: digit(X, Y).\n"
              "t(0.5)::awake.\n"
              "sum(X, Y, Z) :- awake, digit(X, A), digit(Y, B), Z is A + B.\n");
    std::string train_examples, test_examples;
    for (int i = 0; i + 1 < 200; i += 2)
      (i < 60 ? test_examples : train_examples) +=
          nlohmann::json{{"query", "sum(X, Y, " + std::to_string(i % 10 + (i + 1) % 10) + ")"},
                         {"inputs", {{"X", std::string("idx:") + (i < 60 ? "test:" : "train:") + std::to_string(i)},
                                     {"Y", std::string("idx:") + (i < 60 ? "test:" : "train:") + std::to_string(i + 1)}}}}
              .dump() +
          "\n";
    dir.write("train.jsonl", train_examples);
    dir.write("test.jsonl", test_examples);
    const std::string file = dir.write("files.toml", "[task]\nname = \"files\"\nprogram = \"program.pl\"\n"
                                                      "train = \"train.jsonl\"\ntest = \"test.jsonl\"\n"
                                                      "[[network]]\nname = \"digit_net\"\narchitecture = \"mlp\"\n"
                                                      "dataset = \"idx\"\n" + data + kNoAugment + R"(
[train]
epochs = 2
batch_size = 10
)");
    check_two_ranks_match_one(dir, file);
    // The learnable fact moved, and both runs moved it alike.
    const nlohmann::json one = read_json(dir.path("runs/one/facts.json")), two = read_json(dir.path("runs/two/facts.json"));
    INFO(one.dump() << "\n" << two.dump());
    REQUIRE(one.size() == 1);
    const double p1 = one[0].at("probabilities")[0].get<double>(), p2 = two[0].at("probabilities")[0].get<double>();
    CHECK(p1 != Approx(0.5).margin(1e-3));
    CHECK(p2 == Approx(p1).margin(1e-4));
  }
}

TEST_CASE("GEDI trains under two ranks: each rank's shard, SGLD chains of its own", "[tasks][distributed]") {
  // The objective's batch-level terms (uniformity over the batch, the energies of the batch's
  // negatives) are each rank's over its shard, so the parameters are not one process's: the run
  // must train and be read back like any other.
  const testing::TempFiles dir("gedilog_ranks_gedi");
  const std::string file = dir.write("cluster.toml", testing::idx_data_section(dir.path("data"), 400, 100, 5) + R"(
[task]
name = "cluster"
[model]
network = "mlp"
[objective]
generative = 1.0
sgld_steps = 2
sgld_buffer = 64
[train]
epochs = 4
batch_size = 50
learning_rate = 0.003
)");
  std::ostringstream log;
  const nlohmann::json one = run_experiment(load_experiment(file, {}), dir.path("runs/one"), log, false);
  INFO(log.str());
  train_two_ranks(file, dir.path("runs/two"));
  const nlohmann::json m = read_json(dir.path("runs/two/metrics.json"));
  // The same objective descends alike: the last epoch's loss within 10% of one process's.
  const std::vector<double> loss_one = history_losses(dir.path("runs/one/history.csv")),
                            loss_two = history_losses(dir.path("runs/two/history.csv"));
  REQUIRE(loss_two.size() == 4);
  CHECK(loss_two.back() < 0.5 * loss_two.front());
  CHECK(loss_two.back() == Approx(loss_one.back()).epsilon(0.1));
  CHECK(m.at("ranks") == 2);
  const nlohmann::json again = evaluate_run(dir.path("runs/two"));
  CHECK(again.at("nmi") == m.at("test").at("nmi"));
  // GEDI as joint mitigation of MNIST addition: the clusters' read-out and renaming after each
  // epoch run on every rank alike (their network passes are shared out: neural/batched.h).
  const std::string joint = dir.write("joint.toml", testing::idx_data_section(dir.path("digits"), 300, 60, 3) + kNoAugment + R"(
[model]
network = "mlp"
[objective]
sgld_steps = 2
sgld_buffer = 64
[joint]
objective = 1.0
[train]
epochs = 2
batch_size = 16
)");
  train_two_ranks(joint, dir.path("runs/joint"));
  CHECK(read_json(dir.path("runs/joint/metrics.json")).at("mitigation") == "gedi");
}

TEST_CASE("a rank that never joins, or a port in use, is a clear error and no run", "[tasks][distributed]") {
  const testing::TempFiles dir("gedilog_ranks_faults");
  const std::string file = dir.write("add.toml", testing::idx_data_section(dir.path("data"), 100, 20, 3) + R"(
[model]
network = "mlp"
[train]
epochs = 1
)");
  std::string err;
  const std::string port = std::to_string(free_port());
  SECTION("rank 1 of 2 never starts") {
    const int rc = train(file, dir.path("runs/alone"), "", err,
                         "RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + port + " GEDILOG_DIST_TIMEOUT=3");
    INFO(err);
    CHECK(rc == 1);
    CHECK_THAT(err, Catch::Contains("DistributedError") && Catch::Contains("rank(s) 1 of 2 did not join within 3 s"));
    CHECK_FALSE(fs::exists(dir.path("runs/alone/metrics.json")));
  }
  SECTION("the store's port is taken") {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    const sockaddr_in address = loopback(std::stoi(port));
    REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(fd, 1) == 0);
    const int rc = train(file, dir.path("runs/taken"), "", err,
                         "RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + port + " GEDILOG_DIST_TIMEOUT=3");
    ::close(fd);
    INFO(err);
    CHECK(rc == 1);
    CHECK_THAT(err, Catch::Contains("MASTER_ADDR:MASTER_PORT 127.0.0.1:" + port) && Catch::Contains("port in use"));
    CHECK_FALSE(fs::exists(dir.path("runs/taken")));
  }
  SECTION("a malformed launcher variable") {
    CHECK(train(file, dir.path("runs/bad"), "", err, "RANK=two WORLD_SIZE=2") == 1);
    CHECK_THAT(err, Catch::Contains("RANK") && Catch::Contains("'two' is not an integer in [0, 1]"));
  }
  SECTION("--nproc inside a launched rank") {
    CHECK(train(file, dir.path("runs/nested"), "--nproc 2", err, "RANK=0 WORLD_SIZE=1") == 1);
    CHECK_THAT(err, Catch::Contains("already a rank"));
  }
}
