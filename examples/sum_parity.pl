% MNIST sum parity (a reasoning-shortcut task): the label is whether the two digits add up to
% an odd number. Every digit map that keeps each digit's parity satisfies it, so the label
% alone says almost nothing about which digit is which.
nn(mnist_net, [X], Y, [0,1,2,3,4,5,6,7,8,9]) :: digit(X, Y).
parity(X, Y, P) :- digit(X, A), digit(Y, B), P is (A + B) mod 2.
