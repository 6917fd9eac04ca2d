#include "tasks/compare.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <ostream>
#include <set>
#include <sstream>
#include <thread>

#include "core/error.h"
#include "tasks/experiment.h"
#include "tasks/run_experiment.h"
#include "tasks/plots.h"
#include "tasks/run_store.h"
#include "tasks/statistics.h"
#include "tasks/toml_file.h"
#include "tasks/training_run.h"

namespace gedilog::tasks {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> strings(const std::string& file, const toml::node& n, const std::string& key) {
  const toml::array* a = n.as_array();
  if (!a) throw UserError("ConfigError", where(file, n), "'" + key + "' must be an array of strings");
  std::vector<std::string> out;
  for (const toml::node& e : *a) {
    if (!e.is_string()) throw UserError("ConfigError", where(file, e), "'" + key + "' must hold strings");
    out.push_back(*e.value<std::string>());
  }
  return out;
}

std::vector<std::string> merged(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

Grid load_grid(const std::string& file, const std::vector<std::string>& overrides) {
  const toml::table doc = parse_toml_file(file);
  const fs::path folder = fs::path(file).parent_path();
  Grid g;
  g.command_line = overrides;
  g.file = file;
  auto axis = [&](const toml::node& node, const std::string& key, bool is_task) {
    const toml::array* a = node.as_array();
    if (!a) throw UserError("ConfigError", where(file, node), "'" + key + "' must be [[" + key + "]] tables");
    std::vector<Grid::Axis> out;
    for (const toml::node& e : *a) {
      const toml::table* t = e.as_table();
      if (!t) throw UserError("ConfigError", where(file, e), "'" + key + "' must be [[" + key + "]] tables");
      Grid::Axis x;
      for (auto&& [k, n] : *t) {
        if (k.str() == "name" && n.is_string()) x.name = *n.value<std::string>();
        else if (k.str() == "set") x.set = strings(file, n, "set");
        else if (is_task && k.str() == "experiment" && n.is_string())
          x.experiment = (folder / *n.value<std::string>()).string();
        else
          throw UserError("ConfigError", where(file, n),
                          "unknown " + key + " key '" + std::string(k.str()) + "' (known: name, " +
                              (is_task ? "experiment, " : "") + "set)");
      }
      if (slug(x.name).empty()) throw UserError("ConfigError", where(file, e), "a " + key + " needs a name");
      out.push_back(std::move(x));
    }
    return out;
  };
  for (auto&& [k, node] : doc) {
    const std::string key(k.str());
    if (key == "experiment") {
      if (!node.is_string()) throw UserError("ConfigError", where(file, node), "'experiment' must be a string");
      g.experiment = (folder / *node.value<std::string>()).string();
    } else if (key == "seeds") {
      const toml::array* a = node.as_array();
      if (!a) throw UserError("ConfigError", where(file, node), "'seeds' must be an array of integers");
      for (const toml::node& e : *a) {
        if (!e.is_integer()) throw UserError("ConfigError", where(file, e), "'seeds' must hold integers");
        g.seeds.push_back(*e.value<std::int64_t>());
      }
    } else if (key == "set") {
      g.set = strings(file, node, key);
    } else if (key == "baseline") {
      if (!node.is_string()) throw UserError("ConfigError", where(file, node), "'baseline' must be a variant's name");
      g.baseline = *node.value<std::string>();
    } else if (key == "metrics") {
      g.metrics = strings(file, node, key);
    } else if (key == "task") {
      g.tasks = axis(node, key, true);
    } else if (key == "variant") {
      g.variants = axis(node, key, false);
    } else {
      throw UserError("ConfigError", where(file, node),
                      "unknown key '" + key + "' (known: experiment, seeds, set, metrics, baseline, task, variant)");
    }
  }
  auto require = [&](bool ok, const std::string& msg) {
    if (!ok) throw UserError("ConfigError", file, msg);
  };
  bool every_task_has_one = !g.tasks.empty();
  for (const Grid::Axis& t : g.tasks) every_task_has_one = every_task_has_one && !t.experiment.empty();
  require(!g.experiment.empty() || every_task_has_one, "'experiment' (an experiment file) is required");
  require(!g.seeds.empty(), "'seeds' must list at least one seed");
  require(!g.metrics.empty(), "'metrics' must name at least one metric");
  require(!g.variants.empty(), "at least one [[variant]] is required");
  if (g.baseline.empty()) g.baseline = g.variants.front().name;
  bool baseline_found = false;
  for (const Grid::Axis& v : g.variants) baseline_found = baseline_found || v.name == g.baseline;
  require(baseline_found, "'baseline' names no [[variant]]: '" + g.baseline + "'");
  for (const auto* names : {&g.tasks, &g.variants}) {
    std::set<std::string> seen;
    for (const Grid::Axis& x : *names) require(seen.insert(slug(x.name)).second, "two entries named '" + x.name + "'");
  }
  for (const GridRun& r : grid_runs(g, "."))
    if (r.seed == g.seeds.front()) load_experiment(r.experiment, r.overrides);  // a typo fails now, not after hours
  return g;
}

std::vector<GridRun> grid_runs(const Grid& g, const std::string& out_dir) {
  std::vector<GridRun> runs;
  const std::vector<Grid::Axis> tasks = g.tasks.empty() ? std::vector<Grid::Axis>{Grid::Axis{}} : g.tasks;
  for (const Grid::Axis& t : tasks)
    for (const Grid::Axis& v : g.variants)
      for (std::int64_t seed : g.seeds) {
        GridRun r;
        r.task = t.name;
        r.variant = v.name;
        r.seed = seed;
        r.experiment = t.experiment.empty() ? g.experiment : t.experiment;
        r.overrides =
            merged(merged(merged(merged(g.set, t.set), v.set), g.command_line), {"train.seed=" + std::to_string(seed)});
        const std::string name = (t.name.empty() ? "" : slug(t.name) + "-") + slug(v.name) + "-s" + std::to_string(seed);
        r.dir = (fs::path(out_dir) / name).string();
        runs.push_back(std::move(r));
      }
  return runs;
}

namespace {

// Whether the run folder `dir` holds a run of `config` (its config.toml is what this cell
// writes): only then is it tabulated when finished, or continued when interrupted.
bool holds_config(const std::string& dir, const ExperimentConfig& config) {
  std::ifstream in(fs::path(dir) / "config.toml");
  return std::string((std::istreambuf_iterator<char>(in)), {}) == to_toml(config);
}

// The child process of one run (jobs > 1): `gedilog train EXPERIMENT --set ... --out DIR`
// (run_experiment, as in process), or `gedilog train --resume DIR`; its output into
// `log_file`, OMP_NUM_THREADS = `threads`.
// Returns -1 (and says why in `error`) when it cannot start.
pid_t spawn_run(const CompareOptions& o, const GridRun& r, bool resume, const std::string& log_file, int threads,
                std::string& error) {
  std::vector<std::string> args = {o.executable, "train"};
  if (resume) {
    args.insert(args.end(), {"--resume", r.dir});
  } else {
    args.push_back(r.experiment);
    for (const std::string& s : r.overrides) args.insert(args.end(), {"--set", s});
    args.insert(args.end(), {"--out", r.dir});
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e)
    if (std::string(*e).rfind("OMP_NUM_THREADS=", 0) != 0 && std::string(*e).rfind("GEDILOG_PARENT_PID=", 0) != 0)
      env_strings.emplace_back(*e);
  env_strings.push_back("OMP_NUM_THREADS=" + std::to_string(threads));
  env_strings.push_back(parent_pid_entry());  // the child stops when this process dies
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, o.executable.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    error = o.executable + ": cannot start it: " + std::strerror(rc);
    return -1;
  }
  return pid;
}

std::string label_of(const GridRun& r) {
  return (r.task.empty() ? "" : r.task + ", ") + r.variant + ", seed " + std::to_string(r.seed);
}


nlohmann::json::json_pointer metric_pointer(const std::string& metric) {
  std::string pointer = "/" + metric;
  std::replace(pointer.begin(), pointer.end(), '.', '/');
  return nlohmann::json::json_pointer(pointer);
}

// How many of 0/1 values are 1.
std::int64_t successes(const std::vector<double>& values) {
  return static_cast<std::int64_t>(std::count(values.begin(), values.end(), 1.0));
}

// results.md, results.csv and results.png from the finished runs (metrics.json by folder key).
// A metric is binary when every value it has in the grid is an integer (or boolean) 0 or 1.
std::string write_results(const Grid& g, const std::vector<GridRun>& runs,
                          const std::map<std::string, nlohmann::json>& finished, const std::string& out_dir) {
  const std::size_t seeds = g.seeds.size();
  const bool by_task = !g.tasks.empty();
  // The value of a metric in run i's metrics.json, or null (unfinished run, no such entry).
  auto value_of = [&](std::size_t i, const nlohmann::json::json_pointer& p) -> const nlohmann::json* {
    const auto it = finished.find(RunFolder::folder_key(runs[i].dir));
    return it == finished.end() || !it->second.contains(p) ? nullptr : &it->second.at(p);
  };
  auto cell_values = [&](std::size_t first, const std::string& metric) {
    std::vector<double> out;
    const auto p = metric_pointer(metric);
    for (std::size_t i = first; i < first + seeds; ++i) {
      const nlohmann::json* v = value_of(i, p);
      if (v && v->is_boolean()) out.push_back(v->get<bool>() ? 1.0 : 0.0);
      else if (v && v->is_number()) out.push_back(v->get<double>());
    }
    return out;
  };
  std::map<std::string, bool> binary;
  for (const std::string& m : g.metrics) {
    const auto p = metric_pointer(m);
    bool is_binary = true, seen = false;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const nlohmann::json* v = value_of(i, p);
      if (!v) continue;
      seen = true;
      is_binary = is_binary && (v->is_boolean() || (v->is_number_integer() && (*v == 0 || *v == 1)));
    }
    binary[m] = seen && is_binary;
  }
  // The baseline's cell of each task: its first run's index.
  const std::size_t variants = g.variants.size();
  std::size_t baseline = 0;
  for (std::size_t v = 0; v < variants; ++v)
    if (g.variants[v].name == g.baseline) baseline = v;
  auto baseline_cell = [&](std::size_t first) { return first - first % (variants * seeds) + baseline * seeds; };

  std::ostringstream md, tests, maps, csv;
  md << "Grid `" << g.file << "`, seeds";
  for (std::int64_t s : g.seeds) md << " " << s;
  md << ". Per cell: the mean and its 95% interval (Student's t) over the seeds that finished; for"
        " binary metrics (0 or 1 per run) the count and its 95% Wilson interval. Accuracies and other"
        " shares are fractions in [0, 1], as in metrics.json (`gedilog train` prints them in percent)."
        " `runs`: finished runs of the cell.\n\n|"
     << (by_task ? " task |" : "") << " variant | runs |";
  csv << (by_task ? "task," : "") << "variant";
  for (const std::string& m : g.metrics) {
    md << " " << m << " |";
    csv << "," << m << "_mean," << m << "_std," << m << "_n," << m << "_low," << m << "_high," << m << "_p";
  }
  md << "\n|" << (by_task ? "---|" : "") << "---|---|";
  for (std::size_t i = 0; i < g.metrics.size(); ++i) md << "---|";
  md << "\n";
  csv << "\n";
  tests << "\n## Against the baseline\n\nTwo-sided p-values of each variant against `" << g.variants[baseline].name
        << "`" << (by_task ? " of the same task" : "")
        << ": Fisher's exact test for binary metrics, Mann-Whitney's U for the others (exact without ties"
           " for up to 40 values)."
           " Not corrected for the number of comparisons.\n\n|"
        << (by_task ? " task |" : "") << " variant |";
  for (const std::string& m : g.metrics) tests << " " << m << " |";
  tests << "\n|" << (by_task ? "---|" : "") << "---|";
  for (std::size_t i = 0; i < g.metrics.size(); ++i) tests << "---|";
  tests << "\n";
  maps << "\n## Learned concept maps\n\nPer run, `test.concept_map`: true value -> the concept it is read as"
          " most often.\n\n|" << (by_task ? " task |" : "") << " variant | seed | map |\n|" << (by_task ? "---|" : "")
       << "---|---|---|\n";
  bool any_map = false;

  BarChart chart;
  chart.metrics = g.metrics;
  for (const Grid::Axis& v : g.variants) chart.series.push_back(v.name);
  for (std::size_t first = 0; first < runs.size(); first += seeds) {  // a cell: its seeds
    const GridRun& cell = runs[first];
    const bool is_baseline = first == baseline_cell(first);
    if (chart.groups.empty() || chart.groups.back() != cell.task) chart.groups.push_back(cell.task);
    std::size_t finished_runs = 0;
    for (std::size_t i = first; i < first + seeds; ++i) {
      finished_runs += finished.count(RunFolder::folder_key(runs[i].dir));
      const nlohmann::json* map = value_of(i, metric_pointer("test.concept_map"));
      if (!map || !map->is_array()) continue;
      std::string text;
      for (std::size_t d = 0; d < map->size(); ++d)
        if ((*map)[d].get<int>() >= 0) text += (text.empty() ? "" : " ") + std::to_string(d) + "->" + std::to_string((*map)[d].get<int>());
      maps << "|" << (by_task ? " " + cell.task + " |" : "") << " " << cell.variant << " | " << runs[i].seed << " | " << text
           << " |\n";
      any_map = true;
    }
    const std::string row_head = "|" + (by_task ? " " + cell.task + " |" : std::string()) + " " + cell.variant + " |";
    md << row_head << " " << finished_runs << " |";
    if (!is_baseline) tests << row_head;
    csv << (by_task ? "\"" + cell.task + "\"," : "") << '"' << cell.variant << '"';
    std::vector<std::pair<double, double>> bars;
    for (const std::string& m : g.metrics) {
      const std::vector<double> c = cell_values(first, m), base = cell_values(baseline_cell(first), m);
      const stats::MeanSummary s = stats::summarize(c);
      const auto n = static_cast<std::int64_t>(c.size()), n0 = static_cast<std::int64_t>(base.size());
      const std::int64_t k = successes(c), k0 = successes(base);
      double p = std::nan("");
      if (!c.empty() && !base.empty() && !is_baseline)
        p = binary[m] ? stats::fisher_exact(k, n - k, k0, n0 - k0) : stats::mann_whitney(c, base);
      if (!is_baseline) tests << " " << (std::isnan(p) ? "–" : fixed(p, 4)) << " |";
      if (c.empty()) {
        md << " – |";
        csv << ",,,0,,,";
        bars.emplace_back(std::nan(""), 0.0);
        continue;
      }
      stats::Interval ci = s.ci;
      if (binary[m]) {
        ci = stats::wilson_interval(k, n);
        md << " " << k << "/" << s.n << " [" << fixed(ci.low, 2) << ", " << fixed(ci.high, 2) << "] |";
      } else if (s.n > 1) {
        md << " " << fixed(s.mean, 4) << " [" << fixed(ci.low, 4) << ", " << fixed(ci.high, 4) << "] |";
      } else {
        md << " " << fixed(s.mean, 4) << " |";
      }
      csv << "," << s.mean << "," << s.sd << "," << s.n << "," << ci.low << "," << ci.high << ","
          << (std::isnan(p) ? std::string() : std::to_string(p));
      bars.emplace_back(s.mean, s.sd);
    }
    chart.values.push_back(bars);
    md << "\n";
    if (!is_baseline) tests << "\n";
    csv << "\n";
  }
  if (variants > 1) md << tests.str();
  if (any_map) md << maps.str();
  md << "\n![mean ± std per cell](results.png)\n";
  std::ofstream(fs::path(out_dir) / "results.md") << md.str();
  std::ofstream(fs::path(out_dir) / "results.csv") << csv.str();
  write_bar_chart_png((fs::path(out_dir) / "results.png").string(), chart);
  return md.str();
}

}  // namespace

