#!/usr/bin/env bash
# Writes train.jsonl and test.jsonl: each MNIST image of a split used once, paired at random
# (seeded), labelled with the sum of the two digits, the sum (argument 3) named as the answer
# (answer accuracy: the most probable sum, DeepProbLog's accuracy). Needs a built gedilog
# (scripts/build.sh); the shipped files were made with it and Debian's mawk.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
gedilog="${GEDILOG:-$here/../../../build/app/gedilog}"
for split in train test; do
  "$gedilog" images "mnist:$split" |
    awk -F, -v seed="$([ "$split" = train ] && echo 9 || echo 10)" -v query=addition -v op=sum \
      -f "$here/../pair_examples.awk" > "$here/$split.jsonl"
done
wc -l "$here"/train.jsonl "$here"/test.jsonl
