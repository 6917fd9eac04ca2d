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

:- consult('addition_carry_rules.pl').

query(sum([7,2,0,1])).
query(sum([7,0,0,1])).
