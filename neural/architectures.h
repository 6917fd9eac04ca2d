#pragma once
// The names of the image encoders (neural/encoders.h), without LibTorch: configs are checked
// against this list, and neural::make_encoder builds exactly these.
#include <array>
#include <string_view>

namespace gedilog::neural {

inline constexpr std::array<std::string_view, 6> kArchitectures = {"lenet", "wide-cnn", "bn-cnn",
                                                                   "bn-cnn-small", "mlp", "resnet"};

// An architecture "torchscript:PATH" names the file of a module saved by PyTorch
// (neural/torchscript.h).
inline constexpr std::string_view kTorchScriptPrefix = "torchscript:";
inline bool is_torchscript(std::string_view architecture) {
  return architecture.size() > kTorchScriptPrefix.size() && architecture.substr(0, kTorchScriptPrefix.size()) == kTorchScriptPrefix;
}

// A built-in name or a TorchScript file.
inline bool is_architecture(std::string_view name) {
  if (is_torchscript(name)) return true;
  for (std::string_view a : kArchitectures)
    if (a == name) return true;
  return false;
}

}  // namespace gedilog::neural
