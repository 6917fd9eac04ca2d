#!/usr/bin/env bash
# Writes train.jsonl and test.jsonl: each MNIST image of a split used once, paired at random
# (seeded), labelled with the product of the two digits, the product (argument 3) named as the
# answer (answer accuracy: the most probable product). Needs a built gedilog
# (scripts/build.sh); the shipped files were made with it and Debian's mawk.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
gedilog="${GEDILOG:-$here/../../../build/app/gedilog}"
for split in train test; do
  "$gedilog" images "mnist:$split" | awk -F, -v seed="$([ "$split" = train ] && echo 1 || echo 2)" '
    BEGIN { n = 0 }
    NR > 1 { ref[n] = $1; label[n] = $2; n++ }
    END {
      srand(seed)
      for (i = n - 1; i > 0; i--) { j = int(rand() * (i + 1)); t = ref[i]; ref[i] = ref[j]; ref[j] = t; t = label[i]; label[i] = label[j]; label[j] = t }
      for (i = 0; i + 1 < n; i += 2)
        printf "{\"query\": \"multiplication(X, Y, %d)\", \"inputs\": {\"X\": \"%s\", \"Y\": \"%s\"}, \"answer\": 3}\n", label[i] * label[i + 1], ref[i], ref[i + 1]
    }' > "$here/$split.jsonl"
done
wc -l "$here"/train.jsonl "$here"/test.jsonl
