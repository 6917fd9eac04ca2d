#include "tasks/run_experiment.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <filesystem>
#include <mutex>
#include <ostream>
#include <sstream>

#include "core/error.h"
#include "neural/distributed.h"
#include "tasks/cluster_experiment.h"
#include "tasks/plots.h"
#include "tasks/program_experiment.h"
#include "tasks/run_store.h"
#include "tasks/training_run.h"

namespace gedilog::tasks {

namespace fs = std::filesystem;

namespace {

std::string percent(const nlohmann::json& v) { return v.is_null() ? "-" : fixed(100 * v.get<double>(), 2) + "%"; }

// DeepProbLog's published sum accuracy on N-digit MNIST addition (60 000 training digits), as
// DeepStochLog (Winters et al., AAAI 2022) reports it in its MNIST-addition table: 97.2 ± 0.5%
// (N = 1), 95.2 ± 1.7% (N = 2), time-out at N = 3 and 4; A-NeSI (van Krieken et al., NeurIPS
// 2023) reports the time-out at N = 15 too.
std::string deepproblog_published(int digits) {
  if (digits == 1) return "97.2%";
  if (digits == 2) return "95.2%";
  if (digits == 3 || digits == 4 || digits == 15) return "time-out";
  return "not reported";
}

// mnist-add over every pair of test digits: the table made for MNIST addition (sum, its
// re-paired estimate, digits, the ceiling digit accuracy allows, speed, DeepProbLog's figure).
std::string addition_summary(const ExperimentConfig& c, const nlohmann::json& m) {
  static const std::string header =
      "| N | network | epochs | seed | test sum accuracy | re-paired, 95% interval | digit accuracy | "
      "ceiling digit^(2N) | train s | examples/s | DeepProbLog, published |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|\n";
  const auto& test = m.at("test");
  const double digits = test.at("concept_accuracy").get<double>();
  const auto& ci = test.at("label_accuracy_repaired_ci");
  const std::string mitigation = m.at("mitigation").get<std::string>();
  const std::string network = c.model.network + (mitigation == "none" ? "" : " + " + mitigation);
  const std::string sums = std::to_string(test.at("examples").get<std::int64_t>()) + " sums";
  const std::string repaired =
      percent(test.at("label_accuracy_repaired")) + " [" + percent(ci.at(0)) + ", " + percent(ci.at(1)) + "]";
  const std::vector<std::string> cells{std::to_string(c.task.digits),
                                       network,
                                       std::to_string(c.train.epochs),
                                       std::to_string(c.train.seed),
                                       percent(test.at("label_accuracy")) + " (" + sums + ")",
                                       repaired,
                                       percent(digits),
                                       percent(std::pow(digits, 2 * c.task.digits)),
                                       fixed(m.at("train_seconds").get<double>(), 1),
                                       fixed(m.at("examples_per_second").get<double>(), 0),
                                       deepproblog_published(c.task.digits)};
  std::string row = "|";
  for (const std::string& cell : cells) row += " " + cell + " |";
  return header + row + "\n(re-paired: the mean over " + std::to_string(test.at("repairings").get<int>()) +
         " random pairings of the test digits, interval by bootstrap over the digits; DeepProbLog's figure: 60 000 "
         "training digits, as DeepStochLog (Winters et al., AAAI 2022) reports it)\n";
}

std::string program_summary(const ExperimentConfig& c, const nlohmann::json& m) {
  if (m.at("test").contains("label_accuracy_repaired")) return addition_summary(c, m);
  const auto& test = m.at("test");
  const auto& ood = m.at("ood");
  return "| task | digits | mitigation | epochs | seed | test label accuracy | test concept accuracy | concept collapse | "
         "concept ECE | OOD label accuracy | OOD concept accuracy | train s | examples/s |\n"
         "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n| " +
         c.task.name + " | " + std::to_string(c.task.digits) + " | " + m.at("mitigation").get<std::string>() + " | " +
         std::to_string(c.train.epochs) + " | " + std::to_string(c.train.seed) + " | " + percent(test.at("label_accuracy")) + " | " +
         percent(test.at("concept_accuracy")) + " | " + fixed(test.at("concept_collapse").get<double>(), 2) + " | " +
         fixed(test.at("concept_ece").get<double>(), 4) + " | " +
         (ood.is_null() ? "-" : percent(ood.at("label_accuracy"))) + " | " +
         (ood.is_null() ? "-" : percent(ood.at("concept_accuracy"))) + " | " +
         fixed(m.at("train_seconds").get<double>(), 1) + " | " + fixed(m.at("examples_per_second").get<double>(), 0) +
         " |\n";
}

std::string files_summary(const ExperimentConfig& c, const nlohmann::json& m) {
  const auto& test = m.at("test");
  std::string concepts, facts;
  for (const auto& [name, network] : test.at("networks").items())
    if (!network.is_null()) concepts += (concepts.empty() ? "" : ", ") + name + " " + percent(network.at("concept_accuracy"));
  for (const auto& f : m.at("facts"))
    facts += (facts.empty() ? "" : ", ") + f.at("name").get<std::string>() + " " +
             (f.contains("probabilities") ? fixed(f.at("probabilities").at(0).get<double>(), 3) : "(untrained)");
  return "| program | mitigation | epochs | seed | test accuracy | test loss | concept accuracy | learned facts | train s | "
         "examples/s |\n|---|---|---|---|---|---|---|---|---|---|\n| " +
         c.task.program + " | " + m.at("mitigation").get<std::string>() + " | " + std::to_string(c.train.epochs) + " | " +
         std::to_string(c.train.seed) + " | " + percent(test.at("accuracy")) + " | " + fixed(test.at("loss").get<double>(), 4) +
         " | " + (concepts.empty() ? "-" : concepts) + " | " + (facts.empty() ? "-" : facts) + " | " +
         fixed(m.at("train_seconds").get<double>(), 1) + " | " + fixed(m.at("examples_per_second").get<double>(), 0) +
         " |\n";
}

std::string cluster_summary(const ExperimentConfig& c, const nlohmann::json& m) {
  const auto& test = m.at("test");
  return "| objective | data | epochs | seed | ACC | NMI | ARI | OOD AUROC | train s | s/step |\n"
         "|---|---|---|---|---|---|---|---|---|---|\n| " +
         name_of(c.objective.name) + " | " + c.data.source + " | " + std::to_string(c.train.epochs) + " | " + std::to_string(c.train.seed) + " | " +
         fixed(test.at("accuracy").get<double>(), 4) + " | " + fixed(test.at("nmi").get<double>(), 4) + " | " +
         fixed(test.at("ari").get<double>(), 4) + " | " +
         (test.contains("ood_auroc") ? fixed(test.at("ood_auroc").get<double>(), 4) : "-") + " | " +
         fixed(m.at("train_seconds").get<double>(), 1) + " | " + fixed(m.at("step_seconds").get<double>(), 3) + " |\n";
}

}  // namespace

const std::vector<ExperimentKind>& experiment_kinds() {
  static const std::vector<ExperimentKind> kinds{
      {"program",
       {"mnist-add", "mnist-evenodd", "mnist-half", "mnist-sumparity"},
       make_program_experiment,
       program_summary},
      {"files", {"files"}, make_program_experiment, files_summary},
      {"cluster", {"cluster"}, make_cluster_experiment, cluster_summary},
  };
  return kinds;
}

std::vector<std::string> task_names() {
  std::vector<std::string> names;
  for (const ExperimentKind& k : experiment_kinds()) names.insert(names.end(), k.tasks.begin(), k.tasks.end());
  return names;
}

const ExperimentKind& experiment_kind(const std::string& task, const std::string& location) {
  for (const ExperimentKind& k : experiment_kinds())
    for (const std::string& t : k.tasks)
      if (t == task) return k;
  std::string known;
  for (const std::string& t : task_names()) known += (known.empty() ? "" : ", ") + t;
  throw UserError("ConfigError", location, "task.name: unknown task '" + task + "' (known: " + known + ")");
}

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// What the loop itself carries from epoch to epoch, kept in resume.pt beside the experiment's
// state: the history so far and the totals metrics.json reports.
struct LoopState {
  int epoch = 0;                         // epochs finished
  std::vector<std::string> columns;      // history.csv's header (from the first epoch)
  std::vector<std::vector<double>> rows;  // one per finished epoch
  std::map<std::string, double> last_terms;
  double train_seconds = 0, wall_seconds = 0;  // wall: of the earlier processes of a resumed run
  std::int64_t examples = 0, steps = 0;
};
// JSON writes a NaN cell (a set the run does not have) as null; it is read back as NaN.
void to_json(nlohmann::json& j, const LoopState& s) {
  j = {{"epoch", s.epoch},         {"columns", s.columns},           {"rows", s.rows},
       {"last_terms", s.last_terms}, {"train_seconds", s.train_seconds}, {"wall_seconds", s.wall_seconds},
       {"examples", s.examples},   {"steps", s.steps}};
}
void from_json(const nlohmann::json& j, LoopState& s) {
  j.at("epoch").get_to(s.epoch);
  j.at("columns").get_to(s.columns);
  for (const nlohmann::json& row : j.at("rows")) {
    s.rows.emplace_back();
    for (const nlohmann::json& cell : row) s.rows.back().push_back(cell.is_null() ? std::nan("") : cell.get<double>());
  }
  j.at("last_terms").get_to(s.last_terms);
  j.at("train_seconds").get_to(s.train_seconds);
  j.at("wall_seconds").get_to(s.wall_seconds);
  j.at("examples").get_to(s.examples);
  j.at("steps").get_to(s.steps);
}

std::string history_csv(const LoopState& s) {
  std::ostringstream out;
  for (std::size_t c = 0; c < s.columns.size(); ++c) out << (c ? "," : "") << s.columns[c];
  out << "\n";
  for (const std::vector<double>& row : s.rows) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      out << (c ? "," : "");
      if (!std::isnan(row[c])) out << row[c];  // a set the run does not have: empty, as null in metrics.json
    }
    out << "\n";
  }
  return out.str();
}

