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

#include "core/error.h"
#include "symbolic/inference.h"

namespace gedilog::bridge {

using nlohmann::json;
namespace fs = std::filesystem;

const InputVariable& QueryCircuit::input_of_column(std::int64_t column) const {
  for (const InputVariable& in : inputs)
    if (column >= in.first_column && column < in.first_column + in.size()) return in;
  throw InternalError("no input variable has column " + std::to_string(column));
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

// The cache's JSON of an input variable, its fields as named in the structs.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(InputVariable, name, location, value_names, probabilities, learnable, network,
                                   inputs, input_slots, key, first_column)

namespace {

// Bump when the layout of a cache entry or the meaning of a compiled circuit changes.
constexpr int kCacheFormat = 5;  // 5: checksummed entries, input slots read from terms

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

// The FNV-1a of an entry's circuit, as MessagePack: a flipped bit anywhere in it shows.
std::string checksum(const json& circuit) {
  const std::vector<std::uint8_t> bytes = json::to_msgpack(circuit);
  return hex(fnv1a(std::string(bytes.begin(), bytes.end())));
}

json to_json(const QueryCircuit& qc) {
  const json inputs = qc.inputs;
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

// Whether every index of a circuit read back points where it may: a damaged entry must be
// recompiled, not evaluated (out-of-range children read other memory; a wrong column reads
// another image's probabilities).
bool well_formed(const QueryCircuit& qc) {
  const symbolic::LayeredCircuit& c = qc.circuit;
  if (c.num_columns < 0) return false;
  for (const InputVariable& in : qc.inputs)
    if (in.first_column < 0 || in.size() < 1 || in.first_column + in.size() > c.num_columns ||
        (!in.probabilities.empty() && static_cast<std::int64_t>(in.probabilities.size()) != in.size()))
      return false;
  std::int64_t previous = 0;  // the first layer reads the inputs only
  for (const symbolic::LayeredCircuit::Layer& layer : c.layers) {
    if (layer.offsets.empty() || layer.offsets.front() != 0 ||
        layer.offsets.back() != static_cast<std::int64_t>(layer.children.size()) || layer.num_sums < 0 ||
        layer.num_sums > layer.size())
      return false;
    for (std::size_t i = 1; i < layer.offsets.size(); ++i)
      if (layer.offsets[i] < layer.offsets[i - 1]) return false;
    for (std::int64_t child : layer.children)
      if (child < 0 || child >= previous + c.num_inputs()) return false;
    previous = layer.size();
  }
  const std::int64_t last = c.layers.empty() ? c.num_inputs() : c.layers.back().size();
  for (std::int64_t r : c.roots)
    if (r < 0 || r >= last) return false;
  if (qc.joint_root.size() != qc.queries.size() || qc.evidence_root.size() != qc.queries.size()) return false;
  const auto roots = static_cast<std::int64_t>(c.roots.size());
  for (std::size_t q = 0; q < qc.queries.size(); ++q)
    if (qc.joint_root[q] < 0 || qc.joint_root[q] >= roots || qc.evidence_root[q] < -1 || qc.evidence_root[q] >= roots)
      return false;
  return true;
}

QueryCircuit from_json(const json& j) {
  QueryCircuit qc;
  j.at("queries").get_to(qc.queries);
  j.at("inputs").get_to(qc.inputs);
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
                                                      const std::vector<symbolic::Evidence>& evidence) {
  const std::string key = symbolic::QueryTemplate(query_template, evidence).key();
  if (auto it = memory_.find(key); it != memory_.end()) {
    ++stats_.memory_hits;
    return it->second;
  }
  std::shared_ptr<const QueryCircuit> circuit;
  const std::string file = directory_.empty() ? "" : file_of(key);
  if (!file.empty() && fs::exists(file)) {
    // An unreadable, damaged or foreign entry (a hash collision, an interrupted write, a
    // flipped bit: its checksum or an index out of range) is recompiled.
    try {
      const json entry = json::from_msgpack(read_file(file));
      if (entry.at("program").get<std::string>() == program_hash_ &&
          entry.at("template").get<std::string>() == key &&
          entry.at("all_inputs").get<bool>() == (inputs_ == Inputs::kAll) &&
          entry.at("checksum").get<std::string>() == checksum(entry.at("circuit"))) {
        auto read = std::make_shared<const QueryCircuit>(from_json(entry.at("circuit")));
        if (well_formed(*read)) {
          circuit = std::move(read);
          ++stats_.disk_hits;
        }
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
      const json body = to_json(*circuit);
      const json entry = {{"program", program_hash_},
                          {"template", key},
                          {"all_inputs", inputs_ == Inputs::kAll},
                          {"checksum", checksum(body)},
                          {"circuit", body}};
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
                                                          const std::vector<symbolic::Evidence>& evidence) const {
  const symbolic::GroundProgram gp = program_.ground({query_template}, evidence);
  const std::vector<symbolic::CompiledQuery> compiled = symbolic::compile_queries(gp);

  auto qc = std::make_shared<QueryCircuit>();
  std::vector<std::int64_t> first(gp.variables.size(), -1);
  for (std::size_t i = 0; i < gp.variables.size(); ++i) {
    const symbolic::RandomVariable& v = gp.variables[i];
    if (inputs_ == Inputs::kNeural && !v.is_neural() && !v.learnable) continue;
    first[i] = qc->num_columns();
    InputVariable in{v};
    in.first_column = first[i];
    qc->inputs.push_back(std::move(in));
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
