#pragma once
// What both executables do with a parsed command line: run it, and turn what it throws into
// an exit status (STYLE.md, habit 4) and one line on stderr.
#include <CLI/CLI.hpp>
#include <iostream>
#include <new>

#include "core/error.h"

namespace gedilog::app {

inline int run_cli(CLI::App& app, int argc, char** argv) {
  app.set_version_flag("--version", std::string("gedilog ") + GEDILOG_VERSION);
  app.require_subcommand(1);
  try {
    app.parse(argc, argv);  // runs the chosen subcommand's callback
  } catch (const CLI::ValidationError& e) {  // a missing file, a value out of range: bad input
    std::cerr << "gedilog: error: " << e.what() << "\n";
    return kExitUserError;
  } catch (const CLI::ParseError& e) {  // --help and --version (status 0), or a usage error
    return app.exit(e) == 0 ? 0 : kExitUserError;
  } catch (const UserError& e) {
    std::cerr << "gedilog: error: " << e.what() << "\n";
    return kExitUserError;
  } catch (const std::bad_alloc&) {
    std::cerr << "gedilog: error: ResourceError: out of memory (the program is too large for "
                 "exact compilation; try a smaller --max-nodes to fail sooner)\n";
    return kExitUserError;
  } catch (const std::exception& e) {
    std::cerr << "gedilog: internal error (a bug, please report it): " << e.what() << "\n";
    return kExitInternalError;
  }
  return 0;
}

}  // namespace gedilog::app
