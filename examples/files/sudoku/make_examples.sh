#!/usr/bin/env bash
# Writes train.jsonl (1 000 grids) and test.jsonl (400 grids): half valid 4x4 sudokus, half
# made invalid by changing one cell to another digit (probability 0); each cell an MNIST image
# of its digit drawn at random (seeded) from the split. Valid grids: a base grid under random
# digit renaming, row swaps within bands, band swaps, column swaps within stacks, stack swaps
# and transposition (these reach all 288). Needs a built gedilog (scripts/build.sh); the
# shipped files were made with it and Debian's mawk.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
gedilog="${GEDILOG:-$here/../../../build/app/gedilog}"
for split in train test; do
  if [ "$split" = train ]; then grids=1000 seed=3; else grids=400 seed=4; fi
  "$gedilog" images "mnist:$split" | awk -F, -v grids="$grids" -v seed="$seed" '
    BEGIN { for (d = 1; d <= 4; d++) count[d] = 0 }
    NR > 1 && $2 >= 1 && $2 <= 4 { d = $2 + 0; image[d, count[d]++] = $1 }
    function pick(n) { return int(rand() * n) }
    function swap(a, i, j,   t) { t = a[i]; a[i] = a[j]; a[j] = t }
    END {
      srand(seed)
      split("1 2 3 4 3 4 1 2 2 1 4 3 4 3 2 1", base, " ")
      names = "A1 A2 A3 A4 B1 B2 B3 B4 C1 C2 C3 C4 D1 D2 D3 D4"
      split(names, name, " ")
      for (g = 0; g < grids; g++) {
        for (d = 1; d <= 4; d++) perm[d] = d
        for (d = 4; d > 1; d--) swap(perm, d, 1 + pick(d))
        for (r = 0; r < 4; r++) rows[r] = r
        for (c = 0; c < 4; c++) cols[c] = c
        if (pick(2)) swap(rows, 0, 1)
        if (pick(2)) swap(rows, 2, 3)
        if (pick(2)) { swap(rows, 0, 2); swap(rows, 1, 3) }
        if (pick(2)) swap(cols, 0, 1)
        if (pick(2)) swap(cols, 2, 3)
        if (pick(2)) { swap(cols, 0, 2); swap(cols, 1, 3) }
        transpose = pick(2)
        for (r = 0; r < 4; r++)
          for (c = 0; c < 4; c++) {
            rr = transpose ? cols[c] : rows[r]; cc = transpose ? rows[r] : cols[c]
            cell[4 * r + c] = perm[base[1 + 4 * rr + cc]]
          }
        valid = g % 2 == 0
        if (!valid) { k = pick(16); cell[k] = 1 + (cell[k] + pick(3)) % 4 }  # another digit
        query = "valid(["; inputs = ""
        for (k = 0; k < 16; k++) {
          query = query (k ? "," : "") name[k + 1]
          inputs = inputs (k ? ", " : "") "\"" name[k + 1] "\": \"" image[cell[k], pick(count[cell[k]])] "\""
        }
        printf "{\"query\": \"%s])\", \"inputs\": {%s}, \"probability\": %d}\n", query, inputs, valid
      }
    }' > "$here/$split.jsonl"
done
wc -l "$here"/train.jsonl "$here"/test.jsonl
