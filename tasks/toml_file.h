#pragma once
// Reading TOML files for tasks/ (experiment and grid files): one place that turns toml++'s
// errors and source positions into UserErrors naming FILE:LINE; and writing them. Private to
// tasks/.
#include <toml++/toml.h>

#include <sstream>
#include <string>

#include "core/error.h"

namespace gedilog::tasks {

// "FILE:LINE" for a node's position, or FILE when toml++ has none (values made in code).
inline std::string where(const std::string& file, const toml::source_region& r) {
  return r.begin.line ? file + ":" + std::to_string(r.begin.line) : file;
}

inline std::string where(const std::string& file, const toml::node& n) { return where(file, n.source()); }

// The parsed file; a syntax error is a ParseError at its line, a missing file FileNotFound.
inline toml::table parse_toml_file(const std::string& file) {
  try {
    return toml::parse_file(file);
  } catch (const toml::parse_error& e) {
    throw UserError(e.source().begin.line ? "ParseError" : "FileNotFound", where(file, e.source()),
                    std::string(e.description()));
  }
}

// `doc` as TOML text. toml++ as Debian builds it prints every float with 17 significant digits
// (0.1 as 0.10000000000000001); its relaxed precision (6 digits) is used instead when every
// value reads back from it exactly, so that no value is ever rounded.
inline std::string toml_text(const toml::table& doc) {
  std::ostringstream relaxed;
  relaxed << toml::toml_formatter{
      doc, toml::toml_formatter::default_flags | toml::format_flags::relaxed_float_precision};
  try {
    if (toml::parse(relaxed.str()) == doc) return relaxed.str();
  } catch (const toml::parse_error&) {
  }
  std::ostringstream exact;
  exact << doc;
  return exact.str();
}

}  // namespace gedilog::tasks
