// conformance_runner: runs ProbLog's own system tests against the gedilog binary.
//
//   conformance_runner --gedilog PATH_TO_GEDILOG --suite DIR --report docs/conformance.md
//                      [--min-pass 0.8] [--timeout 60]
//
// The suite (../shared/conformance/problog, see its NOTICE.md) holds ProbLog programs whose
// expected outcome is written in comments, read exactly as ProbLog's test/test_system.py does:
//   - a line starting with `%Expected outcome:` opens a block; each following line
//     `% ATOM PROBABILITY` (the probability is the last token) is an expected query result,
//     `% ERROR Name` says ProbLog rejects the program with that error, and any other line
//     (a blank line, a bare `%`) closes the block;
//   - a line `query(ATOM). % outcome: PROBABILITY` is an expected result too.
// Programs stating neither are listed as "no outcome stated" and not counted.
//
// For each .pl file (recursively, sorted) it runs `timeout T GEDILOG query --json FILE`
// (stdout and stderr captured separately) and classifies the program:
//   PASS         expected probabilities: exit 0, every expected atom printed, |p - e| <= 1e-6
//                (extra printed queries are noted in the row);
//                expected ERROR Name: exit 1 and stderr names the error.
//   WRONG        exit 0 with a differing or missing probability, or exit 0 where ProbLog
//                reports an error. A wrong number is the worst outcome.
//   UNSUPPORTED  expected probabilities, but gedilog exits 1 with an error message.
//   OTHER-ERROR  expected ERROR Name, gedilog exits 1 with a different error.
//   PROBLOG-DIFFERS  the program is one of kProblogDiffers below: ProbLog's stated number is not
//                the program's possible-world semantics, and gedilog prints the number that is
//                (checked by enumerating the worlds in tests/symbolic/engine_test.cpp). Any
//                other number is WRONG. Counted as stated, not as passed.
//   CRASH        any other exit status (3: internal error, 124: timeout, 128+N: signal N),
//                or unreadable output.
// Atoms are compared after removing whitespace outside quotes, unquoting atoms that need no
// quotes ('a' = a, '<' = <), renaming every variable to `_` (ProbLog prints X2, SWI-Prolog
// _123) and undoing SWI-only prefix operators (writeq prints table(a) as `(table a)`).
// `% -----` lines in a block separate alternative outcomes (constraint tests): not counted.
// Programs without a counted outcome are still run; their row says what gedilog did.
//
// With --expected FILE.json (the real-programs suite, ../shared/conformance/real), the expected
// outcomes come from that file instead: {"NAME": {"answers": {ATOM: P, ...}, "error": null or
// "ErrorName"}, ...} for NAME.pl in the suite; the report's title and text follow.
//
// A missing suite directory is a skip (exit 77, ctest's SKIP_RETURN_CODE) outside CI and an
// error (exit 2) where the environment sets CI=true.
//
// It writes the Markdown report (summary + one row per program) and prints the summary; the
// last line of stdout is `N passed, M failed` (M = WRONG + CRASH). Exit status is non-zero when
// WRONG > 0, CRASH > 0 or PASS / (programs with a stated outcome) < --min-pass.
#include <fcntl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

constexpr double kTolerance = 1e-6;
constexpr std::size_t kDetailLength = 100;

// ---------------------------------------------------------------------------------------------
// Expected outcomes

struct Expected {
  bool stated = false;
  std::optional<std::string> error;  // `% ERROR Name`
  std::vector<std::pair<std::string, double>> probabilities;  // in order of appearance
  // `% -----` lines separate alternative outcomes (constraint/learning tests, which ProbLog's
  // test_system.py does not run): no single outcome is stated.
  bool alternatives = false;
};

std::string trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  const auto end = s.find_last_not_of(" \t\r\n");
  return s.substr(begin, end - begin + 1);
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::optional<double> parse_double(const std::string& text) {
  const std::string t = trim(text);
  if (t.empty()) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size()) return std::nullopt;
  return value;
}

