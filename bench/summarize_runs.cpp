// Mean ± std over seeds of finished run folders' metrics.json, as a Markdown table row per
// group. Usage: summarize_runs LABEL=DIR[,DIR...] ... (one argument per table row).
#include <cmath>
#include <cstdio>
#include <fstream>
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

}  // namespace

int main(int argc, char** argv) {
  std::printf("| runs | seeds | test sum accuracy %% | test digit accuracy %% | digit acc^(2N) %% | "
              "train s | examples/s | circuit share of a step %% | peak RSS MiB |\n"
              "|---|---|---|---|---|---|---|---|---|\n");
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto eq = arg.rfind('=');  // labels may hold '=' too
    const std::string label = arg.substr(0, eq);
    Stat label_acc, digit_acc, ceiling, train_s, eps, circuit, rss;
    std::stringstream dirs(arg.substr(eq + 1));
    std::string dir;
    int n_digits = 1;
    while (std::getline(dirs, dir, ',')) {
      std::ifstream in(dir + "/metrics.json");
      if (!in) continue;
      const nlohmann::json m = nlohmann::json::parse(in);
      std::ifstream config(dir + "/config.toml");
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
    std::printf("| %s | %zu | %s | %s | %s | %s | %s | %s | %s |\n", label.c_str(), label_acc.v.size(),
                label_acc.str(100, 2).c_str(), digit_acc.str(100, 2).c_str(), ceiling.str(100, 2).c_str(),
                train_s.str(1, 0).c_str(), eps.str(1, 0).c_str(), circuit.str(100, 1).c_str(), rss.str(1, 0).c_str());
  }
  return 0;
}
