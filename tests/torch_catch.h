#pragma once
// LibTorch (Debian's is built with glog) defines a CHECK macro that aborts the process; in
// tests Catch2's CHECK must win. Tests that use tensors include this instead of catch.hpp.
#include <torch/torch.h>
#undef CHECK
#include <catch2/catch.hpp>
