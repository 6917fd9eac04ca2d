// gedilog runs [DIR] [--where KEY=VALUE ...]: the runs recorded in DIR/runs.db, as a table.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <memory>

#include "app/commands.h"
#include "core/error.h"
#include "tasks/run_store.h"
#include "tasks/training_run.h"

namespace gedilog::app {

namespace {

struct RunsOptions {
  std::string dir = "runs";
  std::vector<std::string> where;
};

// The numbers a run is judged by, whatever its kind: sum or label accuracy and concept
// accuracy (a program task), accuracy (a task from files), ACC and NMI (clustering).
std::string headline(const tasks::RunRecord& r) {
  if (!r.metrics.is_object() || !r.metrics.contains("test")) return "";
  const nlohmann::json& test = r.metrics.at("test");
  auto number = [&](const char* key) { return test.contains(key) && test.at(key).is_number(); };
  auto percent = [&](const char* key) { return tasks::fixed(100 * test.at(key).get<double>(), 2) + "%"; };
  std::string out;
  if (number("label_accuracy")) out = "label accuracy " + percent("label_accuracy");
  if (number("concept_accuracy")) out += ", concept accuracy " + percent("concept_accuracy");
  if (number("nmi")) return "ACC " + tasks::fixed(test.at("accuracy").get<double>(), 4) + ", NMI " +
                            tasks::fixed(test.at("nmi").get<double>(), 4);
  if (out.empty() && number("accuracy")) out = "accuracy " + percent("accuracy");
  return out;
}

void run(const RunsOptions& o) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(o.dir)) throw UserError("FileNotFound", o.dir, "not a folder of runs (gedilog train --out DIR/NAME)");
  std::map<std::string, std::string> filters;
  for (const std::string& w : o.where) {
    const auto eq = w.find('=');
    const std::string key = w.substr(0, eq);
    if (eq == std::string::npos || (key != "status" && key != "task" && key != "seed" && key != "folder"))
      throw UserError("UsageError", "--where " + w, "expected KEY=VALUE with KEY status, task, seed or folder");
    filters[key] = w.substr(eq + 1);
  }
  const std::string db = (fs::path(o.dir) / "runs.db").string();
  const std::string root = fs::absolute(o.dir).lexically_normal().string();
  std::size_t shown = 0;
  for (const tasks::RunRecord& r : tasks::recorded_runs(db)) {
    std::string folder = r.folder.rfind(root, 0) == 0 ? r.folder.substr(root.size()) : r.folder;
    if (!folder.empty() && folder.front() == '/') folder.erase(0, 1);
    if ((filters.count("status") && r.status != filters["status"]) || (filters.count("task") && r.task != filters["task"]) ||
        (filters.count("seed") && std::to_string(r.seed) != filters["seed"]) ||
        (filters.count("folder") && folder.find(filters["folder"]) == std::string::npos))
      continue;
    if (shown++ == 0)
      std::cout << "| id | run | task | seed | status | started (UTC) | ended | result |\n"
                   "|---|---|---|---|---|---|---|---|\n";
    std::string result = r.status == "finished" ? headline(r) : r.message;
    for (char& c : result) c = c == '\n' || c == '|' ? ' ' : c;  // one table cell
    std::cout << "| " << r.id << " | " << folder << " | " << r.task << " | " << r.seed << " | " << r.status << " | "
              << r.started << " | " << r.ended << " | " << result << " |\n";
  }
  if (shown == 0) std::cout << "no runs recorded in " << db << (o.where.empty() ? "" : " that match --where") << "\n";
}

}  // namespace

void setup_runs(CLI::App& app) {
  auto o = std::make_shared<RunsOptions>();
  CLI::App* cmd = app.add_subcommand("runs", torch_command("runs"));
  cmd->add_option("dir", o->dir, "The folder the run folders are in (default: runs)");
  cmd->add_option("--where", o->where, "Only runs with KEY=VALUE (status, task, seed; folder: a part of its name); repeatable");
  cmd->callback([o] { run(*o); });
}

}  // namespace gedilog::app