// "1:05" or "1:02:05".
std::string clock_time(double seconds) {
  const auto t = static_cast<std::int64_t>(std::max(0.0, seconds) + 0.5);
  char text[32];
  if (t >= 3600) std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", static_cast<long long>(t / 3600),
                               static_cast<long long>(t / 60 % 60), static_cast<long long>(t % 60));
  else std::snprintf(text, sizeof text, "%lld:%02lld", static_cast<long long>(t / 60), static_cast<long long>(t % 60));
  return text;
}

// What the loop says while an epoch trains: on a terminal one line redrawn per step,
// "epoch 2/5 [####......] 12/63 loss 0.1234 eta 0:42" (the epoch's mean loss so far, the time
// the epoch still needs at its pace so far); elsewhere (a log file, compare's children) that
// line every 30 s, so that a long epoch is not silent. Every step's loss goes to events.jsonl.
class EpochProgress {
 public:
  EpochProgress(std::ostream& log, bool terminal, int epoch, int epochs, std::string& events)
      : log_(log), terminal_(terminal), epoch_(epoch), epochs_(epochs), events_(events), start_(Clock::now()),
        last_line_(start_) {}

  void step(std::int64_t step, std::int64_t steps, double loss) {
    loss_sum_ += loss;
    events_ += nlohmann::json{{"epoch", epoch_}, {"step", step + 1}, {"loss", loss}}.dump() + "\n";
    const auto now = Clock::now();
    if (!terminal_ && now - last_line_ < std::chrono::seconds(30)) return;
    last_line_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double eta = elapsed / static_cast<double>(step + 1) * static_cast<double>(steps - step - 1);
    const int width = 30, done = static_cast<int>(width * (step + 1) / steps);
    log_ << (terminal_ ? "\r" : "") << "epoch " << epoch_ << "/" << epochs_ << " [" << std::string(done, '#')
         << std::string(width - done, '.') << "] " << (step + 1) << "/" << steps << " loss "
         << fixed(loss_sum_ / static_cast<double>(step + 1), 4) << " eta " << clock_time(eta)
         << (terminal_ ? "" : "\n") << std::flush;
  }

