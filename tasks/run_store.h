#pragma once
// A run folder and its record in the results store (DESIGN.md, "Runs, results"): DIR holds the
// resolved config, history, figures, checkpoint and, written last, metrics.json; every run is
// a row of runs.db (SQLite) beside the run folders, with its status. A run that fails leaves
// no metrics.json and is marked failed. One process at a time trains into a folder (it holds
// DIR/.lock, which the kernel frees when the process ends, however it ends).
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

struct sqlite3;

namespace gedilog::tasks {

// RunExists when DIR holds a finished run (DIR/metrics.json): a finished run is never
// overwritten. RunFolder checks it again under its lock.
void refuse_finished_run(const std::string& dir);

class RunFolder {
 public:
  // Creates DIR; refuses a DIR that already holds a finished run (DIR/metrics.json) or that
  // another process is training into (RunBusy). Earlier rows of DIR still marked running are
  // stale (their process is gone, or it would hold the lock): they become failed.
  RunFolder(const std::string& dir, const std::string& config_toml, const std::string& task,
            std::int64_t seed);
  ~RunFolder();
  RunFolder(const RunFolder&) = delete;
  RunFolder& operator=(const RunFolder&) = delete;

  std::string path(const std::string& name) const;
  // Writes DIR/name whole or not at all (written aside, then renamed).
  void write(const std::string& name, const std::string& text) const;
  // The record (finished, with the metrics), then metrics.json: a folder with metrics.json
  // always has its finished row, and a database that cannot be written fails the run.
  void finish(const nlohmann::json& metrics);
  // The record: failed, with the reason. Called by the destructor if neither was.
  void fail(const std::string& message);
  // Runs `train` (it returns the metrics) and finishes with its metrics, or fails with its
  // exception's message and rethrows: the one way a training command ends its run.
  nlohmann::json complete(const std::function<nlohmann::json()>& train);

  static std::string database_of(const std::string& dir);  // DIR/../runs.db
  static std::string folder_key(const std::string& dir);   // how runs.db names DIR: absolute, normal

 private:
  void set_status(const std::string& status, const std::string& metrics, const std::string& message);

  std::string dir_;
  int lock_ = -1;  // DIR/.lock, flock'ed
  sqlite3* db_ = nullptr;
  std::int64_t row_ = -1;
  bool ended_ = false;
};

// A row of runs.db.
struct RunRecord {
  std::int64_t id = 0;
  std::string folder, task;  // folder: RunFolder::folder_key
  std::int64_t seed = 0;
  std::string status;        // "running" | "finished" | "failed"
  std::string started, ended;  // UTC, SQLite's datetime('now')
  nlohmann::json metrics;    // metrics.json's content (discarded when not JSON: null)
  std::string message;       // why it failed
};

// Every run recorded in a runs.db, oldest first. A missing database holds no runs.
std::vector<RunRecord> recorded_runs(const std::string& db_file);

// The metrics of every finished run recorded in a runs.db, by RunFolder::folder_key; the latest
// record of a folder wins. A missing database holds no runs.
std::map<std::string, nlohmann::json> finished_runs(const std::string& db_file);

}  // namespace gedilog::tasks
