#include "tasks/file_task.h"

#include <c10/util/accumulate.h>
#include <torch/torch.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <random>
#include <set>
#include <tuple>

#include "bridge/query_circuit.h"
#include "bridge/tensor_circuit.h"
#include "core/error.h"
#include "symbolic/table_files.h"
#include "tasks/data_sources.h"
#include "tasks/program_model.h"
#include "tasks/run_experiment.h"
#include "tasks/training_run.h"

namespace gedilog::tasks {

namespace fs = std::filesystem;

namespace {

// The fields of one example, before the program reads its query.
struct RawExample {
  std::string query;
  std::vector<std::pair<std::string, std::string>> inputs;  // variable -> image reference
  std::vector<std::string> evidence;
  double target = 1;
  int answer = 0;
  std::string location;
};

[[noreturn]] void bad(const std::string& location, const std::string& field, const std::string& message) {
  throw UserError("ExampleError", location, field + ": " + message);
}

double parse_target(const std::string& text, const std::string& location) {
  std::size_t used = 0;
  double p = 0;
  try {
    p = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !(p >= 0 && p <= 1))
    bad(location, "probability", "must be a number in [0, 1], got '" + text + "'");
  return p;
}

int parse_answer(const std::string& text, const std::string& location) {
  if (text.empty() || text.size() > 3 || text.find_first_not_of("0123456789") != std::string::npos || std::stoi(text) < 1)
    bad(location, "answer", "must be the number (1, 2, ...) of the query's argument that is its answer, got '" + text + "'");
  return std::stoi(text);
}

std::vector<RawExample> read_jsonl(const std::string& file, std::istream& in) {
  std::vector<RawExample> out;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    RawExample x;
    x.location = file + ":" + std::to_string(number);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {  // also a number beyond a double, 1e400
      throw UserError("ParseError", x.location, std::string("not a JSON object: ") + e.what());
    }
    if (!j.is_object()) throw UserError("ParseError", x.location, "each line must be a JSON object");
    for (const auto& [key, value] : j.items()) {
      if (key == "query") {
        if (!value.is_string()) bad(x.location, "query", "must be a string (a Prolog term)");
        x.query = value.get<std::string>();
      } else if (key == "inputs") {
        if (!value.is_object()) bad(x.location, "inputs", "must be an object {\"X\": \"mnist:train:17\", ...}");
        for (const auto& [name, ref] : value.items()) {
          if (!ref.is_string()) bad(x.location, "inputs." + name, "must be an image reference SOURCE:SPLIT:INDEX");
          x.inputs.emplace_back(name, ref.get<std::string>());
        }
      } else if (key == "evidence") {
        if (!value.is_array()) bad(x.location, "evidence", "must be an array of goals");
        for (const auto& e : value) {
          if (!e.is_string()) bad(x.location, "evidence", "each goal must be a string");
          x.evidence.push_back(e.get<std::string>());
        }
      } else if (key == "probability") {
        if (!value.is_number()) bad(x.location, "probability", "must be a number in [0, 1]");
        x.target = value.get<double>();
        if (!(x.target >= 0 && x.target <= 1)) bad(x.location, "probability", "must be a number in [0, 1]");
      } else if (key == "answer") {
        if (!value.is_number_integer() || value.get<std::int64_t>() < 1 || value.get<std::int64_t>() > 1000)
          bad(x.location, "answer", "must be the number (1, 2, ...) of the query's argument that is its answer");
        x.answer = value.get<int>();
      } else {
        bad(x.location, key, "unknown field (known: query, inputs, evidence, probability, answer)");
      }
    }
    out.push_back(std::move(x));
  }
  return out;
}

std::vector<RawExample> read_csv(const std::string& file) {
  const std::vector<symbolic::CsvRow> rows = symbolic::read_csv_rows(file, /*strict=*/true);
  if (rows.empty()) return {};

  const std::vector<std::string>& header = rows[0].fields;
  const std::string header_at = file + ":" + std::to_string(rows[0].line);
  int query = -1, probability = -1, evidence = -1, answer = -1;
  for (int c = 0; c < static_cast<int>(header.size()); ++c) {
    const std::string& h = header[c];
    int* known = h == "query"         ? &query
                 : h == "probability" ? &probability
                 : h == "evidence"    ? &evidence
                 : h == "answer"      ? &answer
                                      : nullptr;
    if (known) *known = c;
    else if (h.empty() || !(std::isupper(static_cast<unsigned char>(h[0])) || h[0] == '_'))
      bad(header_at, "header",
          "column '" + h +
              "' is neither query, probability, evidence, answer nor an input variable (a Prolog variable name)");
  }
  if (query < 0) bad(header_at, "header", "needs a 'query' column");
  std::vector<RawExample> out;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const std::vector<std::string>& fields = rows[r].fields;
    RawExample x;
    x.location = file + ":" + std::to_string(rows[r].line);
    if (fields.size() == 1 && fields[0].empty()) continue;  // a blank line
    if (fields.size() != header.size())
      bad(x.location, "row", std::to_string(fields.size()) + " fields, the header has " + std::to_string(header.size()));
    for (int c = 0; c < static_cast<int>(fields.size()); ++c) {
      if (c == query) {
        x.query = fields[c];
      } else if (c == probability) {
        if (!fields[c].empty()) x.target = parse_target(fields[c], x.location);
      } else if (c == answer) {
        if (!fields[c].empty()) x.answer = parse_answer(fields[c], x.location);
      } else if (c == evidence) {
        std::size_t start = 0;
        while (start <= fields[c].size() && !fields[c].empty()) {
          const std::size_t end = std::min(fields[c].find(';', start), fields[c].size());
          x.evidence.push_back(fields[c].substr(start, end - start));
          start = end + 1;
        }
      } else {
        x.inputs.emplace_back(header[c], fields[c]);
      }
    }
    out.push_back(std::move(x));
  }
  return out;
}

