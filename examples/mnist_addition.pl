% MNIST addition, DeepProbLog's form: the network mnist_net classifies each image into a digit;
% the program adds the two digits. Queries are templates such as addition(in(0), in(1), 7),
% whose inputs the bridge binds to images. (gedilog query cannot evaluate it alone: the
% digit probabilities come from the network; gedilog compile shows its circuit.)
nn(mnist_net, [X], Y, [0,1,2,3,4,5,6,7,8,9]) :: digit(X, Y).
addition(X, Y, Z) :- digit(X, X2), digit(Y, Y2), Z is X2 + Y2.

% Multi-digit numbers as DeepProbLog writes them: build each number from its digits (most
% significant first), then add. Grounding enumerates every number: 10^N per template, so
% `gedilog train` uses it for N <= 2 only (examples/multi_digit_addition.pl scales).
number([], Result, Result).
number([H|T], Acc, Result) :- digit(H, D), Acc2 is D + 10 * Acc, number(T, Acc2, Result).
number(X, Y) :- number(X, 0, Y).
multi_addition(X, Y, Z) :- number(X, X2), number(Y, Y2), Z is X2 + Y2.

query(addition(in(0), in(1), 7)).
