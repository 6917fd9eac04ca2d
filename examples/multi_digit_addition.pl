% Multi-digit MNIST addition with a carry: each digit image is classified by mnist_net, and the
% sum is checked digit by digit, passing a carry (0 or 1) from position to position, so the
% circuit of a query grows linearly with the number of digits N (DeepProbLog's form,
% examples/mnist_addition.pl, enumerates all 10^N numbers).
%
% Query: add([in(0),...,in(N-1)], [in(N),...,in(2N-1)], Sum), numbers and Sum as lists of
% digits, least significant first; Sum has N + 1 digits (the last is the carry out). A digit of
% Sum is either a number (add([in(0)],[in(1)],[7,0])) or an input in(K) whose value the example
% gives through the network `observed` (its one-hot): then one circuit serves every sum, which
% is how `gedilog train` uses this program.
nn(mnist_net, [X], Y, [0,1,2,3,4,5,6,7,8,9]) :: digit(X, Y).
nn(observed, [X], Y, [0,1,2,3,4,5,6,7,8,9]) :: observed_digit(X, Y).

add(A, B, Sum) :-
    length(A, L), length(Sum, L1), L1 =:= L + 1,
    nth0(L, Sum, Top), sum_digit(Top, C), carry(L, C, A, B, Sum).

% carry(I, C, A, B, Sum): the digits of A and B below position I add up to the digits of Sum
% below I, with carry C into position I.
carry(0, 0, _, _, _).
carry(I, C, A, B, Sum) :-
    I > 0, I0 is I - 1,
    carry(I0, C0, A, B, Sum),
    nth0(I0, A, X), nth0(I0, B, Y),
    digit(X, DX), digit(Y, DY),
    S is DX + DY + C0,
    nth0(I0, Sum, Z), sum_digit(Z, D), D =:= S mod 10,
    C is S // 10.

sum_digit(D, D) :- integer(D).
sum_digit(in(K), D) :- observed_digit(in(K), D).

query(add([in(0),in(1)], [in(2),in(3)], [7,2,1])).
