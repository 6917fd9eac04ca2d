#!/usr/bin/env bash
# A data-parallel run interrupted and resumed ends as the uninterrupted one: `gedilog train
# --nproc 2` (with augmentation and batch norm: each rank's own draws, rank 0's buffers) is
# stopped by SIGINT once an epoch has ended, continued with --resume DIR --nproc 2, and its
# history (every epoch's loss and test accuracies) equals that of a run never stopped.
# ranks_resume.sh GEDILOG EXPERIMENT DIR
set -uo pipefail
gedilog=$1 experiment=$2 dir=$3
rm -rf "$dir"
mkdir -p "$dir"
fail() { echo "FAIL: $*"; cat "$dir"/*.err 2>/dev/null; exit 1; }
settings=(--set train.epochs=4 --set data.train_images=3000 --set data.test_images=400 --set train.cache_dir="$dir/cache")
"$gedilog" train "$experiment" "${settings[@]}" --nproc 2 --out "$dir/whole" > /dev/null 2> "$dir/whole.err" ||
  fail "the uninterrupted run: exit status $?"

"$gedilog" train "$experiment" "${settings[@]}" --nproc 2 --out "$dir/part" > /dev/null 2> "$dir/part.err" &
launcher=$!
for _ in $(seq 1 1200); do
  [ -s "$dir/part/history.csv" ] && break
  sleep 0.1
done
kill -INT "$launcher"
wait "$launcher"
rc=$?
[ "$rc" -eq 1 ] || fail "the interrupted run exited with $rc (expected 1: interrupted before its last epoch)"
[ "$(wc -l < "$dir/part/history.csv")" -lt 5 ] || fail "the interrupted run has all its epochs"
"$gedilog" train --resume "$dir/part" --nproc 2 > /dev/null 2> "$dir/resume.err" || fail "--resume: exit status $?"
grep -q "after epoch" "$dir/resume.err" || fail "--resume did not continue from a finished epoch"

columns() {  # the untimed columns that say where training went
  awk -F, 'NR == 1 { for (i = 1; i <= NF; ++i) at[$i] = i; next }
           { print $at["epoch"], $at["loss"], $at["test_label_accuracy"], $at["test_concept_accuracy"], $at["val_label_accuracy"] }' "$1"
}
whole=$(columns "$dir/whole/history.csv") part=$(columns "$dir/part/history.csv")
[ "$(wc -l <<< "$whole")" -eq 4 ] || fail "the uninterrupted run does not have 4 epochs"
[ "$whole" = "$part" ] || fail "resumed history differs:
$whole
---
$part"
echo "interrupted after epoch $(grep -o 'after epoch [0-9]*' "$dir/resume.err" | grep -o '[0-9]*$'), resumed, ended as the uninterrupted run"
