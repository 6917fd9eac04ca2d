% Addition of two coloured digits on 32x32 colour images: the colour says nothing about the
% digit, so the network must learn shapes, not colours.
nn(digit_net, [X], D, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) :: digit(X, D).
addition(X, Y, Z) :- digit(X, A), digit(Y, B), Z is A + B.
