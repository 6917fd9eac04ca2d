#!/usr/bin/env bash
# The cost of GEDI's generative term: seconds per training step of GEDI (SGLD negatives, 20 and
# 5 steps) against GEDI without the generative term, same batch (64) and encoder (LeNet),
# interleaved runs of one epoch on 2 048 MNIST digits, repeated; prints the medians and ratios.
# Usage: bench/gedi_step.sh [REPEATS]   (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
declare -A runs=([gedi-sgld20]="objective.sgld_steps=20" [gedi-sgld5]="objective.sgld_steps=5"
                 [gedi-without-generative]="objective.generative=0")
for r in $(seq "$repeats"); do
  for name in gedi-sgld20 gedi-sgld5 gedi-without-generative; do
    build/app/gedilog cluster examples/cluster_mnist.toml --set "${runs[$name]}" --set train.epochs=1 \
      --set data.train_images=2048 --set data.ood_source= --out "$out/$name-$r" >/dev/null 2>&1
  done
done
median_of() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
declare -A median
for name in gedi-sgld20 gedi-sgld5 gedi-without-generative; do
  median[$name]=$(for r in $(seq "$repeats"); do
    grep -o '"step_seconds": [0-9.e-]*' "$out/$name-$r/metrics.json" | awk '{print $2}'; done | median_of)
done
base=${median[gedi-without-generative]}
echo "| objective | median s/step | x GEDI without generative |"
echo "|---|---|---|"
for name in gedi-sgld20 gedi-sgld5 gedi-without-generative; do
  awk -v n="$name" -v m="${median[$name]}" -v b="$base" 'BEGIN {printf "| %s | %.4f | %.1f |\n", n, m, m / b}'
done
