// Your own data and networks: declared data sources ([[source]]), each loader on tiny files
// written here, good and malformed (IDX of any rank, .npy, folders of PNG images, CSV rows of
// numbers), the experiment file's checks, a file task over .npy vectors trained end to end, and
// one whose network is a TorchScript module, saved back trained.
#include "torch_catch.h"

#include <png.h>
#include <torch/torch.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "tasks/data_sources.h"
#include "tasks/experiment.h"
#include "tasks/file_task.h"
#include "tasks/run_experiment.h"
#include "scripted_module.h"
#include "synthetic_mnist.h"
#include "temp_files.h"

namespace gedilog::tasks {
namespace {

using Catch::Matchers::Contains;
using testing::be32;

namespace fs = std::filesystem;

// Bytes of `values` as `T`, big- or little-endian.
template <typename T>
std::string bytes_of(const std::vector<T>& values, bool big_endian) {
  std::string out;
  for (T v : values) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    if (big_endian) std::reverse(b, b + sizeof(T));
    out.append(b, sizeof(T));
  }
  return out;
}

// A .npy file (format 1.0) as numpy.save writes it: the header padded with spaces to a
// multiple of 64 bytes, ending in a newline. A descr in brackets is a structured dtype.
std::string npy(const std::string& descr, const std::string& shape, const std::string& data, bool fortran = false) {
  const std::string quoted = descr[0] == '[' ? descr : "'" + descr + "'";
  std::string header = "{'descr': " + quoted + ", 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape + ", }";
  header += std::string(63 - (10 + header.size()) % 64, ' ') + "\n";
  const std::uint16_t length = static_cast<std::uint16_t>(header.size());
  return std::string("\x93NUMPY\x01\x00", 8) + char(length & 0xff) + char(length >> 8) + header + data;
}

void write_png(const std::string& file, int width, int height, bool colour, unsigned char value) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(width);
  image.height = static_cast<png_uint_32>(height);
  image.format = colour ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  std::vector<unsigned char> pixels(PNG_IMAGE_SIZE(image), value);
  if (colour)
    for (std::size_t i = 0; i < pixels.size(); i += 3) pixels[i] = 255;  // red
  fs::create_directories(fs::path(file).parent_path());
  REQUIRE(png_image_write_to_file(&image, file.c_str(), 0, pixels.data(), 0, nullptr));
}