bool of_one_shape(const std::map<std::string, std::vector<std::int64_t>>& shapes) {
  for (const auto& [source, shape] : shapes)
    if (shape != shapes.begin()->second) return false;
  return true;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string ImageRef::text() const { return source + (test ? ":test:" : ":train:") + std::to_string(index); }

bool ImageRef::operator<(const ImageRef& o) const {
  return std::tie(source, test, index) < std::tie(o.source, o.test, o.index);
}

ImageRef parse_image_ref(const std::string& text, const std::string& location, const std::string& field) {
  auto fail = [&](const std::string& why) { bad(location, field, "'" + text + "': " + why); };
  const std::size_t a = text.find(':'), b = a == std::string::npos ? a : text.find(':', a + 1);
  if (b == std::string::npos) fail("an image is SOURCE:SPLIT:INDEX, e.g. mnist:train:17");
  ImageRef ref;
  ref.source = text.substr(0, a);
  const std::string split = text.substr(a + 1, b - a - 1), index = text.substr(b + 1);
  if (ref.source.empty() || ref.source.find_first_of(" \t") != std::string::npos)
    fail("the source is mnist, fashion-mnist, idx or a [[source]]'s name");
  if (split != "train" && split != "test") fail("the split is train or test, not '" + split + "'");
  ref.test = split == "test";
  if (index.empty() || index.find_first_not_of("0123456789") != std::string::npos || index.size() > 9)
    fail("the index must be a non-negative integer");
  ref.index = std::stoll(index);
  return ref;
}

std::vector<FileExample> read_examples(const std::string& file, const symbolic::Program& program) {
  std::ifstream in(file);
  if (!in) throw UserError("FileNotFound", file, "cannot open the example file");
  std::vector<RawExample> raw;
  if (ends_with(file, ".jsonl")) raw = read_jsonl(file, in);
  else if (ends_with(file, ".csv")) raw = read_csv(file);
  else throw UserError("ExampleError", file, "an example file is .jsonl or .csv");
  if (raw.empty()) throw UserError("ExampleError", file, "no examples");

  std::vector<FileExample> out;
  for (RawExample& x : raw) {
    if (x.query.empty()) bad(x.location, "query", "missing");
    FileExample e;
    e.query = x.query;
    e.target = x.target;
    e.location = x.location;
    std::vector<std::string> names;
    std::vector<ImageRef> refs;
    for (const auto& [name, ref] : x.inputs) {
      names.push_back(name);
      refs.push_back(parse_image_ref(ref, x.location, "inputs." + name));
    }
    std::vector<int> slots;
    e.query_template = program.make_template(x.query, names, x.evidence, x.location, slots);
    e.answer = x.answer;
    if (x.answer > 0) {
      if (x.target != 1) bad(x.location, "answer", "an example with an answer is a true query (probability 1)");
      e.open_template = {program.open_query(e.query_template.query, x.answer, x.location), e.query_template.evidence};
    }
    e.names.resize(names.size());
    e.images.resize(names.size());
    for (std::size_t i = 0; i < names.size(); ++i) e.names[slots[i]] = names[i], e.images[slots[i]] = refs[i];
    out.push_back(std::move(e));
  }
  return out;
}

ImagePool::ImagePool(const std::vector<const std::vector<FileExample>*>& sets, const ExperimentConfig& config) {
  std::map<std::string, Source> data;
  std::map<ImageRef, std::int64_t> row_of;
  std::vector<ImageRef> order;
  for (const auto* set : sets) {
    auto& set_rows = rows.emplace_back();
    for (const FileExample& e : *set) {
      std::vector<std::int64_t>& slots = set_rows.emplace_back();
      for (std::size_t k = 0; k < e.images.size(); ++k) {
        const ImageRef& ref = e.images[k];
        auto it = data.find(ref.source);
        if (it == data.end()) {
          const std::string field = "inputs." + e.names[k];
          if (!is_source(ref.source, config))
            bad(e.location, field, ref.text() + ": no source named " + ref.source + " (known: " + source_names(config) + ")");
          it = data.emplace(ref.source, load_named_source(ref.source, config, e.location)).first;
          classes[ref.source] = it->second.classes;
          shapes[ref.source] = it->second.data.train.images.sizes().slice(1).vec();
        }
        const ImageSet& split = ref.test ? it->second.data.test : it->second.data.train;
        if (ref.index >= split.size())
          bad(e.location, "inputs." + e.names[k],
              ref.text() + " is beyond the split's " + std::to_string(split.size()) + " examples");
        auto [r, fresh] = row_of.try_emplace(ref, static_cast<std::int64_t>(order.size()));
        if (fresh) order.push_back(ref);
        slots.push_back(r->second);
      }
    }
  }
  if (order.empty()) {  // a program over learnable facts alone reads no image
    set = {torch::zeros({0, 1, 28, 28}), torch::zeros({0}, torch::kLong)};
    return;
  }
  // Inputs of several shapes: each row flattened and zero-padded to the longest.
  std::int64_t longest = 0;
  for (const auto& [source, shape] : shapes) longest = std::max(longest, c10::multiply_integers(shape));
  const bool one_shape = of_one_shape(shapes);
  auto as_row = [&](const torch::Tensor& inputs) {
    if (one_shape) return inputs;
    const torch::Tensor flat = inputs.flatten(1);
    return torch::constant_pad_nd(flat, {0, longest - flat.size(1)});
  };
  // Gathered per source and split, then put back in row order.
  std::vector<torch::Tensor> parts_images, parts_labels;
  std::vector<std::int64_t> part_rows;
  for (const auto& [source, loaded] : data)
    for (bool test : {false, true}) {
      std::vector<std::int64_t> index, at;
      for (std::size_t r = 0; r < order.size(); ++r)
        if (order[r].source == source && order[r].test == test) index.push_back(order[r].index), at.push_back(r);
      if (index.empty()) continue;
      const ImageSet& split = test ? loaded.data.test : loaded.data.train;
      const torch::Tensor i = torch::tensor(index, torch::kLong);
      parts_images.push_back(as_row(split.images.index_select(0, i)));
      parts_labels.push_back(split.labels.index_select(0, i));
      part_rows.insert(part_rows.end(), at.begin(), at.end());
    }
  const torch::Tensor inverse = torch::argsort(torch::tensor(part_rows, torch::kLong));
  set = {torch::cat(parts_images).index_select(0, inverse), torch::cat(parts_labels).index_select(0, inverse)};
  for (const ImageRef& r : order) sources.push_back(r.source);
}

InputShapes ImagePool::input_shapes(const std::vector<NetworkSpec>& networks) const {
  InputShapes out{set.images.sizes().slice(1).vec(), {}};
  if (of_one_shape(shapes)) return out;
  for (const NetworkSpec& n : networks)
    if (const auto it = shapes.find(n.dataset); it != shapes.end()) out.padded[n.name] = it->second;
  return out;
}

void check_networks(const ExperimentConfig& config, const symbolic::Program& program) {
  const std::map<std::string, NetworkShape> domain = network_shapes(program);
  for (const NetworkSpec& n : config.networks)
    if (!domain.count(n.name))
      throw UserError("ConfigError", n.location.empty() ? "[[network]] " + n.name : n.location,
                      "the program " + config.task.program + " declares no network " + n.name);
  for (const auto& [name, size] : domain) {
    bool given = false;
    for (const NetworkSpec& n : config.networks) given = given || n.name == name;
    if (!given) throw UserError("ConfigError", config.task.program, "network " + name + " of the program has no [[network]] table");
  }
}

namespace {

// The distinct query templates of some example sets, in order of first use, and each
// example's template as an index into them.
struct TemplateTable {
  std::vector<symbolic::QueryTemplate> templates;
  std::map<std::string, std::size_t> index;  // by key

  std::size_t add(const symbolic::QueryTemplate& t) {
    const auto [it, fresh] = index.try_emplace(t.key(), templates.size());
    if (fresh) templates.push_back(t);
    return it->second;
  }
};

// A set of examples read from a file as the program task's examples over the pool's rows.
std::vector<Example> as_examples(const std::vector<FileExample>& file_examples,
                                 const std::vector<std::vector<std::int64_t>>& rows, TemplateTable& table) {
  std::vector<Example> out;
  for (std::size_t e = 0; e < file_examples.size(); ++e) {
    Example x;
    x.query = table.add(file_examples[e].query_template);
    if (file_examples[e].answer > 0) x.choices = static_cast<std::int64_t>(table.add(file_examples[e].open_template));
    x.images = rows[e];
    x.target = file_examples[e].target;
    out.push_back(std::move(x));
  }
  return out;
}

std::pair<std::vector<FileExample>, std::vector<FileExample>> split_examples(std::vector<FileExample> all, double share) {
  const auto held = static_cast<std::size_t>(share * static_cast<double>(all.size()) + 0.5);
  std::mt19937_64 rng(20261201);
  std::shuffle(all.begin(), all.end(), rng);
  std::vector<FileExample> validation(std::make_move_iterator(all.end() - static_cast<std::ptrdiff_t>(held)),
                                      std::make_move_iterator(all.end()));
  all.resize(all.size() - held);
  return {std::move(all), std::move(validation)};
}

class FileTask : public ProgramTask {
 public:
  explicit FileTask(const ExperimentConfig& config)
      : config_(config),
        program_(symbolic::Program::load(config.task.program)),
        split_(split_examples(read_examples(config.task.train, program_), config.data.validation)),
        test_file_(read_examples(config.task.test, program_)),
        pool_({&split_.first, &split_.second, &test_file_}, config) {
    check_networks(config, program_);
    train_ = as_examples(split_.first, pool_.rows[0], table_);
    validation_ = as_examples(split_.second, pool_.rows[1], table_);
    test_ = as_examples(test_file_, pool_.rows[2], table_);
    if (config.joint.supervision > 0 && config.joint.supervision_weight > 0) {
      // The first share of the (shuffled) training examples give their images' concepts.
      const std::vector<std::int64_t> concept = concepts_of(config.networks.at(0).name, pool_.set);
      const auto given = static_cast<std::size_t>(config.joint.supervision * static_cast<double>(train_.size()) + 0.5);
      for (std::size_t e = 0; e < given && e < train_.size(); ++e)
        for (std::int64_t row : train_[e].images) train_[e].given.push_back(concept[row]);
    }
  }

  const symbolic::Program& program() const override { return program_; }
  std::vector<NetworkSpec> networks() const override { return config_.networks; }
  std::vector<symbolic::QueryTemplate> query_templates() const override { return table_.templates; }
  std::int64_t train_size() const override { return static_cast<std::int64_t>(train_.size()); }
  const ImageSet& train_images() const override { return pool_.set; }
  InputShapes input_shapes() const override { return pool_.input_shapes(config_.networks); }
  torch::Tensor unlabelled_images() const override {
    std::set<std::int64_t> rows;
    for (const Example& e : train_) rows.insert(e.images.begin(), e.images.end());
    return pool_.set.images.index_select(0, torch::tensor(std::vector<std::int64_t>(rows.begin(), rows.end()), torch::kLong));
  }
  std::vector<Example> train_epoch(int epoch) const override {
    std::vector<Example> out = train_;
    std::mt19937_64 rng(static_cast<std::uint64_t>(config_.train.seed) * 1000003 + static_cast<std::uint64_t>(epoch));
    std::shuffle(out.begin(), out.end(), rng);
    return out;
  }
  std::vector<EvaluationSet> evaluation_sets() const override {
    return {{"test", &pool_.set, test_}, {"val", &pool_.set, validation_}};
  }

  // The row's class name (its source's classes) among the network's values; -1 for none and
  // for rows of another source than the network's.
  std::vector<std::int64_t> concepts_of(const std::string& network, const ImageSet& images) const override {
    std::vector<std::string> values;
    for (const symbolic::NeuralDeclaration& d : program_.neural_declarations())
      if (d.network == network) values = d.domain;
    std::string dataset;
    for (const NetworkSpec& n : config_.networks)
      if (n.name == network) dataset = n.dataset;
    std::vector<std::int64_t> out;
    if (images.size() == 0) return out;
    const auto labels = images.labels.accessor<std::int64_t, 1>();
    for (std::int64_t row = 0; row < images.size(); ++row) {
      if (labels[row] < 0 || pool_.sources.at(row) != dataset) {  // unlabelled, or another network's input
        out.push_back(-1);
        continue;
      }
      const std::vector<std::string>& classes = pool_.classes.at(pool_.sources.at(row));
      const auto it = std::find(values.begin(), values.end(), classes.at(labels[row]));
      out.push_back(it == values.end() ? -1 : static_cast<std::int64_t>(it - values.begin()));
    }
    return out;
  }

  // Ground queries, provable true ones, each input from the dataset of the network that reads it.
  void check(const ProgramModel& m) const override {
    std::map<std::string, std::string> dataset;
    for (const NetworkSpec& n : config_.networks) dataset[n.name] = n.dataset;
    for (const std::vector<FileExample>* set : {&split_.first, &split_.second, &test_file_})
      for (const FileExample& e : *set) {
        const std::size_t t = table_.index.at(e.query_template.key());
        if (m.answers[t] != 1)
          throw UserError("ExampleError", e.location,
                          "query: " + e.query + " has " + std::to_string(m.answers[t]) +
                              " answers; an example's query must be ground once its inputs are bound");
        if (e.answer > 0 && m.answers[table_.index.at(e.open_template.key())] < 2)
          throw UserError("ExampleError", e.location,
                          "answer: " + e.open_template.query + " has one answer: argument " + std::to_string(e.answer) +
                              " of " + e.query + " has nothing to be told apart from");
        if (m.first_query[t] < 0 && e.target > 0)
          throw UserError("NoProof", e.location,
                          "query: " + e.query + " has no proof, so it cannot have probability " + fixed(e.target, 2));
        for (const Read& r : m.reads[t]) {
          const ImageRef& ref = e.images.at(r.slot);
          if (ref.source != dataset.at(r.network))
            throw UserError("ExampleError", e.location,
                            "inputs." + e.names.at(r.slot) + ": network " + r.network + " reads " +
                                dataset.at(r.network) + " images, not " + ref.text());
        }
      }
  }

 private:
  ExperimentConfig config_;
  symbolic::Program program_;
  std::pair<std::vector<FileExample>, std::vector<FileExample>> split_;  // task.train: train, validation
  std::vector<FileExample> test_file_;
  ImagePool pool_;
  TemplateTable table_;
  std::vector<Example> train_, validation_, test_;
};

}  // namespace

std::unique_ptr<ProgramTask> make_file_task(const ExperimentConfig& config) { return std::make_unique<FileTask>(config); }

void predict_file_task(const std::string& run_dir, const std::string& examples_file, std::ostream& out,
                       const std::string& semiring_name) {
  // P(query) is the probability semiring's answer, computed in log space.
  const bridge::Semiring& semiring =
      semiring_name == "probability" ? bridge::Semiring::log_probability() : bridge::semiring(semiring_name);
  const ExperimentConfig config = run_config(run_dir);
  if (config.task.name != "files")
    throw UserError("ConfigError", run_dir, "gedilog predict reads runs of task \"files\", not " + config.task.name);
  const symbolic::Program program = symbolic::Program::load(config.task.program);
  const std::vector<FileExample> set = read_examples(examples_file, program);
  const ImagePool pool({&set}, config);
  TemplateTable table;
  const std::vector<Example> examples = as_examples(set, pool.rows[0], table);
  ProgramModel m(config, program, config.networks, table.templates, pool.input_shapes(config.networks),
                 training_device(config), bridge::Inputs::kAll);
  read_checkpoint((fs::path(run_dir) / "model.pt").string(),
                  [&](torch::serialize::InputArchive& archive) { load_model(m, archive); });
  m.neural->train(false);
  torch::NoGradGuard no_grad;
  const bridge::QueryCircuit& circuit = m.neural->circuit();
  for (std::size_t e = 0; e < set.size(); ++e) {
    const FileExample& x = set[e];
    const std::size_t t = examples[e].query;
    nlohmann::ordered_json line = {{"query", x.query}, {"location", x.location}};
    if (m.first_query[t] < 0) {
      line["probability"] = 0.0;
      line["explanation"] = nullptr;
      out << line.dump() << "\n";
      continue;
    }
    // Inputs in(K) beyond this example's slots read row 0: its template does not read them.
    const bridge::Batch b = make_batch(m, examples, {static_cast<std::int64_t>(e)}, pool.set.images);
    const torch::Tensor leaves = m.neural->leaves(b, m.neural->network_log_probs(b));
    const torch::Tensor all =
        bridge::log_query_values(circuit, m.neural->tensors(), leaves, semiring)[0].to(torch::kFloat64);
    // An answer's text with the inputs named as in the example again: each placeholder term
    // in(K), not the tail of a longer name such as min(0).
    auto named = [&](std::string text) {
      for (std::size_t k = 0; k < x.names.size(); ++k) {
        const std::string placeholder = "in(" + std::to_string(k) + ")";
        for (std::size_t at = text.find(placeholder); at != std::string::npos; at = text.find(placeholder, at)) {
          const bool inside_name = at > 0 && (std::isalnum(static_cast<unsigned char>(text[at - 1])) || text[at - 1] == '_');
          if (inside_name) {
            at += placeholder.size();
            continue;
          }
          text.replace(at, placeholder.size(), x.names[k]);
          at += x.names[k].size();
        }
      }
      return text;
    };
    nlohmann::ordered_json answers = nlohmann::ordered_json::array();
    std::int64_t best = m.first_query[t];
    for (std::int64_t a = m.first_query[t]; a < m.first_query[t] + m.answers[t]; ++a) {
      // float32 evaluation can overshoot 1 by an ulp: a probability is printed as one.
      answers.push_back({{"query", named(circuit.queries[a])}, {"probability", std::min(1.0, std::exp(all[a].item<double>()))}});
      if (all[a].item<double>() > all[best].item<double>()) best = a;
    }
    if (m.answers[t] == 1) line["probability"] = answers[0]["probability"];
    else line["answers"] = answers;
    // The likeliest world of the (likeliest) answer: each variable it depends on, and its value.
    const torch::Tensor chosen = bridge::explain_query(circuit, m.neural->tensors(), leaves, best)[0];
    nlohmann::ordered_json explanation = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < circuit.inputs.size(); ++i) {
      const std::int64_t v = chosen[i].item<std::int64_t>();
      if (v < 0) continue;
      const bridge::InputVariable& in = circuit.inputs[i];
      std::string name = in.name;  // a learnable or fixed fact
      if (in.is_neural()) {          // the network on the example's inputs, by their names
        std::string args;
        for (std::int64_t k : in.input_slots)
          args += (args.empty() ? "" : ",") +
                  (k >= 0 && k < static_cast<std::int64_t>(x.names.size()) ? x.names[k] : in.inputs);
        name = in.network + "(" + args + ")";
      }
      explanation[name] = in.value_names[v];
    }
    line["explanation"] = explanation;
    out << line.dump() << "\n";
  }
}

}  // namespace gedilog::tasks
