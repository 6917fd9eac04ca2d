#include "app/launch_ranks.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <thread>

#include "core/error.h"
#include "tasks/training_run.h"

extern char** environ;

namespace gedilog::app {

namespace {

// A loopback port nobody listens on now (the kernel's choice of an ephemeral one).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (fd >= 0) ::close(fd);
    throw UserError("DistributedError", "--nproc", std::string("no free loopback port: ") + std::strerror(errno));
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

bool launcher_variable(const std::string& entry) {
  for (const char* name : {"RANK=", "WORLD_SIZE=", "LOCAL_RANK=", "LOCAL_WORLD_SIZE=", "MASTER_ADDR=", "MASTER_PORT=",
                           "GEDILOG_PARENT_PID="})
    if (entry.rfind(name, 0) == 0) return true;
  return false;
}

std::string status_text(int status) {
  if (WIFSIGNALED(status)) return std::string("was killed by ") + ::strsignal(WTERMSIG(status));
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

}  // namespace

int launch_local_ranks(int nproc, const std::vector<std::string>& args) {
  const std::string executable = "/proc/self/exe";
  const int port = free_port();
  const int threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / nproc);
  tasks::stop_on_signals();  // Ctrl-C and SIGTERM interrupt the waits below

  std::map<pid_t, int> rank_of;
  for (int rank = 0; rank < nproc; ++rank) {
    std::vector<std::string> env;
    bool threads_set = false;
    for (char** e = environ; *e; ++e) {
      if (launcher_variable(*e)) continue;
      threads_set = threads_set || std::string(*e).rfind("OMP_NUM_THREADS=", 0) == 0;
      env.emplace_back(*e);
    }
    if (!threads_set) env.push_back("OMP_NUM_THREADS=" + std::to_string(threads));
    for (const std::string& v : {"RANK=" + std::to_string(rank), "LOCAL_RANK=" + std::to_string(rank),
                                 "WORLD_SIZE=" + std::to_string(nproc), "LOCAL_WORLD_SIZE=" + std::to_string(nproc),
                                 std::string("MASTER_ADDR=127.0.0.1"), "MASTER_PORT=" + std::to_string(port),
                                 tasks::parent_pid_entry()})
      env.push_back(v);
    std::vector<std::string> argv_strings{executable};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv, envp;
    for (std::string& a : argv_strings) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (std::string& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (rank > 0) posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, executable.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      for (const auto& [started, r] : rank_of) ::kill(started, SIGTERM);
      throw UserError("DistributedError", "--nproc", "cannot start rank " + std::to_string(rank) + ": " + std::strerror(rc));
    }
    rank_of[pid] = rank;
  }

  int failed_rank = -1, failed_status = 0;
  bool forwarded = false;
  while (!rank_of.empty()) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno != EINTR) break;
      if (tasks::interrupted() && !forwarded) {
        for (const auto& [child, r] : rank_of) ::kill(child, SIGTERM);
        forwarded = true;
      }
      continue;
    }
    const auto it = rank_of.find(pid);
    if (it == rank_of.end()) continue;
    const int rank = it->second;
    rank_of.erase(it);
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!ok && failed_rank < 0) {
      failed_rank = rank, failed_status = status;
      for (const auto& [child, r] : rank_of) ::kill(child, SIGTERM);  // they would wait for it until the timeout
    }
  }
  if (failed_rank < 0) return 0;
  std::cerr << "gedilog: rank " << failed_rank << " of " << nproc << " " << status_text(failed_status)
            << "; the other ranks were stopped\n";
  return WIFEXITED(failed_status) ? WEXITSTATUS(failed_status) : 128 + WTERMSIG(failed_status);
}

}  // namespace gedilog::app
