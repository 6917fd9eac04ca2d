#!/usr/bin/env bash
# MNIST addition accuracy and speed over seeds (results: BENCHMARKS.md). Trains
# examples/mnist_add.toml for each N below with 3 seeds into bench-runs/, then prints the table.
# Usage: [SET="key=value ..."] bench/mnist_add.sh [N:EPOCHS[:BATCH[:FORM]] ...]
#   (plans: default below; FORM carry|deepproblog; SET: overrides for every run, e.g.
#   SET="augment.rotation=0 augment.translation=0 augment.scale=0 train.schedule=constant")
set -euo pipefail
cd "$(dirname "$0")/.."
plans=("$@")
[ ${#plans[@]} -gt 0 ] || plans=(1:10 1:10:16:deepproblog 2:20 2:20:16:deepproblog 4:30 15:40:32)
seeds=(${SEEDS:-0 1 2})
overrides=()
for kv in ${SET:-}; do overrides+=(--set "$kv"); done
tag=${SET:+-$(echo "$SET" | cksum | cut -d' ' -f1)}
rows=()
mkdir -p bench-runs
source bench/train_seeds.sh
for plan in "${plans[@]}"; do
  IFS=: read -r n epochs batch form <<<"$plan"
  batch=${batch:-16} form=${form:-carry}
  dirs=$(train_seeds "bench-runs/add-$form-n$n-e$epochs-b$batch$tag" examples/mnist_add.toml --set task.digits="$n" \
    --set train.epochs="$epochs" --set train.batch_size="$batch" --set task.form="$form" "${overrides[@]}")
  rows+=("N=$n $form, $epochs epochs, batch $batch${SET:+, $SET}=$dirs")
done
build/bench/summarize_runs "${rows[@]}"
