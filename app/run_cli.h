#pragma once
// What both executables do with a parsed command line: run it, and turn what it throws into
// an exit status (STYLE.md, habit 4) and one line on stderr.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <new>
#include <string>

#include "core/error.h"

namespace gedilog::app {

// "gedilog", or "gedilog rank R" in a rank of a data-parallel run (neural/distributed.h), so
// that each rank's message says whose it is.
inline std::string program_name() {
  const char* rank = std::getenv("RANK");
  const char* size = std::getenv("WORLD_SIZE");
  return rank != nullptr && size != nullptr && std::string(size) != "1" ? std::string("gedilog rank ") + rank : "gedilog";
}

inline int run_cli(CLI::App& app, int argc, char** argv) {
  app.set_version_flag("--version", std::string("gedilog ") + GEDILOG_VERSION);
  app.require_subcommand(1);
  try {
    app.parse(argc, argv);  // runs the chosen subcommand's callback
  } catch (const CLI::ValidationError& e) {  // a missing file, a value out of range: bad input
    std::cerr << program_name() << ": error: " << e.what() << "\n";
    return kExitUserError;
  } catch (const CLI::ParseError& e) {  // --help and --version (status 0), or a usage error
    return app.exit(e) == 0 ? 0 : kExitUserError;
  } catch (const UserError& e) {
    std::cerr << program_name() << ": error: " << e.what() << "\n";
    return kExitUserError;
  } catch (const std::bad_alloc&) {
    std::cerr << program_name() << ": error: ResourceError: out of memory (the program is too large for "
                 "exact compilation; try a smaller --max-nodes to fail sooner)\n";
    return kExitUserError;
  } catch (const std::exception& e) {
    std::cerr << program_name() << ": internal error (a bug, please report it): " << e.what() << "\n";
    return kExitInternalError;
  }
  return 0;
}

}  // namespace gedilog::app
