// program_mutator: a seeded fault-injection run over ProbLog programs. Each mutant of a seed
// program (a character deleted or inserted, a line deleted, doubled or swapped, a number
// replaced by an odd one, deep nesting, a long atom, invalid UTF-8, a side effect) is answered
// by `gedilog query --json`, and every answer must be clean:
//   exit 0: standard output is JSON {"queries": [...]} with every probability in [0, 1];
//   exit 1: standard error says "gedilog: error: ...";
//   anything else is a finding: a signal (crash), 3 (internal error), a timeout (hang), or
//   output that is not JSON.
//
//   program_mutator --gedilog BIN --seeds DIR_OR_FILE... [--mutants N] [--seed S] [--timeout T]
//
// Prints the table of outcomes and exits 1 on any finding (0 otherwise). The ctest runs a short
// seeded version; a long run is the same command with more mutants.
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

// One mutation of `text`, chosen by `rng`; `what` names it.
std::string mutate(const std::string& text, std::mt19937_64& rng, std::string& what) {
  auto pick = [&](std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng() % n); };
  std::vector<std::string> lines = lines_of(text);
  static const std::string tokens = "()[]{}.,:-;'\"%\\|!=<>+*/ \n0123456789aXt_";
  static const std::vector<std::string> numbers = {"1e308", "-0.0", "nan", "inf", "2.5", "1e-320", "-1",
                                                   "4294967297", "0.5e", "1.0Inf", "0x1F", "0'a"};
  static const std::vector<std::string> effects = {"halt", "halt(7)", "write(x)", "shell('true')", "abort",
                                                   "format(\"~w\", [x])", "system:halt", "read(_)", "nl"};
  switch (rng() % 11) {
    case 0: {  // delete a character
      if (text.empty()) break;
      what = "delete a character";
      std::string t = text;
      t.erase(pick(t.size()), 1);
      return t;
    }
    case 1: {  // insert a token character
      what = "insert a character";
      std::string t = text;
      t.insert(pick(t.size() + 1), 1, tokens[pick(tokens.size())]);
      return t;
    }
    case 2:
      if (lines.empty()) break;
      what = "delete a line";
      lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(pick(lines.size())));
      return joined(lines);
    case 3: {
      if (lines.empty()) break;
      what = "double a line";
      const std::size_t i = pick(lines.size());
      lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(i), lines[i]);
      return joined(lines);
    }
    case 4:
      if (lines.size() < 2) break;
      what = "swap two lines";
      std::swap(lines[pick(lines.size())], lines[pick(lines.size())]);
      return joined(lines);
    case 5: {  // a number replaced by an odd one
      std::vector<std::size_t> digits;
      for (std::size_t i = 0; i < text.size(); ++i)
        if (std::isdigit(static_cast<unsigned char>(text[i])) && (i == 0 || !std::isdigit(static_cast<unsigned char>(text[i - 1]))))
          digits.push_back(i);
      if (digits.empty()) break;
      const std::size_t at = digits[pick(digits.size())];
      std::size_t end = at;
      while (end < text.size() && (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '.')) ++end;
      const std::string n = numbers[pick(numbers.size())];
      what = "number -> " + n;
      return text.substr(0, at) + n + text.substr(end);
    }
    case 6: {  // deep nesting
      const int depth = rng() % 2 ? 300 : 30000;
      const std::string open = rng() % 2 ? "(" : "f(";
      std::string term;
      for (int i = 0; i < depth; ++i) term += open;
      term += "a";
      term += std::string(depth, ')');
      what = "nesting " + std::to_string(depth) + " " + open;
      return text + "deep(" + term + ").\nquery(deep(_)).\n";
    }
    case 7:
      what = "a long atom";
      return text + "long(" + std::string(100000, 'a') + ").\nquery(long(_)).\n";
    case 8: {
      what = "invalid UTF-8";
      std::string t = text;
      t.insert(pick(t.size() + 1), "\xc3\x28\xff\xfe");
      return t;
    }
    case 9: {
      const std::string e = effects[pick(effects.size())];
      what = "side effect " + e;
      return text + "fx :- " + e + ".\nquery(fx).\n";
    }
    default: {  // a line's random character range cut
      if (lines.empty()) break;
      what = "truncate a line";
      std::string& l = lines[pick(lines.size())];
      l = l.substr(0, pick(l.size() + 1));
      return joined(lines);
    }
  }
  what = "unchanged";
  return text;
}

struct Outcome {
  int status = 0;  // exit status, or 128 + signal, or 124 for a timeout
  std::string out, err;
};

