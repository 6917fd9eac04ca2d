% Invoice lines: a Fashion-MNIST image of an item and an MNIST image of a quantity (1-9); the
% label is the line's total, quantity x the item's price. Two networks learn the items and the
% digits from the totals alone. Some training totals were mistyped: a learnable fact learns
% how often, so that those lines do not teach the networks wrong symbols
% (examples/files/invoice/invoice.toml).
nn(fashion_net, [X], C, [tshirt, trouser, pullover, dress, coat, sandal, shirt, sneaker, bag, boot]) :: item(X, C).
nn(mnist_net, [X], Q, [0,1,2,3,4,5,6,7,8,9]) :: quantity(X, Q).

price(tshirt, 2).  price(trouser, 3). price(pullover, 5). price(dress, 7).  price(coat, 11).
price(sandal, 13). price(shirt, 17).  price(sneaker, 19). price(bag, 23).   price(boot, 29).

t(_)::mistyped.
% A mistyped total is any other of the 82 totals the price list allows (1 in 81).
0.0123::typo(T).

total(Item, Quantity, T) :- \+ mistyped, item(Item, C), price(C, P), quantity(Quantity, Q), T is P * Q.
total(_, _, T) :- mistyped, typo(T).
