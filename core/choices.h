#pragma once
// Named choices: an enum's one list of names, as configuration files and messages spell them.
// Each enum declares its table beside itself and a `choices(E)` that returns it, found by
// argument-dependent lookup:
//   enum class Schedule { kConstant, kCosine };
//   inline constexpr Choice<Schedule> kSchedules[] = {{Schedule::kConstant, "constant"}, ...};
//   constexpr const auto& choices(Schedule) { return kSchedules; }
// name_of, parse_choice and choice_list then work for every such enum.
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gedilog {

template <typename E>
struct Choice {
  E value;
  std::string_view name;
};

// The name of `value` in its enum's table ("" for a value the table lacks).
template <typename E>
std::string name_of(E value) {
  for (const Choice<E>& c : choices(E{}))
    if (c.value == value) return std::string(c.name);
  return {};
}

// The value named `text`, or nullopt for a name the table lacks.
template <typename E>
std::optional<E> parse_choice(std::string_view text) {
  for (const Choice<E>& c : choices(E{}))
    if (c.name == text) return c.value;
  return std::nullopt;
}

// "\"a\", \"b\" or \"c\"": names (an array or vector of strings), for messages.
template <typename Names>
std::string quoted_list(const Names& names) {
  const std::size_t n = std::size(names);
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out += (i == 0 ? "" : i + 1 == n ? " or " : ", ") + ("\"" + std::string(names[i]) + "\"");
  return out;
}

// An enum's names, as quoted_list writes them.
template <typename E>
std::string choice_list() {
  std::vector<std::string_view> names;
  for (const Choice<E>& c : choices(E{})) names.push_back(c.name);
  return quoted_list(names);
}

}  // namespace gedilog
