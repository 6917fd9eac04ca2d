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
source bench/train_seeds.sh
for task in "${tasks[@]}"; do
  rows+=("$task=$(train_seeds "bench-runs/files-$task" "examples/files/$task/$task.toml")")
done
build/bench/summarize_runs --files "${rows[@]}"
