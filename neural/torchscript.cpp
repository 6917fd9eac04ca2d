#include "neural/torchscript.h"

#include <torch/script.h>
#include <torch/torch.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace gedilog::neural {

namespace {

// The line of an exception's message that says what went wrong: the first of LibTorch's
// errors, the last of the TorchScript interpreter's (after its tracebacks).
std::string reason(const std::exception& e) {
  if (const auto* c10 = dynamic_cast<const c10::Error*>(&e)) {
    const std::string what = c10->what_without_backtrace();
    return what.substr(0, what.find('\n'));
  }
  std::string what = e.what();
  while (!what.empty() && (what.back() == '\n' || what.back() == ' ')) what.pop_back();
  const std::size_t last = what.rfind('\n');
  what = last == std::string::npos ? what : what.substr(last + 1);
  return what.substr(what.find_first_not_of(' ') == std::string::npos ? 0 : what.find_first_not_of(' '));
}

// A TorchScript module as a torch::nn::Module: its parameters and buffers registered under
// their dotted names with '.' as '_' (the same tensors, so optimisers and to(device) reach
// the module), train/eval passed on.
class TorchScriptNetImpl : public torch::nn::Module {
 public:
  explicit TorchScriptNetImpl(torch::jit::Module module) : module_(std::move(module)) {
    auto flat = [](std::string name) {
      std::replace(name.begin(), name.end(), '.', '_');
      return name;
    };
    for (const auto& p : module_.named_parameters(/*recurse=*/true)) register_parameter(flat(p.name), p.value, true);
    for (const auto& b : module_.named_buffers(/*recurse=*/true)) register_buffer(flat(b.name), b.value);
  }
  torch::Tensor forward(torch::Tensor inputs) { return module_.forward({inputs}).toTensor(); }
  void train(bool on = true) override {
    torch::nn::Module::train(on);
    if (module_.hasattr("training")) module_.train(on);  // modules made in C++ may have no mode
  }
  torch::jit::Module& module() { return module_; }
  const torch::jit::Module& module() const { return module_; }

 private:
  torch::jit::Module module_;
};
TORCH_MODULE(TorchScriptNet);

}  // namespace

torch::nn::AnyModule load_torchscript(const std::string& file, std::int64_t outputs, const InputShape& input) {
  torch::jit::Module module;
  try {
    module = torch::jit::load(file);
  } catch (const std::exception& e) {
    throw std::invalid_argument("the TorchScript file " + file + " does not load: " + reason(e));
  }
  TorchScriptNet net(std::move(module));
  std::vector<std::int64_t> batch = {2};
  batch.insert(batch.end(), input.begin(), input.end());
  torch::Tensor out;
  try {
    torch::NoGradGuard no_grad;
    net->train(false);
    c10::IValue value = net->module().forward({torch::zeros(batch)});
    if (!value.isTensor()) throw std::invalid_argument("the TorchScript module " + file + " returns a " + value.tagKind() + ", not a tensor");
    out = value.toTensor();
  } catch (const std::invalid_argument&) {
    throw;
  } catch (const std::exception& e) {
    std::ostringstream shape;
    shape << torch::IntArrayRef(batch);
    throw std::invalid_argument("the TorchScript module " + file + " fails on a batch of inputs " + shape.str() + ": " + reason(e));
  }
  net->train(true);
  if (out.dim() != 2 || out.size(0) != 2 || out.size(1) != outputs) {
    std::ostringstream text;
    text << "the TorchScript module " << file << " maps inputs " << torch::IntArrayRef(batch) << " to " << out.sizes()
         << ", not [2, " << outputs << "] (" << outputs << (outputs == 1 ? " output" : " outputs") << " of the declaration)";
    throw std::invalid_argument(text.str());
  }
  return torch::nn::AnyModule(net);
}

std::string torchscript_bytes(const torch::nn::AnyModule& network) {
  if (const auto* padded = dynamic_cast<const PaddedInputImpl*>(network.ptr().get())) return torchscript_bytes(padded->network());
  const auto* net = dynamic_cast<const TorchScriptNetImpl*>(network.ptr().get());
  if (!net) throw std::invalid_argument("not a TorchScript network");
  std::ostringstream out;
  net->module().save(out);
  return out.str();
}

}  // namespace gedilog::neural
