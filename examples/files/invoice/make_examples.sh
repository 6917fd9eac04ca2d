#!/usr/bin/env bash
# Writes train.jsonl (6 000 lines, 10% with a mistyped total: another total the price list
# allows) and test.jsonl (1 000 lines, none mistyped): a random Fashion-MNIST item and a random
# MNIST digit 1-9 of the split (seeded). Needs a built gedilog (scripts/build.sh); the shipped
# files were made with it and Debian's mawk.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
gedilog="${GEDILOG:-$here/../../../build/app/gedilog}"
for split in train test; do
  if [ "$split" = train ]; then lines=6000 seed=5 typos=0.1; else lines=1000 seed=6 typos=0; fi
  { "$gedilog" images "fashion-mnist:$split"; "$gedilog" images "mnist:$split"; } | awk -F, \
      -v lines="$lines" -v seed="$seed" -v typos="$typos" '
    BEGIN {
      items = 0; digits = 0
      split("tshirt trouser pullover dress coat sandal shirt sneaker bag boot", name, " ")
      split("2 3 5 7 11 13 17 19 23 29", cost, " ")
      for (i = 1; i <= 10; i++) price[name[i]] = cost[i]
      totals = 0
      for (i = 1; i <= 10; i++) for (q = 1; q <= 9; q++) if (!((cost[i] * q) in seen)) { seen[cost[i] * q] = 1; total[totals++] = cost[i] * q }
    }
    $1 ~ /^fashion-mnist:/ { item[items] = $1; kind[items++] = $2 }
    $1 ~ /^mnist:/ && $2 >= 1 { digit[digits] = $1; value[digits++] = $2 }
    END {
      srand(seed)
      for (n = 0; n < lines; n++) {
        i = int(rand() * items); d = int(rand() * digits)
        t = price[kind[i]] * value[d]
        if (rand() < typos) { do w = total[int(rand() * totals)]; while (w == t); t = w }
        printf "{\"query\": \"total(Item, Quantity, %d)\", \"inputs\": {\"Item\": \"%s\", \"Quantity\": \"%s\"}}\n", t, item[i], digit[d]
      }
    }' > "$here/$split.jsonl"
done
wc -l "$here"/train.jsonl "$here"/test.jsonl
