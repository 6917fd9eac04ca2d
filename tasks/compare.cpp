#include "tasks/compare.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <set>
#include <sstream>

#include "symbolic/error.h"
#include "tasks/cluster_experiment.h"
#include "tasks/experiment.h"
#include "tasks/mnist_add_experiment.h"
#include "tasks/run_store.h"
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

std::string run_folder(const std::string& out_dir, const Grid::Variant& v, std::int64_t seed) {
  return (fs::path(out_dir) / (slug(v.name) + "-s" + std::to_string(seed))).string();
}

}  // namespace

std::string slug(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (!out.empty() && out.back() != '-') out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

Grid load_grid(const std::string& file) {
  const toml::table doc = parse_toml_file(file);
  Grid g;
  g.file = file;
  for (auto&& [k, node] : doc) {
    const std::string key(k.str());
    if (key == "experiment") {
      if (!node.is_string()) throw UserError("ConfigError", where(file, node), "'experiment' must be a string");
      g.experiment = (fs::path(file).parent_path() / *node.value<std::string>()).string();
    } else if (key == "seeds") {
      const toml::array* a = node.as_array();
      if (!a) throw UserError("ConfigError", where(file, node), "'seeds' must be an array of integers");
      for (const toml::node& e : *a) {
        if (!e.is_integer()) throw UserError("ConfigError", where(file, e), "'seeds' must hold integers");
        g.seeds.push_back(*e.value<std::int64_t>());
      }
    } else if (key == "set") {
      g.set = strings(file, node, key);
    } else if (key == "metrics") {
      g.metrics = strings(file, node, key);
    } else if (key == "variant") {
      const toml::array* a = node.as_array();
      if (!a) throw UserError("ConfigError", where(file, node), "'variant' must be [[variant]] tables");
      for (const toml::node& e : *a) {
        const toml::table* t = e.as_table();
        if (!t) throw UserError("ConfigError", where(file, e), "'variant' must be [[variant]] tables");
        Grid::Variant v;
        for (auto&& [vk, vn] : *t) {
          if (vk.str() == "name" && vn.is_string()) v.name = *vn.value<std::string>();
          else if (vk.str() == "set") v.set = strings(file, vn, "set");
          else throw UserError("ConfigError", where(file, vn), "unknown variant key '" + std::string(vk.str()) + "' (known: name, set)");
        }
        if (slug(v.name).empty()) throw UserError("ConfigError", where(file, e), "a variant needs a name");
        g.variants.push_back(std::move(v));
      }
    } else {
      throw UserError("ConfigError", where(file, node),
                      "unknown key '" + key + "' (known: experiment, seeds, set, metrics, variant)");
    }
  }
  auto require = [&](bool ok, const std::string& msg) {
    if (!ok) throw UserError("ConfigError", file, msg);
  };
  require(!g.experiment.empty(), "'experiment' (an experiment file) is required");
  require(!g.seeds.empty(), "'seeds' must list at least one seed");
  require(!g.metrics.empty(), "'metrics' must name at least one metric");
  require(!g.variants.empty(), "at least one [[variant]] is required");
  std::set<std::string> names;
  for (const Grid::Variant& v : g.variants) {
    require(names.insert(slug(v.name)).second, "two variants named '" + v.name + "'");
    load_experiment(g.experiment, merged(g.set, v.set));  // a typo fails now, not after hours
  }
  return g;
}

std::string run_grid(const Grid& g, const std::string& out_dir, std::ostream& log, bool terminal) {
  fs::create_directories(out_dir);
  const std::string db = (fs::path(out_dir) / "runs.db").string();
  std::size_t done = 0, total = g.variants.size() * g.seeds.size();
  for (const Grid::Variant& v : g.variants) {
    for (std::int64_t seed : g.seeds) {
      ++done;
      const std::string dir = run_folder(out_dir, v, seed);
      if (fs::exists(fs::path(dir) / "metrics.json")) {
        log << "[" << done << "/" << total << "] " << v.name << ", seed " << seed << ": finished before\n";
        continue;
      }
      log << "[" << done << "/" << total << "] " << v.name << ", seed " << seed << " -> " << dir << "\n";
      const ExperimentConfig c =
          load_experiment(g.experiment, merged(merged(g.set, v.set), {"train.seed=" + std::to_string(seed)}));
      std::ostringstream quiet;  // per-epoch lines go to the run's history.csv
      if (c.task == "cluster") train_cluster(c, dir, terminal ? log : quiet, terminal);
      else train_mnist_add(c, dir, terminal ? log : quiet, terminal);
    }
  }

  // The table, from runs.db.
  const auto runs = finished_runs(db);
  std::ostringstream md, csv;
  md << "Grid `" << g.file << "` over `" << g.experiment << "`, seeds";
  for (std::int64_t s : g.seeds) md << " " << s;
  md << "; mean ± std (sample) over the seeds.\n\n| variant |";
  csv << "variant";
  for (const std::string& m : g.metrics) md << " " << m << " |", csv << "," << m << "_mean," << m << "_std," << m << "_n";
  md << "\n|---|";
  for (std::size_t i = 0; i < g.metrics.size(); ++i) md << "---|";
  md << "\n";
  csv << "\n";
  for (const Grid::Variant& v : g.variants) {
    md << "| " << v.name << " |";
    csv << '"' << v.name << '"';
    for (const std::string& m : g.metrics) {
      std::string pointer = "/" + m;
      for (char& ch : pointer) if (ch == '.') ch = '/';
      std::vector<double> values;
      for (std::int64_t seed : g.seeds) {
        const auto it = runs.find(RunFolder::folder_key(run_folder(out_dir, v, seed)));
        if (it == runs.end()) continue;
        const nlohmann::json::json_pointer p(pointer);
        if (it->second.contains(p) && it->second.at(p).is_number()) values.push_back(it->second.at(p).get<double>());
      }
      double mean = 0, var = 0;
      for (double x : values) mean += x / values.size();
      for (double x : values) var += values.size() > 1 ? (x - mean) * (x - mean) / (values.size() - 1) : 0;
      if (values.empty()) {
        md << " – |";
        csv << ",,,0";
      } else {
        md << " " << fixed(mean, 4) << " ± " << fixed(std::sqrt(var), 4) << " |";
        csv << "," << mean << "," << std::sqrt(var) << "," << values.size();
      }
    }
    md << "\n";
    csv << "\n";
  }
  std::ofstream(fs::path(out_dir) / "results.md") << md.str();
  std::ofstream(fs::path(out_dir) / "results.csv") << csv.str();
  return md.str();
}

}  // namespace gedilog::tasks
