#!/usr/bin/env bash
# Data-parallel training on this machine (BENCHMARKS.md, "Data-parallel training"): MNIST
# addition with 1 rank x C threads against C ranks x 1 thread (--nproc), C = the cores, side by
# side (interleaved, REPEATS times each), one epoch each. Per arm: the median examples/s of
# training (evaluation not counted), the all-reduce's share of a step (metrics.json's
# last_epoch_step_share.communication, rank 0's: it includes waiting for the slower rank) and
# the gradient bytes each step all-reduces (trained_parameters x 4).
#   bench/data_parallel.sh [REPEATS] [DIGITS...]      e.g. bench/data_parallel.sh 3 1 4
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-3}
shift || true
digits=("$@")
[ ${#digits[@]} -gt 0 ] || digits=(1 4)
cores=$(nproc)
out=bench-runs/data_parallel
rm -rf "$out"
mkdir -p "$out"
gedilog=build/app/gedilog
value() { grep -o "\"$2\": *[0-9.e+-]*" "$1" | head -n 1 | sed 's/.*: *//'; }
echo "| N | arm | examples/s (median of $repeats) | all-reduce share | gradient bytes per step |"
echo "|---|---|---:|---:|---:|"
for n in "${digits[@]}"; do
  sets=(--set task.digits="$n" --set train.epochs=1 --set data.validation=0)
  for r in $(seq 1 "$repeats"); do
    OMP_NUM_THREADS=$cores "$gedilog" train examples/mnist_add.toml "${sets[@]}" --out "$out/n$n-one-$r" > /dev/null 2>&1
    "$gedilog" train examples/mnist_add.toml "${sets[@]}" --nproc "$cores" --out "$out/n$n-ranks-$r" > /dev/null 2>&1
  done
  for arm in one ranks; do
    label="1 rank x $cores threads"
    [ "$arm" = ranks ] && label="$cores ranks x 1 thread"
    speeds=() shares=()
    for r in $(seq 1 "$repeats"); do
      m="$out/n$n-$arm-$r/metrics.json"
      speeds+=("$(value "$m" examples_per_second)")
      shares+=("$(value "$m" communication)")
    done
    params=$(value "$out/n$n-$arm-1/metrics.json" trained_parameters)
    median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
    printf '| %s | %s | %.0f | %.1f%% | %d |\n' "$n" "$label" "$(median "${speeds[@]}")" \
      "$(awk -v s="$(median "${shares[@]}")" 'BEGIN { print 100 * s }')" "$((params * 4))"
  done
done
