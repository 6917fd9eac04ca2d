#include "bridge/query_circuit.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>

#include <nlohmann/json.hpp>

#include "symbolic/error.h"
#include "symbolic/inference.h"

namespace gedilog::bridge {

using nlohmann::json;
namespace fs = std::filesystem;

const InputVariable& QueryCircuit::input_of_column(std::int64_t column) const {
  for (const InputVariable& in : inputs)
    if (column >= in.first_column && column < in.first_column + in.size()) return in;
  throw InternalError("no input variable has column " + std::to_string(column));
}

std::int64_t InputVariable::slot() const {
  long long k = -1;
  const bool placeholder = std::sscanf(inputs.c_str(), "[in(%lld)]", &k) == 1 && k >= 0 &&
                           inputs == "[in(" + std::to_string(k) + ")]";
  return placeholder ? k : -1;
}

std::vector<double> QueryCircuit::fixed_columns() const {
  std::vector<double> columns(num_columns(), std::numeric_limits<double>::quiet_NaN());
  for (const InputVariable& in : inputs)
    for (std::size_t v = 0; v < in.probabilities.size(); ++v)
      columns[in.first_column + v] = in.probabilities[v];
  return columns;
}

QueryCircuit merge(const std::vector<const QueryCircuit*>& parts) {
  QueryCircuit out;
  std::map<std::string, std::int64_t> first_column;  // input key -> its columns in `out`
  bool sums_folded = false;
  for (const QueryCircuit* part : parts) {
    sums_folded = sums_folded || part->circuit.sums_folded;
    for (const InputVariable& in : part->inputs) {
      auto [it, fresh] = first_column.try_emplace(in.key, out.num_columns());
      if (!fresh) continue;
      out.inputs.push_back(in);
      out.inputs.back().first_column = it->second;
      out.circuit.num_columns += in.size();
    }
  }
  symbolic::LayeredCircuitBuilder builder(sums_folded ? symbolic::Folding::kSumProduct
                                                      : symbolic::Folding::kAnySemiring);
  std::int64_t roots = 0;
  for (const QueryCircuit* part : parts) {
    std::vector<std::int64_t> column(part->num_columns());
    for (const InputVariable& in : part->inputs)
      for (std::int64_t v = 0; v < in.size(); ++v)
        column[in.first_column + v] = first_column.at(in.key) + v;
    builder.add(part->circuit, column);
    out.queries.insert(out.queries.end(), part->queries.begin(), part->queries.end());
    for (std::int64_t r : part->joint_root) out.joint_root.push_back(roots + r);
    for (std::int64_t r : part->evidence_root) out.evidence_root.push_back(r < 0 ? r : roots + r);
    roots += static_cast<std::int64_t>(part->circuit.roots.size());
  }
  out.circuit = builder.build(out.num_columns());
  return out;
}

// --- cache ---------------------------------------------------------------------------------

namespace {

// Bump when the layout of a cache entry or the meaning of a compiled circuit changes.
constexpr int kCacheFormat = 4;

// FNV-1a: a stable 64-bit hash (std::hash is not stable across builds).
std::uint64_t fnv1a(const std::string& data, std::uint64_t h = 14695981039346656037ull) {
  for (unsigned char c : data) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string hex(std::uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

json to_json(const QueryCircuit& qc) {
  json inputs = json::array();
  for (const InputVariable& in : qc.inputs)
    inputs.push_back({{"name", in.name}, {"location", in.location}, {"network", in.network},
                      {"inputs", in.inputs}, {"values", in.values},
                      {"probabilities", in.probabilities}, {"learnable", in.learnable}, {"key", in.key},
                      {"first_column", in.first_column}});
  json layers = json::array();
  for (const auto& layer : qc.circuit.layers)
    layers.push_back({{"offsets", layer.offsets}, {"children", layer.children},
                      {"num_sums", layer.num_sums}});
  return {{"queries", qc.queries},
          {"inputs", inputs},
          {"num_columns", qc.circuit.num_columns},
          {"constants", qc.circuit.constants},
          {"layers", layers},
          {"roots", qc.circuit.roots},
          {"sums_folded", qc.circuit.sums_folded},
          {"joint_root", qc.joint_root},
          {"evidence_root", qc.evidence_root}};
}

QueryCircuit from_json(const json& j) {
  QueryCircuit qc;
  j.at("queries").get_to(qc.queries);
  for (const json& in : j.at("inputs")) {
    InputVariable v;
    in.at("name").get_to(v.name);
    in.at("location").get_to(v.location);
    in.at("network").get_to(v.network);
    in.at("inputs").get_to(v.inputs);
    in.at("values").get_to(v.values);
    in.at("probabilities").get_to(v.probabilities);
    in.at("learnable").get_to(v.learnable);
    in.at("key").get_to(v.key);
    in.at("first_column").get_to(v.first_column);
    qc.inputs.push_back(std::move(v));
  }
  j.at("num_columns").get_to(qc.circuit.num_columns);
  j.at("constants").get_to(qc.circuit.constants);
  for (const json& l : j.at("layers")) {
    symbolic::LayeredCircuit::Layer layer;
    l.at("offsets").get_to(layer.offsets);
    l.at("children").get_to(layer.children);
    l.at("num_sums").get_to(layer.num_sums);
    qc.circuit.layers.push_back(std::move(layer));
  }
  j.at("roots").get_to(qc.circuit.roots);
  j.at("sums_folded").get_to(qc.circuit.sums_folded);
  j.at("joint_root").get_to(qc.joint_root);
  j.at("evidence_root").get_to(qc.evidence_root);
  return qc;
}

}  // namespace

CircuitCache::CircuitCache(const symbolic::Program& program, Inputs inputs, std::string directory)
    : program_(program), inputs_(inputs), directory_(std::move(directory)) {
  std::uint64_t h = fnv1a("gedilog circuit cache " + std::to_string(kCacheFormat));
  for (const std::string& file : program.source_files()) h = fnv1a(read_file(file) + '\0', h);
  program_hash_ = hex(h);
  if (!directory_.empty()) {
    std::error_code ec;
    fs::create_directories(directory_, ec);
    if (ec) throw UserError("CacheError", directory_, "cannot create the circuit cache: " + ec.message());
  }
}

std::string CircuitCache::file_of(const std::string& key) const {
  const std::string full = program_hash_ + (inputs_ == Inputs::kAll ? " all " : " neural ") + key;
  return (fs::path(directory_) / (hex(fnv1a(full)) + ".msgpack")).string();
}

std::shared_ptr<const QueryCircuit> CircuitCache::get(const std::string& query_template,
                                                      const std::vector<std::string>& evidence) {
  const std::string key = symbolic::QueryTemplate(query_template, evidence).key();
  if (auto it = memory_.find(key); it != memory_.end()) {
    ++stats_.memory_hits;
    return it->second;
  }
  std::shared_ptr<const QueryCircuit> circuit;
  const std::string file = directory_.empty() ? "" : file_of(key);
  if (!file.empty() && fs::exists(file)) {
    // An unreadable or foreign entry (a hash collision, an interrupted write) is recompiled.
    try {
      const json entry = json::from_msgpack(read_file(file));
      if (entry.at("program").get<std::string>() == program_hash_ &&
          entry.at("template").get<std::string>() == key &&
          entry.at("all_inputs").get<bool>() == (inputs_ == Inputs::kAll)) {
        circuit = std::make_shared<const QueryCircuit>(from_json(entry.at("circuit")));
        ++stats_.disk_hits;
      }
    } catch (const json::exception&) {
    }
  }
  if (!circuit) {
    const auto start = std::chrono::steady_clock::now();
    circuit = compile(query_template, evidence);
    stats_.compile_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ++stats_.compiled;
    if (!file.empty()) {
      // Written aside and renamed: a reader never sees half an entry.
      const json entry = {{"program", program_hash_},
                          {"template", key},
                          {"all_inputs", inputs_ == Inputs::kAll},
                          {"circuit", to_json(*circuit)}};
      const std::vector<std::uint8_t> bytes = json::to_msgpack(entry);
      const std::string tmp = file + ".tmp" + std::to_string(::getpid());
      std::ofstream(tmp, std::ios::binary)
          .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
      std::error_code ec;
      fs::rename(tmp, file, ec);
      if (ec) throw UserError("CacheError", file, "cannot write the circuit cache: " + ec.message());
    }
  }
  memory_.emplace(key, circuit);
  return circuit;
}

QueryCircuit CircuitCache::merged(const std::vector<std::string>& query_templates) {
  std::vector<std::shared_ptr<const QueryCircuit>> held;
  std::vector<const QueryCircuit*> parts;
  for (const std::string& t : query_templates) {
    held.push_back(get(t));
    parts.push_back(held.back().get());
  }
  return merge(parts);
}

std::shared_ptr<const QueryCircuit> CircuitCache::compile(const std::string& query_template,
                                                          const std::vector<std::string>& evidence) const {
  const symbolic::GroundProgram gp = program_.ground({query_template}, evidence);
  const std::vector<symbolic::CompiledQuery> compiled = symbolic::compile_queries(gp);

  auto qc = std::make_shared<QueryCircuit>();
  std::vector<std::int64_t> first(gp.variables.size(), -1);
  for (std::size_t i = 0; i < gp.variables.size(); ++i) {
    const symbolic::RandomVariable& v = gp.variables[i];
    if (inputs_ == Inputs::kNeural && !v.is_neural() && !v.learnable) continue;
    first[i] = qc->num_columns();
    qc->inputs.push_back({v.name, v.location, v.network, v.inputs, v.value_names,
                          v.probabilities, v.learnable, v.key, first[i]});
    qc->circuit.num_columns += v.domain_size();
  }
  symbolic::LayeredCircuitBuilder builder(inputs_ == Inputs::kAll
                                              ? symbolic::Folding::kAnySemiring
                                              : symbolic::Folding::kSumProduct);
  std::int64_t roots = 0;
  for (const symbolic::CompiledQuery& c : compiled) {
    builder.add(c.circuit, [&](int var, int value) {
      return first[var] >= 0 ? symbolic::LeafInput{first[var] + value, 0.0}
                             : symbolic::LeafInput{-1, gp.variables[var].probabilities[value]};
    });
    qc->queries.push_back(c.query.text);
    qc->joint_root.push_back(roots);
    qc->evidence_root.push_back(c.circuit.roots().size() > 1 ? roots + 1 : -1);
    roots += static_cast<std::int64_t>(c.circuit.roots().size());
  }
  qc->circuit = builder.build(qc->num_columns());
  return qc;
}

}  // namespace gedilog::bridge
