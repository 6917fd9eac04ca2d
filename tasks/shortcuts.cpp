#include "tasks/shortcuts.h"

#include <set>
#include <sstream>

#include "bridge/query_circuit.h"
#include "core/error.h"
#include "symbolic/program.h"
#include "tasks/program_task.h"

namespace gedilog::tasks {

std::vector<bool> pair_truth_table(const bridge::QueryCircuit& circuit, int values, const std::string& program) {
  // The columns of the two images' variables.
  std::int64_t first[2] = {-1, -1};
  for (const bridge::InputVariable& in : circuit.inputs) {
    const std::int64_t k = in.slot();
    if ((k != 0 && k != 1) || in.size() != values)
      throw UserError("NeuralPredicate", in.location,
                      "a digit-pair program has one neural predicate over " + std::to_string(values) +
                          " values on in(0) and in(1); got " + in.name);
    first[k] = in.first_column;
  }
  if (first[0] < 0 || first[1] < 0)
    throw UserError("NeuralPredicate", program, "the program does not read both images in(0) and in(1)");
  const std::int64_t queries = static_cast<std::int64_t>(circuit.queries.size());
  std::vector<bool> holds(queries * values * values);
  std::vector<double> columns = circuit.fixed_columns();
  for (int a = 0; a < values; ++a)
    for (int b = 0; b < values; ++b) {
      for (int v = 0; v < values; ++v) {
        columns[first[0] + v] = v == a;
        columns[first[1] + v] = v == b;
      }
      const std::vector<double> roots = circuit.circuit.evaluate(columns);
      for (std::int64_t q = 0; q < queries; ++q) holds[(q * values + a) * values + b] = roots[circuit.joint_root[q]] > 0.5;
    }
  return holds;
}

ShortcutCount count_task_shortcuts(const ExperimentConfig& config, bool list_all, std::size_t limit) {
  const PairTaskSpec spec = pair_task_spec(config);
  const symbolic::Program program = symbolic::Program::load(spec.program);
  bridge::CircuitCache cache(program, bridge::Inputs::kNeural, config.train.cache_dir);
  const bridge::QueryCircuit circuit = cache.merged(pair_templates(spec));
  const std::vector<bool> holds = pair_truth_table(circuit, spec.digits, spec.program);
  const auto drawn = training_pairs(spec, kPairDataSeed);
  const std::set<std::pair<int, int>> distinct(drawn.begin(), drawn.end());
  const std::vector<std::pair<int, int>> shown(distinct.begin(), distinct.end());
  return count_shortcuts(
      shown, spec.digits,
      [&](std::size_t p, int a, int b) {
        return holds[(pair_label(spec, shown[p].first, shown[p].second) * spec.digits + a) * spec.digits + b];
      },
      list_all, limit);
}

std::string map_text(const std::vector<int>& digits, const std::vector<int>& map) {
  std::ostringstream out;
  for (std::size_t i = 0; i < digits.size(); ++i) out << (i ? " " : "") << digits[i] << "->" << map[i];
  return out.str();
}

}  // namespace gedilog::tasks
