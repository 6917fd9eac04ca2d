#pragma once
// A training log that presses Ctrl-C (tasks::request_interrupt) as soon as the loop reports
// epoch K: the run then stops in epoch K + 1, after its resume point for epoch K was written,
// at the same place whatever the machine's speed.
#include <ostream>
#include <sstream>
#include <string>

#include "tasks/training_run.h"

namespace gedilog::testing {

class InterruptingLog : public std::ostream {
 public:
  explicit InterruptingLog(int epoch) : std::ostream(&buffer_), buffer_("epoch " + std::to_string(epoch) + ": ") {}
  std::string text() const { return buffer_.str(); }

 private:
  class Buffer : public std::stringbuf {
   public:
    explicit Buffer(std::string mark) : mark_(std::move(mark)) {}

   protected:
    std::streamsize xsputn(const char* s, std::streamsize n) override {
      const std::streamsize written = std::stringbuf::xsputn(s, n);
      if (str().find(mark_) != std::string::npos) tasks::request_interrupt();
      return written;
    }

   private:
    std::string mark_;
  };
  Buffer buffer_;
};

}  // namespace gedilog::testing
