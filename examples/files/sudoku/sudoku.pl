% 4x4 visual sudoku: sixteen MNIST images of the digits 1-4, row by row; the query holds when
% the grid is a valid sudoku (each row, column and 2x2 box holds 1-4 once). Examples of
% invalid grids ask for probability 0 (examples/files/sudoku/sudoku.toml).
nn(mnist_net, [X], D, [1,2,3,4]) :: digit(X, D).

% Each constraint is checked as soon as its cells are known, so that the proof search visits
% a few thousand partial grids rather than all 4^16 grids.
valid([A1,A2,A3,A4, B1,B2,B3,B4, C1,C2,C3,C4, D1,D2,D3,D4]) :-
    row([A1,A2,A3,A4], [P1,P2,P3,P4]),
    row([B1,B2,B3,B4], [Q1,Q2,Q3,Q4]),
    different([P1,P2,Q1,Q2]), different([P3,P4,Q3,Q4]),
    row([C1,C2,C3,C4], [R1,R2,R3,R4]),
    row([D1,D2,D3,D4], [S1,S2,S3,S4]),
    different([R1,R2,S1,S2]), different([R3,R4,S3,S4]),
    different([P1,Q1,R1,S1]), different([P2,Q2,R2,S2]),
    different([P3,Q3,R3,S3]), different([P4,Q4,R4,S4]).

row([X1,X2,X3,X4], [D1,D2,D3,D4]) :-
    digit(X1, D1), digit(X2, D2), different([D1,D2]),
    digit(X3, D3), different([D1,D2,D3]),
    digit(X4, D4), different([D1,D2,D3,D4]).

different(Ds) :- sort(Ds, Sorted), length(Ds, N), length(Sorted, N).