void add_expected(Expected& expected, const std::string& atom, double p) {
  for (auto& entry : expected.probabilities) {
    if (entry.first == atom) {  // a later statement overrides, as in ProbLog's dict
      entry.second = p;
      return;
    }
  }
  expected.probabilities.emplace_back(atom, p);
}

Expected read_expected(const fs::path& file) {
  Expected expected;
  std::ifstream in(file);
  std::string raw;
  bool reading = false;
  while (std::getline(in, raw)) {
    const std::string line = trim(raw);
    if (starts_with(line, "%Expected outcome:")) {
      reading = true;
      expected.stated = true;
    } else if (reading) {
      if (starts_with(lower(line), "% error")) {
        expected.error = trim(line.substr(std::strlen("% error")));
        return expected;  // as ProbLog: an error outcome replaces everything else
      }
      reading = false;
      if (starts_with(line, "% ")) {
        const std::string body = trim(line.substr(2));
        if (!body.empty() && body.find_first_not_of('-') == std::string::npos) {
          expected.alternatives = true;
          reading = true;
          continue;
        }
        const auto split = body.find_last_of(" \t");
        if (split != std::string::npos) {
          if (auto p = parse_double(body.substr(split + 1))) {
            add_expected(expected, trim(body.substr(0, split)), *p);
            reading = true;
          }
        }
      }
    }
    if (starts_with(line, "query(")) {
      const auto pos = line.find("% outcome:");
      if (pos != std::string::npos) {
        // query(ATOM). % outcome: P  ->  ATOM
        std::string head = trim(line.substr(6, pos - 6));
        while (!head.empty() && head.back() == '.') head.pop_back();
        head = trim(head);
        if (!head.empty() && head.back() == ')') head.pop_back();
        if (auto p = parse_double(line.substr(pos + std::strlen("% outcome:")))) {
          add_expected(expected, trim(head), *p);
          expected.stated = true;
        }
      }
    }
  }
  return expected;
}

// ---------------------------------------------------------------------------------------------
// Atom normalisation

// An atom that writeq prints without quotes: a lowercase identifier, a run of symbol
// characters, or one of the solo atoms.
bool is_plain_atom(const std::string& s) {
  if (s.empty()) return false;
  if (s == "[]" || s == "{}" || s == "!" || s == ";") return true;
  if (std::islower(static_cast<unsigned char>(s[0])))
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
  static const std::string symbols = "+-*/\\^<>=~:.?@#&$";
  return std::all_of(s.begin(), s.end(), [](char c) { return symbols.find(c) != std::string::npos; });
}

// SWI-Prolog declares some words as prefix operators that ProbLog does not (table, dynamic,
// ...), so writeq prints table(a) as `(table a)`. Rewrites `(word ` to `word(` for those words,
// outside quotes; sets *rewritten when it did.
std::string undo_swi_prefix_operators(const std::string& text, bool* rewritten) {
  static const char* const words[] = {"table",     "dynamic",       "discontiguous", "initialization",
                                      "multifile", "meta_predicate", "module_transparent",
                                      "public",    "thread_local",  "thread_initialization", "volatile"};
  std::string out;
  char quote = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote) {
      if (c == '\\' && i + 1 < text.size()) {
        out += c;
        out += text[++i];
        continue;
      }
      if (c == quote) quote = 0;
      out += c;
      continue;
    }
    if (c == '\'' || c == '"' || c == '`') {
      quote = c;
      out += c;
      continue;
    }
    if (c == '(' && (out.empty() || !(std::isalnum(static_cast<unsigned char>(out.back())) || out.back() == '_'))) {
      bool done = false;
      for (const char* w : words) {
        const std::string word = w;
        if (text.compare(i + 1, word.size(), word) == 0 && i + 1 + word.size() < text.size() &&
            text[i + 1 + word.size()] == ' ') {
          out += word + "(";
          i += word.size() + 1;  // the loop skips the space
          done = true;
          if (rewritten) *rewritten = true;
          break;
        }
      }
      if (done) continue;
    }
    out += c;
  }
  return out;
}