 private:
  std::ostream& log_;
  bool terminal_;
  int epoch_, epochs_;
  std::string& events_;
  Clock::time_point start_, last_line_;
  double loss_sum_ = 0;
};

// events.jsonl kept to the epochs a resumed run had finished (a line per step and per epoch,
// each with its epoch): what the interrupted epoch wrote is trained again.
void trim_events(RunFolder& run, int epochs_done) {
  std::ifstream in(run.path("events.jsonl"));
  std::string kept, line;
  while (std::getline(in, line)) {
    const nlohmann::json event = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (event.is_object() && event.value("epoch", epochs_done + 1) <= epochs_done) kept += line + "\n";
  }
  run.write("events.jsonl", kept);
}

void append_events(RunFolder& run, std::string& events) {
  std::ofstream out(run.path("events.jsonl"), std::ios::app);
  out << events;
  if (!out.flush()) throw UserError("IOError", run.path("events.jsonl"), "cannot be written (is the disk full?)");
  events.clear();
}

// LibTorch's global CPU generator (weights, dropout, SGLD noise): its state, and setting it.
torch::Tensor global_generator_state() {
  at::Generator g = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(g.mutex());
  return g.get_state();
}
void set_global_generator_state(const torch::Tensor& state) {
  at::Generator g = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(g.mutex());
  g.set_state(state);
}

