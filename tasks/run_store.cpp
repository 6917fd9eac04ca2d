#include "tasks/run_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace gedilog::tasks {

namespace fs = std::filesystem;

namespace {

void exec(sqlite3* db, const std::string& sql, const std::string& file) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string msg = error ? error : "unknown error";
    sqlite3_free(error);
    throw UserError("DatabaseError", file, msg);
  }
}

// Runs one statement with text parameters bound in order.
void run(sqlite3* db, const std::string& sql, const std::vector<std::string>& params, const std::string& file) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK)
    throw UserError("DatabaseError", file, sqlite3_errmsg(db));
  for (std::size_t i = 0; i < params.size(); ++i)
    sqlite3_bind_text(stmt, static_cast<int>(i + 1), params[i].c_str(), -1, SQLITE_TRANSIENT);
  const int rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) throw UserError("DatabaseError", file, sqlite3_errmsg(db));
}

}  // namespace

std::string RunFolder::database_of(const std::string& dir) {
  return (fs::absolute(dir).lexically_normal().parent_path() / "runs.db").string();
}

void refuse_finished_run(const std::string& dir) {
  if (fs::exists(fs::path(dir) / "metrics.json"))
    throw UserError("RunExists", dir, "holds a finished run (metrics.json); choose another --out");
}

RunFolder::RunFolder(const std::string& dir, const std::string& config_toml, const std::string& task,
                     std::int64_t seed)
    : dir_(dir) {
  refuse_finished_run(dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw UserError("IOError", dir, "cannot create the run folder: " + ec.message());
  lock_ = ::open(path(".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_ < 0) throw UserError("IOError", path(".lock"), "cannot create the run folder's lock");
  if (::flock(lock_, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_);
    lock_ = -1;
    throw UserError("RunBusy", dir, "another gedilog process is training into this folder");
  }
  refuse_finished_run(dir);  // it may have finished since: checked again under the lock
  write("config.toml", config_toml);

  const std::string db_file = database_of(dir);
  if (sqlite3_open(db_file.c_str(), &db_) != SQLITE_OK)
    throw UserError("DatabaseError", db_file, db_ ? sqlite3_errmsg(db_) : "cannot open");
  sqlite3_busy_timeout(db_, 10000);
  exec(db_,
       "CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, folder TEXT, task TEXT, seed INTEGER,"
       " status TEXT, started TEXT, ended TEXT, config TEXT, metrics TEXT, message TEXT)",
       db_file);
  run(db_,
      "INSERT INTO runs (folder, task, seed, status, started, config) VALUES (?, ?, ?, 'running', "
      "datetime('now'), ?)",
      {folder_key(dir), task, std::to_string(seed), config_toml}, db_file);
  row_ = sqlite3_last_insert_rowid(db_);
  run(db_,
      "UPDATE runs SET status = 'failed', ended = datetime('now'), message = 'stale: its process ended without "
      "recording how' WHERE folder = ? AND status = 'running' AND id != ?",
      {folder_key(dir), std::to_string(row_)}, db_file);
}

RunFolder::~RunFolder() {
  if (!ended_) {
    try {
      fail("interrupted");
    } catch (...) {
    }
  }
  if (db_) sqlite3_close(db_);
  if (lock_ >= 0) ::close(lock_);  // releases the flock
}

std::string RunFolder::folder_key(const std::string& dir) { return fs::absolute(dir).lexically_normal().string(); }

std::string RunFolder::path(const std::string& name) const { return (fs::path(dir_) / name).string(); }

void RunFolder::write(const std::string& name, const std::string& text) const {
  const std::string file = path(name), tmp = file + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    out.close();  // a full disk shows at the flush
    if (!out) {
      fs::remove(tmp);
      throw UserError("IOError", file, "cannot write (disk full?)");
    }
  }
  fs::rename(tmp, file);
}

void RunFolder::set_status(const std::string& status, const std::string& metrics, const std::string& message) {
  ended_ = true;
  run(db_, "UPDATE runs SET status = ?, ended = datetime('now'), metrics = ?, message = ? WHERE id = ?",
      {status, metrics, message, std::to_string(row_)}, database_of(dir_));
}

void RunFolder::finish(const nlohmann::json& metrics) {
  const std::string file = path("metrics.json"), aside = file + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(aside, std::ios::binary);
    out << metrics.dump(2) << "\n";
    out.close();
    if (!out) {
      fs::remove(aside);
      throw UserError("IOError", file, "cannot write (disk full?)");
    }
  }
  try {
    set_status("finished", metrics.dump(), "");
  } catch (...) {
    fs::remove(aside);
    ended_ = false;  // the destructor or complete() records the failure, if the database lets it
    throw;
  }
  fs::rename(aside, file);
}

void RunFolder::fail(const std::string& message) { set_status("failed", "", message); }

nlohmann::json RunFolder::complete(const std::function<nlohmann::json()>& train) {
  try {
    nlohmann::json metrics = train();
    finish(metrics);
    return metrics;
  } catch (const std::exception& e) {
    try {
      fail(e.what());
    } catch (...) {  // the first error is the one to report
    }
    throw;
  }
}

std::vector<RunRecord> recorded_runs(const std::string& db_file) {
  std::vector<RunRecord> out;
  if (!fs::exists(db_file)) return out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    const std::string message = db ? sqlite3_errmsg(db) : "cannot open";
    sqlite3_close(db);
    throw UserError("DatabaseError", db_file, message);
  }
  sqlite3_busy_timeout(db, 10000);  // a run finishing meanwhile holds the write lock briefly
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db,
                         "SELECT id, folder, task, seed, status, started, ended, metrics, message FROM runs ORDER BY id",
                         -1, &stmt, nullptr) != SQLITE_OK) {
    const std::string message = sqlite3_errmsg(db);
    sqlite3_close(db);
    throw UserError("DatabaseError", db_file, message);
  }
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    const auto text = [&](int column) {
      const unsigned char* v = sqlite3_column_text(stmt, column);
      return v ? std::string(reinterpret_cast<const char*>(v)) : std::string();
    };
    nlohmann::json metrics = nlohmann::json::parse(text(7), nullptr, /*allow_exceptions=*/false);
    if (metrics.is_discarded()) metrics = nullptr;
    out.push_back({sqlite3_column_int64(stmt, 0), text(1), text(2), sqlite3_column_int64(stmt, 3), text(4), text(5),
                   text(6), std::move(metrics), text(8)});
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

std::map<std::string, nlohmann::json> finished_runs(const std::string& db_file) {
  std::map<std::string, nlohmann::json> out;
  for (RunRecord& r : recorded_runs(db_file))
    if (r.status == "finished") out[r.folder] = std::move(r.metrics);
  return out;
}

}  // namespace gedilog::tasks
