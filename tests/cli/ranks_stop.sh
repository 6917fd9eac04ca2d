#!/usr/bin/env bash
# Faults of a data-parallel run: (1) a rank killed in epoch 2 stops rank 0 at once with a
# DistributedError, the run folder without metrics.json and recorded as failed; (1b) a rank
# that stops with an error is named by rank 0, its message quoted; (2) SIGINT to
# `gedilog train --nproc 2` alone stops every rank, and leaves no rank running.
# ranks_stop.sh GEDILOG EXPERIMENT DIR
set -uo pipefail
gedilog=$1 experiment=$2 dir=$3
rm -rf "$dir"
mkdir -p "$dir"
fail() { echo "FAIL: $*"; cat "$dir"/*.err 2>/dev/null; exit 1; }
settings=(--set train.epochs=4 --set model.network=mlp --set data.train_images=3000)
wait_for_epoch() {  # FOLDER PID...
  local folder=$1; shift
  for _ in $(seq 1 1200); do
    [ -s "$folder/history.csv" ] && return 0
    sleep 0.1
  done
  kill "$@" 2>/dev/null
  fail "no epoch ended in 120 s"
}

start_two_ranks() {  # RUN: ranks 0 and 1 started by hand, as a launcher would (pids in rank0, rank1)
  local port=$((20000 + RANDOM % 20000))
  env RANK=0 WORLD_SIZE=2 MASTER_PORT=$port OMP_NUM_THREADS=1 "$gedilog" train "$experiment" "${settings[@]}" \
    --out "$dir/$1" > /dev/null 2> "$dir/$1.rank0.err" &
  rank0=$!
  env RANK=1 WORLD_SIZE=2 MASTER_PORT=$port OMP_NUM_THREADS=1 "$gedilog" train "$experiment" "${settings[@]}" \
    --out "$dir/$1" > /dev/null 2> "$dir/$1.rank1.err" &
  rank1=$!
}

# (1) Rank 1 is killed once epoch 1 has ended.
start_two_ranks killed
wait_for_epoch "$dir/killed" "$rank0" "$rank1"
kill -KILL "$rank1"
start=$SECONDS
wait "$rank0"
rc=$?
[ "$rc" -eq 1 ] || fail "rank 0 exited with $rc after rank 1 was killed (expected 1)"
[ $((SECONDS - start)) -le 30 ] || fail "rank 0 took $((SECONDS - start)) s to stop"
grep -q "DistributedError" "$dir/killed.rank0.err" || fail "rank 0 did not say a rank was lost"
[ ! -e "$dir/killed/metrics.json" ] || fail "the run has metrics.json"
runs=$("$gedilog" runs "$dir" --where "folder=killed") || fail "gedilog runs: exit status $?"
grep "^| [0-9]" <<< "$runs" | tail -n 1 | grep -q "| failed |" || fail "runs.db: the run is not failed"

# (1b) Rank 1 alone stops with an error (SIGINT): rank 0 names it and quotes its message.
start_two_ranks told
wait_for_epoch "$dir/told" "$rank0" "$rank1"
kill -INT "$rank1"
wait "$rank0"
rc=$?
wait "$rank1"
[ "$rc" -eq 1 ] || fail "rank 0 exited with $rc after rank 1 stopped (expected 1)"
grep -q "rank 1 failed: .*Interrupted" "$dir/told.rank0.err" || fail "rank 0 did not name rank 1 and its message"

# (2) The local launcher, interrupted: every rank stops.
"$gedilog" train "$experiment" "${settings[@]}" --nproc 2 --out "$dir/interrupted" > /dev/null 2> "$dir/launcher.err" &
launcher=$!
wait_for_epoch "$dir/interrupted" "$launcher"
kill -INT "$launcher"
wait "$launcher"
rc=$?
[ "$rc" -eq 1 ] || fail "the launcher exited with $rc after SIGINT (expected 1)"
grep -q "Interrupted" "$dir/launcher.err" || fail "no 'Interrupted' message"
sleep 1
! pgrep -f -- "--out $dir/interrupted" > /dev/null || fail "a rank still runs after the launcher stopped"
[ ! -e "$dir/interrupted/metrics.json" ] || fail "the interrupted run has metrics.json"
echo "a killed rank and an interrupted launcher both stop the run"