// resume.pt: the model, the experiment's state, the loop's (with the wall-clock seconds of
// every process so far), and the global generator's, as they stand at the end of an epoch.
void write_resume_point(RunFolder& run, Experiment& x, const LoopState& s, double wall_seconds) {
  torch::serialize::OutputArchive archive, model, state;
  x.save_model(model);
  x.save_state(state);
  archive.write("model", model);
  archive.write("state", state);
  nlohmann::json loop = s;
  loop["wall_seconds"] = wall_seconds;
  archive.write("loop", c10::IValue(loop.dump()));
  archive.write("generator", global_generator_state());
  write_checkpoint(run, "resume.pt", archive);
}

LoopState read_resume_point(const std::string& file, Experiment& x) {
  LoopState s;
  read_checkpoint(file, [&](torch::serialize::InputArchive& archive) {
    torch::serialize::InputArchive model, state;
    archive.read("model", model);
    archive.read("state", state);
    x.load_model(model);
    x.load_state(state);
    c10::IValue loop;
    archive.read("loop", loop);
    s = nlohmann::json::parse(loop.toStringRef()).get<LoopState>();
    set_global_generator_state(read_tensor(archive, "generator"));
  });
  return s;
}

void remove_resume_point(const RunFolder& run) {
  std::error_code ignored;
  fs::remove(run.path("resume.pt"), ignored);
  fs::remove(run.path("resume.pt.crc32"), ignored);
}

// A rank other than 0 of a data-parallel run: the same experiment, trained in step with rank 0
// (each step's gradients averaged over the ranks) and evaluated with it (each rank runs the
// networks on its share of the images: neural/batched.h), writing nothing. Rank 0 owns the run
// folder, the metrics and the runs.db record; this rank reads only resume.pt when resuming.
void follow_rank0(const ExperimentConfig& config, const std::string& out_dir, bool resume) {
  neural::ProcessGroup& ranks = neural::process_group();
  ranks.barrier();  // rank 0 has checked the run folder, compiled and cached the circuits
  torch::manual_seed(static_cast<std::uint64_t>(config.train.seed));
  std::ostream quiet(nullptr);
  const std::unique_ptr<Experiment> x = experiment_kind(config.task.name).make(config, quiet);
  const std::string resume_point = (fs::path(out_dir) / "resume.pt").string();
  const int done = resume && fs::exists(resume_point) ? read_resume_point(resume_point, *x).epoch : 0;
  for (int epoch = done + 1; epoch <= config.train.epochs; ++epoch) {
    at::Generator global = at::detail::getDefaultCPUGenerator();  // this rank's noise (SGLD, dropout)
    restart_rank_stream(global, config, 1000, epoch);
    x->train_epoch(
        epoch, learning_rate_at(config, epoch),
        [&](std::int64_t, std::int64_t, double) { throw_if_interrupted(out_dir); }, quiet);
    x->evaluate();
  }
  if (done >= config.train.epochs) x->evaluate();  // rank 0 evaluates once more when no epoch was left
}

