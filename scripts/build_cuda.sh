#!/usr/bin/env bash
# Builds gedilog against a CUDA LibTorch (Debian's is CPU-only) into build-cuda/, then runs the
# circuit evaluation benchmark on the GPU. The LibTorch is, in order: $LIBTORCH (an unpacked
# libtorch folder), or the one inside a CUDA PyTorch (python3 -c 'import torch; ...').
# The other packages come from scripts/setup.sh (or, on a machine without a package registry,
# from .deb files unpacked with dpkg -x into a prefix named in CMAKE_PREFIX_PATH).
set -euo pipefail
cd "$(dirname "$0")/.."

prefix="${LIBTORCH:-}"
if [ -z "$prefix" ]; then
  prefix="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null || true)"
fi
if [ -z "$prefix" ]; then
  echo "build_cuda: no CUDA LibTorch found: set LIBTORCH=/path/to/libtorch or install a CUDA PyTorch" >&2
  exit 1
fi
echo "build_cuda: LibTorch from $prefix"
cmake -S . -B build-cuda -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix${CMAKE_PREFIX_PATH:+;$CMAKE_PREFIX_PATH}"
cmake --build build-cuda
build-cuda/bench/circuit_eval_bench --device cuda "$@"
