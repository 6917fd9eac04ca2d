#include "tasks/joint_training.h"

#include <torch/torch.h>

#include "tasks/training_run.h"

namespace gedilog::tasks {

namespace {

// The objective's cluster head as a network: the program reads the same concepts the
// objective shapes.
class ConceptHeadImpl : public torch::nn::Module {
 public:
  explicit ConceptHeadImpl(std::shared_ptr<neural::Objective> objective)
      : objective_(register_module("objective", std::move(objective))) {}
  torch::Tensor forward(torch::Tensor images) { return objective_->cluster_logits(images); }
  std::shared_ptr<neural::Objective> objective() const { return objective_; }

 private:
  std::shared_ptr<neural::Objective> objective_;
};
TORCH_MODULE(ConceptHead);

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

JointModel make_joint_model(const ExperimentConfig& config, std::int64_t concepts, const std::string& network) {
  JointModel m;
  std::shared_ptr<neural::Objective> objective;
  if (config.joint_objective > 0) {
    ExperimentConfig c = config;
    c.clusters = concepts;
    objective = make_objective(c);
    m.concept_network = torch::nn::AnyModule(ConceptHead(objective));
    m.needs_other_view = true;
  } else {
    m.concept_network = make_encoder(config, concepts);
  }
  neural::ConceptDecoder decoder{nullptr};
  if (config.joint_reconstruction > 0) {
    decoder = neural::ConceptDecoder(concepts, std::vector<std::int64_t>{1, 28, 28});
    for (const torch::Tensor& p : decoder->parameters()) m.extra_parameters.push_back(p);
    m.extra_modules.push_back(decoder.ptr());
  }
  const bool supervised = config.joint_supervision > 0 && config.joint_supervision_weight > 0;
  if (!objective && config.joint_entropy == 0 && !decoder && !supervised) return m;

  m.auxiliary = [=](const bridge::Batch& batch, const std::map<std::string, torch::Tensor>& log_probs) mutable {
    const torch::Tensor& lp = log_probs.at(network);
    neural::Losses out;
    if (objective) {
      const torch::Tensor view = batch.images.to(lp.device()), other = batch.other_view.to(lp.device());
      for (neural::LossTerm& t : objective->loss(view, other).terms)
        out.terms.push_back({config.objective + "/" + t.name, t.value, t.weight * config.joint_objective});
    }
    if (config.joint_entropy > 0) out.terms.push_back({"entropy", neural::mean_concept_negentropy(lp), config.joint_entropy});
    if (decoder)
      out.terms.push_back({"reconstruction", decoder->reconstruction_loss(lp, batch.images.to(lp.device())),
                           config.joint_reconstruction});
    if (supervised) {
      const torch::Tensor given = batch.given.to(lp.device());
      const torch::Tensor rows = given.ge(0).nonzero().squeeze(1);
      // A batch without a supervised image adds a zero that still belongs to the graph.
      const torch::Tensor ce = rows.numel() ? torch::nll_loss(lp.index_select(0, rows), given.index_select(0, rows))
                                            : lp.sum() * 0;
      out.terms.push_back({"supervision", ce, config.joint_supervision_weight});
    }
    return out;
  };
  return m;
}

}  // namespace gedilog::tasks