nlohmann::json train_loop(const ExperimentConfig& config, const std::string& out_dir, std::ostream& log, bool terminal,
                          bool resume) {
  const ExperimentKind& kind = experiment_kind(config.task.name);
  if (neural::process_group().rank() > 0) {
    follow_rank0(config, out_dir, resume);
    return nullptr;
  }
  // Everything the configuration names is checked (the device, the program, the data, the
  // networks) by building the experiment before the run folder is made: bad input leaves no
  // folder and no runs.db row.
  refuse_finished_run(out_dir);
  const auto started = Clock::now();
  training_device(config);
  torch::manual_seed(static_cast<std::uint64_t>(config.train.seed));
  const std::unique_ptr<Experiment> x = kind.make(config, log);
  neural::process_group().barrier();  // the other ranks build theirs now, from the circuit cache
  if (!gnuplot_available())
    log << "warning: gnuplot is not installed (scripts/setup.sh installs gnuplot-nox): this run draws no figures\n";
  RunFolder run(out_dir, to_toml(config), config.task.name, config.train.seed);
  const nlohmann::json metrics = run.complete([&] {
    LoopState s;
    if (resume && fs::exists(run.path("resume.pt"))) {
      s = read_resume_point(run.path("resume.pt"), *x);
      log << "resuming " << out_dir << " after epoch " << s.epoch << " of " << config.train.epochs << "\n";
    } else if (resume) {
      log << "resuming " << out_dir << ": no epoch had ended, so training starts again from the first\n";
    }
    if (resume) {
      trim_events(run, s.epoch);
    } else {
      remove_resume_point(run);  // an earlier run's, of another configuration
      run.write("events.jsonl", "");
    }
    std::string events;  // this epoch's, appended to events.jsonl as it ends
    nlohmann::json evaluation;
    for (int epoch = s.epoch + 1; epoch <= config.train.epochs; ++epoch) {
      EpochProgress progress(log, terminal, epoch, config.train.epochs, events);
      const EpochReport r = x->train_epoch(
          epoch, learning_rate_at(config, epoch),
          [&](std::int64_t step, std::int64_t steps, double loss) {
            throw_if_interrupted(out_dir);
            progress.step(step, steps, loss);
          },
          log);
      if (terminal) log << "\n";
      evaluation = x->evaluate();
      const double per_second = r.examples / std::max(r.seconds, 1e-12);
      std::vector<Column> row{{"epoch", epoch}, {"loss", r.loss}};
      for (const auto& [name, value] : r.terms) row.push_back({name, value});
      row.push_back({"train_seconds", r.seconds});
      row.push_back({"examples_per_second", per_second});
      for (const Column& c : x->history_columns(evaluation)) row.push_back(c);
      if (s.columns.empty())
        for (const Column& c : row) s.columns.push_back(c.first);
      s.rows.emplace_back();
      for (const Column& c : row) s.rows.back().push_back(c.second);
      s.epoch = epoch;
      s.last_terms = r.terms;
      s.train_seconds += r.seconds;
      s.examples += r.examples;
      s.steps += r.steps;

      log << "epoch " << epoch << ": loss " << fixed(r.loss, 4);
      for (const auto& [name, value] : r.terms) log << ", " << name << " " << fixed(value, 4);
      log << ", " << x->epoch_summary(evaluation) << ", " << fixed(per_second, 0) << " examples/s\n";
      nlohmann::json history = nlohmann::json::object();
      for (const Column& c : row) history[c.first] = c.second;
      events += nlohmann::json{{"epoch", epoch}, {"history", history}}.dump() + "\n";
      append_events(run, events);
      run.write("history.csv", history_csv(s));
      write_resume_point(run, *x, s, s.wall_seconds + seconds_since(started));
    }
    if (evaluation.is_null()) evaluation = x->evaluate();  // no epoch ran here (none asked, or all done before)

    torch::serialize::OutputArchive model;
    x->save_model(model);
    write_checkpoint(run, "model.pt", model);
    run.write("history.csv", history_csv(s));
    std::vector<Curve> curves{{"loss", {}, false}};
    for (const std::string& name : x->curve_columns()) curves.push_back({name, {}, true});
    for (Curve& curve : curves) {
      const auto at = static_cast<std::size_t>(std::find(s.columns.begin(), s.columns.end(), curve.name) - s.columns.begin());
      for (const std::vector<double>& row : s.rows) curve.values.push_back(at < row.size() ? row[at] : std::nan(""));
    }
    write_curves_png(run.path("curves.png"), fs::path(out_dir).filename().string() + ": " + config.task.name, curves);

    nlohmann::json out = x->finish(run, evaluation);
    for (const auto& [key, value] : evaluation.items()) out[key] = value;
    out["last_epoch_terms"] = s.last_terms;
    out["train_seconds"] = s.train_seconds;
    out["examples_per_second"] = s.train_seconds > 0 ? s.examples / s.train_seconds : 0.0;
    out["step_seconds"] = s.steps ? s.train_seconds / s.steps : 0.0;
    out["wall_seconds"] = s.wall_seconds + seconds_since(started);
    out["peak_rss_mib"] = peak_rss_mib();  // rank 0's
    out["ranks"] = neural::process_group().size();
    return out;
  });
  remove_resume_point(run);  // a finished run is never continued: it would only take room
  return metrics;
}

}  // namespace

