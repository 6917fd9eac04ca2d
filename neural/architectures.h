#pragma once
// The names of the image encoders (neural/encoders.h), without LibTorch: configs are checked
// against this list, and neural::make_encoder builds exactly these.
#include <array>
#include <string_view>

namespace gedilog::neural {

inline constexpr std::array<std::string_view, 5> kArchitectures = {"lenet", "wide-cnn", "bn-cnn",
                                                                   "bn-cnn-small", "mlp"};

inline bool is_architecture(std::string_view name) {
  for (std::string_view a : kArchitectures)
    if (a == name) return true;
  return false;
}

}  // namespace gedilog::neural
