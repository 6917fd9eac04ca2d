#include "tasks/shortcuts.h"

#include <set>
#include <sstream>

#include "bridge/query_circuit.h"
#include "symbolic/error.h"
#include "symbolic/program.h"
#include "tasks/program_task.h"

namespace gedilog::tasks {

ShortcutCount count_task_shortcuts(const ExperimentConfig& config, bool list_all, std::size_t limit) {
  const PairTaskSpec spec = pair_task_spec(config);
  const symbolic::Program program = symbolic::Program::load(spec.program);
  bridge::CircuitCache cache(program, bridge::Inputs::kNeural, config.cache_dir);
  const bridge::QueryCircuit circuit = cache.merged(pair_templates(spec));
  // The columns of the two images' variables.
  std::int64_t first[2] = {-1, -1};
  for (const bridge::InputVariable& in : circuit.inputs) {
    const int k = in.inputs == "[in(0)]" ? 0 : in.inputs == "[in(1)]" ? 1 : -1;
    if (k < 0 || in.size() != spec.digits)
      throw UserError("NeuralPredicate", in.location,
                      "a digit-pair program has one neural predicate over " + std::to_string(spec.digits) +
                          " digits on in(0) and in(1); got " + in.name);
    first[k] = in.first_column;
  }
  if (first[0] < 0 || first[1] < 0)
    throw UserError("NeuralPredicate", spec.program, "the program does not read both images in(0) and in(1)");
  // holds[label][a][b], from the circuit on one-hot inputs.
  const std::int64_t labels = static_cast<std::int64_t>(circuit.queries.size());
  std::vector<std::vector<std::vector<bool>>> holds(
      labels, std::vector<std::vector<bool>>(spec.digits, std::vector<bool>(spec.digits)));
  std::vector<double> columns = circuit.fixed_columns();
  for (int a = 0; a < spec.digits; ++a)
    for (int b = 0; b < spec.digits; ++b) {
      for (int v = 0; v < spec.digits; ++v) {
        columns[first[0] + v] = v == a;
        columns[first[1] + v] = v == b;
      }
      const std::vector<double> roots = circuit.circuit.evaluate(columns);
      for (std::int64_t l = 0; l < labels; ++l) holds[l][a][b] = roots[circuit.joint_root[l]] > 0.5;
    }
  const auto drawn = training_pairs(spec, kPairDataSeed);
  const std::set<std::pair<int, int>> distinct(drawn.begin(), drawn.end());
  const std::vector<std::pair<int, int>> shown(distinct.begin(), distinct.end());
  return count_shortcuts(
      shown, spec.digits,
      [&](std::size_t p, int a, int b) { return holds[pair_label(spec, shown[p].first, shown[p].second)][a][b]; },
      list_all, limit);
}

std::string map_text(const std::vector<int>& digits, const std::vector<int>& map) {
  std::ostringstream out;
  for (std::size_t i = 0; i < digits.size(); ++i) out << (i ? " " : "") << digits[i] << "->" << map[i];
  return out.str();
}

}  // namespace gedilog::tasks