bool is_identifier_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Whitespace outside quotes removed, 'a' -> a for atoms that need no quotes, variables -> _,
// SWI-only prefix operators undone.
std::string normalise_atom(const std::string& original, bool* rewritten = nullptr) {
  const std::string text = undo_swi_prefix_operators(original, rewritten);
  std::string out;
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const char c = text[i];
    if (c == '\'' || c == '"' || c == '`') {
      std::string content;
      std::size_t j = i + 1;
      while (j < n) {
        if (text[j] == '\\' && j + 1 < n) {
          content += text[j];
          content += text[j + 1];
          j += 2;
        } else if (text[j] == c && j + 1 < n && text[j + 1] == c) {
          content += c;
          content += c;
          j += 2;
        } else if (text[j] == c) {
          break;
        } else {
          content += text[j++];
        }
      }
      if (c == '\'' && is_plain_atom(content)) {
        out += content;
      } else {
        out += c;
        out += content;
        out += c;
      }
      i = j + 1;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if ((std::isupper(static_cast<unsigned char>(c)) || c == '_') &&
               (out.empty() || !is_identifier_char(out.back()))) {
      while (i < n && is_identifier_char(text[i])) ++i;
      out += '_';
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Running gedilog

struct RunResult {
  int status = -1;  // exit code, 128+N for signal N
  std::string out;
  std::string err;
};

std::string read_all(int fd) {
  std::string data;
  char buffer[65536];
  lseek(fd, 0, SEEK_SET);
  for (;;) {
    const ssize_t got = read(fd, buffer, sizeof buffer);
    if (got <= 0) break;
    data.append(buffer, static_cast<std::size_t>(got));
  }
  return data;
}

int temp_file() {
  const char* dir = std::getenv("TMPDIR");
  std::string pattern = std::string(dir && *dir ? dir : "/tmp") + "/conformance_XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  const int fd = mkstemp(name.data());
  if (fd < 0) {
    std::perror("conformance_runner: mkstemp");
    std::exit(2);
  }
  unlink(name.data());
  return fd;
}

RunResult run_gedilog(const std::string& gedilog, const fs::path& file, int timeout_s) {
  const int out_fd = temp_file();
  const int err_fd = temp_file();
  const std::string timeout = std::to_string(timeout_s);
  const std::string path = file.string();
  std::vector<const char*> argv = {"timeout", "-k", "5",  timeout.c_str(), gedilog.c_str(),
                                   "query",   "--json", path.c_str(), nullptr};
  std::cout.flush();
  std::cerr.flush();
  const pid_t pid = fork();
  if (pid < 0) {
    std::perror("conformance_runner: fork");
    std::exit(2);
  }
  if (pid == 0) {
    const int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    execvp(argv[0], const_cast<char* const*>(argv.data()));
    std::perror("conformance_runner: exec timeout");
    _exit(127);
  }
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0) {
    if (errno != EINTR) {
      std::perror("conformance_runner: waitpid");
      std::exit(2);
    }
  }
  RunResult result;
  if (WIFEXITED(wstatus)) result.status = WEXITSTATUS(wstatus);
  else if (WIFSIGNALED(wstatus)) result.status = 128 + WTERMSIG(wstatus);
  result.out = read_all(out_fd);
  result.err = read_all(err_fd);
  close(out_fd);
  close(err_fd);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Classification

enum class Outcome { Pass, Wrong, ProblogDiffers, Unsupported, OtherError, Crash, NoOutcome };
constexpr Outcome kOutcomes[] = {Outcome::Pass,        Outcome::Wrong,      Outcome::ProblogDiffers,
                                 Outcome::Unsupported, Outcome::OtherError, Outcome::Crash,
                                 Outcome::NoOutcome};

// Where ProbLog's answer is not the program's meaning: the atom, the number the possible worlds
// give (engine_test.cpp enumerates them), and why ProbLog's differs.
struct ProblogDiffers {
  const char* program;
  const char* atom;
  double semantics;
  const char* why;
};
constexpr const char* kQuotedCells =
    "ProbLog's library(db) makes a text cell the atom 'bob' with the quotes in its name, another "
    "constant than the program's bob: smokes(bob) gets an independent 0.3 of its own beside the "
    "table's 'bob' (1 - 0.7 (1 - 0.61842) = 0.73289). The facts as written give 0.62021";
constexpr ProblogDiffers kProblogDiffers[] = {
    {"smokers_csv.pl", "smokes(bob)", 0.620213137440016, kQuotedCells},
    {"smokers_db.pl", "smokes(bob)", 0.620213137440016, kQuotedCells},
};

const char* name(Outcome o) {
  switch (o) {
    case Outcome::Pass: return "PASS";
    case Outcome::Wrong: return "WRONG";
    case Outcome::ProblogDiffers: return "PROBLOG-DIFFERS";
    case Outcome::Unsupported: return "UNSUPPORTED";
    case Outcome::OtherError: return "OTHER-ERROR";
    case Outcome::Crash: return "CRASH";
    case Outcome::NoOutcome: return "no outcome stated";
  }
  return "?";
}

struct Row {
  std::string program;  // relative to the suite
  std::string expected;
  Outcome outcome = Outcome::NoOutcome;
  std::string detail;
};

std::string shorten(std::string s, std::size_t length = kDetailLength) {
  if (s.size() > length) {
    s.resize(length);
    // do not cut a UTF-8 sequence in half
    while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.pop_back();
    if (!s.empty() && (static_cast<unsigned char>(s.back()) & 0x80)) s.pop_back();
    s += "...";
  }
  return s;
}

std::string format_double(double p) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.10g", p);
  return buffer;
}

// The error line of gedilog's stderr, without the `gedilog: error: ` prefix and the file path.
std::string error_message(const std::string& err, const fs::path& file) {
  std::vector<std::string> lines;
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);)
    if (!trim(line).empty()) lines.push_back(trim(line));
  if (lines.empty()) return "(no message on stderr)";
  std::string chosen = lines.back();
  for (const auto& line : lines) {
    if (line.find("gedilog: error:") != std::string::npos ||
        line.find("gedilog: internal error") != std::string::npos) {
      chosen = line;
      break;
    }
  }
  for (const std::string prefix : {"gedilog: error: ", "gedilog: "})
    if (starts_with(chosen, prefix)) {
      chosen = chosen.substr(prefix.size());
      break;
    }
  const std::string path = file.string();
  for (std::size_t pos; (pos = chosen.find(path)) != std::string::npos;)
    chosen.replace(pos, path.size(), file.filename().string());
  return chosen;
}