std::string file_bytes(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

SourceSpec spec(const std::string& format, const std::string& train, const std::string& train_labels = "") {
  SourceSpec s;
  s.name = "mine";
  s.format = format;
  s.train = train;
  s.train_labels = train_labels;
  s.location = "task.toml:3";
  return s;
}

TEST_CASE("IDX files of any rank and type read as their array; malformed ones name the file", "[tasks][data]") {
  const testing::TempFiles dir("gedilog_idx_sources");
  // float32 [3, 2], big-endian as the format says.
  const std::string floats = std::string("\0\0\x0D\x02", 4) + be32(3) + be32(2) +
                             bytes_of<float>({1.5f, -2, 0, 3.25f, 7, 8}, /*big_endian=*/true);
  testing::write_bytes(dir.path("vectors.idx"), floats, false);
  testing::write_bytes(dir.path("vectors.idx.gz"), floats, true);
  for (const std::string file : {"vectors.idx", "vectors.idx.gz"}) {
    const torch::Tensor t = read_idx(dir.path(file));
    CHECK(t.scalar_type() == torch::kFloat32);
    CHECK(torch::equal(t, torch::tensor({1.5f, -2.0f, 0.0f, 3.25f, 7.0f, 8.0f}).view({3, 2})));
  }
  // int16 labels [3].
  testing::write_bytes(dir.path("labels.idx"), std::string("\0\0\x0B\x01", 4) + be32(3) + bytes_of<std::int16_t>({2, 0, 1}, true), false);
  CHECK(torch::equal(read_idx(dir.path("labels.idx")), torch::tensor({2, 0, 1}, torch::kInt16)));
  // uint8 [2, 3, 4, 4]: colour images, scaled to [0, 1].
  testing::write_bytes(dir.path("colour.idx"), std::string("\0\0\x08\x04", 4) + be32(2) + be32(3) + be32(4) + be32(4) + std::string(96, '\xff'), false);
  const ImageSet colour = as_inputs(read_idx(dir.path("colour.idx")), {}, "colour.idx", "");
  CHECK(colour.images.sizes() == torch::IntArrayRef{2, 3, 4, 4});
  CHECK(colour.images.max().item<float>() == 1.0f);
  CHECK(torch::equal(colour.labels, torch::full({2}, -1, torch::kLong)));  // unlabelled

  SourceSpec s = spec("idx", dir.path("vectors.idx"), dir.path("labels.idx"));
  const Source source = load_declared_source(s);
  CHECK(source.data.train.images.sizes() == torch::IntArrayRef{3, 2});
  CHECK(torch::equal(source.data.train.labels, torch::tensor({2, 0, 1}, torch::kLong)));
  CHECK(source.classes == std::vector<std::string>{"0", "1", "2"});
  CHECK(source.data.test.size() == 0);  // not declared: empty, of the same shape
  CHECK(source.data.test.images.sizes() == torch::IntArrayRef{0, 2});
  s.classes = {"low", "mid", "high"};
  CHECK(load_declared_source(s).classes == s.classes);
  s.classes = {"low", "mid"};
  CHECK_THROWS_WITH(load_declared_source(s), Contains("task.toml:3") && Contains("a label 2"));

  auto fails = [&](const std::string& name, const std::string& bytes, const std::string& why) {
    testing::write_bytes(dir.path(name), bytes, false);
    CHECK_THROWS_WITH(read_idx(dir.path(name)), Contains(dir.path(name)) && Contains(why));
  };
  fails("text.idx", "hello world", "not an IDX file");
  fails("complex.idx", std::string("\0\0\x0A\x01", 4) + be32(1) + "x", "IDX type 0x0A");
  fails("short.idx", std::string("\0\0\x0D\x02", 4) + be32(3) + be32(2) + std::string(20, '\0'), "truncated");
  fails("long.idx", std::string("\0\0\x08\x01", 4) + be32(2) + "abc", "longer than its header says");
  fails("header.idx", std::string("\0\0\x08\x03", 4) + be32(2), "truncated inside its header");
  CHECK_THROWS_WITH(read_idx(dir.path("missing.idx")), Contains("missing.idx") && Contains("no such file"));
  // Labels that do not fit the examples.
  testing::write_bytes(dir.path("two_labels.idx"), std::string("\0\0\x08\x01", 4) + be32(2) + "\x01\x02", false);
  CHECK_THROWS_WITH(load_declared_source(spec("idx", dir.path("vectors.idx"), dir.path("two_labels.idx"))),
                    Contains("two_labels.idx") && Contains("2 labels for 3 examples"));
  testing::write_bytes(dir.path("negative.idx"), std::string("\0\0\x09\x01", 4) + be32(3) + "\x01\xff\x02", false);
  CHECK_THROWS_WITH(load_declared_source(spec("idx", dir.path("vectors.idx"), dir.path("negative.idx"))),
                    Contains("negative.idx") && Contains("integers >= 0"));
}

TEST_CASE(".npy files as numpy.save writes them; wrong dtypes, ranks and truncations name the file", "[tasks][data]") {
  const testing::TempFiles dir("gedilog_npy_sources");
  const torch::Tensor expected = torch::tensor({1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f}).view({2, 3});
  testing::write_bytes(dir.path("c.npy"), npy("<f4", "(2, 3)", bytes_of<float>({1, 2, 3, 4, 5, 6}, false)), false);
  CHECK(torch::equal(read_npy(dir.path("c.npy")), expected));
  // The same array in column-major order, and big-endian float64.
  testing::write_bytes(dir.path("f.npy"), npy("<f4", "(2, 3)", bytes_of<float>({1, 4, 2, 5, 3, 6}, false), true), false);
  CHECK(torch::equal(read_npy(dir.path("f.npy")), expected));
  testing::write_bytes(dir.path("be.npy"), npy(">f8", "(2, 3)", bytes_of<double>({1, 2, 3, 4, 5, 6}, true)), false);
  CHECK(torch::equal(read_npy(dir.path("be.npy")), expected.to(torch::kFloat64)));
  // int64 labels [2] (shape "(2,)"), uint8 grey images [2, 4, 4] -> [2, 1, 4, 4].
  testing::write_bytes(dir.path("labels.npy"), npy("<i8", "(2,)", bytes_of<std::int64_t>({1, 0}, false)), false);
  testing::write_bytes(dir.path("grey.npy"), npy("|u1", "(2, 4, 4)", std::string(32, '\x80')), false);
  SourceSpec s = spec("npy", dir.path("grey.npy"), dir.path("labels.npy"));
  s.test = dir.path("grey.npy");
  const Source source = load_declared_source(s);
  CHECK(source.data.train.images.sizes() == torch::IntArrayRef{2, 1, 4, 4});
  CHECK(source.data.test.images.sizes() == torch::IntArrayRef{2, 1, 4, 4});
  CHECK(source.data.train.images[0][0][0][0].item<float>() == Approx(128.0 / 255));
  CHECK(torch::equal(source.data.train.labels, torch::tensor({1, 0}, torch::kLong)));
  CHECK(torch::equal(source.data.test.labels, torch::full({2}, -1, torch::kLong)));
  // Train and test of different shapes.
  s.test = dir.path("c.npy");
  CHECK_THROWS_WITH(load_declared_source(s), Contains("task.toml:3") && Contains("share one shape"));

  // write_npy writes what read_npy (and numpy.load) reads, byte for byte as numpy.save.
  write_npy(dir.path("written.npy"), expected);
  CHECK(torch::equal(read_npy(dir.path("written.npy")), expected));
  write_npy(dir.path("labels_again.npy"), torch::tensor({1, 0}, torch::kLong));
  CHECK(file_bytes(dir.path("labels_again.npy")) == file_bytes(dir.path("labels.npy")));
  const torch::Tensor bytes3 = torch::arange(24, torch::kUInt8).view({2, 3, 4});
  write_npy(dir.path("bytes.npy"), bytes3);
  CHECK(torch::equal(read_npy(dir.path("bytes.npy")), bytes3));

  auto fails = [&](const std::string& name, const std::string& bytes, const std::string& why) {
    testing::write_bytes(dir.path(name), bytes, false);
    CHECK_THROWS_WITH(read_npy(dir.path(name)), Contains(dir.path(name)) && Contains(why));
  };
  fails("text.npy", "just some text", "not a .npy file");
  fails("complex.npy", npy("<c8", "(1,)", std::string(8, '\0')), "dtype '<c8' is none of");
  fails("object.npy", npy("|O", "(1,)", std::string(8, '\0')), "dtype '|O' is none of");
  fails("record.npy", npy("[('a', '<f4')]", "(1,)", std::string(4, '\0')), "structured dtype");
  fails("scalar.npy", npy("<f4", "()", std::string(4, '\0')), "0-d array");
  fails("short.npy", npy("<f4", "(2, 3)", std::string(20, '\0')), "truncated");
  fails("v9.npy", std::string("\x93NUMPY\x09\x00", 8) + std::string(8, ' '), "format 9");
  // Labels of rank 2, float labels that are not integers, nan among the inputs.
  testing::write_bytes(dir.path("labels2.npy"), npy("<i8", "(2, 1)", bytes_of<std::int64_t>({1, 0}, false)), false);
  CHECK_THROWS_WITH(load_declared_source(spec("npy", dir.path("c.npy"), dir.path("labels2.npy"))),
                    Contains("labels2.npy") && Contains("labels are an array [N]"));
  testing::write_bytes(dir.path("half.npy"), npy("<f4", "(2,)", bytes_of<float>({0.5f, 1}, false)), false);
  CHECK_THROWS_WITH(load_declared_source(spec("npy", dir.path("c.npy"), dir.path("half.npy"))),
                    Contains("half.npy") && Contains("integers >= 0"));
  testing::write_bytes(dir.path("nan.npy"), npy("<f4", "(2,)", bytes_of<float>({0.5f, NAN}, false)), false);
  CHECK_THROWS_WITH(load_declared_source(spec("npy", dir.path("nan.npy"))), Contains("nan.npy") && Contains("not finite"));
}

TEST_CASE("Folders of PNG images: classes from sub-folders or a CSV, grey or RGB, one size", "[tasks][data]") {
  const testing::TempFiles dir("gedilog_png_sources");
  // Sub-folders named by numbers sort as numbers: 2 before 10.
  write_png(dir.path("digits/10/a.png"), 6, 5, false, 10);
  write_png(dir.path("digits/10/b.png"), 6, 5, false, 20);
  write_png(dir.path("digits/2/c.png"), 6, 5, false, 30);
  Source source = load_declared_source(spec("png", dir.path("digits")));
  CHECK(source.classes == std::vector<std::string>{"2", "10"});
  CHECK(source.data.train.images.sizes() == torch::IntArrayRef{3, 1, 5, 6});  // [N, 1, H, W]
  CHECK(torch::equal(source.data.train.labels, torch::tensor({1, 1, 0}, torch::kLong)));  // 10/a, 10/b, 2/c
  CHECK(source.data.train.images[2].max().item<float>() == Approx(30.0 / 255));
  // One colour image makes the source RGB; grey ones become R = G = B.
  write_png(dir.path("digits/2/d.png"), 6, 5, true, 0);
  source = load_declared_source(spec("png", dir.path("digits")));
  CHECK(source.data.train.images.sizes() == torch::IntArrayRef{4, 3, 5, 6});
  CHECK(source.data.train.images[3][0].min().item<float>() == 1.0f);  // red
  CHECK(source.data.train.images[3][1].max().item<float>() == 0.0f);
  CHECK(torch::equal(source.data.train.images[0][0], source.data.train.images[0][2]));
  // Labels from a CSV of file,label (a header optional); the images in its order.
  write_png(dir.path("flat/x.png"), 4, 4, false, 1);
  write_png(dir.path("flat/y.png"), 4, 4, false, 2);
  const std::string labels = dir.write("labels.csv", "file,label\ny.png,cat\nx.png,dog\nx.png,cat\n");
  source = load_declared_source(spec("png", dir.path("flat"), labels));
  CHECK(source.classes == std::vector<std::string>{"cat", "dog"});
  CHECK(torch::equal(source.data.train.labels, torch::tensor({0, 1, 0}, torch::kLong)));
  // Unlabelled: the folder's images sorted by name.
  source = load_declared_source(spec("png", dir.path("flat")));
  CHECK(source.data.train.size() == 2);
  CHECK(torch::equal(source.data.train.labels, torch::full({2}, -1, torch::kLong)));

  // Mixed sizes, a file that is no PNG, a label file naming a missing image, an empty folder.
  write_png(dir.path("mixed/0/a.png"), 4, 4, false, 0);
  write_png(dir.path("mixed/1/b.png"), 5, 4, false, 0);
  CHECK_THROWS_WITH(load_declared_source(spec("png", dir.path("mixed"))),
                    Contains("b.png") && Contains("is 5x4") && Contains("share one size"));
  fs::create_directories(dir.path("broken/0"));
  dir.write("broken/0/a.png", "not an image");
  CHECK_THROWS_WITH(load_declared_source(spec("png", dir.path("broken"))), Contains("a.png") && Contains("not a PNG image"));
  const std::string missing = dir.write("missing.csv", "x.png,cat\nz.png,dog\n");
  CHECK_THROWS_WITH(load_declared_source(spec("png", dir.path("flat"), missing)), Contains("missing.csv:2") && Contains("no image"));
  fs::create_directories(dir.path("empty"));
  CHECK_THROWS_WITH(load_declared_source(spec("png", dir.path("empty"))), Contains("empty") && Contains("no PNG images"));
  CHECK_THROWS_WITH(load_declared_source(spec("png", dir.path("nowhere"))), Contains("nowhere") && Contains("no such folder"));
}

TEST_CASE("CSV rows of numbers: feature columns and an optional label column", "[tasks][data]") {
  const testing::TempFiles dir("gedilog_csv_sources");
  const std::string good = dir.write("points.csv", "x,label,y\n1.5,b,-2\n0,a,1e3\n");
  const Source source = load_declared_source(spec("csv", good));
  CHECK(torch::equal(source.data.train.images, torch::tensor({1.5f, -2.0f, 0.0f, 1000.0f}).view({2, 2})));
  CHECK(source.classes == std::vector<std::string>{"a", "b"});
  CHECK(torch::equal(source.data.train.labels, torch::tensor({1, 0}, torch::kLong)));
  const std::string bad = dir.write("bad.csv", "x,y\n1,2\n3,four\n");
  CHECK_THROWS_WITH(load_declared_source(spec("csv", bad)), Contains("bad.csv:3") && Contains("'four' is not a finite number"));
  const std::string ragged = dir.write("ragged.csv", "x,y\n1,2\n3\n");
  CHECK_THROWS_WITH(load_declared_source(spec("csv", ragged)), Contains("ragged.csv:3") && Contains("1 fields"));
  const std::string header_only = dir.write("header.csv", "x,y\n");
  CHECK_THROWS_WITH(load_declared_source(spec("csv", header_only)), Contains("header.csv") && Contains("no rows"));
}

// A task over vectors: points whose class is their quadrant, learnt from the sums of two
// points' classes (add(X, Y, Z)) by an MLP. `shift` moves the points' classes round.
struct PointTask {
  testing::TempFiles dir{"gedilog_point_task"};
  std::string toml;

  PointTask() {
    std::mt19937 rng(5);
    std::normal_distribution<float> noise(0, 0.4f);
    std::vector<float> points;
    std::vector<std::int64_t> labels;
    for (int i = 0; i < 600; ++i) {
      const int c = i % 4;
      points.push_back((c % 2 ? 2.0f : -2.0f) + noise(rng));
      points.push_back((c / 2 ? 2.0f : -2.0f) + noise(rng));
      labels.push_back(c);
    }
    testing::write_bytes(dir.path("points.npy"), npy("<f4", "(600, 2)", bytes_of(points, false)), false);
    testing::write_bytes(dir.path("labels.npy"), npy("<i8", "(600,)", bytes_of(labels, false)), false);
    std::string train, test;
    for (int i = 0; i < 500; ++i) {
      const int j = static_cast<int>(rng() % 500);
      train += nlohmann::json{{"query", "add(X, Y, " + std::to_string(i % 4 + j % 4) + ")"},
                              {"inputs", {{"X", "pts:train:" + std::to_string(i)}, {"Y", "pts:train:" + std::to_string(j)}}}}
                   .dump() + "\n";
    }
    for (int i = 500; i < 600; ++i)
      test += nlohmann::json{{"query", "add(X, Y, " + std::to_string(i % 4 + (i + 1) % 4) + ")"},
                             {"inputs", {{"X", "pts:train:" + std::to_string(i)}, {"Y", "pts:train:" + std::to_string(i == 599 ? 500 : i + 1)}}}}
                  .dump() + "\n";
    dir.write("program.pl", "nn(quadrant, [X], C, [0, 1, 2, 3]) :: class(X, C).\n"
                            "add(X, Y, Z) :- class(X, A), class(Y, B), Z is A + B.\n");
    dir.write("train.jsonl", train);
    dir.write("test.jsonl", test);
    toml = dir.write("task.toml", "[task]\nname = \"files\"\nprogram = \"program.pl\"\ntrain = \"train.jsonl\"\ntest = \"test.jsonl\"\n"
                                  "[[network]]\nname = \"quadrant\"\narchitecture = \"mlp\"\ndataset = \"pts\"\n"
                                  "[[source]]\nname = \"pts\"\nformat = \"npy\"\ntrain = \"points.npy\"\ntrain_labels = \"labels.npy\"\n"
                                  "[train]\nepochs = 4\nbatch_size = 16\nlearning_rate = 0.003\n");
  }
};

TEST_CASE("A file task over .npy vectors trains; its concepts are scored by the source's labels", "[tasks][data][files][slow]") {
  PointTask task;
  const ExperimentConfig config = load_experiment(task.toml, {});
  REQUIRE(config.data_sources.size() == 1);
  CHECK(config.data_sources[0].train == task.dir.path("points.npy"));  // relative to the experiment file
  std::ostringstream log;
  const nlohmann::json m = run_experiment(config, task.dir.path("run"), log, false);
  INFO(log.str());
  CHECK(m["test"]["accuracy"].get<double>() > 0.9);
  CHECK(m["test"]["concept_accuracy"].get<double>() > 0.9);
  // The saved config names the source; a run read back trains the same way.
  CHECK(load_experiment(task.dir.path("run") + "/config.toml", {}).data_sources.size() == 1);
}

TEST_CASE("Sources in experiment files: malformed tables, unknown names and shapes networks cannot read", "[tasks][data][files]") {
  PointTask task;
  const std::string base = task.dir.path("task.toml");
  std::ostringstream log;
  auto config_fails = [&](const std::string& extra, const std::string& what) {
    const std::string file = task.dir.write("bad.toml", "[task]\nname = \"files\"\nprogram = \"program.pl\"\ntrain = \"train.jsonl\"\n"
                                                       "test = \"test.jsonl\"\n[[network]]\nname = \"quadrant\"\ndataset = \"pts\"\n" + extra);
    CHECK_THROWS_WITH(load_experiment(file, {}), Contains("bad.toml") && Contains(what));
  };
  config_fails("[[source]]\nname = \"pts\"\nformat = \"npy\"\ntrain = \"points.npy\"\ncolour = true\n", "unknown key 'source.colour'");
  config_fails("[[source]]\nname = \"pts\"\nformat = \"hdf5\"\ntrain = \"points.npy\"\n", "source.format must be");
  config_fails("[[source]]\nname = \"mnist\"\nformat = \"npy\"\ntrain = \"points.npy\"\n", "is built in");
  config_fails("[[source]]\nname = \"a:b\"\nformat = \"npy\"\ntrain = \"points.npy\"\n", "without ':'");
  config_fails("[[source]]\nname = \"pts\"\nformat = \"npy\"\n", "needs train or test");
  config_fails("[[source]]\nname = \"pts\"\nformat = \"csv\"\ntrain = \"p.csv\"\ntrain_labels = \"l.csv\"\n", "column 'label'");
  config_fails("[[source]]\nname = \"pts\"\nformat = \"npy\"\ntrain = \"points.npy\"\n[[source]]\nname = \"pts\"\nformat = \"npy\"\ntrain = \"points.npy\"\n",
               "a second [[source]] named pts");
  config_fails("[[source]]\nname = \"other\"\nformat = \"npy\"\ntrain = \"points.npy\"\n", "network.dataset must be");
  config_fails("[[source]]\nname = \"pts\"\nformat = \"npy\"\ntrain = \"points.npy\"\nclasses = [1, 2]\n", "array of strings");

  // An example naming a source nobody declared: its file and line.
  task.dir.write("unknown.jsonl", R"j({"query": "add(X, Y, 0)", "inputs": {"X": "pts:train:0", "Y": "elsewhere:train:1"}})j" "\n");
  CHECK_THROWS_WITH(run_experiment(load_experiment(base, {"task.test=" + task.dir.path("unknown.jsonl")}), task.dir.path("run1"), log, false),
                    Contains("unknown.jsonl:1") && Contains("inputs.Y") && Contains("no source named elsewhere") && Contains("pts"));
  CHECK_FALSE(fs::exists(task.dir.path("run1") + "/metrics.json"));
  // An index beyond the source.
  task.dir.write("beyond.jsonl", R"j({"query": "add(X, Y, 0)", "inputs": {"X": "pts:train:0", "Y": "pts:train:600"}})j" "\n");
  CHECK_THROWS_WITH(run_experiment(load_experiment(base, {"task.test=" + task.dir.path("beyond.jsonl")}), task.dir.path("run2"), log, false),
                    Contains("beyond.jsonl:1") && Contains("beyond the split's 600 examples"));
  // A digit where the network reads points.
  testing::idx_data_section(task.dir.path("data"), 20, 10, 3);
  task.dir.write("mixed.jsonl", R"j({"query": "add(X, Y, 0)", "inputs": {"X": "pts:train:0", "Y": "idx:train:1"}})j" "\n");
  CHECK_THROWS_WITH(run_experiment(load_experiment(base, {"task.test=" + task.dir.path("mixed.jsonl"), "data.source=idx", "data.dir=" + task.dir.path("data")}),
                                   task.dir.path("run3"), log, false),
                    Contains("mixed.jsonl:1") && Contains("network quadrant reads pts images, not idx:train:1"));
  // A convolutional network cannot read vectors: the [[network]] is named.
  std::string lenet;
  {
    std::ifstream in(base);
    lenet.assign(std::istreambuf_iterator<char>(in), {});
    lenet.replace(lenet.find("\"mlp\""), 5, "\"lenet\"");
  }
  CHECK_THROWS_WITH(run_experiment(load_experiment(task.dir.write("lenet.toml", lenet), {}), task.dir.path("run4"), log, false),
                    Contains("lenet.toml:6") && Contains("lenet reads images [C, H, W]") && Contains("[2]"));
  CHECK_THROWS_WITH(run_experiment(load_experiment(base, {"augment.rotation=10"}), task.dir.path("run5"), log, false),
                    Contains("[augment] transforms images"));
  for (const char* run : {"run1", "run2", "run3", "run4", "run5"}) CHECK_FALSE(fs::exists(task.dir.path(run) + "/metrics.json"));
}

TEST_CASE("Inputs of two shapes in one program: digits for one network, vectors for another", "[tasks][data][files][slow]") {
  // The sum of a digit (synthetic IDX digits, image i shows i % 10) and a point's quadrant class.
  PointTask task;
  const std::string data = testing::idx_data_section(task.dir.path("data"), 400, 100, 11);
  std::mt19937 rng(4);
  std::string train, test;
  auto line = [&](int digit_row, int point_row, const std::string& split) {
    return nlohmann::json{{"query", "mix(X, P, " + std::to_string(digit_row % 10 + point_row % 4) + ")"},
                          {"inputs", {{"X", "idx:" + split + ":" + std::to_string(digit_row)}, {"P", "pts:train:" + std::to_string(point_row)}}}}
               .dump() + "\n";
  };
  for (int i = 0; i < 800; ++i) train += line(i % 400, static_cast<int>(rng() % 500), "train");
  for (int i = 0; i < 100; ++i) test += line(i, 500 + i, "test");
  task.dir.write("mix.pl", "nn(digit_net, [X], D, [0,1,2,3,4,5,6,7,8,9]) :: digit(X, D).\n"
                           "nn(quadrant, [P], C, [0, 1, 2, 3]) :: class(P, C).\n"
                           "mix(X, P, Z) :- digit(X, A), class(P, B), Z is A + B.\n");
  task.dir.write("mix_train.jsonl", train);
  task.dir.write("mix_test.jsonl", test);
  const std::string toml = task.dir.write(
      "mix.toml", "[task]\nname = \"files\"\nprogram = \"mix.pl\"\ntrain = \"mix_train.jsonl\"\ntest = \"mix_test.jsonl\"\n"
                  "[[network]]\nname = \"digit_net\"\ndataset = \"idx\"\n"
                  "[[network]]\nname = \"quadrant\"\narchitecture = \"mlp\"\ndataset = \"pts\"\n"
                  "[[source]]\nname = \"pts\"\nformat = \"npy\"\ntrain = \"points.npy\"\ntrain_labels = \"labels.npy\"\n"
                  + data + "[train]\nepochs = 6\nbatch_size = 16\nlearning_rate = 0.003\n");
  std::ostringstream log;
  const nlohmann::json m = run_experiment(load_experiment(toml, {}), task.dir.path("run"), log, false);
  INFO(log.str());
  CHECK(m["test"]["accuracy"].get<double>() > 0.8);
  // Each network scored on its own source's inputs only.
  CHECK(m["test"]["networks"]["digit_net"]["concept_accuracy"].get<double>() > 0.9);
  CHECK(m["test"]["networks"]["quadrant"]["concept_accuracy"].get<double>() > 0.9);
  std::ostringstream predicted;
  predict_file_task(task.dir.path("run"),
                    task.dir.write("ask_mix.jsonl", R"j({"query": "mix(X, P, Z)", "inputs": {"X": "idx:test:7", "P": "pts:train:503"}})j" "\n"),
                    predicted);
  CHECK(nlohmann::json::parse(predicted.str())["explanation"]["digit_net(X)"] == "7");
  // Augmentations transform images, not rows of several shapes.
  CHECK_THROWS_WITH(run_experiment(load_experiment(toml, {"augment.noise=0.1"}), task.dir.path("run2"), log, false),
                    Contains("[augment] transforms images") && Contains("several shapes"));
}

TEST_CASE("A network from PyTorch (TorchScript) trains through the program and goes home trained", "[tasks][data][files][slow]") {
  torch::manual_seed(1);
  PointTask task;
  testing::save_scripted_mlp(task.dir.path("net.pt"), 2, 16, 4);
  std::string text;
  {
    std::ifstream in(task.toml);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  text.replace(text.find("\"mlp\""), 5, "\"torchscript:net.pt\"");
  const ExperimentConfig config = load_experiment(task.dir.write("script.toml", text), {});
  CHECK(config.networks.at(0).architecture == "torchscript:" + task.dir.path("net.pt"));  // relative to the file
  std::ostringstream log;
  const nlohmann::json m = run_experiment(config, task.dir.path("run"), log, false);
  INFO(log.str());
  CHECK(m["test"]["accuracy"].get<double>() > 0.9);
  CHECK(m["torchscript"]["quadrant"] == "quadrant.torchscript.pt");
  // PyTorch's loader reads the trained module: it tells the quadrants apart.
  torch::jit::Module trained = torch::jit::load(task.dir.path("run") + "/quadrant.torchscript.pt");
  trained.eval();
  const torch::Tensor points = torch::tensor({-2.0f, -2.0f, 2.0f, -2.0f, -2.0f, 2.0f, 2.0f, 2.0f}).view({4, 2});
  CHECK(torch::equal(trained.forward({points}).toTensor().argmax(1), torch::arange(4)));
  // predict reads the run back (the module from its file, the trained tensors from model.pt).
  std::ostringstream predicted;
  predict_file_task(task.dir.path("run"),
                    task.dir.write("ask.jsonl", R"j({"query": "add(X, Y, 3)", "inputs": {"X": "pts:train:1", "Y": "pts:train:2"}})j" "\n"),
                    predicted);
  CHECK(nlohmann::json::parse(predicted.str())["probability"].get<double>() > 0.5);  // classes 1 + 2

  // A module whose outputs do not fit the domain, a file that is no module: the [[network]].
  testing::save_scripted_mlp(task.dir.path("three.pt"), 2, 16, 3);
  text.replace(text.find("net.pt"), 6, "three.pt");
  CHECK_THROWS_WITH(run_experiment(load_experiment(task.dir.write("three.toml", text), {}), task.dir.path("run2"), log, false),
                    Contains("three.toml:6") && Contains("three.pt") && Contains("not [2, 4]"));
  task.dir.write("three.pt", "junk");
  CHECK_THROWS_WITH(run_experiment(load_experiment(task.dir.path("three.toml"), {}), task.dir.path("run3"), log, false),
                    Contains("three.toml:6") && Contains("does not load"));
  for (const char* run : {"run2", "run3"}) CHECK_FALSE(fs::exists(task.dir.path(run) + "/metrics.json"));
}

}  // namespace
}  // namespace gedilog::tasks
