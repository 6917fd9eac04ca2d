% Addition over vectors: each input is 16 numbers from one of 10 Gaussian clusters, its class
% a digit; the network learns the classes from the sums of two inputs' classes alone.
nn(class_net, [X], C, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) :: class(X, C).
addition(X, Y, Z) :- class(X, A), class(Y, B), Z is A + B.