std::string crash_detail(const RunResult& run, const fs::path& file, int timeout_s) {
  if (run.status == 124 || run.status == 128 + 9)
    return "timeout after " + std::to_string(timeout_s) + " s";
  std::string what;
  if (run.status > 128) what = "killed by signal " + std::to_string(run.status - 128);
  else what = "exit " + std::to_string(run.status);
  return shorten(what + ": " + error_message(run.err, file));
}

struct Printed {
  std::vector<std::pair<std::string, double>> queries;  // raw atom text, probability
};

std::optional<Printed> parse_output(const std::string& out) {
  try {
    const auto json = nlohmann::json::parse(out);
    Printed printed;
    for (const auto& q : json.at("queries"))
      printed.queries.emplace_back(q.at("query").get<std::string>(), q.at("probability").get<double>());
    return printed;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string s;
  for (std::size_t i = 0; i < parts.size(); ++i) s += (i ? sep : "") + parts[i];
  return s;
}

std::string without_brackets(const std::string& key) {
  std::string out;
  for (char c : key)
    if (c != '(' && c != ')') out += c;
  return out;
}

// The listed difference of `relative`, where gedilog printed its one expected atom with the
// number the semantics gives; nullptr otherwise.
const ProblogDiffers* differs(const std::string& relative, const Expected& expected,
                              const std::map<std::string, double>& got) {
  for (const ProblogDiffers& d : kProblogDiffers) {
    if (relative != d.program || expected.probabilities.size() != 1) continue;
    const auto it = got.find(normalise_atom(d.atom));
    if (normalise_atom(expected.probabilities.front().first) == normalise_atom(d.atom) && it != got.end() &&
        std::fabs(it->second - d.semantics) <= kTolerance)
      return &d;
  }
  return nullptr;
}

Row classify(const fs::path& file, const std::string& relative, const Expected& expected,
             const std::string& gedilog, int timeout_s) {
  Row row;
  row.program = relative;
  if (!expected.stated || expected.alternatives || (!expected.error && expected.probabilities.empty())) {
    // Not counted; run anyway so the row says what gedilog does with the program.
    row.expected = expected.alternatives ? "alternatives" : "-";
    row.outcome = Outcome::NoOutcome;
    const RunResult run = run_gedilog(gedilog, file, timeout_s);
    if (run.status == 0) {
      const auto printed = parse_output(run.out);
      row.detail = printed ? "gedilog: exit 0, " + std::to_string(printed->queries.size()) + " result(s)"
                           : "gedilog: exit 0, unreadable output";
    } else if (run.status == 1) {
      row.detail = shorten("gedilog: " + error_message(run.err, file));
    } else {
      row.detail = "gedilog: " + crash_detail(run, file, timeout_s);
    }
    return row;
  }
  row.expected = expected.error ? "ERROR " + *expected.error
                                : std::to_string(expected.probabilities.size()) +
                                      (expected.probabilities.size() == 1 ? " probability"
                                                                          : " probabilities");
  const RunResult run = run_gedilog(gedilog, file, timeout_s);

  if (run.status != 0 && run.status != 1) {
    row.outcome = Outcome::Crash;
    row.detail = crash_detail(run, file, timeout_s);
    return row;
  }
  if (run.status == 1) {
    const std::string message = error_message(run.err, file);
    if (expected.error && run.err.find(*expected.error) != std::string::npos) {
      row.outcome = Outcome::Pass;
    } else {
      row.outcome = expected.error ? Outcome::OtherError : Outcome::Unsupported;
    }
    row.detail = shorten(message);
    return row;
  }

  // exit 0
  const auto printed = parse_output(run.out);
  if (!printed) {
    row.outcome = Outcome::Crash;
    row.detail = shorten("exit 0 but stdout is not the expected JSON: " + trim(run.out));
    return row;
  }
  if (expected.error) {
    row.outcome = Outcome::Wrong;
    std::vector<std::string> shown;
    for (const auto& [atom, p] : printed->queries) shown.push_back(atom + " " + format_double(p));
    row.detail = shorten("ProbLog: " + *expected.error + "; gedilog printed " +
                         std::to_string(printed->queries.size()) + " result(s)" +
                         (shown.empty() ? std::string() : ": " + join(shown, ", ")));
    return row;
  }

  std::map<std::string, double> got;  // normalised atom -> first printed probability
  std::vector<std::string> duplicates;
  for (const auto& [atom, p] : printed->queries) {
    const auto inserted = got.emplace(normalise_atom(atom), p);
    if (!inserted.second && std::fabs(inserted.first->second - p) > kTolerance) duplicates.push_back(atom);
  }
  // ProbLog's writer leaves out brackets ISO Prolog needs, or adds some, around operators:
  // c((d, e); f) is printed c((d, e); f, 1.0) there, c((d,e;f),1.0) here. An atom found no
  // other way is looked up with its round brackets left out, where that key is unique.
  std::map<std::string, std::vector<std::string>> unbracketed;  // key without ( ) -> printed keys
  for (const auto& [key, p] : got) unbracketed[without_brackets(key)].push_back(key);
  std::vector<std::string> problems, notes;
  std::map<std::string, bool> used;
  for (const auto& [atom, p] : expected.probabilities) {
    std::string key = normalise_atom(atom);
    if (!got.count(key)) {
      const auto loose = unbracketed.find(without_brackets(key));
      if (loose != unbracketed.end() && loose->second.size() == 1) {
        key = loose->second.front();
        notes.push_back(atom + " printed with other brackets");
      }
    }
    used[key] = true;
    const auto it = got.find(key);
    if (it == got.end()) {
      problems.push_back(atom + " missing (expected " + format_double(p) + ")");
    } else if (!(std::fabs(it->second - p) <= kTolerance)) {
      problems.push_back(atom + " = " + format_double(it->second) + ", expected " + format_double(p));
    }
  }
  for (const auto& atom : duplicates) problems.push_back(atom + " printed twice with different values");
  std::vector<std::string> extra;
  for (const auto& [atom, p] : printed->queries) {
    bool rewritten = false;
    const std::string key = normalise_atom(atom, &rewritten);
    if (!used.count(key)) extra.push_back(atom + " " + format_double(p));
    else if (rewritten) notes.push_back("printed as " + atom);
  }

  if (problems.empty()) {
    row.outcome = Outcome::Pass;
    if (!extra.empty())
      notes.insert(notes.begin(), std::to_string(extra.size()) + " extra quer" +
                                      (extra.size() == 1 ? "y" : "ies") + " printed: " + join(extra, ", "));
    row.detail = shorten(join(notes, "; "), 2 * kDetailLength);
  } else if (const ProblogDiffers* d = differs(relative, expected, got)) {
    row.outcome = Outcome::ProblogDiffers;
    row.detail = shorten(std::string(d->atom) + " = " + format_double(got.at(normalise_atom(d->atom))) +
                             " (ProbLog " + format_double(expected.probabilities.front().second) + "): " + d->why,
                         4 * kDetailLength);
  } else {
    row.outcome = Outcome::Wrong;
    std::string detail = join(problems, "; ");
    if (!extra.empty()) detail += "; printed instead: " + join(extra, ", ");
    row.detail = shorten(detail, 2 * kDetailLength);
  }
  return row;
}

// ---------------------------------------------------------------------------------------------
// Report

// A table cell as a code span: `|` escaped (GFM), backticks and newlines replaced.
std::string code_cell(const std::string& text) {
  if (text.empty()) return "";
  std::string s;
  for (char c : text) {
    if (c == '|') s += "\\|";
    else if (c == '`') s += '\'';
    else if (c == '\n' || c == '\r') s += ' ';
    else s += c;
  }
  return "`" + s + "`";
}

struct Summary {
  std::map<Outcome, int> counts;
  int stated = 0;
  double pass_rate = 0.0;
};

Summary summarise(const std::vector<Row>& rows) {
  Summary s;
  for (const Outcome o : kOutcomes) s.counts[o] = 0;
  for (const auto& row : rows) {
    ++s.counts[row.outcome];
    if (row.outcome != Outcome::NoOutcome) ++s.stated;
  }
  s.pass_rate = s.stated ? static_cast<double>(s.counts[Outcome::Pass]) / s.stated : 0.0;
  return s;
}

std::string percent(double rate) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f%%", 100.0 * rate);
  return buffer;
}

