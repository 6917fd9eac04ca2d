% DeepProbLog's MNIST addition (Manhaeve et al., NeurIPS 2018), the program of its repository
% (ML-KULeuven/deepproblog, src/deepproblog/examples/MNIST/models/addition.pl): a neural
% annotated disjunction for the digit of an image, and the sum of two digits.
nn(mnist_net, [X], Y, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) :: digit(X, Y).
addition(X, Y, Z) :- digit(X, X2), digit(Y, Y2), Z is X2 + Y2.
