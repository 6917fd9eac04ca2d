// Tasks defined by files: the example-file readers (JSONL and CSV, good and malformed), several
// neural predicates in one program trained end to end, learnable facts converging to their
// data frequency, and `predict`.
#include "torch_catch.h"

#include <filesystem>
#include <fstream>
#include <random>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "symbolic/program.h"
#include "tasks/compare.h"
#include "tasks/experiment.h"
#include "tasks/run_experiment.h"
#include "tasks/file_task.h"
#include "synthetic_mnist.h"
#include "temp_files.h"

namespace gedilog::tasks {
namespace {

using Catch::Matchers::Contains;

constexpr const char* kTwoNetworks = R"j(
nn(digit_net, [X], D, [0,1,2,3,4,5,6,7,8,9]) :: digit(X, D).
nn(size_net, [X], S, [small, large]) :: size(X, S).
sum(X, Y, Z) :- digit(X, A), digit(Y, B), Z is A + B.
% the first image's digit is small (0-4) or large (5-9), said by a second network
sum_size(X, Y, Z, S) :- sum(X, Y, Z), digit(X, A), size_of(A, S), size(X, S).
size_of(A, small) :- A < 5.
size_of(A, large) :- A >= 5.
)j";

// In the synthetic IDX data, image i shows digit i % 10.
std::string sum_line(int a, int b, bool test = false) {
  const std::string split = test ? "idx:test:" : "idx:train:";
  const nlohmann::json line = {
      {"query", "sum_size(X, Y, " + std::to_string(a % 10 + b % 10) + ", " + ((a % 10) < 5 ? "small" : "large") + ")"},
      {"inputs", {{"X", split + std::to_string(a)}, {"Y", split + std::to_string(b)}}}};
  return line.dump() + "\n";
}

TEST_CASE("Example files: JSONL and CSV read alike; inputs become in(K) in order of appearance", "[tasks][files]") {
  const testing::TempFiles dir("gedilog_examples");
  const symbolic::Program program = symbolic::Program::load(dir.write("p.pl", kTwoNetworks));
  const std::string jsonl = dir.write(
      "e.jsonl",
      R"j({"query": "sum(Y, X, 7)", "inputs": {"X": "idx:train:3", "Y": "mnist:test:4"}, "probability": 0.25}
{"query": "sum(X, Y, 3)", "inputs": {"X": "fashion-mnist:train:1", "Y": "idx:train:2"}, "evidence": ["digit(X, 1)", "\\+ digit(Y, 0)"]}
)j");
  const std::string csv = dir.write("e.csv",
                                    "query,Y,X,probability,evidence\n"
                                    "\"sum(Y, X, 7)\",mnist:test:4,idx:train:3,0.25,\n"
                                    "\n"
                                    "\"sum(X, Y, 3)\",idx:train:2,fashion-mnist:train:1,,\"digit(X, 1);\\+ digit(Y, 0)\"\n");
  for (const std::string& file : {jsonl, csv}) {
    INFO(file);
    const std::vector<FileExample> x = read_examples(file, program);
    REQUIRE(x.size() == 2);
    CHECK(x[0].query_template.query == "sum(in(0),in(1),7)");
    CHECK(x[0].names == std::vector<std::string>{"Y", "X"});  // Y comes first in the query
    CHECK(x[0].images[0].text() == "mnist:test:4");
    CHECK(x[0].images[1].text() == "idx:train:3");
    CHECK(x[0].target == 0.25);
    CHECK(x[1].target == 1.0);  // a true query by default
    const std::vector<symbolic::Evidence>& evidence = x[1].query_template.evidence;
    REQUIRE(evidence.size() == 2);  // {goal, value}: "\\+ G" is G observed false
    CHECK(evidence[0].goal == "digit(in(0),1)");
    CHECK(evidence[0].value);
    CHECK(evidence[1].goal == "digit(in(1),0)");
    CHECK_FALSE(evidence[1].value);
    CHECK(x[1].images[0].text() == "fashion-mnist:train:1");
    CHECK(x[1].location == file + (file == csv ? ":4" : ":2"));  // the blank CSV line counts
  }
}

TEST_CASE("Malformed example files name the file, the line and the field", "[tasks][files]") {
  const testing::TempFiles dir("gedilog_bad_examples");
  const symbolic::Program program = symbolic::Program::load(dir.write("p.pl", kTwoNetworks));
  const std::string good = R"j({"query": "sum(X, Y, 3)", "inputs": {"X": "idx:train:1", "Y": "idx:train:2"}})j";
  struct Case {
    const char* file;
    std::string text, expected;
  };
  const std::vector<Case> cases{
      {"a.jsonl", good + "\n{\"query\": \"sum(X, Y, 3)\", \"inputs\": {\"X\": \"idx:train:1\"", "a.jsonl:2: ParseError"},
      {"b.jsonl", good + "\n" + R"j({"query": "sum(X, Y, 3)", "inputs": {}, "weight": 2})j", "b.jsonl:2: ExampleError: weight: unknown field"},
      {"c.jsonl", R"j({"query": "sum(X, Y, 3)", "inputs": {"X": "idx:train:1", "Y": "idx:train:2"}, "probability": 1.5})j",
       "c.jsonl:1: ExampleError: probability"},
      {"d.jsonl", R"j({"query": "sum(X, Y, 3)", "inputs": {"X": "idx:train:1", "Y": "idx:val:2"}})j",
       "d.jsonl:1: ExampleError: inputs.Y: 'idx:val:2': the split is train or test"},
      {"e.jsonl", R"j({"query": "sum(X, Y, 3)", "inputs": {"X": "my data:train:1", "Y": "idx:train:2"}})j",
       "e.jsonl:1: ExampleError: inputs.X: 'my data:train:1': the source is mnist"},
      {"f.jsonl", R"j({"query": "sum(X, Y, 3)", "inputs": {"X": "idx:train:1", "Z": "idx:train:2"}})j",
       "f.jsonl:1: ExampleError: input Z does not occur in the query or the evidence"},
      {"g.jsonl", R"j({"query": "sum(X, Y, 3", "inputs": {"X": "idx:train:1", "Y": "idx:train:2"}})j", "g.jsonl:1: ParseError"},
      {"h.jsonl", R"j({"inputs": {"X": "idx:train:1"}})j", "h.jsonl:1: ExampleError: query: missing"},
      {"i.csv", "query,X,Y\n\"sum(X, Y, 3)\",idx:train:1\n", "i.csv:2: ExampleError: row: 2 fields, the header has 3"},
      {"j.csv", "X,Y\nidx:train:1,idx:train:2\n", "j.csv:1: ExampleError: header: needs a 'query' column"},
      {"k.csv", "query,x\n\"sum(X, Y, 3)\",idx:train:1\n", "k.csv:1: ExampleError: header: column 'x'"},
      {"l.csv", "query,X,Y\n\"sum(X, Y, 3),idx:train:1,idx:train:2\n", "l.csv:2: ParseError: CSV: unterminated quote"},
      {"m.txt", good, "an example file is .jsonl or .csv"},
      {"n.jsonl", "\n\n", "no examples"},
  };
  for (const Case& c : cases) {
    INFO(c.file);
    const std::string file = dir.write(c.file, c.text);
    CHECK_THROWS_AS(read_examples(file, program), UserError);
    CHECK_THROWS_WITH(read_examples(file, program), Contains(c.expected));
  }
  CHECK_THROWS_WITH(read_examples(dir.path("missing.jsonl"), program), Contains("missing.jsonl: FileNotFound"));

  // An index beyond its split, when the images are loaded.
  ExperimentConfig config;
  testing::idx_data_section(dir.path("data"), 20, 10, 1);
  config.data.source = "idx";
  config.data.dir = dir.path("data");
  const std::vector<FileExample> x = read_examples(
      dir.write("far.jsonl", R"j({"query": "sum(X, Y, 3)", "inputs": {"X": "idx:train:1", "Y": "idx:test:10"}})j"), program);
  CHECK_THROWS_WITH(ImagePool({&x}, config), Contains("far.jsonl:1: ExampleError: inputs.Y: idx:test:10 is beyond the split's 10 examples"));
  // A source neither built in nor declared ([[source]]), when the sources are loaded.
  const std::vector<FileExample> y = read_examples(
      dir.write("cifar.jsonl", R"j({"query": "sum(X, Y, 3)", "inputs": {"X": "cifar:train:1", "Y": "idx:train:2"}})j"), program);
  CHECK_THROWS_WITH(ImagePool({&y}, config),
                    Contains("cifar.jsonl:1: ExampleError: inputs.X: cifar:train:1: no source named cifar (known: mnist, fashion-mnist, idx)"));
}

// An experiment file (paths relative to it) over synthetic IDX digits.
std::string write_task(const testing::TempFiles& dir, const std::string& program, const std::string& train,
                       const std::string& test, const std::string& networks, int epochs, int batch) {
  const std::string data = testing::idx_data_section(dir.path("data"), 400, 100, 7);
  dir.write("program.pl", program);
  dir.write("train.jsonl", train);
  dir.write("test.jsonl", test);
  return dir.write("task.toml", "[task]\nname = \"files\"\nprogram = \"program.pl\"\ntrain = \"train.jsonl\"\n"
                                "test = \"test.jsonl\"\n" +
                                    networks + data + "[train]\nepochs = " + std::to_string(epochs) +
                                    "\nbatch_size = " + std::to_string(batch) + "\nlearning_rate = 0.003\n");
}

TEST_CASE("Two neural predicates with different networks and domains train together; predict explains both",
          "[tasks][files][slow]") {
  const testing::TempFiles dir("gedilog_two_networks");
  std::string train, test;
  std::mt19937 rng(3);  // random pairs: a fixed partner digit per digit would be a shortcut
  for (int i = 0; i < 400; ++i) train += sum_line(i, static_cast<int>(rng() % 400));
  for (int i = 0; i < 100; ++i) test += sum_line(i, static_cast<int>(rng() % 100), true);
  const std::string networks =
      "[[network]]\nname = \"digit_net\"\ndataset = \"idx\"\n[[network]]\nname = \"size_net\"\narchitecture = \"mlp\"\n"
      "dataset = \"idx\"\n";
  const std::string toml = write_task(dir, kTwoNetworks, train, test, networks, 6, 8);
  const ExperimentConfig config = load_experiment(toml, {});
  CHECK(config.task.program == dir.path("program.pl"));  // relative to the experiment file
  std::ostringstream log;
  const nlohmann::json m = run_experiment(config, dir.path("run"), log, false);
  INFO(log.str());
  CHECK(m["test"]["accuracy"].get<double>() > 0.9);
  // The concept network is the first [[network]]; each network's concepts under its name.
  CHECK(m["test"]["concept_accuracy"].get<double>() > 0.9);
  CHECK(m["test"]["networks"]["digit_net"]["concept_accuracy"] == m["test"]["concept_accuracy"]);
  CHECK(m["test"]["networks"]["size_net"].is_null());  // small / large are not the data's classes
  CHECK(m["test"]["confusion"].size() == 10);
  // data.validation (10%) of the 400 training examples are held out and scored as val.
  CHECK(m["train_examples_per_epoch"] == 360);
  CHECK(m["val_examples"] == 40);
  CHECK(m["val"]["examples"] == 40);
  CHECK(m["val"]["accuracy"].get<double>() > 0.8);
  CHECK(evaluate_run(dir.path("run"))["accuracy"] == m["test"]["accuracy"]);

  // predict: a ground query (its probability) and one left open (every answer).
  // A one-image query among them: its batch still has the slot in(1) the others read.
  const std::string queries = dir.write(
      "ask.jsonl", R"j({"query": "sum_size(X, Y, 9, large)", "inputs": {"X": "idx:test:7", "Y": "idx:test:2"}}
{"query": "sum(X, Y, Z)", "inputs": {"X": "idx:test:3", "Y": "idx:test:14"}}
{"query": "digit(X, 5)", "inputs": {"X": "idx:test:5"}}
)j");
  std::ostringstream out;
  predict_file_task(dir.path("run"), queries, out);
  std::istringstream lines(out.str());
  std::string line;
  std::getline(lines, line);
  const nlohmann::json first = nlohmann::json::parse(line);
  CHECK(first["probability"].get<double>() > 0.5);
  CHECK(first["explanation"]["digit_net(X)"] == "7");
  CHECK(first["explanation"]["digit_net(Y)"] == "2");
  CHECK(first["explanation"]["size_net(X)"] == "large");
  std::getline(lines, line);
  const nlohmann::json second = nlohmann::json::parse(line);
  REQUIRE(second["answers"].size() == 19);  // Z = 0 .. 18
  double total = 0, best = 0;
  std::string best_answer;
  for (const auto& a : second["answers"]) {
    total += a["probability"].get<double>();
    if (a["probability"].get<double>() > best) best = a["probability"], best_answer = a["query"];
  }
  CHECK(total == Approx(1.0).epsilon(1e-4));
  CHECK(best_answer == "sum(X,Y,7)");  // 3 + 4
  CHECK(second["explanation"]["digit_net(X)"] == "3");
  CHECK(second["explanation"]["digit_net(Y)"] == "4");
  std::getline(lines, line);
  CHECK(nlohmann::json::parse(line)["probability"].get<double>() > 0.5);
  // Max-product: the probability of each answer's most probable world, at most P(answer).
  std::ostringstream best_out;
  predict_file_task(dir.path("run"), queries, best_out, "max-product");
  std::istringstream best_lines(best_out.str());
  std::getline(best_lines, line);
  const double best_world = nlohmann::json::parse(line)["probability"].get<double>();
  CHECK(best_world > 0);
  CHECK(best_world <= first["probability"].get<double>() + 1e-9);
  CHECK_THROWS_WITH(predict_file_task(dir.path("run"), queries, best_out, "tropical"),
                    Contains("UnknownSemiring") && Contains("max-product"));

  // An input the network's dataset does not hold is named.
  dir.write("train.jsonl", R"j({"query": "sum(X, Y, 3)", "inputs": {"X": "mnist:train:1", "Y": "idx:train:2"}})j");
  CHECK_THROWS_WITH(run_experiment(config, dir.path("run2"), log, false),
                    Contains("train.jsonl:1: ExampleError: inputs.X: network digit_net reads idx images, not mnist:train:1"));
  // A [[network]] the program does not declare.
  const std::string more = dir.write("more.toml", "[task]\nname = \"files\"\nprogram = \"program.pl\"\n"
                                                  "train = \"test.jsonl\"\ntest = \"test.jsonl\"\n" + networks +
                                                      "[[network]]\nname = \"other\"\ndataset = \"idx\"\n");
  CHECK_THROWS_WITH(run_experiment(load_experiment(more, {}), dir.path("run3"), log, false),
                    Contains("declares no network other"));
}

TEST_CASE("A neural fact over image pairs (nn/3, two inputs) trains; predict names both inputs",
          "[tasks][files][slow]") {
  const testing::TempFiles dir("gedilog_same_digit");
  std::mt19937 rng(9);
  // Synthetic digits are labelled i % 10: half the pairs show one digit twice.
  auto line = [&](int a, int n, const std::string& split) {
    const bool same = rng() % 2 == 0;
    int b = static_cast<int>(rng() % n);
    if (same) b = b - b % 10 + a % 10;
    if (b >= n) b -= 10;
    return nlohmann::json{{"query", "same(X, Y)"},
                          {"inputs", {{"X", split + std::to_string(a)}, {"Y", split + std::to_string(b)}}},
                          {"probability", (a % 10 == b % 10) ? 1 : 0}}
               .dump() + "\n";
  };
  std::string train, test;
  for (int i = 0; i < 400; ++i) train += line(i, 400, "idx:train:");
  for (int i = 0; i < 100; ++i) test += line(i, 100, "idx:test:");
  const std::string toml = write_task(dir, "nn(same_net, [X, Y]) :: same(X, Y).\n", train, test,
                                      "[[network]]\nname = \"same_net\"\ndataset = \"idx\"\n", 8, 16);
  std::ostringstream log;
  const nlohmann::json m = run_experiment(load_experiment(toml, {}), dir.path("run"), log, false);
  INFO(log.str());
  CHECK(m["test"]["accuracy"].get<double>() > 0.8);
  CHECK(m["test"]["networks"]["same_net"].is_null());  // a neural fact has no concepts to score
  CHECK(m["test"]["concept_accuracy"].is_null());
  std::ostringstream predicted;
  predict_file_task(dir.path("run"),
                    dir.write("ask.jsonl", R"j({"query": "same(A, B)", "inputs": {"A": "idx:test:3", "B": "idx:test:13"}})j"),
                    predicted);
  const nlohmann::json answer = nlohmann::json::parse(predicted.str());
  CHECK(answer["probability"].get<double>() > 0.5);
  CHECK(answer["explanation"]["same_net(A,B)"] == "true");
  // [joint] trains a network of concepts of one image, which a neural fact's is not.
  CHECK_THROWS_WITH(run_experiment(load_experiment(toml, {"joint.entropy=0.1"}), dir.path("run2"), log, false),
                    Contains("ConfigError") && Contains("same_net is a neural fact's (nn/3)"));
}

TEST_CASE("Answers as classes: the most probable answer of the open query, and its confusion matrix",
          "[tasks][files][slow]") {
  const testing::TempFiles dir("gedilog_answers");
  std::mt19937 rng(4);
  auto line = [](int a, int b, const std::string& split) {
    return nlohmann::json{{"query", "sum(X, Y, " + std::to_string(a % 10 + b % 10) + ")"},
                          {"inputs", {{"X", split + std::to_string(a)}, {"Y", split + std::to_string(b)}}},
                          {"answer", 3}}
               .dump() + "\n";
  };
  std::string train, test;
  for (int i = 0; i < 400; ++i) train += line(i, static_cast<int>(rng() % 400), "idx:train:");
  for (int i = 0; i < 100; ++i) test += line(i, static_cast<int>(rng() % 100), "idx:test:");
  const char* program =
      "nn(digit_net, [X], D, [0,1,2,3,4,5,6,7,8,9]) :: digit(X, D).\n"
      "sum(X, Y, Z) :- digit(X, A), digit(Y, B), Z is A + B.\n";
  const std::string toml = write_task(dir, program, train, test,
                                      "[[network]]\nname = \"digit_net\"\narchitecture = \"mlp\"\ndataset = \"idx\"\n", 5, 8);
  std::ostringstream log;
  const nlohmann::json m = run_experiment(load_experiment(toml, {}), dir.path("run"), log, false);
  INFO(log.str());
  const nlohmann::json& t = m["test"];
  CHECK(t["answer_examples"] == 100);
  CHECK(t["answer_accuracy"].get<double>() > 0.8);
  // The argmax over answers is right at least as often as P(query) > 0.5 is.
  CHECK(t["answer_accuracy"].get<double>() >= t["accuracy"].get<double>() - 1e-9);
  const auto values = t["answer_values"].get<std::vector<std::string>>();
  CHECK(values.size() >= 10);  // the sums the test pairs have (or are read as)
  for (const std::string& v : values) CHECK((v.size() <= 2 && std::stoi(v) >= 0 && std::stoi(v) <= 18));
  CHECK(t["answer_confusion"].size() == values.size());
  CHECK(std::filesystem::exists(dir.path("run/answers.png")));
  CHECK(m["val"]["answer_accuracy"].is_number());

  // The answer is a ground argument that is no input, of a true query; the CSV column reads alike.
  const symbolic::Program p = symbolic::Program::load(dir.path("program.pl"));
  auto bad = [&](const std::string& name, const std::string& text) { return read_examples(dir.write(name, text), p); };
  CHECK_THROWS_WITH(bad("in.jsonl", R"j({"query": "sum(X, Y, 3)", "inputs": {"X": "idx:train:1", "Y": "idx:train:2"}, "answer": 1})j"),
                    Contains("in.jsonl:1: ExampleError: answer"));
  CHECK_THROWS_WITH(bad("zero.jsonl", R"j({"query": "sum(X, Y, 3)", "inputs": {"X": "idx:train:1", "Y": "idx:train:2"}, "answer": 3, "probability": 0})j"),
                    Contains("zero.jsonl:1: ExampleError: answer: an example with an answer is a true query"));
  CHECK_THROWS_WITH(bad("word.jsonl", R"j({"query": "sum(X, Y, 3)", "inputs": {"X": "idx:train:1", "Y": "idx:train:2"}, "answer": "Z"})j"),
                    Contains("word.jsonl:1: ExampleError: answer: must be the number"));
  const std::vector<FileExample> csv = bad("a.csv", "query,X,Y,answer\n\"sum(X, Y, 3)\",idx:train:1,idx:train:2,3\n");
  REQUIRE(csv.size() == 1);
  CHECK(csv[0].answer == 3);
  CHECK(csv[0].open_template.query == "sum(in(0),in(1),A)");
}

TEST_CASE("A learnable fact converges to its frequency in the data", "[tasks][files]") {
  const testing::TempFiles dir("gedilog_learnable");
  std::string train;
  for (int i = 0; i < 100; ++i)
    train += std::string("{\"query\": \"coin\", \"probability\": ") + (i % 10 < 7 ? "1" : "0") + "}\n";
  const std::string toml = write_task(dir, "t(_)::heads.\ncoin :- heads.\n", train, train, "", 30, 10);
  std::ostringstream log;
  // All 100 examples train (no validation split): the frequency is theirs, 0.7.
  const nlohmann::json m = run_experiment(load_experiment(toml, {"data.validation=0"}), dir.path("run"), log, false);
  INFO(log.str());
  REQUIRE(m["facts"].size() == 1);
  CHECK(m["facts"][0]["name"] == "heads");
  CHECK(m["facts"][0]["probabilities"][0].get<double>() == Approx(0.7).margin(0.02));
  CHECK(m["test"]["accuracy"].get<double>() == Approx(0.7));  // P(coin) > 0.5: right on the 70 true ones

  // The checkpoint keeps it: predict reads it back.
  std::ostringstream out;
  predict_file_task(dir.path("run"), dir.write("ask.jsonl", "{\"query\": \"coin\"}\n"), out);
  CHECK(nlohmann::json::parse(out.str())["probability"].get<double>() == Approx(0.7).margin(0.02));
  CHECK(nlohmann::json::parse(out.str())["explanation"]["heads"] == "heads");

  // t(0.3)::f starts at 0.3 (as docs/writing-programs.md says); a learnable fact no query
  // reaches is listed as untrained, not dropped.
  const std::string start =
      write_task(dir, "t(0.3)::heads.\nt(_)::unused.\ncoin :- heads.\n", train, train, "", 0, 10);
  std::ostringstream start_log;
  const nlohmann::json untrained = run_experiment(load_experiment(start, {}), dir.path("run_start"), start_log, false);
  REQUIRE(untrained["facts"].size() == 2);
  CHECK(untrained["facts"][0]["probabilities"][0].get<double>() == Approx(0.3));
  CHECK(untrained["facts"][1]["name"] == "unused");
  CHECK(untrained["facts"][1]["trained"] == false);
  CHECK_THAT(start_log.str(), Contains("program.pl:2: learnable fact unused is used by no example's query"));

  // Exact inference alone refuses a learnable fact, and a mix of fixed and learnable heads is an error.
  CHECK_THROWS_WITH(symbolic::Program::load(dir.write("mixed.pl", "0.2::a; t(_)::b.\n")),
                    Contains("mixed.pl:1: UnsupportedLearnable"));
}

TEST_CASE("predict explains programs with fixed facts too, in either semiring", "[tasks][files]") {
  // Their circuits fold sums of fixed probabilities when trained (Inputs::kNeural), which
  // max-product cannot undo: predict compiles with every variable an input.
  const testing::TempFiles dir("gedilog_predict_fixed");
  std::string train;
  for (int i = 0; i < 40; ++i)
    train += nlohmann::json{{"query", "q(X)"}, {"inputs", {{"X", "idx:train:" + std::to_string(i)}}}}.dump() + "\n";
  const std::string toml = write_task(
      dir, "nn(digit_net, [X], D, [0,1,2,3,4,5,6,7,8,9]) :: digit(X, D).\n0.3::a. 0.4::b.\nc :- a.\nc :- b.\n"
           "q(X) :- digit(X, 1), c.\n",
      train, train, "[[network]]\nname = \"digit_net\"\narchitecture = \"mlp\"\ndataset = \"idx\"\n", 1, 8);
  std::ostringstream log;
  run_experiment(load_experiment(toml, {}), dir.path("run"), log, false);
  const std::string ask = dir.write("ask.jsonl", R"j({"query": "q(X)", "inputs": {"X": "idx:test:1"}})j");
  std::ostringstream p_out, best_out;
  predict_file_task(dir.path("run"), ask, p_out);
  predict_file_task(dir.path("run"), ask, best_out, "max-product");
  const nlohmann::json p = nlohmann::json::parse(p_out.str()), best = nlohmann::json::parse(best_out.str());
  CHECK(p["explanation"]["a"] == "none");  // P(c) = 1 - 0.7 * 0.6: its likeliest world has b, not a
  CHECK(p["explanation"]["b"] == "b");
  // P(q) = P(digit 1) * 0.58; its most probable world: digit 1, not a (0.7), b (0.4).
  CHECK(best["probability"].get<double>() == Approx(p["probability"].get<double>() / 0.58 * 0.7 * 0.4));
}

TEST_CASE("Every [joint] mitigation trains a task defined by files; eval and compare run it as any task",
          "[tasks][files][joint][slow]") {
  const testing::TempFiles dir("gedilog_files_joint");
  std::string train, test;
  std::mt19937 rng(5);
  auto line = [](int a, int b, const std::string& split) {
    return nlohmann::json{{"query", "sum(X, Y, " + std::to_string(a % 10 + b % 10) + ")"},
                          {"inputs", {{"X", split + std::to_string(a)}, {"Y", split + std::to_string(b)}}}}
               .dump() + "\n";
  };
  for (int i = 0; i < 400; ++i) train += line(i, static_cast<int>(rng() % 400), "idx:train:");
  for (int i = 0; i < 100; ++i) test += line(i, static_cast<int>(rng() % 100), "idx:test:");
  const std::string toml = write_task(
      dir,
      "nn(digit_net, [X], D, [0,1,2,3,4,5,6,7,8,9]) :: digit(X, D).\n"
      "sum(X, Y, Z) :- digit(X, A), digit(Y, B), Z is A + B.\n"
      "tagged(min(0), X, D) :- digit(X, D).\n",
      train, test, "[[network]]\nname = \"digit_net\"\narchitecture = \"mlp\"\ndataset = \"idx\"\n", 5, 8);
  std::ostringstream log;
  // GEDI (a short SGLD chain) and every other term at once, through the one entry point.
  const ExperimentConfig config =
      load_experiment(toml, {"joint.objective=1", "objective.sgld_steps=2", "objective.sgld_buffer=100",
                             "joint.entropy=0.1", "joint.reconstruction=0.1", "joint.supervision=0.1",
                             "joint.align=false"});
  const nlohmann::json m = run_experiment(config, dir.path("runs/joint"), log, false);
  INFO(log.str());
  CHECK(m["mitigation"] == "gedi+entropy+reconstruction+supervision");
  for (const char* term : {"gedi/generative", "gedi/invariance", "gedi/uniformity", "entropy", "reconstruction",
                           "supervision"})
    CHECK(m["last_epoch_terms"].contains(term));
  // The synthetic digits are easy: the supervised tenth and the program's loss name them.
  CHECK(m["test"]["concept_accuracy"].get<double>() > 0.5);
  CHECK(m["test"]["concept_f1"].is_number());
  CHECK(m["test"]["concept_collapse"].is_number());
  CHECK(m["test"]["concept_ece"].is_number());
  // The checkpoint holds the objective's cluster head (and its SGLD buffer): eval reads it back.
  const nlohmann::json again = evaluate_run(dir.path("runs/joint"));
  CHECK(again["accuracy"] == m["test"]["accuracy"]);
  CHECK(again["concept_accuracy"] == m["test"]["concept_accuracy"]);
  // predict names each input in the answers again, and only the placeholders: min(0) stays.
  std::ostringstream predicted;
  predict_file_task(dir.path("runs/joint"),
                    dir.write("ask.jsonl", R"j({"query": "tagged(min(0), X, D)", "inputs": {"X": "idx:test:3"}})j"),
                    predicted);
  const nlohmann::json answers = nlohmann::json::parse(predicted.str())["answers"];
  REQUIRE(answers.size() == 10);
  CHECK(answers[0]["query"] == "tagged(min(0),X,0)");

  // Mitigations train one concept network; a program with two is told so before anything runs.
  const std::string two = dir.write("two.toml", "[task]\nname = \"files\"\nprogram = \"program.pl\"\n"
                                                "train = \"train.jsonl\"\ntest = \"test.jsonl\"\n"
                                                "[[network]]\nname = \"digit_net\"\ndataset = \"idx\"\n"
                                                "[[network]]\nname = \"size_net\"\ndataset = \"idx\"\n"
                                                "[joint]\nentropy = 0.1\n");
  CHECK_THROWS_WITH(load_experiment(two, {}), Contains("two.toml:") && Contains("ConfigError: [joint] mitigations train one concept network"));

  // compare in process (--jobs 1) runs a task defined by files, as a child run would.
  const std::string grid = dir.write("grid.toml", R"(
experiment = "task.toml"
seeds = [0]
set = ["train.epochs=1"]
metrics = ["test.accuracy"]
[[variant]]
name = "plain"
[[variant]]
name = "entropy"
set = ["joint.entropy=0.1"]
)");
  std::ostringstream compare_log;
  const std::string table = run_grid(load_grid(grid), dir.path("cmp"), compare_log, false);
  INFO(compare_log.str());
  CHECK(std::filesystem::exists(dir.path("cmp/plain-s0/metrics.json")));
  CHECK(std::filesystem::exists(dir.path("cmp/entropy-s0/metrics.json")));
  CHECK_THAT(table, Contains("| entropy | "));
}

}  // namespace
}  // namespace gedilog::tasks