std::string run_grid(const Grid& g, const std::string& out_dir, std::ostream& log, bool terminal,
                     const CompareOptions& options) {
  fs::create_directories(out_dir);
  const std::string db = (fs::path(out_dir) / "runs.db").string();
  const std::vector<GridRun> runs = grid_runs(g, out_dir);
  const std::size_t total = runs.size();
  std::vector<std::string> failed;
  std::vector<std::string> foreign;  // run folders (folder keys) finished with another configuration
  std::map<pid_t, std::size_t> running;  // child -> its run
  const int jobs = std::max(1, options.jobs);
  const int threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / jobs);
  // Ctrl-C or SIGTERM: the children are told to stop (each records its run as failed) and
  // waited for, so that none runs on into a resume.
  auto stop_children = [&] {
    for (const auto& [pid, run] : running) ::kill(pid, SIGTERM);
    while (!running.empty()) {
      int status = 0;
      const pid_t pid = ::waitpid(-1, &status, 0);
      if (pid > 0) running.erase(pid);
      else if (errno != EINTR) break;
    }
    throw_if_interrupted(out_dir);
  };
  auto wait_one = [&] {
    int status = 0;
    pid_t pid = -1;
    while ((pid = ::waitpid(-1, &status, 0)) < 0 && errno == EINTR)
      if (interrupted()) stop_children();
    if (pid < 0) return;
    const GridRun& r = runs[running.at(pid)];
    running.erase(pid);
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    log << (ok ? "finished: " : "FAILED: ") << label_of(r) << (ok ? "" : " (see " + r.dir + ".log)") << "\n";
    if (!ok) failed.push_back(label_of(r));
  };
  for (std::size_t i = 0; i < total; ++i) {
    const GridRun& r = runs[i];
    const std::string head = "[" + std::to_string(i + 1) + "/" + std::to_string(total) + "] " + label_of(r);
    const ExperimentConfig c = load_experiment(r.experiment, r.overrides);
    const bool same_config = holds_config(r.dir, c);
    if (fs::exists(fs::path(r.dir) / "metrics.json")) {
      if (same_config) {
        log << head << ": finished before\n";
      } else {  // its numbers are not this cell's: neither tabulated as if they were, nor overwritten
        log << "FAILED: " << label_of(r) << ": " << r.dir
            << " holds a finished run of another configuration (its config.toml); use another --out\n";
        failed.push_back(label_of(r));
        foreign.push_back(RunFolder::folder_key(r.dir));
      }
      continue;
    }
    // An interrupted run of this very configuration continues from its last finished epoch.
    const bool resume = same_config && fs::exists(fs::path(r.dir) / "resume.pt");
    log << head << " -> " << r.dir << (resume ? " (resumed)" : "") << "\n";
    if (jobs > 1) {
      while (static_cast<int>(running.size()) >= jobs) wait_one();
      if (interrupted()) stop_children();
      std::string error;
      const pid_t pid = spawn_run(options, r, resume, r.dir + ".log", threads, error);
      if (pid > 0) {
        running[pid] = i;
      } else {
        log << "FAILED: " << label_of(r) << ": " << error << "\n";
        failed.push_back(label_of(r));
      }
      continue;
    }
    std::ostringstream quiet;  // per-epoch lines go to the run's history.csv
    try {
      if (resume) resume_experiment(r.dir, terminal ? log : quiet, terminal);
      else run_experiment(c, r.dir, terminal ? log : quiet, terminal);
    } catch (const UserError& e) {
      throw_if_interrupted(out_dir);  // Ctrl-C ends the grid; any other failure ends one run
      log << "FAILED: " << label_of(r) << ": " << e.what() << "\n";
      failed.push_back(label_of(r));
    }
  }
  while (!running.empty()) wait_one();
  if (interrupted()) stop_children();

  // Every run is in the table or named here: none is dropped silently.
  std::map<std::string, nlohmann::json> finished = finished_runs(db);
  for (const GridRun& r : runs)
    if (!finished.count(RunFolder::folder_key(r.dir)) && fs::exists(fs::path(r.dir) / "metrics.json"))
      failed.push_back(label_of(r) + ": its metrics.json has no finished row in runs.db");
  for (const std::string& folder : foreign) finished.erase(folder);
  const std::string md = write_results(g, runs, finished, out_dir);
  if (!failed.empty()) {
    std::string names;
    for (const std::string& f : failed) names += (names.empty() ? "" : "; ") + f;
    throw UserError("RunFailed", out_dir,
                    std::to_string(failed.size()) + " run(s) failed (" + names + "); the others are in results.md");
  }
  return md;
}

std::string slug(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (!out.empty() && out.back() != '-') out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

}  // namespace gedilog::tasks
