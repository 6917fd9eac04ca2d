#include "tasks/joint_training.h"

#include <torch/torch.h>

#include <numeric>
#include <ostream>

#include "neural/encoders.h"
#include "tasks/shortcuts.h"
#include "tasks/training_run.h"

namespace gedilog::tasks {

namespace {

// The objective's cluster head as a network: the program reads the same concepts the
// objective shapes.
class ConceptHeadImpl : public torch::nn::Module {
 public:
  ConceptHeadImpl(std::shared_ptr<neural::Objective> objective, std::int64_t concepts)
      : objective_(register_module("objective", std::move(objective))),
        order_(register_buffer("cluster_order", torch::arange(concepts, torch::kLong))) {}
  torch::Tensor forward(torch::Tensor images) {
    return objective_->cluster_logits(images).index_select(1, order_);
  }
  const torch::Tensor& order() const { return order_; }

 private:
  std::shared_ptr<neural::Objective> objective_;
  torch::Tensor order_;
};
TORCH_MODULE(ConceptHead);

}  // namespace

JointModel make_joint_model(const ExperimentConfig& config, std::int64_t concepts, const std::string& network,
                            const std::vector<std::int64_t>& input) {
  JointModel m;
  std::shared_ptr<neural::Objective> objective;
  if (config.joint.objective > 0) {
    ExperimentConfig c = config;
    c.objective.clusters = concepts;
    objective = make_objective(c);
    ConceptHead head(objective, concepts);
    m.cluster_order = head->order();
    m.objective = objective;
    m.concept_network = torch::nn::AnyModule(head);
    m.needs_other_view = true;
  } else {
    m.concept_network = neural::make_encoder(config.model.network, concepts, input);
  }
  neural::ConceptDecoder decoder{nullptr};
  if (config.joint.reconstruction > 0) {
    decoder = neural::ConceptDecoder(concepts, input);
    for (const torch::Tensor& p : decoder->parameters()) m.extra_parameters.push_back(p);
    m.extra_modules.push_back(decoder.ptr());
  }
  const bool supervised = config.joint.supervision > 0 && config.joint.supervision_weight > 0;
  if (!objective && config.joint.entropy == 0 && !decoder && !supervised) return m;

  m.auxiliary = [=](const bridge::Batch& batch, const std::map<std::string, torch::Tensor>& log_probs) mutable {
    const torch::Tensor& lp = log_probs.at(network);
    neural::Losses out;
    if (objective) {
      const torch::Tensor view = batch.images.to(lp.device()), other = batch.other_view.to(lp.device());
      for (neural::LossTerm& t : objective->loss(view, other).terms)
        out.terms.push_back({name_of(config.objective.name) + "/" + t.name, t.value, t.weight * config.joint.objective});
    }
    if (config.joint.entropy > 0) out.terms.push_back({"entropy", neural::mean_concept_negentropy(lp), config.joint.entropy});
    if (decoder)
      out.terms.push_back({"reconstruction", decoder->reconstruction_loss(lp, batch.images.to(lp.device())),
                           config.joint.reconstruction});
    if (supervised) {
      const torch::Tensor given = batch.given.to(lp.device());
      const torch::Tensor rows = given.ge(0).nonzero().squeeze(1);
      // A batch without a supervised image adds a zero that still belongs to the graph.
      const torch::Tensor ce = rows.numel() ? torch::nll_loss(lp.index_select(0, rows), given.index_select(0, rows))
                                            : lp.sum() * 0;
      out.terms.push_back({"supervision", ce, config.joint.supervision_weight});
    }
    return out;
  };
  return m;
}

namespace {

// Examples of two images and nothing observed (the digit-pair tasks): the renaming that
// satisfies the most examples, reading each image as its most probable cluster, found by a
// depth-first search over all renamings (C! leaves at most, pruned by an upper bound); the
// current one (identity) wins ties. Empty when no renaming does better.
std::vector<std::int64_t> best_pair_renaming(const bridge::NeuralProgram& model, const bridge::Batch& batch,
                                             const torch::Tensor& log_probs) {
  const std::int64_t c = log_probs.size(1), queries = static_cast<std::int64_t>(model.circuit().queries.size());
  const std::vector<bool> holds = pair_truth_table(model.circuit(), static_cast<int>(c), "the concept network's program");
  // weight[c1 * c + c2][q]: examples whose images read as clusters c1, c2 and that assert q.
  const torch::Tensor cluster = log_probs.argmax(1).cpu();
  const auto cl = cluster.accessor<std::int64_t, 1>();
  const auto inputs = batch.inputs.accessor<std::int64_t, 2>();
  const auto qs = batch.query.accessor<std::int64_t, 1>();
  std::vector<std::vector<double>> weight(c * c, std::vector<double>(queries, 0.0));
  for (std::int64_t e = 0; e < batch.inputs.size(0); ++e) weight[cl[inputs[e][0]] * c + cl[inputs[e][1]]][qs[e]] += 1;
  // sat[((c1 * c + c2) * c + a) * c + b]: examples of clusters c1, c2 satisfied when read as a, b.
  std::vector<double> sat(c * c * c * c, 0.0);
  for (std::int64_t p = 0; p < c * c; ++p)
    for (std::int64_t ab = 0; ab < c * c; ++ab)
      for (std::int64_t q = 0; q < queries; ++q) sat[p * c * c + ab] += holds[q * c * c + ab] ? weight[p][q] : 0.0;
  auto satisfied = [&](std::int64_t c1, std::int64_t c2, std::int64_t a, std::int64_t b) {
    return sat[((c1 * c + c2) * c + a) * c + b];
  };
  // Cluster k is renamed at depth k; pairs are scored once both their clusters are.
  std::vector<double> due_total(c, 0.0);  // examples whose cluster pair is complete at depth k
  for (std::int64_t c1 = 0; c1 < c; ++c1)
    for (std::int64_t c2 = 0; c2 < c; ++c2)
      for (double w : weight[c1 * c + c2]) due_total[std::max(c1, c2)] += w;
  const double remaining = std::accumulate(due_total.begin(), due_total.end(), 0.0);
  double best = 0;
  for (std::int64_t c1 = 0; c1 < c; ++c1)
    for (std::int64_t c2 = 0; c2 < c; ++c2) best += satisfied(c1, c2, c1, c2);  // the current renaming
  std::vector<std::int64_t> name(c), best_name;
  std::vector<bool> used(c, false);
  auto search = [&](auto&& self, std::int64_t k, double score, double left) -> void {
    if (score + left <= best) return;  // cannot beat the best
    if (k == c) {
      best = score, best_name = name;
      return;
    }
    for (std::int64_t v = 0; v < c; ++v) {
      if (used[v]) continue;
      name[k] = v;
      double gained = 0;
      for (std::int64_t j = 0; j <= k; ++j) {
        gained += satisfied(k, j, v, name[j]);
        if (j != k) gained += satisfied(j, k, name[j], v);
      }
      used[v] = true;
      self(self, k + 1, score + gained, left - due_total[k]);
      used[v] = false;
    }
  };
  search(search, 0, 0.0, remaining);
  // name[k]: the concept cluster k becomes; as an order, concept name[k] reads cluster k.
  if (best_name.empty()) return {};
  std::vector<std::int64_t> order(c);
  for (std::int64_t k = 0; k < c; ++k) order[best_name[k]] = k;
  return order;
}

}  // namespace

Alignment align_clusters(bridge::NeuralProgram& model, const bridge::Batch& batch, const JointModel& joint,
                         const std::string& network) {
  Alignment a;
  if (!joint.cluster_order.defined()) return a;
  torch::NoGradGuard no_grad;
  model.train(false);
  const torch::Tensor lp = model.network_log_probs(batch).at(network);  // in the current order
  auto likelihood = [&](const torch::Tensor& order) {
    const torch::Tensor leaves = model.leaves(batch, {{network, lp.index_select(1, order)}});
    return model.log_probability(leaves, batch.query).mean().item<double>();
  };
  const std::int64_t c = lp.size(1);
  const auto options = torch::TensorOptions().dtype(torch::kLong).device(lp.device());
  torch::Tensor order = torch::arange(c, options);
  a.before = a.after = likelihood(order);
  const bool pairs = batch.inputs.size(1) == 2 && model.circuit().inputs.size() == 2;
  if (pairs) {
    const std::vector<std::int64_t> best = best_pair_renaming(model, batch, lp);
    if (!best.empty()) {
      order = torch::tensor(best, torch::kLong).to(lp.device());
      a.after = likelihood(order);
    }
  } else {
    for (int round = 0; round < 2 * c; ++round) {  // each kept swap raises the likelihood
      double best = a.after;
      torch::Tensor best_order;
      for (std::int64_t i = 0; i < c; ++i)
        for (std::int64_t j = i + 1; j < c; ++j) {
          torch::Tensor swapped = order.clone();
          swapped[i] = order[j];
          swapped[j] = order[i];
          const double l = likelihood(swapped);
          if (l > best + 1e-6) best = l, best_order = swapped;
        }
      if (!best_order.defined()) break;
      order = best_order;
      a.after = best;
    }
  }
  a.renamed = order.ne(torch::arange(c, options)).sum().item<int>();
  const torch::Tensor current = joint.cluster_order.clone();
  joint.cluster_order.copy_(current.index_select(0, order.to(current.device())));
  return a;
}

int refit_and_align(const JointModel& joint, bridge::NeuralProgram& model, const torch::Tensor& train_images, bool align,
                    const std::function<bridge::Batch()>& aligning, const std::string& network, std::ostream& log) {
  if (!joint.objective) return 0;
  joint.objective->fit_read_out(train_images.to(model.device()));
  if (!align) return 0;
  const Alignment a = align_clusters(model, aligning(), joint, network);
  if (a.renamed)
    log << "aligned clusters to concepts: " << a.renamed << " concepts renamed, mean log P(query) " << fixed(a.before, 4)
        << " -> " << fixed(a.after, 4) << "\n";
  return a.renamed;
}

void save_training_state(torch::serialize::OutputArchive& archive, const bridge::Trainer& trainer,
                         const JointModel& joint, const torch::Generator& generator, int renamed) {
  trainer.save(archive);
  save_modules(archive, joint.extra_modules);
  archive.write("generator", generator.get_state());
  archive.write("renamed", torch::tensor(static_cast<std::int64_t>(renamed)));
}

int load_training_state(torch::serialize::InputArchive& archive, bridge::Trainer& trainer, const JointModel& joint,
                        torch::Generator& generator, torch::Device device) {
  trainer.load(archive);
  load_modules(archive, joint.extra_modules, device);
  generator.set_state(read_tensor(archive, "generator"));
  return static_cast<int>(read_tensor(archive, "renamed").item<std::int64_t>());
}

}  // namespace gedilog::tasks
