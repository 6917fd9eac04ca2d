% Digit-wise addition with a carry, exact inference over fixed digit beliefs.
% Two 3-digit numbers n1 and n2; each digit is an annotated disjunction (one categorical random
% variable) whose probabilities stand in for a perception network's softmax. The query asks for
% the probability that n1 + n2 = 1 0 2 7 (digits of the sum, least significant first: 7,2,0,1).
% The program is linear in the number of digits: each position only passes a carry (0 or 1).

belief(n1, 0, [0.02,0.02,0.02,0.02,0.02,0.02,0.02,0.02,0.80,0.04]).   % mostly an 8
belief(n1, 1, [0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.10,0.50]).   % probably a 9
belief(n1, 2, [0.01,0.01,0.01,0.01,0.01,0.01,0.01,0.01,0.02,0.90]).   % a 9
belief(n2, 0, [0.10,0.10,0.10,0.10,0.10,0.10,0.10,0.10,0.10,0.10]).   % no idea
belief(n2, 1, [0.30,0.30,0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.05]).   % 0 or 1
belief(n2, 2, [0.01,0.01,0.01,0.01,0.01,0.01,0.01,0.01,0.01,0.91]).   % a 9... or not
number_length(3).

P0::digit(N,I,0); P1::digit(N,I,1); P2::digit(N,I,2); P3::digit(N,I,3); P4::digit(N,I,4);
P5::digit(N,I,5); P6::digit(N,I,6); P7::digit(N,I,7); P8::digit(N,I,8); P9::digit(N,I,9) :-
    belief(N, I, [P0,P1,P2,P3,P4,P5,P6,P7,P8,P9]).

% carry(I, C, Sum): adding the digits below position I gives the digits of Sum below I and
% carry C into position I. Sum is a list of digits, least significant first.
carry(0, 0, _).
carry(I, C, Sum) :-
    I > 0, I0 is I - 1,
    carry(I0, C0, Sum),
    digit(n1, I0, A), digit(n2, I0, B),
    S is A + B + C0,
    nth0(I0, Sum, D), D =:= S mod 10,
    C is S // 10.

sum(Sum) :- number_length(L), length(Sum, L1), L1 =:= L + 1, nth0(L, Sum, Top), carry(L, Top, Sum).

query(sum([7,2,0,1])).
query(sum([7,0,0,1])).
