#!/usr/bin/env bash
# Makes the data (data/*.npy, by the example program make_example_data: vectors of 16 numbers
# in 10 Gaussian clusters) and writes train.jsonl and test.jsonl: the vectors of a split in a
# seeded random order, paired, labelled with the sum of their classes, the sum (argument 3)
# named as the answer; 2 500 training pairs, 500 test pairs. Needs a built gedilog
# (scripts/build.sh); the shipped files were made with it and Debian's mawk.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${GEDILOG_BUILD:-$here/../../../build}"
"$build/examples/make_example_data" points "$here/data"
for split in train test; do
  "$build/app/gedilog" images "points:$split" --config "$here/vector_addition.toml" |
    awk -F, -v seed="$([ "$split" = train ] && echo 7 || echo 8)" -v query=addition -v op=sum \
      -f "$here/../pair_examples.awk" > "$here/$split.jsonl"
done
wc -l "$here"/train.jsonl "$here"/test.jsonl
