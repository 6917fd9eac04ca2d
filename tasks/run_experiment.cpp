#include "tasks/run_experiment.h"

#include <filesystem>

#include "core/error.h"
#include "tasks/cluster_experiment.h"
#include "tasks/file_experiment.h"
#include "tasks/program_experiment.h"
#include "tasks/training_run.h"

namespace gedilog::tasks {

namespace {

std::string percent(const nlohmann::json& v) { return v.is_null() ? "-" : fixed(100 * v.get<double>(), 2) + "%"; }

std::string program_summary(const ExperimentConfig& c, const nlohmann::json& m) {
  const auto& test = m.at("test");
  const auto& ood = m.at("ood");
  return "| task | digits | mitigation | epochs | seed | test label accuracy | test concept accuracy | concept collapse | "
         "concept ECE | OOD label accuracy | OOD concept accuracy | train s | examples/s |\n"
         "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n| " +
         c.task + " | " + std::to_string(c.digits) + " | " + m.at("mitigation").get<std::string>() + " | " +
         std::to_string(c.epochs) + " | " + std::to_string(c.seed) + " | " + percent(test.at("label_accuracy")) + " | " +
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
  for (const auto& [name, acc] : test.at("concept_accuracy").items())
    concepts += (concepts.empty() ? "" : ", ") + name + " " + percent(acc);
  for (const auto& f : m.at("facts"))
    facts += (facts.empty() ? "" : ", ") + f.at("name").get<std::string>() + " " +
             (f.contains("probabilities") ? fixed(f.at("probabilities").at(0).get<double>(), 3) : "(untrained)");
  return "| program | mitigation | epochs | seed | test accuracy | test loss | concept accuracy | learned facts | train s | "
         "examples/s |\n|---|---|---|---|---|---|---|---|---|---|\n| " +
         c.program + " | " + m.at("mitigation").get<std::string>() + " | " + std::to_string(c.epochs) + " | " +
         std::to_string(c.seed) + " | " + percent(test.at("accuracy")) + " | " + fixed(test.at("loss").get<double>(), 4) +
         " | " + (concepts.empty() ? "-" : concepts) + " | " + (facts.empty() ? "-" : facts) + " | " +
         fixed(m.at("train_seconds").get<double>(), 1) + " | " + fixed(m.at("examples_per_second").get<double>(), 0) +
         " |\n";
}

std::string cluster_summary(const ExperimentConfig& c, const nlohmann::json& m) {
  const auto& test = m.at("test");
  return "| objective | data | epochs | seed | ACC | NMI | ARI | OOD AUROC | train s | s/step |\n"
         "|---|---|---|---|---|---|---|---|---|---|\n| " +
         c.objective + " | " + c.data + " | " + std::to_string(c.epochs) + " | " + std::to_string(c.seed) + " | " +
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
       train_program_task,
       evaluate_program_task,
       program_summary},
      {"files", {"files"}, train_file_task, evaluate_file_task, files_summary},
      {"cluster", {"cluster"}, train_cluster, evaluate_cluster, cluster_summary},
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

nlohmann::json run_experiment(const ExperimentConfig& config, const std::string& out_dir, std::ostream& log,
                              bool terminal) {
  return experiment_kind(config.task).train(config, out_dir, log, terminal);
}

nlohmann::json evaluate_run(const std::string& run_dir) {
  const std::string config_file = (std::filesystem::path(run_dir) / "config.toml").string();
  if (!std::filesystem::exists(config_file))
    throw UserError("FileNotFound", config_file, "not a run folder (gedilog train --out writes one)");
  return experiment_kind(load_experiment(config_file, {}).task, config_file).evaluate(run_dir);
}

}  // namespace gedilog::tasks
