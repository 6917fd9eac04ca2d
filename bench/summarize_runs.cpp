// Mean ± std over seeds of finished run folders' metrics.json, as a Markdown table row per
// group. Usage: summarize_runs [--files] LABEL=DIR[,DIR...] ... (one argument per table row).
// Without --files the runs are mnist-add runs; with it, tasks defined by files (concept
// accuracy per network, learned facts).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Stat {
  std::vector<double> v;
  std::string str(double scale, int digits) const {
    if (v.empty()) return "–";
    double mean = 0, var = 0;
    for (double x : v) mean += x;
    mean /= v.size();
    for (double x : v) var += (x - mean) * (x - mean);
    const double sd = v.size() > 1 ? std::sqrt(var / (v.size() - 1)) : 0.0;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f ± %.*f", digits, mean * scale, digits, sd * scale);
    return buf;
  }
};

// Each row's metrics.json files, from "LABEL=DIR,DIR,...".
struct Row {
  std::string label;
  std::vector<std::string> dirs;
  std::vector<nlohmann::json> metrics;
};

Row read_row(const std::string& arg) {
  Row row;
  const auto eq = arg.rfind('=');  // labels may hold '=' too
  row.label = arg.substr(0, eq);
  std::stringstream dirs(arg.substr(eq + 1));
  for (std::string dir; std::getline(dirs, dir, ',');) {
    std::ifstream in(dir + "/metrics.json");
    if (!in) continue;
    row.dirs.push_back(dir);
    row.metrics.push_back(nlohmann::json::parse(in));
  }
  return row;
}

void print_addition_row(const Row& row) {
  Stat label_acc, digit_acc, ceiling, train_s, eps, circuit, rss;
  for (size_t i = 0; i < row.metrics.size(); ++i) {
    const nlohmann::json& m = row.metrics[i];
    int n_digits = 1;
    std::ifstream config(row.dirs[i] + "/config.toml");
    for (std::string line; std::getline(config, line);)
      if (line.rfind("digits = ", 0) == 0) n_digits = std::stoi(line.substr(9));
    const double d = m["test"]["concept_accuracy"];
    label_acc.v.push_back(m["test"]["label_accuracy"]);
    digit_acc.v.push_back(d);
    ceiling.v.push_back(std::pow(d, 2 * n_digits));
    train_s.v.push_back(m["train_seconds"]);
    eps.v.push_back(m["examples_per_second"]);
    const auto& s = m["last_epoch_step_share"];
    circuit.v.push_back(s["circuit_forward"].get<double>() + s["circuit_backward"].get<double>());
    rss.v.push_back(m["peak_rss_mib"]);
  }
  std::printf("| %s | %zu | %s | %s | %s | %s | %s | %s | %s |\n", row.label.c_str(), label_acc.v.size(),
              label_acc.str(100, 2).c_str(), digit_acc.str(100, 2).c_str(), ceiling.str(100, 2).c_str(),
              train_s.str(1, 0).c_str(), eps.str(1, 0).c_str(), circuit.str(100, 1).c_str(), rss.str(1, 0).c_str());
}

void print_file_task_row(const Row& row) {
  Stat accuracy, train_s, eps;
  std::map<std::string, Stat> concept, fact;  // per network, per learnable fact
  for (const nlohmann::json& m : row.metrics) {
    accuracy.v.push_back(m["test"]["accuracy"]);
    for (const auto& [network, value] : m["test"]["concept_accuracy"].items()) concept[network].v.push_back(value);
    for (const auto& f : m["facts"]) {  // a fact's heads ("none" is the AD's rest)
      const auto& values = f["values"];
      for (size_t k = 0; k < values.size(); ++k)
        if (values[k] != "none") fact["P(" + values[k].get<std::string>() + ")"].v.push_back(f["probabilities"][k]);
    }
    train_s.v.push_back(m["train_seconds"]);
    eps.v.push_back(m["examples_per_second"]);
  }
  auto join = [](const std::map<std::string, Stat>& stats, double scale, int digits) {
    std::string out;
    for (const auto& [name, stat] : stats) out += (out.empty() ? "" : ", ") + name + " " + stat.str(scale, digits);
    return out.empty() ? std::string("–") : out;
  };
  std::printf("| %s | %zu | %s | %s | %s | %s | %s |\n", row.label.c_str(), accuracy.v.size(),
              accuracy.str(100, 2).c_str(), join(concept, 100, 2).c_str(), join(fact, 1, 3).c_str(),
              train_s.str(1, 1).c_str(), eps.str(1, 0).c_str());
}

}  // namespace

int main(int argc, char** argv) {
  const bool files = argc > 1 && std::strcmp(argv[1], "--files") == 0;
  if (files)
    std::printf("| runs | seeds | test accuracy %% | concept accuracy %% | learned facts | train s | examples/s |\n"
                "|---|---|---|---|---|---|---|\n");
  else
    std::printf("| runs | seeds | test sum accuracy %% | test digit accuracy %% | digit acc^(2N) %% | "
                "train s | examples/s | circuit share of a step %% | peak RSS MiB |\n"
                "|---|---|---|---|---|---|---|---|---|\n");
  for (int i = files ? 2 : 1; i < argc; ++i) {
    const Row row = read_row(argv[i]);
    files ? print_file_task_row(row) : print_addition_row(row);
  }
  return 0;
}