void write_report(const fs::path& path, const std::vector<Row>& rows, const Summary& s,
                  int timeout_s, bool real_programs) {
  std::ostringstream md;
  if (real_programs)
    md << "# Real ProbLog programs\n\n"
       << "gedilog against 80 programs written by others (`../shared/conformance/real`, sources in\n"
       << "its `SOURCES.md`), expected outcomes from ProbLog 2.2's own answers (`expected.json`).\n"
       << "Generated by `tests/conformance/runner.cpp` (ctest `real_programs`); regenerate with\n\n"
       << "    build/tests/conformance_runner --gedilog build/app/gedilog --suite ../shared/conformance/real \\\n"
       << "        --expected ../shared/conformance/real/expected.json --report docs/conformance_real.md\n\n";
  else
    md << "# ProbLog conformance\n\n"
       << "gedilog against ProbLog's own system tests (`../shared/conformance/problog`, see its\n"
       << "`NOTICE.md`). Generated by `tests/conformance/runner.cpp` (ctest `problog_conformance`);\n"
       << "do not edit by hand. Regenerate with\n\n"
       << "    build/tests/conformance_runner --gedilog build/app/gedilog \\\n"
       << "        --suite ../shared/conformance/problog --report docs/conformance.md\n\n";
  md
     << "Each program runs as `gedilog query --json FILE` (timeout " << timeout_s << " s). Classes:\n"
     << "**PASS** (every expected probability within 1e-6, or the expected ProbLog error),\n"
     << "**WRONG** (a different or missing probability, or numbers where ProbLog reports an error),\n"
     << "**PROBLOG-DIFFERS** (ProbLog's stated number is not the program's possible-world semantics;\n"
     << "gedilog prints the number the worlds give, enumerated in `tests/symbolic/engine_test.cpp`;\n"
     << "counted, not passed),\n"
     << "**UNSUPPORTED** (gedilog refuses the program with an error), **OTHER-ERROR** (ProbLog\n"
     << "expects an error and gedilog reports a different one), **CRASH** (internal error, signal,\n"
     << "timeout). Programs stating no outcome (or only alternative outcomes separated by `-----`)\n"
     << "are listed with what gedilog did, but not counted. Atoms are compared without whitespace,\n"
     << "quotes that writeq omits, variable names, or SWI-Prolog-only prefix operators\n"
     << "(`(table a)` = `table(a)`); queries printed beyond the expected ones are noted.\n\n"
     << "## Summary\n\n"
     << "| class | programs |\n|---|---:|\n";
  for (const Outcome o : kOutcomes) md << "| " << name(o) << " | " << s.counts.at(o) << " |\n";
  md << "\n**Pass rate: " << s.counts.at(Outcome::Pass) << " / " << s.stated << " = " << percent(s.pass_rate)
     << "** of the programs with a stated outcome. **WRONG: " << s.counts.at(Outcome::Wrong) << ".**\n\n"
     << "## Programs\n\n"
     << "| program | expected | result | detail |\n|---|---|---|---|\n";
  for (const auto& row : rows)
    md << "| " << row.program << " | " << row.expected << " | " << name(row.outcome) << " | "
       << code_cell(row.detail) << " |\n";

  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::ofstream out(path);
  out << md.str();
  if (!out) {
    std::cerr << "conformance_runner: cannot write the report " << path << "\n";
    std::exit(2);
  }
}

