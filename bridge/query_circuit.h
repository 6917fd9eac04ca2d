#pragma once
// Query templates compiled into layered circuits, and the cache that compiles each template
// once (step 5 of the pipeline). No LibTorch here: tensors enter in tensor_circuit.h.
//
// A query template is a query whose neural inputs are placeholders, e.g.
// addition(in(0),in(1),7): every pair of images with sum 7 shares its circuit; the network's
// outputs on the actual images fill the input columns of `mnist_net([in(0)])` and
// `mnist_net([in(1)])`.
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "symbolic/layered_circuit.h"
#include "symbolic/program.h"

namespace gedilog::bridge {

// Which random variables become input columns.
enum class Inputs {
  kNeural,  // neural predicates and learnable facts; fixed probabilities are folded in as constants
  kAll,     // every variable: to explain with max-product, or to differentiate by them
};

// A random variable whose values are the input columns [first_column, first_column + size).
// A random variable of the ground program (symbolic::RandomVariable: name, network, input
// slots, value names, probabilities, key) and the circuit columns of its values.
struct InputVariable : symbolic::RandomVariable {
  std::int64_t first_column = 0;

  std::int64_t size() const { return domain_size(); }
  // K when the inputs are the one placeholder in(K), else -1.
  std::int64_t slot() const { return input_slots.size() == 1 ? input_slots[0] : -1; }
};

// One or several query templates in one multi-rooted layered circuit.
// P(query i | evidence) = root joint_root[i] / root evidence_root[i] (no evidence: -1).
struct QueryCircuit {
  std::vector<std::string> queries;  // ground query texts, one per answer of the templates
  std::vector<InputVariable> inputs;
  symbolic::LayeredCircuit circuit;
  std::vector<std::int64_t> joint_root;
  std::vector<std::int64_t> evidence_root;

  std::int64_t num_columns() const { return circuit.num_columns; }
  // The input variable of a column.
  const InputVariable& input_of_column(std::int64_t column) const;
  // Column values for the fixed variables (their probabilities); neural columns are NaN.
  std::vector<double> fixed_columns() const;
};

// Merges circuits into one: input variables with the same key share their columns, identical
// nodes are shared, roots keep their order (queries of parts[0] first).
QueryCircuit merge(const std::vector<const QueryCircuit*>& parts);

class CircuitCache {
 public:
  // `directory`: where compiled circuits are kept across runs ("" keeps them in memory only).
  // Entries are keyed by the template, the Inputs choice and a hash of the program's files, so
  // an edited program recompiles.
  CircuitCache(const symbolic::Program& program, Inputs inputs, std::string directory = "");

  // The circuit of one template (with evidence observed beside it): from memory, else from the
  // cache folder, else compiled.
  std::shared_ptr<const QueryCircuit> get(const std::string& query_template,
                                          const std::vector<symbolic::Evidence>& evidence = {});
  std::shared_ptr<const QueryCircuit> get(const symbolic::QueryTemplate& t) { return get(t.query, t.evidence); }

  // Several templates (without evidence) in one multi-rooted circuit, each as by get().
  QueryCircuit merged(const std::vector<std::string>& query_templates);

  struct Stats {
    int compiled = 0, memory_hits = 0, disk_hits = 0;
    double compile_seconds = 0.0;  // grounding, compilation and layering
  };
  const Stats& stats() const { return stats_; }

 private:
  std::shared_ptr<const QueryCircuit> compile(const std::string& query_template,
                                              const std::vector<symbolic::Evidence>& evidence) const;
  std::string file_of(const std::string& key) const;

  const symbolic::Program& program_;
  Inputs inputs_;
  std::string directory_;
  std::string program_hash_;
  std::unordered_map<std::string, std::shared_ptr<const QueryCircuit>> memory_;
  Stats stats_;
};

}  // namespace gedilog::bridge
