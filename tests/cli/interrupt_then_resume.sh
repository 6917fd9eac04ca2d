#!/usr/bin/env bash
# Ctrl-C on `gedilog train` alone (no compare around it): the run stops after the step it is
# in, exits 1 saying it was interrupted, keeps history.csv and resume.pt but no metrics.json,
# is recorded as failed, and `gedilog train --resume DIR` finishes it.
# interrupt_then_resume.sh GEDILOG EXPERIMENT DIR
set -uo pipefail
gedilog=$1 experiment=$2 dir=$3
rm -rf "$dir" "$dir.err"
mkdir -p "$(dirname "$dir")"
# Epochs of a few seconds each (bn-cnn is the slowest network), so that the signal sent as the
# first one ends lands in the second.
"$gedilog" train "$experiment" --set train.epochs=3 --set model.network=bn-cnn --set data.train_images=3000 \
  --out "$dir" 2> "$dir.err" &
pid=$!
for _ in $(seq 1 1200); do
  [ -s "$dir/history.csv" ] && break
  sleep 0.1
done
[ -s "$dir/history.csv" ] || { echo "no epoch ended in 120 s"; kill "$pid"; exit 1; }
kill -INT "$pid"
wait "$pid"
rc=$?
fail() { echo "FAIL: $*"; cat "$dir.err"; exit 1; }
[ "$rc" -eq 1 ] || fail "exit status $rc after SIGINT (expected 1)"
grep -q "Interrupted" "$dir.err" || fail "no 'Interrupted' message"
[ ! -e "$dir/metrics.json" ] || fail "an interrupted run has metrics.json"
[ -s "$dir/resume.pt" ] || fail "no resume.pt"
# The listing whole, then its last row (this run): `grep -q` in a pipe under pipefail can stop gedilog with SIGPIPE
# once runs.db holds earlier runs of this folder.
runs=$("$gedilog" runs "$(dirname "$dir")" --where "folder=$(basename "$dir")") || fail "gedilog runs: exit status $?"
grep "^| [0-9]" <<< "$runs" | tail -n 1 | grep -q "| failed |" || fail "runs.db: this run is not failed"
"$gedilog" train --resume "$dir" 2> "$dir.err" > /dev/null || fail "--resume: exit status $?"
grep -q "after epoch" "$dir.err" || fail "--resume did not continue from a finished epoch"
[ -s "$dir/metrics.json" ] || fail "the resumed run has no metrics.json"
[ "$(wc -l < "$dir/history.csv")" -eq 4 ] || fail "history.csv: not a header and 3 epochs"
echo "interrupted, resumed, finished"
