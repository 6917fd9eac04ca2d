// gedilog: the exact engine's commands, and the door to gedilog-torch's (see commands.h).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>

#include "app/commands.h"
#include "app/run_cli.h"

namespace {

// Replaces this process with gedilog-torch, same arguments; returns only when that fails.
int exec_torch(char** argv) {
  std::error_code ignored;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ignored);
  const std::string torch = (self.parent_path() / "gedilog-torch").string();
  ::execv(torch.c_str(), argv);
  std::cerr << "gedilog: error: cannot run " << torch << " (" << std::strerror(errno)
            << "): the commands that train or read runs are in gedilog-torch, built beside gedilog\n";
  return gedilog::kExitUserError;
}

}  // namespace

int main(int argc, char** argv) {
  // Before anything else: the exec keeps gedilog-torch's start-up the only one.
  if (argc > 1 && gedilog::app::torch_command(argv[1])) return exec_torch(argv);

  CLI::App app{"gedilog: neuro-symbolic learning with exact probabilistic logic"};
  gedilog::app::setup_query(app);
  gedilog::app::setup_compile(app);
  gedilog::app::setup_sample(app);
  // Listed in --help; reached above, or here after options placed before the command.
  for (const gedilog::app::TorchCommand& c : gedilog::app::kTorchCommands)
    app.add_subcommand(c.name, c.description)->prefix_command()->callback([argv] { exec_torch(argv); });
  return gedilog::app::run_cli(app, argc, argv);
}
