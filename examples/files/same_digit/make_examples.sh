#!/usr/bin/env bash
# Writes train.jsonl and test.jsonl: pairs of MNIST images of one split, the first image of each
# pair in a seeded random order, the second of the same digit for half of the pairs (a fair
# coin) and of another digit otherwise; probability 1 where the digits are the same, else 0.
# 4 000 training pairs, 1 000 test pairs. Needs a built gedilog (scripts/build.sh); the shipped
# files were made with it and Debian's mawk.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
gedilog="${GEDILOG:-$here/../../../build/app/gedilog}"
for split in train test; do
  "$gedilog" images "mnist:$split" | awk -F, -v seed="$([ "$split" = train ] && echo 3 || echo 4)" \
    -v pairs="$([ "$split" = train ] && echo 4000 || echo 1000)" '
    BEGIN { n = 0 }
    NR > 1 { ref[n] = $1; label[n] = $2; of[$2, count[$2]++] = $1; n++ }
    END {
      srand(seed)
      for (i = n - 1; i > 0; i--) { j = int(rand() * (i + 1)); t = ref[i]; ref[i] = ref[j]; ref[j] = t; t = label[i]; label[i] = label[j]; label[j] = t }
      for (i = 0; i < pairs; i++) {
        d = label[i]
        if (rand() < 0.5) e = d
        else { e = int(rand() * 9); if (e >= d) e++ }
        do partner = of[e, int(rand() * count[e])]; while (partner == ref[i])
        printf "{\"query\": \"same(X, Y)\", \"inputs\": {\"X\": \"%s\", \"Y\": \"%s\"}, \"probability\": %d}\n", ref[i], partner, d == e
      }
    }' > "$here/$split.jsonl"
done
wc -l "$here"/train.jsonl "$here"/test.jsonl
