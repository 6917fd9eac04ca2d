#pragma once
// Deterministic reasoning shortcuts (`gedilog shortcuts`): the concept maps (digit -> value of
// the digit predicate) under which the program holds on every pair of digits training shows.
// A network that learnt any of them fits the training labels perfectly; only the identity
// means what the program means. For mnist-evenodd there are 36, 2 of them one-to-one.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tasks/experiment.h"

namespace gedilog::bridge {
struct QueryCircuit;
}

namespace gedilog::tasks {

struct ShortcutCount {
  std::vector<int> digits;                 // the map's domain: the digits training shows, ascending
  std::int64_t maps = 0;                   // maps that satisfy every training pair
  std::int64_t one_to_one = 0;
  std::vector<std::vector<int>> listed;    // value per digit of `digits`: the one-to-one maps, or all,
                                           // the first `limit` of them
};

// Exhaustive search (backtracking: a pair is checked once both its digits have a value) over
// maps from the digits of `pairs` to 0 .. values - 1. holds(p, a, b): whether the program
// holds for pairs[p] when its images read as a and b.
template <typename Holds>
ShortcutCount count_shortcuts(const std::vector<std::pair<int, int>>& pairs, int values, Holds holds, bool list_all,
                              std::size_t limit = 1000);

// Whether each query of a two-image circuit holds when its images read as values a and b:
// holds[(q * values + a) * values + b], from the circuit on one-hot inputs. Throws UserError
// (naming `program`) unless its inputs are one variable of `values` values on each of in(0)
// and in(1).
std::vector<bool> pair_truth_table(const bridge::QueryCircuit& circuit, int values, const std::string& program);

// The count for the digit-pair task of an experiment file, over the pairs its training set
// shows, from its compiled circuits: every label's query evaluated on one-hot inputs for each
// pair of values.
ShortcutCount count_task_shortcuts(const ExperimentConfig& config, bool list_all, std::size_t limit = 1000);

// "0->0 1->1 2->3 ...".
std::string map_text(const std::vector<int>& digits, const std::vector<int>& map);

// --- implementation ------------------------------------------------------------------------

template <typename Holds>
ShortcutCount count_shortcuts(const std::vector<std::pair<int, int>>& pairs, int values, Holds holds, bool list_all,
                              std::size_t limit) {
  ShortcutCount out;
  std::vector<int> slot(10, -1);  // digit -> its position in out.digits
  for (const auto& [a, b] : pairs) slot.at(a) = slot.at(b) = 0;
  for (int d = 0; d < 10; ++d)
    if (slot[d] >= 0) slot[d] = static_cast<int>(out.digits.size()), out.digits.push_back(d);
  // The pairs to check once digit position i has its value: those whose later digit is i.
  std::vector<std::vector<std::size_t>> due(out.digits.size());
  for (std::size_t p = 0; p < pairs.size(); ++p)
    due[std::max(slot[pairs[p].first], slot[pairs[p].second])].push_back(p);
  std::vector<int> map(out.digits.size());
  std::vector<int> used(values, 0);
  auto search = [&](auto&& self, std::size_t i) -> void {
    if (i == map.size()) {
      bool injective = true;
      for (int u : used) injective = injective && u <= 1;
      ++out.maps;
      out.one_to_one += injective;
      if ((list_all || injective) && out.listed.size() < limit) out.listed.push_back(map);
      return;
    }
    for (int v = 0; v < values; ++v) {
      map[i] = v;
      bool ok = true;
      for (std::size_t p : due[i])
        ok = ok && holds(p, map[slot[pairs[p].first]], map[slot[pairs[p].second]]);
      if (!ok) continue;
      ++used[v];
      self(self, i + 1);
      --used[v];
    }
  };
  search(search, 0);
  return out;
}

}  // namespace gedilog::tasks
