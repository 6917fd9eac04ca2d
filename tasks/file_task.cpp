#include "tasks/file_task.h"

#include <torch/torch.h>

#include <cctype>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "core/error.h"
#include "symbolic/table_files.h"
#include "tasks/training_run.h"

namespace gedilog::tasks {

namespace {

// The fields of one example, before the program reads its query.
struct RawExample {
  std::string query;
  std::vector<std::pair<std::string, std::string>> inputs;  // variable -> image reference
  std::vector<std::string> evidence;
  double target = 1;
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
      } else {
        bad(x.location, key, "unknown field (known: query, inputs, evidence, probability)");
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
  int query = -1, probability = -1, evidence = -1;
  for (int c = 0; c < static_cast<int>(header.size()); ++c) {
    const std::string& h = header[c];
    int* known = h == "query" ? &query : h == "probability" ? &probability : h == "evidence" ? &evidence : nullptr;
    if (known) *known = c;
    else if (h.empty() || !(std::isupper(static_cast<unsigned char>(h[0])) || h[0] == '_'))
      bad(header_at, "header",
          "column '" + h + "' is neither query, probability, evidence nor an input variable (a Prolog variable name)");
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
  if (ref.source != "mnist" && ref.source != "fashion-mnist" && ref.source != "idx")
    fail("unknown image source '" + ref.source + "' (known: mnist, fashion-mnist, idx)");
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
    e.names.resize(names.size());
    e.images.resize(names.size());
    for (std::size_t i = 0; i < names.size(); ++i) e.names[slots[i]] = names[i], e.images[slots[i]] = refs[i];
    out.push_back(std::move(e));
  }
  return out;
}

ImagePool::ImagePool(const std::vector<const std::vector<FileExample>*>& sets, const ExperimentConfig& config) {
  std::map<std::string, TrainTest> data;
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
          // data.dir is the folder of data.source's images; the other sources are where setup put them.
          const std::string& source = ref.source;
          it = data.emplace(ref.source, load_source(source, source == config.data ? config.data_dir : "")).first;
        }
        const ImageSet& split = ref.test ? it->second.test : it->second.train;
        if (ref.index >= split.size())
          bad(e.location, "inputs." + e.names[k],
              ref.text() + " is beyond the split's " + std::to_string(split.size()) + " images");
        auto [r, fresh] = row_of.try_emplace(ref, static_cast<std::int64_t>(order.size()));
        if (fresh) order.push_back(ref);
        slots.push_back(r->second);
      }
    }
  }
  if (order.empty()) {  // a program over learnable facts alone reads no image
    images = torch::zeros({0, 1, 28, 28});
    labels = torch::zeros({0}, torch::kLong);
    return;
  }
  // Gathered per source and split, then put back in row order.
  std::vector<torch::Tensor> parts_images, parts_labels;
  std::vector<std::int64_t> part_rows;
  for (const auto& [source, tt] : data)
    for (bool test : {false, true}) {
      std::vector<std::int64_t> index, at;
      for (std::size_t r = 0; r < order.size(); ++r)
        if (order[r].source == source && order[r].test == test) index.push_back(order[r].index), at.push_back(r);
      if (index.empty()) continue;
      const ImageSet& split = test ? tt.test : tt.train;
      const torch::Tensor i = torch::tensor(index, torch::kLong);
      parts_images.push_back(split.images.index_select(0, i));
      parts_labels.push_back(split.labels.index_select(0, i));
      part_rows.insert(part_rows.end(), at.begin(), at.end());
    }
  const torch::Tensor inverse = torch::argsort(torch::tensor(part_rows, torch::kLong));
  this->images = torch::cat(parts_images).index_select(0, inverse);
  this->labels = torch::cat(parts_labels).index_select(0, inverse);
  for (const ImageRef& r : order) sources.push_back(r.source);
}

std::map<std::string, std::int64_t> check_networks(const ExperimentConfig& config, const symbolic::Program& program) {
  std::map<std::string, std::int64_t> domain;
  for (const symbolic::NeuralDeclaration& d : program.neural_declarations()) {
    auto [it, fresh] = domain.try_emplace(d.network, static_cast<std::int64_t>(d.domain.size()));
    if (!fresh && it->second != static_cast<std::int64_t>(d.domain.size()))
      throw UserError("NeuralPredicate", d.location,
                      "network " + d.network + " has " + std::to_string(it->second) + " outputs elsewhere, " +
                          std::to_string(d.domain.size()) + " here");
  }
  for (const NetworkSpec& n : config.networks)
    if (!domain.count(n.name))
      throw UserError("ConfigError", n.location.empty() ? "[[network]] " + n.name : n.location,
                      "the program " + config.program + " declares no network " + n.name);
  for (const auto& [name, size] : domain) {
    bool given = false;
    for (const NetworkSpec& n : config.networks) given = given || n.name == name;
    if (!given) throw UserError("ConfigError", config.program, "network " + name + " of the program has no [[network]] table");
  }
  return domain;
}

}  // namespace gedilog::tasks
