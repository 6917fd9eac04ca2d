% MNIST addition, DeepProbLog's form: the network mnist_net classifies each image into a digit;
% the program adds the two digits. Queries are templates such as addition(in(0), in(1), 7),
% whose inputs the bridge binds to images. (gedilog query cannot evaluate it alone: the
% digit probabilities come from the network; gedilog compile shows its circuit.)
nn(mnist_net, [X], Y, [0,1,2,3,4,5,6,7,8,9]) :: digit(X, Y).
addition(X, Y, Z) :- digit(X, X2), digit(Y, Y2), Z is X2 + Y2.

query(addition(in(0), in(1), 7)).
