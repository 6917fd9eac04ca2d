#pragma once
// The two kinds of failure gedilog distinguishes (STYLE.md, habit 4):
//  - UserError: the user's input is wrong (bad program, missing file, unknown predicate).
//    It carries a location "FILE:LINE" when one is known and an error kind named like
//    ProbLog's (NonGroundProbabilisticClause, UnknownClause, ...), so tools and tests can match it.
//  - InternalError: a broken invariant inside gedilog, i.e. a bug.
#include <stdexcept>
#include <string>

namespace gedilog {

class UserError : public std::runtime_error {
 public:
  UserError(std::string kind, std::string location, const std::string& message)
      : std::runtime_error(format(kind, location, message)),
        kind_(std::move(kind)),
        location_(std::move(location)),
        message_(message) {}

  // ProbLog-style name of the error, e.g. "NegativeCycle".
  const std::string& kind() const { return kind_; }
  // "FILE:LINE", "FILE", or empty when no location is known.
  const std::string& location() const { return location_; }
  // The message alone, without location and kind.
  const std::string& message() const { return message_; }

 private:
  static std::string format(const std::string& kind, const std::string& location,
                            const std::string& message) {
    std::string text = location.empty() ? std::string() : location + ": ";
    return text + kind + ": " + message;
  }
  std::string kind_;
  std::string location_;
  std::string message_;
};

class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// Exit codes of the command line: 1 for user errors, 3 for bugs (usage errors: CLI11's codes).
constexpr int kExitUserError = 1;
constexpr int kExitInternalError = 3;

}  // namespace gedilog

#define GEDILOG_CHECK(cond, msg)                                                              \
  do {                                                                                        \
    if (!(cond))                                                                              \
      throw ::gedilog::InternalError(std::string(__FILE__) + ":" + std::to_string(__LINE__) + \
                                     ": check failed: " #cond ": " + (msg));                  \
  } while (0)
