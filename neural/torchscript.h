#pragma once
// Networks from PyTorch: a TorchScript module (`torch.jit.script(model).save(path)` or
// `torch.jit.trace(model, example).save(path)` in Python) as a network of gedilog. Its
// parameters and buffers are the module's own tensors, so training the network trains the
// module, and the trained module saves back in TorchScript for PyTorch to load.
#include <torch/nn/modules/container/any.h>

#include <string>

#include "neural/architectures.h"  // is_torchscript
#include "neural/encoders.h"

namespace gedilog::neural {

// The module in `file` as a network with `outputs` logits on inputs of shape `input`:
// std::invalid_argument naming the file when it does not load, or when a batch of two inputs
// of that shape does not give [2, outputs].
torch::nn::AnyModule load_torchscript(const std::string& file, std::int64_t outputs, const InputShape& input);

// The module of a network load_torchscript made, with its current tensors, as TorchScript's
// file format (what torch.jit.load reads); std::invalid_argument for any other network.
std::string torchscript_bytes(const torch::nn::AnyModule& network);

}  // namespace gedilog::neural
