#!/usr/bin/env bash
# A shipped example whose data a script makes: make_examples.sh (with this build) makes the
# data and writes the very example files shipped beside it, and the example then trains (one
# epoch) to a finished run folder. Usage: example_from_script.sh EXAMPLE_DIR TOML BUILD_DIR OUT_DIR
set -euo pipefail
example="$1" toml="$2" build="$3" out="$4"
rm -rf "$out" && mkdir -p "$out/shipped"
cp "$example"/train.jsonl "$example"/test.jsonl "$out/shipped/"
GEDILOG_BUILD="$build" "$example/make_examples.sh"
for f in train.jsonl test.jsonl; do
  cmp "$out/shipped/$f" "$example/$f" || { echo "make_examples.sh wrote another $f than the one shipped"; exit 1; }
done
"$build/app/gedilog" train "$example/$toml" --set train.epochs=1 --set train.cache_dir= --out "$out/run"
test -f "$out/run/metrics.json"
