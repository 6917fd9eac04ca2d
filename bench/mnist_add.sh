#!/usr/bin/env bash
# MNIST addition accuracy and speed over seeds (results: BENCHMARKS.md). Trains
# examples/mnist_add.toml for each N below with 3 seeds into bench-runs/, then prints the table.
# Usage: bench/mnist_add.sh [N:EPOCHS ...]   (default: 1:10 2:20 4:30 15:40)
set -euo pipefail
cd "$(dirname "$0")/.."
plans=("$@")
[ ${#plans[@]} -gt 0 ] || plans=(1:10 2:20 4:30 15:40)
seeds=(${SEEDS:-0 1 2})
rows=()
mkdir -p bench-runs
for plan in "${plans[@]}"; do
  n=${plan%%:*} epochs=${plan##*:}
  dirs=()
  for seed in "${seeds[@]}"; do
    dir="bench-runs/add-n$n-e$epochs-s$seed"
    if [ ! -f "$dir/metrics.json" ]; then
      rm -rf "$dir"
      build/app/gedilog train examples/mnist_add.toml --set task.digits="$n" --set train.epochs="$epochs" \
        --set train.seed="$seed" --out "$dir" >/dev/null 2>"$dir.log" || echo "N=$n seed $seed failed: see $dir.log" >&2
    fi
    dirs+=("$dir")
  done
  rows+=("N=$n, $epochs epochs=$(IFS=,; echo "${dirs[*]}")")
done
build/bench/summarize_runs "${rows[@]}"
