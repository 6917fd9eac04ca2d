% MNIST-Half (a reasoning-shortcut task, `gedilog train examples/shortcuts/half.toml`): digits
% 0-4 only, so the digit predicate's domain is 0-4; the label is the sum. Training shows the
% pairs (0,0) (0,1) (2,3) (2,4) in both orders, which pin down 0 and 1 but leave 2, 3 and 4
% free to be swapped consistently: `gedilog shortcuts` counts the maps.
nn(mnist_net, [X], Y, [0,1,2,3,4]) :: digit(X, Y).
addition(X, Y, Z) :- digit(X, X2), digit(Y, Y2), Z is X2 + Y2.
