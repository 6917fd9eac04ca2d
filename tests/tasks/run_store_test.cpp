// The run folder and runs.db under faults (issue "Hostile input, faults and concurrency"): one
// process per folder, the finished row before metrics.json, stale rows reconciled, SIGTERM
// recorded, and compare's children stopped with it (when it is told to, or killed).
#include "torch_catch.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "synthetic_mnist.h"
#include "tasks/compare.h"
#include "tasks/run_store.h"
#include "temp_files.h"

extern char** environ;

namespace gedilog::tasks {
namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;

// Every row of a runs.db: {folder, status}, in order.
std::vector<std::pair<std::string, std::string>> rows(const std::string& db_file) {
  std::vector<std::pair<std::string, std::string>> out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return out;
  sqlite3_busy_timeout(db, 10000);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "SELECT folder, status FROM runs ORDER BY id", -1, &stmt, nullptr);
  while (stmt && sqlite3_step(stmt) == SQLITE_ROW)
    out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)),
                     reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

int count(const std::string& db_file, const std::string& status) {
  int n = 0;
  for (const auto& [folder, s] : rows(db_file)) n += s == status;
  return n;
}

pid_t spawn(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

// Polls until `done` holds or `seconds` pass.
template <typename F>
bool eventually(F done, double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

// A tiny digit-pair task whose runs take long enough to be caught running.
std::string slow_experiment(const testing::TempFiles& dir) {
  return dir.write("slow.toml", testing::idx_data_section(dir.path("data"), 300, 100, 11) + R"(
[task]
name = "mnist-evenodd"
examples_per_pair = 6
test_per_pair = 2
[model]
network = "mlp"
[train]
epochs = 100000
batch_size = 16
)");
}

TEST_CASE("a run folder is trained into by one process at a time; stale rows are reconciled", "[tasks][runs]") {
  const testing::TempFiles dir("gedilog_run_lock");
  const std::string db = dir.path("runs/runs.db");
  {
    RunFolder first(dir.path("runs/x"), "", "t", 0);
    CHECK_THROWS_WITH(RunFolder(dir.path("runs/x"), "", "t", 0), Contains("runs/x: RunBusy"));
  }
  CHECK(count(db, "failed") == 1);  // the first, ended without finish: interrupted
  // A row left running by a process that died without a word (SIGKILL) is failed by the next
  // run of that folder, which holds the lock the dead one cannot.
  sqlite3* handle = nullptr;
  sqlite3_open(db.c_str(), &handle);
  const std::string folder = RunFolder::folder_key(dir.path("runs/y"));
  sqlite3_exec(handle, ("INSERT INTO runs (folder, status) VALUES ('" + folder + "', 'running')").c_str(), nullptr,
               nullptr, nullptr);
  sqlite3_close(handle);
  {
    RunFolder again(dir.path("runs/y"), "", "t", 0);
    again.finish({{"ok", 1}});
  }
  CHECK(count(db, "running") == 0);
  CHECK(count(db, "finished") == 1);
}

TEST_CASE("metrics.json is written only once its finished row is", "[tasks][runs]") {
  const testing::TempFiles dir("gedilog_run_order");
  RunFolder run(dir.path("runs/z"), "", "t", 0);
  sqlite3* other = nullptr;
  sqlite3_open(dir.path("runs/runs.db").c_str(), &other);
  REQUIRE(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK);  // the database is locked
  CHECK_THROWS_WITH(run.finish({{"ok", 1}}), Contains("DatabaseError"));
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  CHECK_FALSE(fs::exists(dir.path("runs/z/metrics.json")));
  for (const auto& entry : fs::directory_iterator(dir.path("runs/z")))
    CHECK(entry.path().filename().string().find(".tmp") == std::string::npos);  // nothing left aside
}

TEST_CASE("SIGTERM stops a training run, which is recorded as failed", "[tasks][runs][signals]") {
  const testing::TempFiles dir("gedilog_sigterm");
  const std::string config = slow_experiment(dir), db = dir.path("runs/runs.db");
  const pid_t pid = spawn({GEDILOG_BINARY, "train", config, "--out", dir.path("runs/a")});
  REQUIRE(pid > 0);
  REQUIRE(eventually([&] { return count(db, "running") == 1; }, 60));
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 1));  // a user error (interrupted), not a signal death
  CHECK(count(db, "failed") == 1);
  CHECK_FALSE(fs::exists(dir.path("runs/a/metrics.json")));
}

TEST_CASE("compare's children stop with it, told or killed; a resume runs each run once", "[tasks][runs][signals]") {
  const testing::TempFiles dir("gedilog_compare_signals");
  slow_experiment(dir);
  const std::string grid = dir.write("grid.toml", R"(
experiment = "slow.toml"
seeds = [0, 1]
metrics = ["test.label_accuracy"]
[[variant]]
name = "plain"
)");
  const std::string out = dir.path("cmp"), db = dir.path("cmp/runs.db");
  for (const int signal : {SIGTERM, SIGKILL}) {
    CAPTURE(signal);
    const int failed_before = count(db, "failed");
    const pid_t pid = spawn({GEDILOG_BINARY, "compare", grid, "--out", out, "--jobs", "2"});
    REQUIRE(pid > 0);
    REQUIRE(eventually([&] { return count(db, "running") == 2; }, 60));
    ::kill(pid, signal);
    int status = 0;
    ::waitpid(pid, &status, 0);
    // Both children end and record their runs as failed: none trains on as an orphan.
    CHECK(eventually([&] { return count(db, "running") == 0; }, 60));
    CHECK(count(db, "failed") == failed_before + 2);
  }
  // The resume (short runs now) trains each run once, into its own folder, and tabulates both.
  std::ostringstream log;
  Grid g = load_grid(grid);
  g.set = {"train.epochs=1"};
  const std::string table = run_grid(g, out, log, false, {2, GEDILOG_BINARY});
  CHECK(count(db, "finished") == 2);
  CHECK(count(db, "running") == 0);
  std::map<std::string, int> finished_per_folder;
  for (const auto& [folder, status] : rows(db))
    if (status == "finished") ++finished_per_folder[folder];
  CHECK(finished_per_folder.size() == 2);
  for (const auto& [folder, n] : finished_per_folder) CHECK(n == 1);
  CHECK_THAT(table, Contains("| plain |"));
}

}  // namespace
}  // namespace gedilog::tasks
