% Same digit: do two MNIST images show the same digit? DeepProbLog's neural fact (nn/3): one
% network reads the pair (its two images stacked as two channels) and gives, through a sigmoid,
% the probability that same(X, Y) holds (a task defined by files:
% examples/files/same_digit/same_digit.toml).
nn(same_net, [X, Y]) :: same(X, Y).
