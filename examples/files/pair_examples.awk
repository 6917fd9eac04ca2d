# Pairs the inputs `gedilog images` lists (CSV rows ref,label after a header) into examples of
# a query over two inputs and the sum or product of their labels, that value (argument 3)
# named as the answer: the rows in a seeded random order (srand(seed), Fisher-Yates), taken
# two by two. awk -F, -v seed=N -v query=NAME -v op=sum|product -f pair_examples.awk
BEGIN { n = 0 }
NR > 1 { ref[n] = $1; label[n] = $2; n++ }
END {
  srand(seed)
  for (i = n - 1; i > 0; i--) { j = int(rand() * (i + 1)); t = ref[i]; ref[i] = ref[j]; ref[j] = t; t = label[i]; label[i] = label[j]; label[j] = t }
  for (i = 0; i + 1 < n; i += 2) {
    value = op == "product" ? label[i] * label[i + 1] : label[i] + label[i + 1]
    printf "{\"query\": \"%s(X, Y, %d)\", \"inputs\": {\"X\": \"%s\", \"Y\": \"%s\"}, \"answer\": 3}\n", query, value, ref[i], ref[i + 1]
  }
}
