#!/usr/bin/env bash
# The shipped tasks defined by files (examples/files/) over seeds (results: BENCHMARKS.md).
# Trains each task's TOML as shipped with 3 seeds into bench-runs/, skipping finished runs,
# then prints the table. Usage: [SEEDS="0 1 2"] bench/file_tasks.sh [TASK ...]
set -euo pipefail
cd "$(dirname "$0")/.."
tasks=("$@")
[ ${#tasks[@]} -gt 0 ] || tasks=(multiplication sudoku invoice)
seeds=(${SEEDS:-0 1 2})
rows=()
mkdir -p bench-runs
for task in "${tasks[@]}"; do
  dirs=()
  for seed in "${seeds[@]}"; do
    dir="bench-runs/files-$task-s$seed"
    if [ ! -f "$dir/metrics.json" ]; then
      rm -rf "$dir"
      build/app/gedilog train "examples/files/$task/$task.toml" --set train.seed="$seed" --out "$dir" \
        >/dev/null 2>"$dir.log" || echo "$task seed $seed failed: see $dir.log" >&2
    fi
    dirs+=("$dir")
  done
  rows+=("$task=$(IFS=,; echo "${dirs[*]}")")
done
build/bench/summarize_runs --files "${rows[@]}"
