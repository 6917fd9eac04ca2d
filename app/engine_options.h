#pragma once
// The options of the exact engine that `query` and `compile` share.
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "core/error.h"
#include "symbolic/mdd.h"
#include "symbolic/program.h"

namespace gedilog::app {

// The program a command reads: a file, or standard input for `-` (ProbLog users pipe
// programs). SWI-Prolog consults files, so the text goes to a temporary file for as long as
// this lives, and errors name <stdin> instead of it. A program read from standard input
// consults other files relative to that temporary folder: give those by absolute path.
class ProgramInput {
 public:
  explicit ProgramInput(const std::string& argument) : path_(argument) {
    if (argument != "-") return;
    folder_ = std::filesystem::temp_directory_path() / ("gedilog-stdin-" + std::to_string(::getpid()));
    std::filesystem::create_directories(folder_);
    path_ = (folder_ / "stdin.pl").string();
    std::ofstream out(path_);
    out << std::cin.rdbuf();
    if (!out) throw UserError("FileNotWritable", path_, "cannot copy standard input");
  }
  ~ProgramInput() {
    std::error_code ignored;
    if (!folder_.empty()) std::filesystem::remove_all(folder_, ignored);
  }
  ProgramInput(const ProgramInput&) = delete;
  ProgramInput& operator=(const ProgramInput&) = delete;

  const std::string& path() const { return path_; }              // to load
  std::string name() const { return folder_.empty() ? path_ : "<stdin>"; }  // to show
  // The error, naming <stdin> where it named the temporary file.
  UserError renamed(const UserError& e) const {
    return folder_.empty() ? e : UserError(e.kind(), replaced(e.location()), replaced(e.message()));
  }

 private:
  std::string replaced(std::string text) const {
    for (std::size_t at; (at = text.find(path_)) != std::string::npos;) text.replace(at, path_.size(), "<stdin>");
    return text;
  }
  std::string path_;
  std::filesystem::path folder_;
};

// Runs body(input) on the program named on the command line; what it throws names <stdin>
// where it named the temporary file.
template <typename Body>
void with_program(const std::string& argument, Body body) {
  const ProgramInput input(argument);
  try {
    body(input);
  } catch (const UserError& e) {
    throw input.renamed(e);
  }
}

// The positional FILE of `query`, `compile` and `sample`: an existing file or `-`.
inline CLI::Option* add_program_argument(CLI::App* cmd, std::string& file) {
  return cmd->add_option("file", file, "ProbLog program (.pl), or - for standard input")
      ->required()
      ->check(CLI::Validator(
          [](std::string& value) { return value == "-" ? std::string() : CLI::ExistingFile(value); },
          "FILE|-"));
}

// --max-seconds: how long a grounding may take (Program::set_grounding_seconds).
inline void add_grounding_option(CLI::App* cmd, double& seconds) {
  cmd->add_option("--max-seconds", seconds, "Longest a grounding may take (0: no limit)")
      ->check(CLI::Range(0, 86400))  // a day
      ->capture_default_str();
}

struct EngineOptions {
  std::size_t max_nodes = symbolic::Mdd::kDefaultNodeLimit;
  std::string compiler = "auto";
  double max_seconds = symbolic::Program::kDefaultGroundingSeconds;
};

inline void add_engine_options(CLI::App* cmd, EngineOptions& o) {
  cmd->add_option("--max-nodes", o.max_nodes, "Largest decision diagram or DNNF allowed")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40))  // -1 must not wrap to "no limit"
      ->capture_default_str();
  cmd->add_option("--compiler", o.compiler, "Knowledge compiler: mdd (fixed order), ddnnf (decomposition), auto")
      ->check(CLI::IsMember({"auto", "mdd", "ddnnf"}))
      ->capture_default_str();
  add_grounding_option(cmd, o.max_seconds);
}

}  // namespace gedilog::app
