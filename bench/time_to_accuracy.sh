#!/usr/bin/env bash
# Time to accuracy of finished runs, read from their history.csv (BENCHMARKS.md, "MNIST
# addition: the main job"): per run, the training seconds (summed over epochs, evaluation not
# counted) until the test label accuracy first reaches THRESHOLD, and the accuracy-against-time
# curve (cumulative training seconds: accuracy, one point per epoch). COLUMN=... reads another
# history.csv column, e.g. test_label_accuracy_repaired (MNIST addition at large N).
#   bench/time_to_accuracy.sh 0.97 bench-runs/mnist-add/*/
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 THRESHOLD RUN_DIR..." >&2; exit 2; }
threshold=$1 column=${COLUMN:-test_label_accuracy}
shift
echo "| run | epochs | train s to $threshold ($column) | accuracy then | final accuracy | curve (train s: accuracy) |"
echo "|---|---|---|---|---|---|"
for run in "$@"; do
  history="${run%/}/history.csv"
  [ -f "$history" ] || { echo "$history: no such file (not a run folder?)" >&2; exit 1; }
  awk -F, -v run="${run%/}" -v threshold="$threshold" -v name="$column" '
    NR == 1 {
      for (i = 1; i <= NF; ++i) column[$i] = i
      if (!("train_seconds" in column) || !(name in column)) {
        print FILENAME ": no train_seconds or " name " column" > "/dev/stderr"; failed = 1; exit 1
      }
      next
    }
    {
      seconds += $column["train_seconds"]; accuracy = $column[name]; epochs = NR - 1
      curve = curve (curve == "" ? "" : ", ") sprintf("%.0f: %.1f%%", seconds, 100 * accuracy)
      if (reached == "" && accuracy >= threshold) { reached = sprintf("%.1f", seconds); then = accuracy }
    }
    END {
      if (failed) exit 1
      printf "| %s | %d | %s | %s | %.2f%% | %s |\n", run, epochs, reached == "" ? "not reached" : reached,
             reached == "" ? "-" : sprintf("%.2f%%", 100 * then), 100 * accuracy, curve
    }' "$history"
done