nlohmann::json run_experiment(const ExperimentConfig& config, const std::string& out_dir, std::ostream& log,
                              bool terminal) {
  return train_loop(config, out_dir, log, terminal, /*resume=*/false);
}

ExperimentConfig run_config(const std::string& run_dir, const std::vector<std::string>& overrides) {
  const std::string config_file = (fs::path(run_dir) / "config.toml").string();
  if (!fs::exists(config_file))
    throw UserError("FileNotFound", config_file, "not a run folder (gedilog train --out writes one)");
  const ExperimentConfig config = load_experiment(config_file, overrides);
  experiment_kind(config.task.name, config_file);  // a task this version knows
  return config;
}

nlohmann::json resume_experiment(const std::string& run_dir, std::ostream& log, bool terminal) {
  return train_loop(run_config(run_dir), run_dir, log, terminal, /*resume=*/true);
}

nlohmann::json evaluate_run(const std::string& run_dir, const std::vector<std::string>& overrides) {
  const ExperimentConfig config = run_config(run_dir, overrides);
  const ExperimentKind& kind = experiment_kind(config.task.name);
  torch::manual_seed(static_cast<std::uint64_t>(config.train.seed));
  std::ostream quiet(nullptr);  // what building it logs was said when it trained
  const std::unique_ptr<Experiment> x = kind.make(config, quiet);
  read_checkpoint((fs::path(run_dir) / "model.pt").string(),
                  [&](torch::serialize::InputArchive& archive) { x->load_model(archive); });
  const nlohmann::json evaluation = x->evaluate();
  nlohmann::json out = evaluation.at("test");
  out.erase("confusion");
  for (const auto& [set, value] : evaluation.items())
    if (set != "test" && !value.is_null()) out[set] = value;
  return out;
}

}  // namespace gedilog::tasks