// ---------------------------------------------------------------------------------------------
// Command line

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "conformance_runner: " << problem << "\n"
            << "usage: conformance_runner --gedilog PATH --suite DIR --report FILE.md"
               " [--min-pass 0.8] [--timeout 60]\n";
  std::exit(2);
}

}  // namespace

// Outcomes from an expected.json of ProbLog's answers (see the top of the file).
std::map<std::string, Expected> read_expected_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) {
    std::cerr << "conformance_runner: cannot read " << path << "\n";
    std::exit(2);
  }
  std::map<std::string, Expected> out;
  try {
    const nlohmann::json all = nlohmann::json::parse(in);
    for (const auto& [name, entry] : all.items()) {
      Expected e;
      e.stated = true;
      if (!entry.at("error").is_null()) e.error = entry.at("error").get<std::string>();
      else
        for (const auto& [atom, p] : entry.at("answers").items()) add_expected(e, atom, p.get<double>());
      out[name + ".pl"] = e;
    }
  } catch (const nlohmann::json::exception& e) {
    std::cerr << "conformance_runner: " << path << ": " << e.what() << "\n";
    std::exit(2);
  }
  return out;
}

int main(int argc, char** argv) {
  std::string gedilog, suite, report, expected_json;
  double min_pass = 0.8;
  int timeout_s = 60;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage("missing value after " + arg);
      return argv[++i];
    };
    if (arg == "--gedilog") gedilog = value();
    else if (arg == "--suite") suite = value();
    else if (arg == "--report") report = value();
    else if (arg == "--expected") expected_json = value();
    else if (arg == "--min-pass") {
      const auto v = parse_double(value());
      if (!v || *v < 0 || *v > 1) usage("--min-pass takes a number in [0, 1]");
      min_pass = *v;
    } else if (arg == "--timeout") {
      const auto v = parse_double(value());
      if (!v || *v < 1 || *v != std::floor(*v)) usage("--timeout takes a whole number of seconds >= 1");
      timeout_s = static_cast<int>(*v);
    } else if (arg == "-h" || arg == "--help") {
      usage("runs ProbLog's system tests against gedilog");
    } else {
      usage("unknown argument " + arg);
    }
  }
  if (gedilog.empty() || suite.empty() || report.empty()) usage("--gedilog, --suite and --report are required");
  if (!fs::is_directory(suite)) {
    const char* ci = std::getenv("CI");
    const bool required = ci && std::string(ci) == "true";
    std::cerr << "conformance_runner: " << (required ? "" : "skipped: ") << "the suite directory "
              << suite << " does not exist (it lives in shared/ beside the repository clone, "
                 "<clone>/../shared/conformance/)"
              << (required ? "; CI=true requires it\n" : "\n");
    return required ? 2 : 77;
  }
  if (!fs::exists(gedilog)) {
    std::cerr << "conformance_runner: no gedilog binary at " << gedilog << "\n";
    return 2;
  }
  const fs::path suite_dir = fs::absolute(suite).lexically_normal();
  const std::string gedilog_path = fs::absolute(gedilog).lexically_normal().string();

  std::vector<std::pair<std::string, fs::path>> files;  // relative (generic), absolute
  for (const auto& entry : fs::recursive_directory_iterator(suite_dir))
    if (entry.is_regular_file() && entry.path().extension() == ".pl")
      files.emplace_back(entry.path().lexically_relative(suite_dir).generic_string(), entry.path());
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::cerr << "conformance_runner: no .pl files under " << suite_dir << "\n";
    return 2;
  }

  std::map<std::string, Expected> from_json;
  if (!expected_json.empty()) from_json = read_expected_json(expected_json);
  std::vector<Row> rows;
  for (const auto& [relative, file] : files) {
    Expected expected;
    if (expected_json.empty()) expected = read_expected(file);
    else if (auto it = from_json.find(relative); it != from_json.end()) expected = it->second;
    rows.push_back(classify(file, relative, expected, gedilog_path, timeout_s));
    const Row& row = rows.back();
    if (row.outcome != Outcome::Pass && row.outcome != Outcome::NoOutcome)
      std::cout << name(row.outcome) << "  " << row.program << "  " << row.detail << "\n";
  }

  const Summary s = summarise(rows);
  write_report(report, rows, s, timeout_s, !expected_json.empty());

  const int passed = s.counts.at(Outcome::Pass);
  const int wrong = s.counts.at(Outcome::Wrong);
  const int crashed = s.counts.at(Outcome::Crash);
  std::cout << "\nProbLog conformance (" << files.size() << " programs, report " << report << ")\n";
  for (const Outcome o : kOutcomes) std::cout << "  " << name(o) << ": " << s.counts.at(o) << "\n";
  std::cout << "pass rate: " << passed << " / " << s.stated << " = " << percent(s.pass_rate)
            << " (minimum " << percent(min_pass) << ")\n";
  std::cout << "WRONG: " << wrong << "\n";
  std::cout << passed << " passed, " << (wrong + crashed) << " failed" << std::endl;
  return (wrong > 0 || crashed > 0 || s.pass_rate < min_pass) ? 1 : 0;
}