// Runs `timeout -s KILL T gedilog query --json FILE`, capturing both streams into files.
Outcome run(const std::string& gedilog, const std::string& file, int timeout, const std::string& scratch) {
  const std::string out = scratch + "/out", err = scratch + "/err";
  const std::string command = "timeout -s KILL " + std::to_string(timeout) + " '" + gedilog + "' query --json --max-seconds " +
                              std::to_string(std::max(1, timeout / 2)) + " '" + file + "' >'" + out + "' 2>'" + err + "'";
  const int raw = std::system(command.c_str());
  Outcome o;
  o.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  if (o.status == 137) o.status = 124;  // killed by timeout's SIGKILL: a hang
  o.out = read_file(out);
  o.err = read_file(err);
  return o;
}

// "" when the outcome is clean, else what is wrong.
std::string finding(const Outcome& o) {
  if (o.status == 124) return "hang";
  if (o.status == 3) return "internal error";
  if (o.status > 128) return "crash (signal " + std::to_string(o.status - 128) + ")";
  if (o.status == 1) return o.err.rfind("gedilog: error: ", 0) == 0 ? "" : "exit 1 without a 'gedilog: error:' line";
  if (o.status != 0) return "exit " + std::to_string(o.status);
  const nlohmann::json j = nlohmann::json::parse(o.out, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("queries")) return "output is not --json";
  for (const auto& q : j.at("queries")) {
    const double p = q.value("probability", -1.0);
    if (!(p >= 0 && p <= 1 + 1e-9)) return "probability outside [0, 1]";
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Seeded fault injection: mutated ProbLog programs must get clean answers"};
  std::string gedilog;
  std::vector<std::string> seeds;
  int mutants = 100, timeout = 30;
  std::uint64_t seed = 1;
  app.add_option("--gedilog", gedilog, "The gedilog binary")->required()->check(CLI::ExistingFile);
  app.add_option("--seeds", seeds, "Seed programs (.pl files or folders of them)")->required();
  app.add_option("--mutants", mutants, "How many mutants")->check(CLI::PositiveNumber);
  app.add_option("--seed", seed, "Random seed");
  app.add_option("--timeout", timeout, "Seconds a mutant may run before it counts as a hang");
  CLI11_PARSE(app, argc, argv);

  std::vector<std::string> programs;
  for (const std::string& s : seeds) {
    if (fs::is_directory(s)) {
      for (const auto& e : fs::recursive_directory_iterator(s))
        if (e.path().extension() == ".pl") programs.push_back(e.path().string());
    } else if (fs::exists(s)) {
      programs.push_back(s);
    }
  }
  std::sort(programs.begin(), programs.end());
  if (programs.empty()) {
    std::cerr << "program_mutator: no seed programs\n";
    return 2;
  }
  const fs::path scratch = fs::temp_directory_path() / ("gedilog_fuzz_" + std::to_string(::getpid()));
  fs::create_directories(scratch);
  std::mt19937_64 rng(seed);
  std::map<std::string, int> counts;  // outcome -> tries
  std::vector<std::string> findings;
  for (int i = 0; i < mutants; ++i) {
    const std::string& source = programs[rng() % programs.size()];
    std::string what;
    const std::string text = mutate(read_file(source), rng, what);
    // In the scratch folder, not beside the seed: a run writes nothing into the source tree (a
    // seed that consults a file then gets a clean FileNotFound).
    const std::string file = (scratch / "mutant.pl").string();
    std::ofstream(file, std::ios::binary) << text;
    const Outcome o = run(gedilog, file, timeout, scratch.string());
    fs::remove(file);
    const std::string bad = finding(o);
    ++counts[bad.empty() ? (o.status == 0 ? "answered" : "clean error") : bad];
    if (!bad.empty()) {
      const std::string kept = (scratch / ("finding_" + std::to_string(i) + ".pl")).string();
      std::ofstream(kept, std::ios::binary) << text;
      findings.push_back(bad + ": " + source + " (" + what + "), kept as " + kept + "; stderr: " +
                         o.err.substr(0, 300));
    }
  }
  std::cout << "| outcome | tries |\n|---|---|\n";
  for (const auto& [outcome, n] : counts) std::cout << "| " << outcome << " | " << n << " |\n";
  std::cout << "\n" << mutants << " mutants of " << programs.size() << " seed programs, seed " << seed << "\n";
  for (const std::string& f : findings) std::cout << "FINDING: " << f << "\n";
  if (findings.empty()) fs::remove_all(scratch);
  return findings.empty() ? 0 : 1;
}
