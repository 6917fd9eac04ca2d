0.5::a.
b :- a, .
query(b).
