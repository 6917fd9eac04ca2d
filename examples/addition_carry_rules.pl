% Digit-wise addition with a carry: the rules, shared by examples/addition_carry.pl and the
% benchmark. A program consulting this file gives belief(Number, Position, Probabilities) for
% each digit (position 0 least significant) and number_length(L).

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
