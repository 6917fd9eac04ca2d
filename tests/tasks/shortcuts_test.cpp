// The reasoning-shortcut study's parts: the digit-pair task generators (pair filters, sizes,
// disjoint out-of-distribution pairs, supervision share), the metrics (hand-computed cases),
// the shortcut counter (36 / 2 on mnist-evenodd), every mitigation training a few steps, and
// a tasks x variants grid run by child processes.
#include "torch_catch.h"

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "bridge/query_circuit.h"
#include "bridge/trainer.h"
#include "neural/objectives.h"
#include "core/error.h"
#include "symbolic/program.h"
#include "tasks/compare.h"
#include "tasks/experiment.h"
#include "tasks/joint_training.h"
#include "tasks/metrics.h"
#include "tasks/program_experiment.h"
#include "tasks/run_experiment.h"
#include "tasks/program_task.h"
#include "tasks/shortcuts.h"
#include "synthetic_mnist.h"
#include "temp_files.h"

namespace gedilog::tasks {
namespace {

namespace fs = std::filesystem;
using Pair = std::pair<int, int>;

// n images per digit 0-9, labelled by position.
ImageSet tiny_set(int per_digit) {
  const std::int64_t n = 10 * per_digit;
  return {torch::rand({n, 1, 28, 28}), torch::arange(n, torch::kLong).remainder(10)};
}

ExperimentConfig task_config(const std::string& task, std::vector<std::string> extra = {}) {
  extra.insert(extra.begin(), "task.name=" + task);
  return load_experiment("", extra);
}

std::multiset<Pair> digit_pairs(const std::vector<Example>& examples, const ImageSet& set) {
  std::multiset<Pair> out;
  for (const Example& e : examples)
    out.insert({static_cast<int>(set.labels[e.images[0]].item<std::int64_t>()),
                static_cast<int>(set.labels[e.images[1]].item<std::int64_t>())});
  return out;
}

TEST_CASE("shortcut tasks: allowed pairs in both orders, sizes, disjoint OOD pairs", "[tasks][shortcuts]") {
  const TrainTest data{tiny_set(6), tiny_set(3), {}};
  const ExperimentConfig c = task_config("mnist-evenodd", {"task.examples_per_pair=5", "task.test_per_pair=2"});
  const auto task = make_task(c, data);
  const auto train = task->train_epoch(1), test = task->test_set(), ood = task->ood_set();
  CHECK(train.size() == 16 * 5);  // 8 pairs, both orders
  CHECK(test.size() == 16 * 2);
  CHECK(ood.size() == 84 * 2);
  const auto train_pairs = digit_pairs(train, data.train), test_pairs = digit_pairs(test, data.test),
             ood_pairs = digit_pairs(ood, data.test);
  for (const Pair& p : {Pair{0, 6}, Pair{6, 0}, Pair{3, 9}, Pair{9, 3}}) CHECK(train_pairs.count(p) == 5);
  CHECK(train_pairs.count({0, 1}) == 0);
  CHECK(std::set<Pair>(train_pairs.begin(), train_pairs.end()) == std::set<Pair>(test_pairs.begin(), test_pairs.end()));
  for (const Pair& p : ood_pairs) CHECK(train_pairs.count(p) == 0);
  // Labels, queries and the label a guess of the digits implies.
  for (const Example& e : train) {
    const int sum = static_cast<int>(data.train.labels[e.images[0]].item<std::int64_t>() +
                                     data.train.labels[e.images[1]].item<std::int64_t>());
    CHECK(e.query == static_cast<std::size_t>(sum));  // template `sum` asserts label `sum`
    CHECK(e.given == std::vector<std::int64_t>{-1, -1});
  }
  CHECK(task->label_of({4, 8}) == std::vector<int>{12});
  CHECK(task->templates().size() == 19);
  // Epochs reorder the same fixed set; the set does not depend on the training seed.
  CHECK(digit_pairs(task->train_epoch(2), data.train) == train_pairs);
  const auto other_seed = make_task(task_config("mnist-evenodd", {"task.examples_per_pair=5", "train.seed=7"}), data);
  std::multiset<std::int64_t> a, b;
  for (const auto& e : train) a.insert(e.images[0]);
  for (const auto& e : other_seed->train_epoch(1)) b.insert(e.images[0]);
  CHECK(a == b);
}

TEST_CASE("mnist-half plays digits 0-4; sumparity labels parity; restricted mnist-add", "[tasks][shortcuts]") {
  const TrainTest data{tiny_set(6), tiny_set(3), {}};
  const auto half = make_task(task_config("mnist-half", {"task.examples_per_pair=3", "task.test_per_pair=1"}), data);
  CHECK(half->concepts() == 5);
  CHECK(half->train_size() == 7 * 3);  // (0,0) once, the others both orders
  CHECK(half->ood_set().size() == 25 - 7);
  for (const Example& e : half->ood_set())
    for (std::int64_t i : e.images) CHECK(data.test.labels[i].item<std::int64_t>() < 5);
  CHECK(half->templates().back() == "addition(in(0),in(1),8)");

  const auto parity = make_task(task_config("mnist-sumparity", {"task.examples_per_pair=1"}), data);
  CHECK(parity->train_size() == 100);
  CHECK(parity->ood_set().empty());
  CHECK(parity->label_of({3, 4}) == std::vector<int>{1});
  CHECK(parity->templates() == std::vector<std::string>{"parity(in(0),in(1),0)", "parity(in(0),in(1),1)"});

  // Sums filter the pairs; train_examples draws that many; a share of examples is supervised.
  const auto sums = make_task(task_config("mnist-add", {"task.sums=[0, 18]", "task.examples_per_pair=2"}), data);
  CHECK(digit_pairs(sums->train_epoch(1), data.train) == std::multiset<Pair>{{0, 0}, {0, 0}, {9, 9}, {9, 9}});
  CHECK(sums->ood_set().size() == 98 * 60);
  const auto small =
      make_task(task_config("mnist-add", {"task.train_examples=40", "joint.supervision=0.25"}), data);
  CHECK(small->train_size() == 40);
  int given = 0;
  for (const Example& e : small->train_epoch(1)) {
    given += e.given[0] >= 0;
    CHECK((e.given[0] >= 0) == (e.given[1] >= 0));
    if (e.given[0] >= 0) CHECK(e.given[0] == data.train.labels[e.images[0]].item<std::int64_t>());
  }
  CHECK(given == 10);
  // Bad pairs are named.
  CHECK_THROWS_WITH(make_task(task_config("mnist-half", {"task.pairs=[[0, 7]]"}), data), Catch::Contains("task.pairs"));
  CHECK_THROWS_WITH(load_experiment("", {"task.pairs=[[0, 1, 2]]"}), Catch::Contains("task.pairs"));
  CHECK_THROWS_WITH(make_task(task_config("mnist-add", {"task.sums=[5]", "task.digits=2"}), data),
                    Catch::Contains("task.digits"));
}

TEST_CASE("calibration error, learned maps and the entropy term by hand", "[tasks][shortcuts]") {
  // Bins [0.9, 1]: confidences 0.95, 1.0 (right, right); [0.5, 0.6): 0.55, 0.55 (right, wrong).
  // ECE = 2/4 · |1 - 0.975| + 2/4 · |0.5 - 0.55| = 0.0125 + 0.025.
  CHECK(expected_calibration_error({0.95, 1.0, 0.55, 0.55}, {true, true, true, false}, 10) == Approx(0.0375));
  CHECK(expected_calibration_error({0.7, 0.7}, {true, true}, 10) == Approx(0.3));
  const std::vector<std::vector<double>> confusion = {{0.9, 0.1, 0}, {0, 0.2, 0.8}, {0, 0, 0}};
  CHECK(learned_map(confusion) == std::vector<int>{0, 2, -1});
  CHECK(is_one_to_one({0, 2, -1}));
  CHECK_FALSE(is_one_to_one({1, 1, 0}));
  // Batch mean of (1, 0) and (0, 1) is uniform: -H = -log 2; one-hot everywhere: 0.
  const torch::Tensor spread = torch::tensor({{1.0, 1e-30}, {1e-30, 1.0}}).log();
  CHECK(neural::mean_concept_negentropy(spread).item<double>() == Approx(-std::log(2.0)));
  const torch::Tensor same = torch::tensor({{1.0, 1e-30}, {1.0, 1e-30}}).log();
  CHECK(neural::mean_concept_negentropy(same).item<double>() == Approx(0.0).margin(1e-9));
}

TEST_CASE("counting reasoning shortcuts: 36 maps on mnist-evenodd, 2 one-to-one", "[tasks][shortcuts]") {
  const ShortcutCount evenodd = count_task_shortcuts(task_config("mnist-evenodd"), false);
  CHECK(evenodd.digits.size() == 10);
  CHECK(evenodd.maps == 36);
  CHECK(evenodd.one_to_one == 2);
  REQUIRE(evenodd.listed.size() == 2);
  CHECK(evenodd.listed[0] == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(evenodd.listed[1] == std::vector<int>{5, 6, 7, 8, 9, 0, 1, 2, 3, 4});
  CHECK(map_text({0, 1}, {1, 0}) == "0->1 1->0");
  const ShortcutCount half = count_task_shortcuts(task_config("mnist-half"), true);
  CHECK(half.maps == 3);
  CHECK(half.one_to_one == 1);
  CHECK(half.listed.size() == 3);
  // Parity: each digit keeps (or all flip) parity: 2 · 5^10 maps, 2 · 5! · 5! one-to-one.
  const ShortcutCount parity = count_task_shortcuts(task_config("mnist-sumparity"), false, 5);
  CHECK(parity.maps == 2 * 9765625);
  CHECK(parity.one_to_one == 2 * 120 * 120);
  CHECK(parity.listed.size() == 5);
  // The search alone: x + y = 2 on pairs (0,1) over values 0-2: (0,2) (1,1) (2,0).
  const ShortcutCount small = count_shortcuts({{0, 1}}, 3, [](std::size_t, int a, int b) { return a + b == 2; }, true);
  CHECK(small.maps == 3);
  CHECK(small.one_to_one == 2);
}

// A stand-in concept network: image rows are one-hot clusters, read through a renaming buffer
// as the GEDI head reads its clusters.
class ReadClustersImpl : public torch::nn::Module {
 public:
  explicit ReadClustersImpl(std::int64_t c) : order(register_buffer("order", torch::arange(c, torch::kLong))) {}
  torch::Tensor forward(torch::Tensor x) { return (10 * x).index_select(1, order); }
  torch::Tensor order;
};
TORCH_MODULE(ReadClusters);

TEST_CASE("cluster alignment renames clusters to the concepts the program means", "[tasks][shortcuts]") {
  // mnist-half: the clusters of digits 2 and 4 are swapped; every training pair then reads
  // wrong or right by the swap, and only the renaming back satisfies them all.
  const PairTaskSpec spec = pair_task_spec(task_config("mnist-half"));
  const symbolic::Program program = symbolic::Program::load(spec.program);
  bridge::CircuitCache cache(program, bridge::Inputs::kNeural);
  ReadClusters net(5);
  bridge::NeuralProgram model(cache.merged(pair_templates(spec)), {{"mnist_net", torch::nn::AnyModule(net)}},
                              torch::kCPU);
  JointModel joint;
  joint.cluster_order = net->order;
  const std::vector<std::int64_t> cluster_of_digit = {0, 1, 4, 3, 2};
  bridge::Batch batch;
  batch.images = torch::eye(5).index_select(0, torch::tensor(cluster_of_digit));  // image d shows digit d
  std::vector<std::int64_t> in, query;
  for (const auto& [a, b] : spec.allowed) in.insert(in.end(), {a, b}), query.push_back(a + b);
  batch.inputs = torch::tensor(in).view({-1, 2});
  batch.query = torch::tensor(query);
  const Alignment a = align_clusters(model, batch, joint, "mnist_net");
  CHECK(a.renamed == 2);
  CHECK(a.after > a.before);
  CHECK(a.after == Approx(0.0).margin(1e-3));  // every query now near certain
  CHECK(std::vector<std::int64_t>(net->order.data_ptr<std::int64_t>(), net->order.data_ptr<std::int64_t>() + 5) ==
        cluster_of_digit);
  // Aligned already: nothing moves.
  CHECK(align_clusters(model, batch, joint, "mnist_net").renamed == 0);
}

// Synthetic IDX data (digits 0-9 easy to tell apart) and a mnist-evenodd experiment over it.
std::string tiny_experiment(const testing::TempFiles& dir) {
  return dir.write("evenodd.toml", testing::idx_data_section(dir.path("data"), 300, 100, 11) + R"(
[task]
name = "mnist-evenodd"
examples_per_pair = 6
test_per_pair = 2
[augment]
translation = 0.05
[model]
network = "mlp"
[objective]
sgld_steps = 2
sgld_buffer = 64
feature_dim = 16
latent_dim = 4
[train]
epochs = 2
batch_size = 16
learning_rate = 0.003
)");
}

TEST_CASE("every mitigation trains jointly with the program, alone or combined", "[tasks][shortcuts][train]") {
  const testing::TempFiles dir("gedilog_joint");
  const std::string config_file = tiny_experiment(dir);
  const std::map<std::string, std::vector<std::string>> variants = {
      {"none", {}},
      {"gedi", {"joint.objective=1"}},
      {"gedi-nogen", {"joint.objective=1", "objective.generative=0"}},
      {"swav", {"joint.objective=1", "objective.name=swav"}},
      {"gmm-vae", {"joint.objective=1", "objective.name=gmm-vae"}},
      {"simvae", {"joint.objective=1", "objective.name=simvae"}},
      {"entropy", {"joint.entropy=1"}},
      {"reconstruction", {"joint.reconstruction=1"}},
      {"supervision", {"joint.supervision=0.1"}},
      {"gedi+entropy+reconstruction+supervision",
       {"joint.objective=1", "joint.entropy=0.5", "joint.reconstruction=1", "joint.supervision=0.2"}},
  };
  for (const auto& [name, set] : variants) {
    INFO(name);
    const ExperimentConfig c = load_experiment(config_file, set);
    CHECK(mitigation_name(c) == name);
    std::ostringstream log;
    const nlohmann::json m = run_experiment(c, dir.path("runs/" + name), log, false);
    INFO(log.str());
    CHECK(m.at("mitigation") == name);
    CHECK(m.contains("concepts_renamed"));
    const auto& test = m.at("test");
    CHECK(test.at("examples") == 32);
    CHECK(m.at("ood").at("examples") == 168);
    for (const char* k : {"label_accuracy", "label_f1", "concept_accuracy", "concept_f1", "concept_collapse",
                          "concept_ece", "map_one_to_one", "map_identity"}) {
      CHECK(test.at(k).get<double>() >= 0);
      CHECK(test.at(k).get<double>() <= 1);
    }
    CHECK(test.at("concept_map").size() == 10);
    // Each mitigation's terms are trained and reported (none: no terms).
    CHECK(m.at("last_epoch_terms").size() >= (name == "none" ? 0u : 1u));
    if (name == "none") CHECK(m.at("last_epoch_terms").empty());
    for (const auto& [term, value] : m.at("last_epoch_terms").items()) CHECK(std::isfinite(value.get<double>()));
    // gedilog eval reads the concept network back, whatever it is made of.
    const nlohmann::json again = evaluate_run(dir.path("runs/" + name));
    CHECK(again.at("concept_accuracy") == test.at("concept_accuracy"));
    CHECK(again.at("ood").at("label_accuracy") == m.at("ood").at("label_accuracy"));
  }
  // With half of the examples' digits given, the digits are learnt outright.
  std::ostringstream log;
  const nlohmann::json supervised = run_experiment(
      load_experiment(config_file, {"joint.supervision=0.5", "train.epochs=4"}), dir.path("runs/sup"), log, false);
  CHECK(supervised.at("test").at("concept_accuracy").get<double>() > 0.8);
  CHECK(supervised.at("ood").at("concept_accuracy").get<double>() > 0.8);
}

TEST_CASE("every shipped grid loads with each cell's configuration checked", "[tasks][shortcuts][compare]") {
  const std::string source = std::string(GEDILOG_SOURCE_DIR) + "/";
  // tasks x variants x seeds
  const std::map<std::string, std::size_t> runs = {
      {"examples/shortcuts.toml", 3 * 12 * 3},   {"examples/shortcuts_gedi_seeds.toml", 2 * 4 * 5},
      {"examples/gedi_ablation.toml", 9 * 5},    {"bench/mnist_add.toml", 4 * 1 * 3},
      {"bench/mnist_add_lenet.toml", 6 * 1 * 3}, {"bench/file_tasks.toml", 7 * 1 * 3}};
  for (const auto& [file, expected] : runs) {
    CAPTURE(file);
    CHECK(grid_runs(load_grid(source + file), "out").size() == expected);
  }
}

TEST_CASE("a tasks x variants grid runs as child processes and tabulates every cell", "[tasks][shortcuts][compare]") {
  const testing::TempFiles dir("gedilog_grid");
  tiny_experiment(dir);
  const std::string half = dir.write("half.toml", "[task]\nname = \"mnist-half\"\n");
  const std::string grid_file = dir.write("grid.toml", R"(
experiment = "evenodd.toml"
seeds = [0, 1]
set = ["train.epochs=1"]
metrics = ["test.concept_accuracy", "ood.label_accuracy"]
[[task]]
name = "evenodd"
[[task]]
name = "half"
set = ["task.name=mnist-half"]
[[variant]]
name = "none"
[[variant]]
name = "entropy"
set = ["joint.entropy=1"]
)");
  const Grid grid = load_grid(grid_file);
  CHECK(grid_runs(grid, "out").size() == 8);
  CHECK(grid_runs(grid, "out")[4].dir == (fs::path("out") / "half-none-s0").string());
  std::ostringstream log;
  const std::string table = run_grid(grid, dir.path("cmp"), log, false, {2, GEDILOG_BINARY});
  INFO(log.str());
  CHECK(fs::exists(dir.path("cmp/half-entropy-s1/metrics.json")));
  CHECK(fs::exists(dir.path("cmp/evenodd-none-s0.log")));
  CHECK(fs::exists(dir.path("cmp/results.png")));
  // Each variant against the baseline (the first) of its task, and every run's learned map.
  CHECK_THAT(table, Catch::Contains("## Against the baseline"));
  CHECK_THAT(table, Catch::Contains("## Learned concept maps"));
  CHECK_THAT(table, Catch::Contains("| half | entropy | 1 | 0->"));
  for (const std::string row : {"| evenodd | none |", "| half | entropy |"}) {
    const auto at = table.find(row);
    REQUIRE(at != std::string::npos);
    CHECK(table.substr(at, table.find('\n', at) - at).find(" [") != std::string::npos);
  }
  // A failing cell is named; the others are still tabulated.
  const std::string bad = dir.write("bad.toml", std::string(R"(
experiment = "evenodd.toml"
seeds = [0]
metrics = ["test.concept_accuracy"]
[[task]]
name = "broken"
set = ["task.program=)") + dir.path("missing.pl") + R"("]
[[variant]]
name = "none"
)");
  std::ostringstream bad_log;
  CHECK_THROWS_WITH(run_grid(load_grid(bad), dir.path("bad"), bad_log, false, {2, GEDILOG_BINARY}),
                    Catch::Contains("broken, none, seed 0"));
  CHECK_FALSE(fs::exists(dir.path("bad/broken-none-s0/metrics.json")));
}

}  // namespace
}  // namespace gedilog::tasks
