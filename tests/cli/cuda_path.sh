#!/usr/bin/env bash
# The CUDA path: where this build has CUDA, MNIST addition with GEDI as joint mitigation (its
# SGLD replay buffer, objective buffers, circuit index tensors) and GEDI clustering each train
# an epoch on the GPU and finish; where it has none, --set train.device=cuda is refused before
# any work (no run folder) and the test is skipped (exit 77), saying so.
# cuda_path.sh GEDILOG SOURCE_DIR DIR
set -uo pipefail
gedilog=$1 source=$2 dir=$3
rm -rf "$dir"
mkdir -p "$dir"
fail() { echo "FAIL: $*"; cat "$dir"/*.err 2>/dev/null; exit 1; }
tiny=(--set train.device=cuda --set train.epochs=1 --set data.train_images=300 --set data.test_images=100
      --set objective.sgld_steps=2 --set objective.sgld_buffer=64)
"$gedilog" train "$source/examples/mnist_add.toml" "${tiny[@]}" --set joint.objective=1 --set model.network=mlp \
  --out "$dir/add" > /dev/null 2> "$dir/add.err"
rc=$?
if grep -q "CUDA is not available" "$dir/add.err"; then
  [ "$rc" -eq 1 ] || fail "exit status $rc for a CUDA run without CUDA (expected 1)"
  [ ! -e "$dir/add" ] || fail "a refused CUDA run left a run folder"
  echo "skipped: this build of LibTorch has no CUDA (the refusal was checked)"
  exit 77
fi
[ "$rc" -eq 0 ] || fail "MNIST addition with GEDI on CUDA: exit status $rc"
[ -s "$dir/add/metrics.json" ] || fail "no metrics.json for MNIST addition on CUDA"
"$gedilog" cluster "$source/examples/cluster_mnist.toml" "${tiny[@]}" --set data.ood_source= \
  --out "$dir/cluster" > /dev/null 2> "$dir/cluster.err" || fail "GEDI clustering on CUDA: exit status $?"
"$gedilog" eval "$dir/cluster" > /dev/null 2> "$dir/eval.err" || fail "eval of a CUDA run: exit status $?"
echo "CUDA: MNIST addition with GEDI and GEDI clustering trained and evaluated on the GPU"
