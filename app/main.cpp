#include <CLI/CLI.hpp>
#include <iostream>
#include <new>

#include "app/commands.h"
#include "core/error.h"

int main(int argc, char** argv) {
  CLI::App app{"gedilog: neuro-symbolic learning with exact probabilistic logic"};
  app.set_version_flag("--version", std::string("gedilog ") + GEDILOG_VERSION);
  app.require_subcommand(1);
  gedilog::app::setup_query(app);
  gedilog::app::setup_compile(app);
  gedilog::app::setup_sample(app);
  gedilog::app::setup_train(app);
  gedilog::app::setup_eval(app);
  gedilog::app::setup_predict(app);
  gedilog::app::setup_images(app);
  gedilog::app::setup_compare(app);
  gedilog::app::setup_shortcuts(app);
  gedilog::app::setup_runs(app);
  gedilog::app::setup_config(app);
  try {
    app.parse(argc, argv);  // runs the chosen subcommand's callback
  } catch (const CLI::ValidationError& e) {  // a missing file, a value out of range: bad input
    std::cerr << "gedilog: error: " << e.what() << "\n";
    return gedilog::kExitUserError;
  } catch (const CLI::ParseError& e) {  // --help and --version (status 0), or a usage error
    return app.exit(e) == 0 ? 0 : gedilog::kExitUserError;
  } catch (const gedilog::UserError& e) {
    std::cerr << "gedilog: error: " << e.what() << "\n";
    return gedilog::kExitUserError;
  } catch (const std::bad_alloc&) {
    std::cerr << "gedilog: error: ResourceError: out of memory (the program is too large for "
                 "exact compilation; try a smaller --max-nodes to fail sooner)\n";
    return gedilog::kExitUserError;
  } catch (const std::exception& e) {
    std::cerr << "gedilog: internal error (a bug, please report it): " << e.what() << "\n";
    return gedilog::kExitInternalError;
  }
  return 0;
}
