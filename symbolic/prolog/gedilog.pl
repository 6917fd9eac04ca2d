% gedilog.pl -- the Prolog half of gedilog's engine: load ProbLog programs and ground them.
%
% Compiled into libgedilog_symbolic as a string and loaded into module `gedilog` by
% prolog_engine.cpp. C++ only calls the api_* predicates at the bottom; each catches every
% exception and answers ok(...) or error(Kind, Location, Message).
%
% Loading. Every program gets a fresh module M. Its clauses are kept as
%   M:'$clause'(Head, Body, Kind, Location)   Kind: det | ad(Id, Index, Vars, Probs, Heads)
%                                                       | nn(Net, Inputs, Var, Domain)
% (a neural fact, nn(Net, Inputs) :: Head, is nn(Net, Inputs, true, [true, false])).
% Deterministic clauses are also asserted as real clauses of M so that built-ins such as
% findall/3 can run them natively; a probabilistic predicate gets a first clause that throws,
% so native code never silently sees a probabilistic predicate as deterministic.
%
% Grounding is keyed by calls, as in ProbLog: a node of the ground program is a pair
% (Call, Answer) of variant-distinct terms, "calling Call returns Answer". Its definition is the
% disjunction of the clause instances of Call that return Answer, each a conjunction of
% literals pos(Node), neg(Node), choice(Var, Value) (and, for findall/3, proof(Literals) and
% no_proof(Literals)). Enumerating answers uses SWI-Prolog's tabling (poss/2), so every call is
% expanded once and cyclic programs terminate; the fixpoint over cycles is computed later, on
% the C++ side. Predicates that need no grounding (deterministic, non-recursive) run natively.

:- module(gedilog, []).

% ProbLog's operators, here and in every program module.
:- op(1000, xfx, ::).
:- op(1200, xfx, <-).
:- op(900, fy, not).
% SWI-Prolog reads "::\+" (a negative head literal, 0.5::\+a) as one token: an operator too.
:- op(1000, xfx, '::\\+').
% library(collect)'s "Body => Group/Collector", inside a clause body (SWI-Prolog's own => is 1200).
:- op(1100, xfx, =>).

:- use_module(library(lists)).
:- use_module(library(apply)).
:- use_module(library(occurs)).
:- use_module(library(time)).

:- dynamic program_counter/1.
program_counter(0).

%% Errors ------------------------------------------------------------------------------------

user_error(Kind, Loc0, Format, Args) :-
    loc_atom(Loc0, Loc),
    format(string(Msg), Format, Args),
    throw(gedilog_error(Kind, Loc, Msg)).

loc_atom(File:Line, A) :- !, format(atom(A), '~w:~w', [File, Line]).
loc_atom(File, File).

%% Loading -----------------------------------------------------------------------------------

load_program(File, M) :-
    (   exists_file(File) -> true
    ;   exists_directory(File) -> user_error('NotAFile', File, '~w is a folder, not a program file', [File])
    ;   access_file(File, exist)
    ->  user_error('NotAFile', File, '~w is not a regular file (a FIFO or a device): a program is read from a file', [File])
    ;   user_error('FileNotFound', File, 'no such file: ~w', [File])
    ),
    init_module(M),
    load_file(File, M),
    add_native_stubs(M),
    analyse_program(M).

init_module(M) :-
    maplist(declare_dynamic(M),
            ['$clause'/4, '$query'/3, '$evidence'/3, '$evidence_rule'/4, '$defined'/2, '$probabilistic'/2,
             '$unknown_fail'/0, '$ad_counter'/1, '$negated_head'/2, '$calls'/3,
             '$native'/2, '$source_file'/1, '$library'/1, '$cut'/1]),
    assertz(M:'$ad_counter'(0)),
    M:op(1000, xfx, ::),
    M:op(1200, xfx, <-),
    M:op(900, fy, not),
    M:op(1000, xfx, '::\\+'),
    M:op(1100, xfx, =>),
    problog_builtins(M),
    refuse_side_effects(M).

% A program, often someone else's, must not reach the process (halt, shell), the file system,
% the terminal (gedilog's --json output) or the standard input. Each such built-in is redefined
% in the program's module, where the program's calls resolve (through call/N and findall/3
% too), to raise a PermissionError; format/3 into a text (atom(A), string(S), codes(C), ...)
% stays allowed.
side_effect(halt/0).          side_effect(halt/1).         side_effect(abort/0).
side_effect(shell/0).         side_effect(shell/1).        side_effect(shell/2).
side_effect(process_create/3).
side_effect(write/1).         side_effect(write/2).        side_effect(writeln/1).
side_effect(writeln/2).       side_effect(writeq/1).       side_effect(writeq/2).
side_effect(print/1).         side_effect(print/2).        side_effect(write_canonical/1).
side_effect(write_canonical/2). side_effect(write_term/2). side_effect(write_term/3).
side_effect(nl/0).            side_effect(nl/1).           side_effect(tab/1).
side_effect(tab/2).           side_effect(put_char/1).     side_effect(put_char/2).
side_effect(format/1).        side_effect(format/2).       side_effect(print_message/2).
side_effect(portray_clause/1). side_effect(portray_clause/2). side_effect(listing/0).
side_effect(listing/1).       side_effect(read/1).         side_effect(read_term/2).
side_effect(open/3).          side_effect(open/4).         side_effect(close/1).
side_effect(see/1).           side_effect(tell/1).         side_effect(append/1).
side_effect(delete_file/1).   side_effect(rename_file/2).  side_effect(make_directory/1).
side_effect(delete_directory/1). side_effect(working_directory/2). side_effect(chdir/1).
side_effect(setenv/2).        side_effect(unsetenv/1).     side_effect(consult/1).
side_effect(thread_create/3). side_effect(thread_create/2).

refuse_side_effects(M) :-
    forall(side_effect(N/A),
           ( functor(H, N, A),
             M:redefine_system_predicate(H),
             M:assertz((H :- gedilog:side_effect_refused(N/A))) )),
    M:redefine_system_predicate(format(_, _, _)),
    M:assertz((format(Sink, F, As) :- gedilog:format_into_text(Sink, F, As))).

% Module:Goal into an existing module other than the program's (system:halt) would run that
% module's predicate, past refuse_side_effects/1: refused where it is written. ProbLog's
% scoped atoms (scope1:a) name no module and stay plain terms. (A qualified goal built at run
% time, e.g. with =.. or term_to_atom/2, is not caught: library(sandbox)'s analysis would be.)
refuse_outside_calls(Term, Loc, M) :-
    (   sub_term(Sub, Term), compound(Sub), Sub = Mod:_, atom(Mod), Mod \== M, current_module(Mod)
    ->  user_error('PermissionError', Loc, '~q reaches into module ~q: a program may only call its own predicates and the built-ins', [Sub, Mod])
    ;   true
    ).

side_effect_refused(PI) :-
    throw(gedilog_error('PermissionError', '',
          "~q reaches the process, a file, the terminal or the input, which a program may not"-[PI])).

format_into_text(Sink, F, As) :-
    (   nonvar(Sink), text_sink(Sink) -> format(Sink, F, As)
    ;   side_effect_refused(format/3)
    ).

text_sink(atom(_)).  text_sink(string(_)).  text_sink(codes(_)).  text_sink(codes(_, _)).  text_sink(chars(_)).
text_sink(chars(_, _)).

% Built-ins whose ProbLog meaning differs from SWI-Prolog's, or that SWI-Prolog lacks.
problog_builtins(M) :-
    % all(T, G, L): the distinct solutions, in order of first proof; fails when there are none.
    M:assertz((all(T, G, L) :- findall(T, G, L0), gedilog:all_solutions(L0, L))),
    % cut(G) of library(cut), for deterministic rules (first_rule/3 grounds the others).
    M:assertz((cut(G) :- gedilog:indexed_goal(G, I, G1), findall(I, G1, Is),
                         msort(Is, [I|_]), call(G1))),
    % all_or_none(T, G, L): as all/3, but L = [] when G has no solution.
    M:assertz((all_or_none(T, G, L) :- findall(T, G, L0), gedilog:distinct_solutions(L0, L))),
    % enum_groups(Pairs, Group, Values) and enum_groups(Groups, Values, Group, Values1) of
    % ProbLog's library(lists): each group, in order of first appearance, with its values.
    M:assertz((enum_groups(Ps, G, Vs) :- gedilog:enum_groups(Ps, G, Vs))),
    M:assertz((enum_groups(Gs, Vs0, G, Vs) :- gedilog:enum_groups(Gs, Vs0, G, Vs))),
    % try_call(G): G, failing where G calls an unknown predicate (library(scope)).
    M:assertz((try_call(G) :- gedilog:known_goal(M, G), call(G))),
    % clause(Head, Body, Probability): the program's own clauses (SWI-Prolog's clause/3 reads
    % clause references).
    M:redefine_system_predicate(clause(_, _, _)),
    M:assertz((clause(H, B, P) :- gedilog:program_clause(M, H, B, P))),
    % subquery(Goal, P), subquery(Goal, P, Evidence), subquery(Goal, P, Evidence, Semiring,
    % Evaluator): a nested inference (subquery/4).
    M:assertz((subquery(G, P) :- gedilog:subquery(M, G, P, []))),
    M:assertz((subquery(G, P, E) :- gedilog:subquery(M, G, P, E))),
    M:assertz((subquery(G, P, E, _, _) :- gedilog:subquery(M, G, P, E))),
    % is_list/1 accepts partial lists ([a|_]) in ProbLog.
    M:redefine_system_predicate(is_list(_)),
    M:assertz((is_list(L) :- gedilog:partial_list(L))),
    % \+(A, B, ...) is \+ (A, B, ...) in ProbLog (written without the inner brackets).
    forall(between(2, 6, N),
           ( length(Gs, N), Neg =.. ['\\+'|Gs], conjunction(Gs, C),
             M:assertz((Neg :- \+ C)) )).

conjunction([G], G) :- !.
conjunction([G|Gs], (G, C)) :- conjunction(Gs, C).

% \+(A, B, ...) as the negation of the conjunction.
negated_conjunction(G, \+ C) :-
    compound(G), compound_name_arguments(G, '\\+', Gs), Gs = [_, _|_],
    conjunction(Gs, C).

all_solutions(L0, L) :- L0 \== [], distinct_solutions(L0, L).

distinct_solutions(L0, L) :-
    foldl([X, S0, S]>>( memberchk_eq(X, S0) -> S = S0 ; S = [X|S0] ), L0, [], R),
    reverse(R, L).

memberchk_eq(X, L) :- member(Y, L), Y == X, !.

enum_groups(Pairs, Group, Values) :-
    maplist([(G, V), G, V]>>true, Pairs, Gs, Vs),
    enum_groups(Gs, Vs, Group, Values).
enum_groups(Gs, Vs, Group, Values) :-
    pairs_keys_values(KVs, Gs, Vs),
    groups_in_order(KVs, Groups),
    member(Group-Values, Groups).

groups_in_order([], []).
groups_in_order([K-V|KVs], [K-[V|Vs]|Groups]) :-
    partition([K1-_]>>(K1 == K), KVs, Same, Rest),
    pairs_values(Same, Vs),
    groups_in_order(Rest, Groups).

% known_goal(+M, +G): G and every goal it calls through control constructs is defined (a
% program predicate or a built-in).
known_goal(M, G) :-
    callable(G),
    \+ ( sub_goal(G, S), nonvar(S), \+ control_construct(S),
          \+ user_goal(M, S), \+ predicate_property(M:S, defined) ).

% program_clause(+M, ?Head, ?Body, ?P): a clause the program wrote (not a library's), with the
% probability of its head: 1.0 for a deterministic clause.
program_clause(M, H, B, P) :-
    M:'$clause'(H, B, Kind, Loc),
    \+ ( atom(Loc), sub_atom(Loc, 0, _, _, 'library(') ), H \= '$not'(_),
    (   Kind == det -> P = 1.0
    ;   Kind = ad(_, I, _, Probs, _), nth0(I, Probs, E),
        (   ground(E), \+ learnable(E), catch(P0 is E, _, fail) -> P is float(P0) ; P = E )
    ).

% ProbLog's library(cut): cut(p(A...)) uses the first clause of p(Index, A...), in the order of
% Index, whose call succeeds: a proof of rule I holds, and no proof of an earlier rule does.
first_rule(G, L0, L) :-
    indexed_goal(G, I, G1),
    findall(I, possible(G1), Is0), sort(Is0, Is),
    append(Earlier, [I|_], Is),
    foldl(no_earlier_rule(G), Earlier, L0, L1),
    body(G1, L1, L).

no_earlier_rule(G, J, L0, L) :-
    indexed_goal(G, J, GJ),
    body(\+ GJ, L0, L).

indexed_goal(G, I, G1) :-
    (   callable(G) -> true ; throw(error(type_error(callable, G), _)) ),
    G =.. [F|Args], G1 =.. [F, I|Args].

partial_list(L) :- var(L), !.
partial_list([]) :- !.
partial_list([_|T]) :- partial_list(T).

declare_dynamic(M, Name/Arity) :- dynamic(M:Name/Arity).

load_file(File, M) :-
    assertz(M:'$source_file'(File)),
    check_nesting(File),
    read_file_to_codes(File, Codes0, [encoding(utf8)]),
    aggregate_syntax(Codes0, Codes),
    setup_call_cleanup(open_codes_stream(Codes, S), read_clauses(S, File, M), close(S)).

% ProbLog's aggregates are written Fn<Var> in a head, f(X, avg<V>), which is no Prolog term
% (SWI-Prolog reads "V>)" as an operator without its right operand): Name<Var> right before
% ")" or "," is read as (Name<Var). Quotes and comments are copied as they are; lines keep
% their numbers.
aggregate_syntax([], []).
aggregate_syntax([C|Cs], Out) :-
    (   memberchk(C, [0'\', 0'"]) -> Out = [C|Text], quoted(Cs, C, Text, Out1, Rest)
    ;   C == 0'0, Cs = [0'\'|Cs1]                      % 0'c, 0'\\c: a character code
    ->  ( Cs1 = [0'\\, X|Rest] -> Out = [0'0, 0'\', 0'\\, X|Out1]
        ; Cs1 = [X|Rest] -> Out = [0'0, 0'\', X|Out1]
        ; Out = [0'0, 0'\'|Out1], Rest = [] )
    ;   C == 0'%, Cs \= [] -> line_comment([C|Cs], Out, Out1, Rest)
    ;   C == 0'/, Cs = [0'*|_] -> block_comment([C|Cs], Out, Out1, Rest)
    ;   code_type(C, csymf), \+ code_type(C, prolog_var_start),
        symbol_codes([C|Cs], Name, [0'<, V|Cs1]), code_type(V, prolog_var_start),
        symbol_codes([V|Cs1], Var, [0'>|Cs2]), next_is_separator(Cs2)
    ->  append([[0'(], Name, [0'<], Var, [0')]], Text), append(Text, Out1, Out), Rest = Cs2
    ;   code_type(C, csym)
    ->  symbol_codes([C|Cs], Name, Rest), append(Name, Out1, Out)
    ;   Out = [C|Out1], Rest = Cs
    ),
    aggregate_syntax(Rest, Out1).

symbol_codes([C|Cs], [C|Name], Rest) :- code_type(C, csym), symbol_codes_(Cs, Name, Rest).
symbol_codes_([C|Cs], [C|Name], Rest) :- code_type(C, csym), !, symbol_codes_(Cs, Name, Rest).
symbol_codes_(Rest, [], Rest).

next_is_separator([C|Cs]) :- ( code_type(C, space) -> next_is_separator(Cs) ; memberchk(C, [0'), 0',]) ).

% quoted(+Codes, +Quote, -Out, ?Tail, -Rest): the rest of a quoted text, up to its closing quote.
quoted([], _, T, T, []).
quoted([0'\\, C|Cs], Q, [0'\\, C|Out], T, Rest) :- !, quoted(Cs, Q, Out, T, Rest).
quoted([Q|Cs], Q, [Q|T], T, Cs) :- !.
quoted([C|Cs], Q, [C|Out], T, Rest) :- quoted(Cs, Q, Out, T, Rest).

block_comment(Cs, Out, Tail, Rest) :-
    (   append(Comment, [0'*, 0'/|Rest0], Cs), Comment = [_, _|_] -> append(Comment, [0'*, 0'/|Tail], Out), Rest = Rest0
    ;   append(Cs, Tail, Out), Rest = []
    ), !.

line_comment(Cs, Out, Tail, Rest) :-
    (   append(Comment, [0'\n|Rest0], Cs) -> append(Comment, [0'\n|Tail], Out), Rest = Rest0
    ;   append(Cs, Tail, Out), Rest = []
    ), !.

% SWI-Prolog's reader recurses on the C stack for each bracket, and gedilog runs it without its
% C-stack guard (--no-signals, DESIGN.md pitfalls): 100 000 nested parentheses crash the
% process. Brackets nested deeper than this are refused before reading, at their line.
max_nesting(5000).

% The file is read as bytes: invalid UTF-8 is a ParseError at its line too (SWI-Prolog's
% reader would print Warning: lines of its own on standard error and read on).
check_nesting(File) :-
    read_file_to_codes(File, Bytes, [encoding(octet)]),
    utf8(Bytes, 1, File),
    max_nesting(Max),
    nesting(Bytes, code, 0, 1, Max, File).

utf8([], _, _).
utf8([B|Bs], L, F) :-
    (   B < 0x80 -> Rest = Bs, ( B == 0'\n -> L1 is L + 1 ; L1 = L )
    ;   utf8_continuations(B, N), length(Cs, N), append(Cs, Rest, Bs), maplist(utf8_continuation, Cs)
    ->  L1 = L
    ;   user_error('ParseError', F:L, 'not UTF-8 text (byte 0x~16r)', [B])
    ),
    utf8(Rest, L1, F).

utf8_continuations(B, 1) :- B >= 0xC2, B =< 0xDF, !.
utf8_continuations(B, 2) :- B >= 0xE0, B =< 0xEF, !.
utf8_continuations(B, 3) :- B >= 0xF0, B =< 0xF4.

utf8_continuation(C) :- C >= 0x80, C =< 0xBF.

% nesting(Codes, State, Depth, Line, Max, File); State: code, quote(Q), line_comment, block_comment.
nesting([], _, _, _, _, _).
nesting([C|Cs], State, D, L, Max, F) :-
    (   C == 0'\n -> L1 is L + 1 ; L1 = L ),
    nesting_step(State, C, Cs, State1, Rest, D, D1),
    (   D1 > Max
    ->  user_error('ParseError', F:L, 'brackets nested deeper than ~w', [Max])
    ;   nesting(Rest, State1, D1, L1, Max, F)
    ).

nesting_step(code, 0'%, Cs, line_comment, Cs, D, D) :- !.
nesting_step(code, 0'/, [0'*|Cs], block_comment, Cs, D, D) :- !.
nesting_step(code, 0'0, [0'\'|Cs], code, Rest, D, D) :- !,   % 0'c, 0'\\c: a character code
    (   Cs = [0'\\, _|Rest] -> true ; Cs = [_|Rest] -> true ; Rest = [] ).
nesting_step(code, Q, Cs, quote(Q), Cs, D, D) :- memberchk(Q, [0'\', 0'", 0'`]), !.
nesting_step(code, C, Cs, code, Cs, D, D1) :- memberchk(C, [0'(, 0'[, 0'{]), !, D1 is D + 1.
nesting_step(code, C, Cs, code, Cs, D, D1) :- memberchk(C, [0'), 0'], 0'}]), !, D1 is max(0, D - 1).
nesting_step(code, _, Cs, code, Cs, D, D).
nesting_step(quote(Q), 0'\\, [_|Cs], quote(Q), Cs, D, D) :- !.
nesting_step(quote(Q), Q, [Q|Cs], quote(Q), Cs, D, D) :- !.      % a doubled quote
nesting_step(quote(Q), Q, Cs, code, Cs, D, D) :- !.
nesting_step(quote(Q), _, Cs, quote(Q), Cs, D, D).
nesting_step(line_comment, 0'\n, Cs, code, Cs, D, D) :- !.
nesting_step(line_comment, _, Cs, line_comment, Cs, D, D).
nesting_step(block_comment, 0'*, [0'/|Cs], code, Cs, D, D) :- !.
nesting_step(block_comment, _, Cs, block_comment, Cs, D, D).

read_clauses(S, File, M) :-
    repeat,
    catch(read_term(S, T, [term_position(P), module(M), syntax_errors(error)]),
          E, syntax_error(E, File)),
    (   T == end_of_file
    ->  !
    ;   stream_position_data(line_count, P, Line),
        refuse_outside_calls(T, File:Line, M),
        add_clause(T, File:Line, M),
        fail
    ).

syntax_error(error(syntax_error(What), Context), File) :- !,
    (   Context = stream(_, Line, _, _) -> true
    ;   Context = file(_, Line, _, _) -> true
    ;   Line = '?'
    ),
    user_error('ParseError', File:Line, 'syntax error: ~w', [What]).
syntax_error(E, _) :- throw(E).

add_clause(T, Loc, _) :- var(T), !,
    user_error('ParseError', Loc, 'a clause cannot be a variable', []).
add_clause((:- D), Loc, M) :- !, directive(D, Loc, M).
add_clause((H <- B), Loc, M) :- !, add_clause((H :- B), Loc, M).
add_clause(query(Q), Loc, M) :- !, assertz(M:'$query'(Q, true, Loc)).
add_clause((query(Q) :- B), Loc, M) :- !, assertz(M:'$query'(Q, B, Loc)).
add_clause((evidence(E) :- B), Loc, M) :- !, add_clause((evidence(E, true) :- B), Loc, M).
add_clause((evidence(E, V) :- B), Loc, M) :- !, assertz(M:'$evidence_rule'(E, V, B, Loc)).
add_clause(evidence(E), Loc, M) :- !, assertz(M:'$evidence'(E, true, Loc)).
add_clause(evidence(E, V), Loc, M) :- !,
    (   memberchk(V, [true, false]) -> assertz(M:'$evidence'(E, V, Loc))
    ;   user_error('InvalidEvidence', Loc, 'evidence value must be true or false, not ~q', [V])
    ).
add_clause((H0 :- B), Loc, M) :-
    M:'$library'(aggregate), aggregate_head(H0, Fn, Var, Group, Result, H), !,
    add_deterministic(H, (all([Group, B, Var], B, Sols), '$aggregate'(Fn, Sols, Group, Result)), Loc, M).
add_clause((Hs :- B), Loc, M) :- probabilistic_head(Hs), !, add_probabilistic(Hs, B, Loc, M).
add_clause(Hs, Loc, M) :- probabilistic_head(Hs), !, add_probabilistic(Hs, true, Loc, M).
add_clause((H :- B), Loc, M) :- !, add_deterministic(H, B, Loc, M).
add_clause(H, Loc, M) :- add_deterministic(H, true, Loc, M).

probabilistic_head(H) :- nonvar(H), ( H = (_::_) ; H = '::\\+'(_, _) ), !.
probabilistic_head(H) :- nonvar(H), H = (A;_), probabilistic_head(A).

add_deterministic(H0, B, Loc, M) :-
    check_head(H0, Loc),
    register_head(H0, M),
    internal_head(H0, H),
    assertz(M:'$clause'(H, B, det, Loc)),
    (   scoped(H) -> true
    ;   catch(assertz(M:(H :- B)), E, cannot_define(E, H, Loc))
    ).

% The head of an aggregate clause, f(Group..., Fn<Var>, Group...) (or Scope:f(...)), as
% f(Group..., Result, Group...).
aggregate_head(H0, Fn, Var, Group, Result, H) :-
    compound(H0),
    (   H0 = Scope:H1
    ->  aggregate_head(H1, Fn, Var, Group, Result, H2), H = Scope:H2
    ;   H0 =.. [Name|Args],
        append(Before, [A|After], Args), nonvar(A), A = (Fn < Var), atom(Fn), !,
        append(Before, After, Group),
        append(Before, [Result|After], Args1), H =.. [Name|Args1]
    ).

% ProbLog's scoped atoms such as scope1:a are plain terms with functor :/2 to the grounder;
% SWI-Prolog would read them as module-qualified, so they get no native clause.
scoped(H) :- compound(H), H = _:_.

internal_head(\+ H, '$not'(H)) :- !.
internal_head(H, H).

cannot_define(error(permission_error(_, _, PI), _), _, Loc) :- !,
    user_error('ParseError', Loc, 'cannot redefine built-in ~q', [PI]).
cannot_define(error(type_error(_, Culprit), _), _, Loc) :- !,
    user_error('ParseError', Loc, 'invalid clause body: ~q', [Culprit]).
cannot_define(E, _, _) :- throw(E).

check_head(H, Loc) :-
    (   nonvar(H), H = (\+ A) -> check_head(A, Loc)      % a negative head literal
    ;   \+ callable(H)
    ->  user_error('ParseError', Loc, 'invalid clause head: ~q', [H])
    ;   control_construct(H)
    ->  user_error('ParseError', Loc, 'cannot define control construct ~q', [H])
    ;   true
    ).

control_construct((_,_)).
control_construct((_;_)).
control_construct((_->_)).
control_construct(\+ _).

% A negative head literal \+H (ProbLog) defines '$not'(H): H holds only when '$not'(H) does not.
register_head(\+ H, M) :- !,
    functor(H, N, A),
    (   M:'$negated_head'(N, A) -> true ; assertz(M:'$negated_head'(N, A)) ),
    register_head('$not'(H), M).
register_head(H, M) :-
    functor(H, N, A),
    (   M:'$defined'(N, A) -> true ; assertz(M:'$defined'(N, A)) ).

register_probabilistic(H, M) :-
    register_head(H, M),
    internal_head(H, H1),
    functor(H1, N, A),
    (   M:'$probabilistic'(N, A) -> true ; assertz(M:'$probabilistic'(N, A)) ).

% p1::h1; ...; pk::hk :- Body   (one head: a probabilistic fact or rule)
add_probabilistic(Hs, B, Loc, M) :-
    disjuncts(Hs, Ds),
    (   Ds = [P::H], nonvar(P), P = nn(Net, Inputs, Var, Domain)
    ->  add_neural(Net, Inputs, Var, Domain, H, B, Loc, M)
    ;   Ds = [P::H], nonvar(P), P = nn(Net, Inputs)
    ->  add_neural_fact(Net, Inputs, H, B, Loc, M)
    ;   maplist(annotated_head(Loc), Ds, Probs, Heads),
        check_constant_probabilities(Probs, Loc),
        retract(M:'$ad_counter'(Id)), Id1 is Id + 1, assertz(M:'$ad_counter'(Id1)),
        term_variables(Hs-B, Vars),
        forall(nth0(I, Heads, H0),
               ( check_head(H0, Loc),
                 register_probabilistic(H0, M),
                 internal_head(H0, H),
                 assertz(M:'$clause'(H, B, ad(Id, I, Vars, Probs, Heads), Loc)) ))
    ).

disjuncts(H, _) :- var(H), !, fail.
disjuncts((A;B), [A|Ds]) :- !, disjuncts(B, Ds).
disjuncts(A, [A]).

annotated_head(Loc, D, P, H) :-
    (   nonvar(D), D = '::\\+'(P, A), nonvar(A) -> H = (\+ A)
    ;   nonvar(D), D = (P::H), nonvar(H) -> true
    ;   user_error('ParseError', Loc, 'every head of an annotated disjunction needs a probability: ~q', [D])
    ).

add_neural(Net, Inputs, Var, Domain, H, B, Loc, M) :-
    (   atom(Net), is_list(Inputs), Inputs \== [], var(Var), is_list(Domain), Domain \== []
    ->  true
    ;   user_error('ParseError', Loc,
                   'expected nn(Net, [Inputs...], Var, [Domain...]) :: Head, got nn(~q, ~q, ~q, ~q)',
                   [Net, Inputs, Var, Domain])
    ),
    check_head(H, Loc),
    register_probabilistic(H, M),
    assertz(M:'$clause'(H, B, nn(Net, Inputs, Var, Domain), Loc)).

% nn(Net, Inputs) :: Head (DeepProbLog's nn/3, a neural fact): a variable of two values, the
% head holding (true) or not (false), whose probability is the network's one output through a
% sigmoid. Stored as nn/4 with the variable bound to true over the domain [true, false].
add_neural_fact(Net, Inputs, H, B, Loc, M) :-
    (   atom(Net), is_list(Inputs), Inputs \== []
    ->  true
    ;   user_error('ParseError', Loc, 'expected nn(Net, [Inputs...]) :: Head, got nn(~q, ~q)', [Net, Inputs])
    ),
    check_head(H, Loc),
    register_probabilistic(H, M),
    assertz(M:'$clause'(H, B, nn(Net, Inputs, true, [true, false]), Loc)).

% Probabilities that are constants are checked at load time, the others when grounded. An
% annotated disjunction is learnable (ProbLog's t(_) / t(P)) in all its heads or in none.
check_constant_probabilities(Probs, Loc) :-
    (   member(P, Probs), nonvar(P), learnable(P), member(Q, Probs), \+ ( nonvar(Q), learnable(Q) )
    ->  user_error('UnsupportedLearnable', Loc,
                   'an annotated disjunction mixes learnable and fixed probabilities: ~q', [Probs])
    ;   ground(Probs), \+ ( member(P, Probs), learnable(P) )
    ->  evaluate_probabilities(Probs, Loc, _)
    ;   true
    ).

learnable(t(_)).

% Arithmetic functions whose value is not the program's: a probability may not use them.
nondeterministic_function(cputime).
nondeterministic_function(realtime).
nondeterministic_function(random_float).
nondeterministic_function(random(_)).

evaluate_probabilities(Exprs, Loc, Ps) :-
    maplist(evaluate_probability(Loc), Exprs, Ps),
    sum_list(Ps, Sum),
    (   Sum =< 1 + 1.0e-9 -> true
    ;   user_error('InvalidProbability', Loc,
                   'probabilities of an annotated disjunction sum to ~w > 1', [Sum])
    ).

evaluate_probability(Loc, E, P) :-
    (   sub_term(S, E), nonvar(S), nondeterministic_function(S)
    ->  user_error('InvalidProbability', Loc,
                   'probability ~q reads the clock or a random generator: it would differ on every run', [E])
    ;   true
    ),
    (   catch(P0 is E, _, fail), number(P0)
    ->  P is float(P0)
    ;   user_error('InvalidProbability', Loc, 'probability ~q is not a number', [E])
    ),
    (   P >= 0.0, P =< 1.0 -> true
    ;   user_error('InvalidProbability', Loc, 'probability ~w is outside [0,1]', [P])
    ).

directive(D, Loc, _) :- var(D), !,
    user_error('ParseError', Loc, 'a directive cannot be a variable', []).
directive((A, B), Loc, M) :- !, directive(A, Loc, M), directive(B, Loc, M).
directive(use_module(library(cut)), _, _) :- !.       % cut/1 is the grounder's (first_rule/3)
directive(use_module(library(L)), Loc, M) :- !,
    (   supported_library(L)
    ->  ( swi_library(L) -> M:use_module(library(L)) ; true ),
        load_problog_library(L, M)
    ;   user_error('UnsupportedLibrary', Loc, 'library(~w) is not supported', [L])
    ).
directive(csv_load(File, Name), Loc, M) :- M:'$library'(db), !,
    (   atom(Name) -> true
    ;   user_error('CallModeError', Loc, 'csv_load/2: the predicate name must be an atom, not ~q', [Name])
    ),
    program_relative(File, Loc, Path),
    csv_facts(Path, Name, M).
directive(sqlite_load(File), Loc, M) :- M:'$library'(db), !,
    program_relative(File, Loc, Path),
    '$gedilog_sqlite_tables'(Path, Tables),
    forall(( member(table(Name, Rows), Tables), member(Row, Rows) ),
           (   memberchk('$null', Row)
           ->  user_error('InvalidValue', Path, 'table ~w has a NULL value, which no fact can hold: ~q', [Name, Row])
           ;   Fact =.. [Name|Row], add_clause(Fact, Path, M)
           )).
directive(unknown(fail), _, M) :- !, assertz(M:'$unknown_fail').
directive(unknown(error), _, M) :- !, retractall(M:'$unknown_fail').
directive(consult(F), Loc, M) :- !, consult_file(F, Loc, M).
directive(Fs, Loc, M) :- is_list(Fs), !, forall(member(F, Fs), consult_file(F, Loc, M)).
directive(D, Loc, _) :-
    user_error('UnsupportedDirective', Loc, 'directive ~q is not supported', [D]).

supported_library(lists).
supported_library(cut).
supported_library(apply).
supported_library(aggregate).
supported_library(collect).
supported_library(scope).
supported_library(db).

% The libraries SWI-Prolog has too (their deterministic predicates are SWI-Prolog's).
swi_library(lists).
swi_library(apply).
swi_library(aggregate).

% The predicates of a ProbLog library that are probabilistic are written in ProbLog, and are
% loaded into the program as its own clauses (once, at the first use_module/1); the rest of the
% library is SWI-Prolog's.
load_problog_library(L, M) :-
    (   M:'$library'(L) -> true
    ;   assertz(M:'$library'(L)),
        format(atom(Loc), 'library(~w)', [L]),
        forall(problog_library_clause(L, C), add_clause(C, Loc, M))
    ).

% library(lists): select_uniform(ID, Values, Value, Rest), select_weighted(ID, Weights, Values,
% Value, Rest) and select_weighted(ID, [(Weight, Value)...], Value, Rest) choose one element.
% As in ProbLog's own library, the choice is a chain of probabilistic facts, "the first of the
% remaining elements is taken", keyed by ID and the remaining elements, so two selections with
% one ID over one list make the same choice. min(1.0, ...): the last element's share W/Total
% is 1 up to rounding.
problog_library_clause(lists, (select_uniform(ID, Values, Value, Rest) :-
    length(Values, N), N > 0, W is 1 / N, findall(W, member(_, Values), Ws),
    select_weighted(ID, Ws, Values, Value, Rest))).
problog_library_clause(lists, (select_weighted(ID, Ws, Values, Value, Rest) :-
    sum_list(Ws, Total), '$select'(ID, Total, Ws, Values, Value, Rest))).
problog_library_clause(lists, (select_weighted(ID, Pairs, Value, Rest) :-
    pairs_weights_values(Pairs, Ws, Values), select_weighted(ID, Ws, Values, Value, Rest))).
problog_library_clause(lists, (P::'$selected'(_, P, _, _, _))).
problog_library_clause(lists, ('$select'(ID, Total, [W|Ws], [X|Xs], X, Xs) :-
    P is min(1.0, W / Total), '$selected'(ID, P, Ws, X, Xs))).
problog_library_clause(lists, ('$select'(ID, Total, [W|Ws], [X|Xs], Y, [X|Rest]) :-
    P is min(1.0, W / Total), \+ '$selected'(ID, P, Ws, X, Xs),
    Total1 is Total - W, '$select'(ID, Total1, Ws, Xs, Y, Rest))).
problog_library_clause(lists, pairs_weights_values([], [], [])).
problog_library_clause(lists, (pairs_weights_values([(W, V)|Ps], [W|Ws], [V|Vs]) :-
    pairs_weights_values(Ps, Ws, Vs))).
% library(aggregate): a clause whose head has an argument Fn<Var> (aggregate_head/6) gives, for
% each group of the other head arguments, Fn (avg, sum, min, max, or a predicate
% Fn(Values, Result) of the program) of Var over the distinct solutions of its body, as all/3
% finds them (in each world, where the body is probabilistic).
problog_library_clause(aggregate, (:- use_module(library(lists)))).
problog_library_clause(aggregate, ('$aggregate'(Fn, Sols, Group, Result) :-
    findall(G, member([G, _, _], Sols), Gs), findall(V, member([_, _, V], Sols), Vs),
    enum_groups(Gs, Vs, Group, Values), call(Fn, Values, Result))).
% aggregate(Fn, Var, Group, Body, (Group, Result)), as library(collect)'s collectors call it.
problog_library_clause(aggregate, (aggregate(Fn, Var, Group, Body, (Group, Result)) :-
    all([Group, Body, Var], Body, Sols), '$aggregate'(Fn, Sols, Group, Result))).
problog_library_clause(aggregate, (avg(L, A) :- sum_list(L, S), length(L, N), A is S / float(N))).
problog_library_clause(aggregate, (sum(L, S) :- sum_list(L, S))).
problog_library_clause(aggregate, (min(L, X) :- min_list(L, X))).
problog_library_clause(aggregate, (max(L, X) :- max_list(L, X))).
% library(collect): Body => Group/Collector calls collect_Name(Body, Group, Args...) for the
% collector Name(Args...) (Group none without "Group/"); collect_list/3,4 is the library's own,
% the others are the program's.
problog_library_clause(collect, (:- use_module(library(lists)))).
problog_library_clause(collect, ('=>'(Body, Group/Collector) :-
    '$collector'(Collector, Body, Group, Goal), call(Goal))).
problog_library_clause(collect, ('=>'(Body, Collector) :-
    Collector \= _/_, '$collector'(Collector, Body, none, Goal), call(Goal))).
problog_library_clause(collect, ('$collector'(Collector, Body, Group, Goal) :-
    Collector =.. [Name|Args], atom_concat(collect_, Name, Collect), Goal =.. [Collect, Body, Group|Args])).
problog_library_clause(collect, (collect_list(Body, Y, Result) :- collect_list(Body, none, Y, Result))).
problog_library_clause(collect, (collect_list(Body, Group, Y, Result) :-
    all_or_none((Group, Y), Body, L), enum_groups(L, Group, Result))).
% library(scope): Scope:Goal over conjunctions and lists of scopes, and the goals of no scope.
problog_library_clause(scope, (C:R :- nonvar(R), R = (A, B), C:A, C:B)).
problog_library_clause(scope, (C:R :- nonvar(C), C = [C1|_], C1:R)).
problog_library_clause(scope, (C:R :- nonvar(C), \+ is_list(C), [C]:R)).
problog_library_clause(scope, (List:R :- nonvar(List), select(X, List, Rest), [X|Rest]:R)).
problog_library_clause(scope, (_:R :- nonvar(R), try_call(R))).

% A file a directive names, relative to the folder of the program that names it.
program_path(Spec, Loc, Path) :-
    Loc = File:_,
    file_directory_name(File, Dir),
    (   atomic(Spec), is_absolute_file_name(Spec) -> Path = Spec
    ;   atomic(Spec) -> atomic_list_concat([Dir, '/', Spec], Path)
    ;   user_error('UnsupportedDirective', Loc, 'not a file name: ~q', [Spec])
    ).

program_relative(Spec, Loc, Path) :-
    program_path(Spec, Loc, Path),
    (   exists_file(Path) -> true
    ;   user_error('FileNotFound', Loc, 'no such file: ~w', [Path])
    ).

% library(db)'s csv_load(File, Name): a fact Name(V1, ..., Vn) per row after the header, as
% ProbLog reads it: each column is an integer, a float or text (an atom) as its first row
% says, text without its surrounding spaces.
csv_facts(Path, Name, M) :-
    '$gedilog_csv_rows'(Path, false, Rows),
    (   Rows = [row(_, Header), row(_, First)|_]
    ->  length(Header, N),
        maplist(csv_type, First, Types),
        Rows = [_|Data],
        forall(member(row(Line, Fields), Data),
               (   length(Fields, N)
               ->  maplist(csv_value(Path:Line), Types, Fields, Values),
                   Fact =.. [Name|Values],
                   add_clause(Fact, Path:Line, M)
               ;   length(Fields, K),
                   user_error('InvalidValue', Path:Line, 'the row has ~w fields, the header ~w', [K, N])
               ))
    ;   true
    ).

csv_type(Field, Type) :-
    (   csv_number(Field, N) -> ( integer(N) -> Type = int ; Type = float )
    ;   Type = text
    ).

csv_value(Loc, Type, Field, V) :-
    (   Type == text -> split_string(Field, "", " \t", [S]), atom_string(V, S)
    ;   csv_number(Field, N), ( Type == int -> integer(N), V = N ; V is float(N) ) -> true
    ;   user_error('InvalidValue', Loc, 'expected ~w, found ~q', [Type, Field])
    ).

% A decimal number as Python reads one (12, -3, 0.5, .5, 5., 1e-3), surrounding spaces allowed.
csv_number(Field, N) :-
    split_string(Field, "", " \t", [S]),
    string_codes(S, Cs0),
    (   Cs0 = [Sign|Cs1], memberchk(Sign, [0'+, 0'-]) -> true ; Sign = 0'+, Cs1 = Cs0 ),
    Cs1 \== [], forall(member(C, Cs1), ( code_type(C, digit) ; memberchk(C, [0'., 0'e, 0'E, 0'+, 0'-]) )),
    (   Cs1 = [0'.|_] -> Cs2 = [0'0|Cs1] ; Cs2 = Cs1 ),
    (   append(Mantissa, [0'.], Cs2) -> append(Mantissa, [0'., 0'0], Cs) ; Cs = Cs2 ),
    catch(number_codes(N0, Cs), _, fail),
    ( Sign == 0'- -> N is -N0 ; N = N0 ).

consult_file(Spec, Loc, M) :-
    program_path(Spec, Loc, Path0),
    (   exists_file(Path0) -> Path = Path0
    ;   atom_concat(Path0, '.pl', Path), exists_file(Path) -> true
    ;   user_error('FileNotFound', Loc, 'consulted file not found: ~w', [Path0])
    ),
    load_file(Path, M).

% A native call of a probabilistic predicate (e.g. inside findall/3) would ignore its
% probabilities: make it an error instead of a wrong number.
add_native_stubs(M) :-
    forall(( M:'$probabilistic'(N, A), N/A \== (:)/2 ),
           ( functor(H, N, A),
             catch(asserta(M:(H :- throw(gedilog_native_probabilistic(N/A)))), E,
                   ( M:'$clause'(H, _, _, Loc) -> cannot_define(E, H, Loc) ; throw(E) )) )).

%% Which predicates run natively ---------------------------------------------------------------
%
% A predicate runs natively when neither it nor anything it calls is probabilistic, recursive
% (but for a recursion through a cut), scoped, has negative heads, or calls a goal unknown until
% run time (call(G) with G unbound).

analyse_program(M) :-
    findall(N/A, M:'$defined'(N, A), Preds),
    forall(member(P, Preds), record_callees(M, P)),
    forall(( member(N/A, Preds), \+ unsafe(M, N/A), \+ ( reaches(M, N/A, Q), unsafe(M, Q) ) ),
           assertz(M:'$native'(N, A))),
    abolish_all_tables.

record_callees(M, N/A) :-
    functor(H, N, A),
    findall(G, ( M:'$clause'(H, B, _, _), goal_in(B, G) ), Gs),
    (   memberchk('$var', Gs) -> Unknown = true ; Unknown = false ),
    findall(C, ( member(G, Gs), G \== '$var', user_goal(M, G), functor(G, CN, CA), C = CN/CA ), Cs0),
    sort(Cs0, Cs),
    assertz(M:'$calls'(N/A, Cs, Unknown)),
    (   memberchk(!, Gs) -> assertz(M:'$cut'(N/A)) ; true ).

unsafe(M, N/A) :-
    (   M:'$probabilistic'(N, A) -> true
    ;   M:'$negated_head'(N, A) -> true
    ;   memberchk(N/A, [(:)/2, '$not'/1]) -> true
    ;   M:'$calls'(N/A, _, true) -> true
    ;   reaches(M, N/A, N/A) -> \+ prolog_recursion(M, N/A)
    ).

% A recursion through a clause with a cut (!) is Prolog's, not ProbLog's: it runs natively,
% cut included, where everything it reaches is deterministic (analyse_program/1).
prolog_recursion(M, P) :-
    (   M:'$cut'(P) -> true
    ;   reaches(M, P, Q), M:'$cut'(Q), reaches(M, Q, P) -> true
    ).

:- table reaches/3.
reaches(M, P, Q) :- M:'$calls'(P, Cs, _), member(Q, Cs).
reaches(M, P, Q) :- reaches(M, P, R), M:'$calls'(R, Cs, _), member(Q, Cs).

% goal_in(+Body, -Goal): the goals a body may call ('$var' for one unknown until run time).
goal_in(B, '$var') :- var(B), !.
goal_in((A, B), G) :- !, ( goal_in(A, G) ; goal_in(B, G) ).
goal_in((A ; B), G) :- !, ( goal_in(A, G) ; goal_in(B, G) ).
goal_in((A -> B), G) :- !, ( goal_in(A, G) ; goal_in(B, G) ).
goal_in((A *-> B), G) :- !, ( goal_in(A, G) ; goal_in(B, G) ).
goal_in(\+ A, G) :- !, goal_in(A, G).
goal_in(N, G) :- negated_conjunction(N, \+ A), !, goal_in(A, G).
goal_in(not(A), G) :- !, goal_in(A, G).
goal_in(findall(_, A, _), G) :- !, goal_in(A, G).
goal_in(findall(_, A, _, _), G) :- !, goal_in(A, G).
goal_in(forall(A, B), G) :- !, ( goal_in(A, G) ; goal_in(B, G) ).
goal_in(aggregate_all(_, A, _), G) :- !, goal_in(A, G).
goal_in(once(A), G) :- !, goal_in(A, G).
goal_in(ignore(A), G) :- !, goal_in(A, G).
goal_in(_^A, G) :- !, goal_in(A, G).
goal_in(bagof(_, A, _), G) :- !, goal_in(A, G).
goal_in(setof(_, A, _), G) :- !, goal_in(A, G).
goal_in(all(_, A, _), G) :- !, goal_in(A, G).
goal_in(all_or_none(_, A, _), G) :- !, goal_in(A, G).
goal_in(try_call(A), G) :- !, goal_in(A, G).
goal_in(cut(A), G) :- nonvar(A), !, indexed_goal(A, _, A1), goal_in(A1, G).
goal_in(C, G) :-
    meta_goal(C, P, K), !,
    (   callable(P) -> extend_goal(P, K, G1), goal_in(G1, G) ; G = '$var' ).
goal_in(C, G) :-
    compound(C), compound_name_arguments(C, call, [A|Extra]), !,
    (   var(A) -> G = '$var'
    ;   callable(A) -> add_arguments(A, Extra, G1), goal_in(G1, G)
    ;   G = '$var'
    ).
goal_in(G, G).

%% Answers of calls (tabled) ------------------------------------------------------------------

% The program module being grounded (set once per api_ground call).
current_program(M) :- nb_getval(gedilog_module, M).

user_goal(M, G) :- callable(G), functor(G, N, A), M:'$defined'(N, A), !.
user_goal(_, '$body'(_)).

% A user goal the grounder must expand; the others (deterministic, non-recursive all the way
% down: see analyse_program/1) run natively, in SLD order and at Prolog speed.
grounded_goal(M, G) :-
    user_goal(M, G),
    \+ ( G \= '$body'(_), functor(G, N, A), M:'$native'(N, A) ).

% answer(+M, ?G): the answers of the call G, in the standard order of terms: the tables'
% own order depends on the process (atom handles); the order of the answers of a query must
% not. Only outside tabled evaluation (findall/3 cannot capture its continuation).
answer(M, G) :-
    findall(K-G, ( poss(M, G), variant_key(G, K) ), Pairs),
    keysort(Pairs, Sorted),
    member(_-G, Sorted).

:- table poss/2.
% poss(+M, ?G): G is an answer of the call G that some world may make true.
poss(M, G) :- clause_instance(M, G, _).

% clause_instance(+M, ?G, -Literals): one clause instance proving G. gedilog's errors raised
% without a location, and unknown predicates, get the location of the clause they came from.
clause_instance(_, '$body'(B), Lits) :- !, body(B, Lits, []).
clause_instance(M, G, Lits) :-
    M:'$clause'(G, Body, Kind, Loc),
    % Catchers that match only these errors: a catch-all would also catch (and copy, at every
    % level of a deep recursion) the resource errors that must pass through unchanged.
    catch(catch(( body(Body, Lits, Tail), kind_literal(Kind, Loc, G, Choice),
                  negated_head_literal(M, G, Negation), append(Choice, Negation, Tail) ),
                gedilog_error(K, '', Msg),
                ( loc_atom(Loc, L), throw(gedilog_error(K, L, Msg)) )),
          error(existence_error(procedure, QPI), _),
          unknown_in_clause(QPI, Loc)).

% An unknown predicate called in a clause's body: the clause's location.
unknown_in_clause(QPI, Loc) :-
    strip_module(QPI, _, PI),
    loc_atom(Loc, L),
    throw(gedilog_error('UnknownClause', L, "unknown predicate ~q"-[PI])).

% With negative head literals for G's predicate, G also needs \+ '$not'(G).
negated_head_literal(M, G, Tail) :-
    functor(G, N, A),
    (   M:'$negated_head'(N, A) -> copy_term('$not'(G), K), Tail = [neg(K)] ; Tail = [] ).

kind_literal(det, _, _, []).
% An AD instance is one choice per binding of the clause's variables; variables the body
% leaves unbound (local to findall/3, say) do not tell instances apart, but the heads must be
% ground.
kind_literal(ad(Id, I, Vars, Probs, Heads), Loc, _, [choice(ad(Id, Key), I, Info)]) :-
    (   ground(Heads) -> true
    ;   loc_atom(Loc, L),
        user_error('NonGroundProbabilisticClause', L,
                   'probabilistic clause is not ground after its body: ~q', [Heads])
    ),
    variant_key(Vars, Key),
    Info = ad(Probs, Heads, Loc).
kind_literal(nn(Net, Inputs, Var, Domain), Loc, G, [choice(nn(Net, Inputs), I, Info)]) :-
    (   ground(Inputs) -> true
    ;   loc_atom(Loc, L),
        user_error('NonGroundProbabilisticClause', L,
                   'neural predicate ~q called with unbound inputs ~q', [G, Inputs])
    ),
    nth0(I, Domain, Var),
    Info = nn(Net, Inputs, Domain, Loc).

% body(+Goal, -Literals, ?Tail): run Goal, collecting the literals of user predicates.
body(G, _, _) :- var(G), !,
    throw(error(instantiation_error, context(gedilog:body/3, _))).
body(true, L, L) :- !.
body((A, B), L0, L) :- !, body(A, L0, L1), body(B, L1, L).
body((C -> T ; E), L0, L) :- !,
    native_condition(C),
    (   call_native(C) -> body(T, L0, L) ; body(E, L0, L) ).
body((C *-> T ; E), L0, L) :- !,
    native_condition(C),
    (   call_native(C) *-> body(T, L0, L) ; body(E, L0, L) ).
body((A ; B), L0, L) :- !, ( body(A, L0, L) ; body(B, L0, L) ).
body((C -> T), L0, L) :- !,
    native_condition(C),
    (   call_native(C) -> body(T, L0, L) ).
body(\+ G, L0, L) :- !, negation(G, L0, L).
body(N, L0, L) :- negated_conjunction(N, \+ G), !, negation(G, L0, L).
body(not(G), L0, L) :- !, negation(G, L0, L).
body(call(G), L0, L) :- !, body(G, L0, L).
body(G, L0, L) :-
    compound(G), compound_name_arguments(G, call, [G0|Extra]), Extra \== [], !,
    (   callable(G0) -> true ; throw(error(type_error(callable, G0), _)) ),
    called_goal(G, G1),
    body(G1, L0, L).
body(findall(T, G, L), L0, L1) :-
    current_program(M), \+ goal_is_native(M, G), !,
    findall_literals(T, G, L, L0, L1).
body(all(T, G, L), L0, L1) :-
    current_program(M), \+ goal_is_native(M, G), !,
    findall_literals(T, G, L2, L0, L1),
    all_solutions(L2, L).
body(all_or_none(T, G, L), L0, L1) :-
    current_program(M), \+ goal_is_native(M, G), !,
    findall_literals(T, G, L2, L0, L1),
    distinct_solutions(L2, L).
body(try_call(G), L0, L) :- !,
    current_program(M),
    known_goal(M, G),
    body(G, L0, L).
body(cut(G), L0, L) :- !, first_rule(G, L0, L).
body(!, _, _) :- !,
    throw(gedilog_error('UnsupportedCut', '',
          "cut (!) is supported in deterministic predicates only (Prolog's meaning); this clause depends on probabilistic facts (library(cut)'s cut/1 chooses among probabilistic rules)")).
body(G, L0, L) :-
    current_program(M),
    grounded_goal(M, G), !,
    (   b_getval(gedilog_proof_depth, Depth), Depth > 0
    ->  proof_step(M, G, Depth, L0, L)
    ;   copy_term(G, Call),
        poss(M, G),
        copy_term(G, Answer),
        L0 = [pos(Call, Answer)|L]
    ).
body(forall(C, A), L0, L) :-
    current_program(M), \+ goal_is_native(M, (C, A)), !,
    negation((C, \+ A), L0, L).
body(G, L0, L) :-
    meta_goal(G, P, K), callable(P), extend_goal(P, K, S),
    current_program(M), \+ goal_is_native(M, S), !,
    meta_unfold(G, B),
    body(B, L0, L).
body(G, L, L) :- call_native(G).

% call(G, A...) as the goal it calls.
called_goal(C, G) :-
    compound(C), compound_name_arguments(C, call, [G0|Extra]), callable(G0),
    add_arguments(G0, Extra, G).

% add_arguments(+Closure, +Extra, -Goal): Closure with the arguments Extra appended.
add_arguments(P, Extra, G) :- P =.. Parts0, append(Parts0, Extra, Parts), G =.. Parts.

% The meta-predicates of library(apply) call a closure P with K more arguments. Where that
% goal needs grounding they are unfolded by their definitions (meta_unfold/2), as ProbLog's
% library(apply) defines them in ProbLog; otherwise they run natively.
meta_goal(G, P, K) :-
    compound(G), compound_name_arguments(G, Name, [P|Args]), length(Args, N),
    meta_arity(Name, N, K).

meta_arity(maplist, N, N) :- between(1, 6, N).
meta_arity(foldl, N, N) :- between(3, 6, N).
meta_arity(include, 2, 1).
meta_arity(exclude, 2, 1).
meta_arity(partition, 3, 1).

extend_goal(P, K, G) :- length(Extra, K), add_arguments(P, Extra, G).

meta_unfold(G, B) :-
    G =.. [maplist, P|Ls],
    (   maplist(=([]), Ls), B = true
    ;   maplist(list_cell, Ls, Xs, Ts), Call =.. [call, P|Xs], Rest =.. [maplist, P|Ts],
        B = (Call, Rest)
    ).
meta_unfold(G, B) :-
    G =.. [foldl, P|Args], append(Ls, [V0, V], Args),
    (   maplist(=([]), Ls), V0 = V, B = true
    ;   maplist(list_cell, Ls, Xs, Ts), append(Xs, [V0, V1], CallArgs),
        Call =.. [call, P|CallArgs], append(Ts, [V1, V], RestArgs), Rest =.. [foldl, P|RestArgs],
        B = (Call, Rest)
    ).
meta_unfold(include(P, L, R), B) :-
    (   L = [], R = [], B = true
    ;   L = [X|T], B = (( call(P, X), R = [X|S] ; \+ call(P, X), R = S ), include(P, T, S))
    ).
meta_unfold(exclude(P, L, R), B) :-
    (   L = [], R = [], B = true
    ;   L = [X|T], B = (( \+ call(P, X), R = [X|S] ; call(P, X), R = S ), exclude(P, T, S))
    ).
meta_unfold(partition(P, L, I, E), B) :-
    (   L = [], I = [], E = [], B = true
    ;   L = [X|T],
        B = (( call(P, X), I = [X|I1], E = E1 ; \+ call(P, X), I = I1, E = [X|E1] ),
             partition(P, T, I1, E1))
    ).

list_cell([X|T], X, T).

% findall/3 over a goal that depends on probabilistic facts (ProbLog's semantics): in each
% world, L lists T for each proof of G that holds there, in proof order. Each subset of the
% possible proofs is one case: its proofs hold, the others do not.
% Proofs are enumerated in SLD order, as ProbLog lists them, by unfolding clauses (not through
% the tables, whose answer order is arbitrary), to a bounded depth.
findall_literals(T, G, L, L0, L1) :-
    (   partial_list(L) -> true
    ;   throw(gedilog_error('CallModeError', '',
              "findall/3: the result ~q is not a list"-[L]))
    ),
    (   nb_current(gedilog_findall_goals, Above) -> true ; Above = [] ),
    (   member(A, Above), A =@= G
    ->  term_text(G, Text),
        throw(gedilog_error('IndirectCallCycleError', '',
              "findall/3 over ~w calls itself: a cycle through findall/3 has no ground program"-[Text]))
    ;   true
    ),
    findall(T-Lits, ( b_setval(gedilog_proof_depth, 1), b_setval(gedilog_findall_goals, [G|Above]),
                      body(G, Lits, []) ), Proofs),
    length(Proofs, N),
    (   N =< 16 -> true
    ;   throw(gedilog_error('UnsupportedFindall', '',
              "findall/3 over ~q has ~w possible proofs; at most 16 are supported"-[G, N]))
    ),
    proof_subset(Proofs, L, In, Out),
    \+ ( member(O, Out), forall(member(X, O), ( member(I, In), member(Y, I), X == Y )) ),
    findall_case(In, Out, L0, L1).

% A subset that leaves out a proof made of literals of the proofs it keeps is impossible.
proof_subset([], [], [], []).
proof_subset([T-Lits|Ps], [T|Ts], [Lits|In], Out) :- proof_subset(Ps, Ts, In, Out).
proof_subset([_-Lits|Ps], Ts, In, [Lits|Out]) :- Lits \== [], proof_subset(Ps, Ts, In, Out).

findall_case(In, Out, L0, L) :-
    foldl(proof_literal(proof), In, L0, L1),
    foldl(proof_literal(no_proof), Out, L1, L).

proof_literal(_, [], L, L) :- !.
proof_literal(Kind, Lits, [Lit|L], L) :- Lit =.. [Kind, Lits].

proof_step(M, G, Depth, L0, L) :-
    (   Depth < 1000 -> true
    ;   throw(gedilog_error('UnsupportedFindall', '',
              "findall/3: proofs of ~q nest deeper than 1000 (a cycle?)"-[G]))
    ),
    Depth1 is Depth + 1,
    b_setval(gedilog_proof_depth, Depth1),
    clause_instance(M, G, Lits),
    b_setval(gedilog_proof_depth, Depth),
    append(Lits, L, L0).


% \+ G of a user goal (or of a conjunction mentioning one) becomes a negative literal on the
% call's "exists" node; of a native goal, it runs natively.
negation(G, L0, L) :- called_goal(G, G1), !, negation(G1, L0, L).
negation(G, L0, L) :-
    current_program(M),
    (   grounded_goal(M, G) -> Call = G
    ;   goal_is_native(M, G) -> fail
    ;   Call = '$body'(G)
    ), !,
    \+ certain(M, Call),
    copy_term(Call, Key),
    L0 = [neg(Key)|L].
negation(G, L, L) :- \+ call_native(G).

% certain(+M, +Call): Call holds in every world: a deterministic clause of it has a body that
% holds without any probabilistic literal. \+ Call is then false in every world, and the clause
% instance that needs it is dropped while grounding, as ProbLog's grounder drops it: a program
% recursing on "\+ member(X, Seen), next([X|Seen])" stops only so. The proof is its own small
% interpreter, not the grounder's (which would call tables still being filled, from inside
% them, and loop); it gives up (fails) on anything probabilistic, on a call met again below
% itself, past 1 000 nested calls or 100 000 in all. Failing only keeps a literal that the
% circuit makes false anyway.
certain(M, Call) :-
    nb_setval(gedilog_certain_calls, 0),
    copy_term(Call, G),
    certain(M, G, []).

certain(M, Call, Above) :-
    \+ ( member(A, Above), A =@= Call ),
    length(Above, Depth), Depth < 1000,
    nb_getval(gedilog_certain_calls, Calls), Calls < 100000,
    Calls1 is Calls + 1, nb_setval(gedilog_certain_calls, Calls1),
    copy_term(Call, Above1),      % the call as it was, before the proof binds it
    (   Call = '$body'(B)
    ->  once(certain_body(M, B, [Above1|Above]))
    ;   functor(Call, N, Arity), \+ M:'$negated_head'(N, Arity),
        once(( M:'$clause'(Call, B, det, _), certain_body(M, B, [Above1|Above]) ))
    ).

certain_body(_, B, _) :- var(B), !, fail.
certain_body(_, true, _) :- !.
certain_body(M, (A, B), Above) :- !, certain_body(M, A, Above), certain_body(M, B, Above).
certain_body(M, (A ; B), Above) :- A \= (_ -> _), A \= (_ *-> _), !,   % not an if-then-else
    ( certain_body(M, A, Above) ; certain_body(M, B, Above) ).
certain_body(M, G, Above) :- called_goal(G, G1), !, certain_body(M, G1, Above).
certain_body(M, G, Above) :- grounded_goal(M, G), !, certain(M, G, Above).
certain_body(M, G, _) :-
    goal_is_native(M, G),
    catch(call_native(G), E, ( certain_gives_up(E) -> fail ; throw(E) )).

% Errors of a native goal make the proof fail (the grounder meets them where they count);
% anything else (a time limit, an abort) passes.
certain_gives_up(error(_, _)).
certain_gives_up(gedilog_error(_, _, _)).
certain_gives_up(gedilog_native_probabilistic(_)).

% A goal runs natively unless it mentions a user predicate outside a meta-call.
goal_is_native(M, G) :-
    callable(G),
    \+ ( sub_goal(G, S), nonvar(S), grounded_goal(M, S) ).

sub_goal(G, G).
sub_goal(G, S) :- nonvar(G), control_arg(G, A), sub_goal(A, S).

control_arg((A, B), X) :- ( X = A ; X = B ).
control_arg((A ; B), X) :- ( X = A ; X = B ).
control_arg((A -> B), X) :- ( X = A ; X = B ).
control_arg(\+ A, A).
control_arg(N, A) :- negated_conjunction(N, \+ A).
control_arg(forall(C, A), X) :- ( X = C ; X = A ).
control_arg(G, X) :- called_goal(G, X).
control_arg(try_call(A), A).
control_arg(G, X) :- meta_goal(G, P, K), callable(P), extend_goal(P, K, X).

native_condition(C) :-
    current_program(M),
    (   goal_is_native(M, C) -> true
    ;   throw(gedilog_error('UnsupportedControl', '',
                            "the condition of if-then-else must not depend on probabilistic facts"))
    ).

call_native(G) :-
    current_program(M),
    catch(M:G, E, native_error(E, M, G)).

native_error(error(existence_error(procedure, QPI), _), M, _) :- !,
    strip_module(QPI, _, PI),
    (   M:'$unknown_fail' -> fail
    ;   caller_location(M, PI, L) -> throw(gedilog_error('UnknownClause', L, "unknown predicate ~q"-[PI]))
    ;   throw(gedilog_error('UnknownClause', '', "unknown predicate ~q"-[PI]))
    ).
native_error(gedilog_native_probabilistic(PI), _, G) :- !,
    throw(gedilog_error('UnsupportedNative', '',
          "~q calls probabilistic predicate ~q inside a built-in (findall/forall/...), which exact inference does not support"-[G, PI])).
native_error(E, _, _) :- throw(E).

% The location of the first clause whose body calls N/A (a deterministic predicate runs as
% Prolog, so the failing call has no clause of gedilog's around it).
caller_location(M, N/A, L) :-
    once(( M:'$clause'(_, B, _, Loc), goal_in(B, G), nonvar(G), G \== '$var', functor(G, N, A) )),
    loc_atom(Loc, L).

%% Ground program -----------------------------------------------------------------------------
%
% Built breadth first from the queries and the evidence. Lookups go through tries (variant
% keys), the output through dynamic facts (appending to a global list would copy it each time):
%   node trie:  (CallKey-AnswerKey | exists-CallKey | native-AnswerKey) -> atom index
%   call trie:  CallKey -> [Answer-Index, ...]  (a call is expanded once)
%   var trie:   ad(Id, Vars) | nn(Net, Inputs) -> variable index

% Thread-local: a subquery grounds in a thread of its own (subquery/4).
:- thread_local gp_atom/2, gp_var/2, gp_rule/2, gp_pending/2.

% Evidence: e(Goal, true|false, Loc).
ground_program(M, QuerySpecs, Es, gp(Atoms, Vars, Rules, Queries, Evidence)) :-
    clear_ground_program,
    b_setval(gedilog_proof_depth, 0),
    nb_setval(gedilog_module, M),
    trie_new(Nodes), trie_new(Calls), trie_new(VarTrie),
    nb_setval(gedilog_tries, tries(Nodes, Calls, VarTrie)),
    nb_setval(gedilog_counts, counts(0, 0)),
    foldl(ground_query(M), QuerySpecs, Queries, []),
    maplist(ground_evidence(M), Es, Evidence),
    run_agenda(M),
    findall(T, gp_atom(_, T), Atoms),
    findall(D, gp_var(_, D), Vars),
    findall(r(H, Ls), gp_rule(H, Ls), Rules),
    clear_ground_program.

clear_ground_program :-
    retractall(gp_atom(_, _)), retractall(gp_var(_, _)),
    retractall(gp_rule(_, _)), retractall(gp_pending(_, _)).

tries(Nodes, Calls, Vars) :- nb_getval(gedilog_tries, tries(Nodes, Calls, Vars)).

next_index(Field, I) :-
    nb_getval(gedilog_counts, Counts),
    arg(Field, Counts, I), I1 is I + 1, nb_setarg(Field, Counts, I1).

ground_query(M, Q-Loc, [Result|Rs], Rs) :- nonvar(Q), Q = (\+ G), !,
    loc_atom(Loc, L),
    check_known(M, G, L),
    (   ground(G) -> true
    ;   user_error('NonGroundQuery', L, 'negated query must be ground: ~q', [Q])
    ),
    exists_node(G, Index),
    term_text(G, GText), string_concat("\\+", GText, Text),
    Result = q(Index, negated, Text, L, ground).
ground_query(M, Q-Loc, Results, Rs) :-
    loc_atom(Loc, L),
    check_known(M, Q, L),
    answers(M, Q, L, Pairs),
    % As ProbLog, a query without answers (ground or not) prints itself with probability 0.
    (   Pairs == []
    ->  term_text(Q, Text), Results = [q(-1, positive, Text, L, ground)|Rs]
    ;   findall(q(I, positive, T, L, G),
                ( member(A-I, Pairs), term_text(A, T), ( ground(A) -> G = ground ; G = nonground ) ),
                Rs0),
        append(Rs0, Rs, Results)
    ).

ground_evidence(M, e(E, V, Loc), e(Index, V1, Text, L)) :-
    loc_atom(Loc, L),
    (   nonvar(E), E = (\+ G) -> negate(V, V1) ; G = E, V1 = V ),
    check_known(M, G, L),
    (   ground(G) -> true
    ;   user_error('NonGroundEvidence', L, 'evidence must be ground: ~q', [E])
    ),
    exists_node(G, Index),
    term_text(E, Text).

negate(true, false).
negate(false, true).

check_known(_, Q, L) :- var(Q), !,
    user_error('NonGroundQuery', L, 'query must not be a variable', []).
check_known(M, Q, L) :-
    (   user_goal(M, Q) -> true
    ;   callable(Q), functor(Q, N, A), functor(H, N, A),
        predicate_property(M:H, defined) -> true
    ;   M:'$unknown_fail' -> true
    ;   callable(Q) -> functor(Q, N, A),
        user_error('UnknownClause', L, 'unknown predicate ~q in query', [N/A])
    ;   user_error('ParseError', L, 'query must be callable: ~q', [Q])
    ).

% answers(+M, +Call, +Loc, -Pairs): Answer-Index for each answer node of Call.
% A non-ground answer is allowed only if it is certain: the compiler checks that.
answers(M, Call, _, Pairs) :-
    (   grounded_goal(M, Call)
    ->  expand_call(Call, Pairs)
    ;   findall(Call, call_native(Call), As0),
        list_to_set(As0, As),
        findall(A-I, (member(A, As), native_node(A, I)), Pairs)
    ).

variant_key(T, Key) :- copy_term(T, Key), numbervars(Key, 0, _).

native_node(A, I) :-
    variant_key(A, Key),
    new_node(native-Key, A, I, New),
    (   New == true -> assertz(gp_rule(I, [])) ; true ).

% expand_call(+Call, -Pairs): a node per answer variant of Call; queues Call's clauses once.
expand_call(Call, Pairs) :-
    variant_key(Call, CallKey),
    tries(_, Calls, _),
    (   trie_lookup(Calls, CallKey, Pairs) -> true
    ;   current_program(M),
        findall(A-I, ( copy_term(Call, A), answer(M, A), answer_node(CallKey, A, I) ), Pairs),
        trie_insert(Calls, CallKey, Pairs),
        assertz(gp_pending(Call, CallKey))
    ).

answer_node(CallKey, A, I) :-
    variant_key(A, AKey),
    new_node(CallKey-AKey, A, I, _).

new_node(Key, Answer, I, New) :-
    tries(Nodes, _, _),
    (   trie_lookup(Nodes, Key, I) -> New = false
    ;   next_index(1, I),
        trie_insert(Nodes, Key, I),
        term_text(Answer, Text),
        assertz(gp_atom(I, Text)),
        New = true
    ).

% The node of one proof (a conjunction of literals), for findall/3.
proof_node(Lits, I) :-
    variant_key(Lits, Key),
    new_node(proof-Key, '$proof', I, New),
    (   New == true
    ->  maplist(ground_literal, Lits, GLits),
        assertz(gp_rule(I, GLits))
    ;   true
    ).

% The node that is true iff Call has some answer (for negation and evidence).
exists_node(Call, I) :-
    variant_key(Call, CallKey),
    new_node(exists-CallKey, Call, I, New),
    (   New == true
    ->  current_program(M),
        (   grounded_goal(M, Call)
        ->  expand_call(Call, Pairs),
            forall(member(_-J, Pairs), assertz(gp_rule(I, [p(J)])))
        ;   call_native(Call) -> assertz(gp_rule(I, []))
        ;   true
        )
    ;   true
    ).

% Expand pending calls until none is left: each clause instance of a call becomes a rule of
% the node of its answer.
run_agenda(M) :-
    (   retract(gp_pending(Call, CallKey))
    ->  expand_rules(M, Call, CallKey),
        run_agenda(M)
    ;   true
    ).

expand_rules(M, Call, CallKey) :-
    findall(A-Lits, ( copy_term(Call, A), clause_instance(M, A, Lits) ), Instances),
    forall(member(A-Lits, Instances),
           ( answer_node(CallKey, A, Head),
             maplist(ground_literal, Lits, GLits),
             assertz(gp_rule(Head, GLits)) )).

ground_literal(pos(Call, Answer), p(I)) :-
    expand_call(Call, _),
    variant_key(Call, CallKey),
    answer_node(CallKey, Answer, I).
ground_literal(neg(Call), n(I)) :- exists_node(Call, I).
ground_literal(proof(Lits), p(I)) :- proof_node(Lits, I).
ground_literal(no_proof(Lits), n(I)) :- proof_node(Lits, I).
ground_literal(choice(Key, Value, Info), c(V, Value)) :- variable(Key, Info, V).

variable(Key, Info, V) :-
    tries(_, _, Vars),
    (   trie_lookup(Vars, Key, V) -> true
    ;   next_index(2, V),
        trie_insert(Vars, Key, V),
        variable_description(Info, v(Name, L, Dist, Names)),
        term_text(Key, KeyText),
        assertz(gp_var(V, v(Name, L, Dist, Names, KeyText)))
    ).

% v(Name, Location, Distribution, ValueNames):
%   Distribution = probs([P...])            annotated disjunctions and probabilistic facts
%                | neural(Net, InputsText, Slots)   neural annotated disjunctions; Slots: per
%                  input, K where it is the placeholder in(K), else -1
% A learnable AD's values are its heads and "none"; t(P) starts at P, t(_) at an equal share
% of what the t(P)s leave.
variable_description(ad(Exprs, Heads, Loc), v(Name, L, learnable(Ps), Names)) :-
    Exprs = [E|_], nonvar(E), learnable(E), !,
    loc_atom(Loc, L),
    findall(P0, ( member(t(P0), Exprs), nonvar(P0) ), Known0),
    evaluate_probabilities(Known0, L, Known),
    sum_list(Known, Given),
    aggregate_all(count, ( member(t(P0), Exprs), var(P0) ), Unknown),
    Share is max(0.0, 1.0 - Given) / (Unknown + 1),
    findall(P, ( member(t(P0), Exprs), ( var(P0) -> P = Share ; P is float(P0) ) ), Ps0),
    None is max(0.0, 1.0 - Given - Unknown * Share),
    append(Ps0, [None], Ps),
    maplist(term_text, Heads, Names0),
    append(Names0, ["none"], Names),
    atomic_list_concat(Names0, '; ', Name).
variable_description(ad(Exprs, Heads, Loc), v(Name, L, probs(Ps), Names)) :-
    loc_atom(Loc, L),
    evaluate_probabilities(Exprs, L, Ps0),
    maplist(term_text, Heads, Names0),
    sum_list(Ps0, Sum),
    % A single head always gets its "none" value, so that every variable has two values or more.
    (   ( Sum < 1 - 1.0e-12 ; Heads = [_] )
    ->  None is max(0.0, 1.0 - Sum), append(Ps0, [None], Ps), append(Names0, ["none"], Names)
    ;   Ps = Ps0, Names = Names0
    ),
    atomic_list_concat(Names0, '; ', Name).
variable_description(nn(Net, Inputs, Domain, Loc), v(Name, L, neural(Net, InputsText, Slots), Names)) :-
    loc_atom(Loc, L),
    term_text(Inputs, InputsText),
    (   is_list(Inputs) -> maplist(input_slot, Inputs, Slots) ; Slots = [] ),
    maplist(term_text, Domain, Names),
    format(string(Name), '~q(~w)', [Net, InputsText]).

input_slot(Input, K) :- nonvar(Input), Input = in(K), integer(K), K >= 0, !.
input_slot(_, -1).

% Terms are printed as ProbLog prints them, with the operators of module gedilog_print:
% SWI-Prolog's own prefix operators are not ProbLog's, so table(a) prints as table(a), not as
% (table a).
term_text(T, S) :-
    copy_term(T, C), numbervars(C, 0, _),
    with_output_to(string(S), write_term(C, [quoted(true), numbervars(true), spacing(standard),
                                             module(gedilog_print)])).

% Set once the engine is loaded (initialization/1): op/3 directives of a file being loaded
% leave other modules' tables alone.
:- initialization(printing_operators).
printing_operators :-
    forall(member(Name, [discontiguous, dynamic, initialization, meta_predicate, module_transparent,
                         multifile, public, table, thread_initialization, thread_local, volatile,
                         ($), (?-)]),
           gedilog_print:op(0, fx, Name)),
    gedilog_print:op(1000, xfx, ::), gedilog_print:op(900, fy, not), gedilog_print:op(1100, xfx, =>).

%% API for C++ --------------------------------------------------------------------------------

% Goal within Seconds of wall-clock time (0: no limit); beyond, grounding_time_limit(Seconds).
within_seconds(Seconds, Goal) :-
    (   Seconds =< 0
    ->  call(Goal)
    ;   catch(call_with_time_limit(Seconds, Goal), time_limit_exceeded, throw(grounding_time_limit(Seconds)))
    ).

guarded(Goal, Result) :-
    catch(( call(Goal) -> Result = ok ; Result = error('InternalError', '', "goal failed") ),
          E, error_result(E, Result)),
    !.

error_result(gedilog_error(Kind, Loc, Msg0), error(Kind, Loc, Msg)) :- !,
    (   Msg0 = F-Args -> format(string(Msg), F, Args) ; Msg = Msg0 ).
error_result(grounding_time_limit(S), error('ResourceError', '', Msg)) :- !,
    format(string(Msg), 'grounding took more than ~w s (--max-seconds): the program may not terminate, e.g. a recursion that builds ever larger terms or walks an open list', [S]).
error_result(error(resource_error(R), _), error('ResourceError', '', Msg)) :- !,
    format(string(Msg), 'out of ~w (the program may not terminate)', [R]).
error_result(error(existence_error(procedure, QPI), _), error('UnknownClause', '', Msg)) :- !,
    strip_module(QPI, _, PI),
    format(string(Msg), 'unknown predicate ~q', [PI]).
error_result(E, error('PrologError', '', Msg)) :-
    message_to_string(E, Msg).

message_to_string(E, Msg) :-
    (   catch(message_to_codes(E, Codes), _, fail)
    ->  string_codes(Msg, Codes)
    ;   format(string(Msg), '~q', [E])
    ).

message_to_codes(E, Codes) :-
    '$messages':translate_message(E, Lines, []),
    with_output_to(codes(Codes), print_message_lines(current_output, '', Lines)).

api_load(File, Result) :-
    retract(program_counter(N)), N1 is N + 1, assertz(program_counter(N1)),
    format(atom(M), 'gedilog_program_~w', [N1]),
    guarded(load_program(File, M), R0),
    (   R0 == ok -> Result = ok(M) ; Result = R0 ).

% api_ground(+M, +QueryTexts, +EvidenceTexts, +Seconds, -Result): QueryTexts = [] grounds the program's
% own queries; EvidenceTexts are ground goals observed true ("\\+ G": G observed false), beside
% the program's evidence.
api_ground(M, QueryTexts, EvidenceTexts, Seconds, Result) :-
    abolish_all_tables,
    b_setval(gedilog_proof_depth, 0),
    nb_setval(gedilog_module, M),
    guarded(within_seconds(Seconds,
                           ( query_specs(M, QueryTexts, Specs),
                             maplist(evidence_spec(M), EvidenceTexts, Extra),
                             program_evidence(M, Own),
                             append(Own, Extra, Es0), list_to_set(Es0, Es),
                             ground_program(M, Specs, Es, GP) )), R0),
    abolish_all_tables,
    clear_ground_program,
    (   R0 == ok -> Result = ok(GP) ; Result = R0 ).

query_specs(M, [], Specs) :- !,
    findall(Q-Loc, ( M:'$query'(Q, Body, Loc), possible(Body) ), Specs0),
    list_to_set(Specs0, Specs).
query_specs(M, Texts, Specs) :-
    findall(Q-'<query>', ( member(T, Texts), parse_query(M, T, Q) ), Specs).

% The program's evidence/1,2 facts and the instances of its evidence rules: e(Goal, Value, Loc).
program_evidence(M, Es) :-
    findall(e(E, V, Loc), ( M:'$evidence'(E, V, Loc)
                          ; M:'$evidence_rule'(E, V, B, Loc), possible(B) ), Es).

% subquery(+M, ?Goal, ?P, +Evidence): P = P(Answer | Evidence) for each answer of Goal, by a
% separate inference on the program (ProbLog's subquery/2,3,5: the program's own evidence is
% not part of it; the semiring and evaluator arguments are accepted and ignored, the answer is
% exact either way). Its grounding runs in a Prolog thread of its own, with its own tables and
% ground program; the circuit is compiled and evaluated in C++ ('$gedilog_solve'/2).
subquery(M, Goal, P, Evidence) :-
    (   is_list(Evidence) -> true
    ;   throw(gedilog_error('CallModeError', '', "subquery/3: the evidence ~q is not a list"-[Evidence]))
    ),
    findall(e(E, true, '<subquery>'), member(E, Evidence), Es),
    message_queue_create(Queue),
    setup_call_cleanup(
        thread_create(subquery_grounding(M, Goal, Es, Queue), Id, []),
        ( thread_join(Id, _), thread_get_message(Queue, Reply) ),
        ( catch(thread_signal(Id, abort), _, true), catch(thread_join(Id, _), _, true),
          message_queue_destroy(Queue) )),
    (   Reply = ok(GP, Answers) -> true ; Reply = error(Error), throw(Error) ),
    '$gedilog_solve'(GP, Ps),
    pairs_keys_values(Pairs, Answers, Ps),
    member(Goal-P, Pairs).

% In the subquery's thread: its ground program, and the answer terms of its one query (none
% where a goal with variables has none).
subquery_grounding(M, Goal, Es, Queue) :-
    catch(( b_setval(gedilog_proof_depth, 0), nb_setval(gedilog_module, M),
            ground_program(M, [Goal-'<subquery>'], Es, GP),
            GP = gp(_, _, _, Queries, _),
            findall(A, ( member(q(I, _, Text, _, _), Queries), ( I >= 0 -> true ; ground(Goal) ),
                         term_string(A, Text, [module(M)]) ), Answers),
            (   length(Queries, N), length(Answers, N) -> Reply = ok(GP, Answers)
            ;   Reply = ok(gp([], [], [], [], []), [])
            ) ),
          E, Reply = error(E)),
    thread_send_message(Queue, Reply).

% The bindings under which a goal may hold in some world (for query/1 and evidence/2 rules).
possible(Body) :- body(Body, _, []).

evidence_spec(M, e(Text, Value), e(E, Value, '<evidence>')) :- parse_query(M, Text, E).

% api_template(+M, +QueryText, +InputNames, +EvidenceTexts, +Loc, -Result): binds the
% variables InputNames of the query (and the evidence) to in(0), in(1), ... in order of
% appearance, and returns ok(t(TemplateText, Evidence, Slots)): Evidence a list of
% e(GoalText, true|false) (a goal written \+ G is G observed false), Slots each input name's K.
% Errors name Loc.
api_template(M, QueryText, Names, EvidenceTexts, Loc, Result) :-
    guarded(template(M, QueryText, Names, EvidenceTexts, Loc, T), R0),
    (   R0 == ok -> Result = ok(T) ; Result = R0 ).

template(M, QueryText, Names, EvidenceTexts, Loc, t(Text, ETexts, Slots)) :-
    maplist(read_with_names(M, Loc), [QueryText|EvidenceTexts], [Q-B0|Es]),
    pairs_keys_values(Es, Evidence, Bs),
    append([B0|Bs], Bindings),
    maplist(same_name_same_variable(Bindings), Bindings),  % X in the query is X in the evidence
    (   member(N, Names), \+ memberchk(N=_, Bindings)
    ->  user_error('ExampleError', Loc, 'input ~w does not occur in the query or the evidence', [N])
    ;   true
    ),
    term_variables(Q-Evidence, Vars),
    include(input_variable(Names, Bindings), Vars, Inputs),
    bind_inputs(Inputs, 0),
    maplist(slot_of(Bindings), Names, Slots),
    (   member(E, Evidence), \+ ground(E)
    ->  user_error('NonGroundEvidence', Loc, 'evidence must be ground once the inputs are bound: ~q', [E])
    ;   true
    ),
    term_text(Q, Text),
    maplist(evidence_pair, Evidence, ETexts).

% api_open_query(+M, +TemplateText, +N, +Loc, -Result): the query with its N-th argument (1-based,
% as arg/3) a fresh variable, ok(Text): the query whose answers are the candidates when the
% argument is an example's answer. The argument must be ground and no input in(K).
api_open_query(M, TemplateText, N, Loc, Result) :-
    guarded(open_query(M, TemplateText, N, Loc, Text), R0),
    (   R0 == ok -> Result = ok(Text) ; Result = R0 ).

open_query(M, TemplateText, N, Loc, Text) :-
    read_with_names(M, Loc, TemplateText, Q-_),
    (   compound(Q), functor(Q, _, Arity), N =< Arity, arg(N, Q, A), ground(A), A \= in(_)
    ->  true
    ;   user_error('ExampleError', Loc,
                   'answer: argument ~w of ~w is not a ground argument that is no input', [N, TemplateText])
    ),
    Q =.. [F|Args],
    nth1(N, Args, _, Rest),
    nth1(N, Open, _, Rest),
    O =.. [F|Open],
    term_text(O, Text).

evidence_pair(E, e(Text, Value)) :-
    (   nonvar(E), E = (\+ G) -> Value = false ; G = E, Value = true ),
    term_text(G, Text).

same_name_same_variable(Bindings, N=V) :- memberchk(N=V, Bindings).

input_variable(Names, Bindings, V) :- member(N=V1, Bindings), V1 == V, !, memberchk(N, Names).

bind_inputs([], _).
bind_inputs([in(K)|Vs], K) :- K1 is K + 1, bind_inputs(Vs, K1).

slot_of(Bindings, N, K) :- memberchk(N=in(K), Bindings).

read_with_names(M, Loc, Text, T-Bindings) :-
    catch(term_string(T, Text, [module(M), variable_names(Bindings)]), E,
          ( message_to_string(E, Msg),
            user_error('ParseError', Loc, 'cannot parse ~q: ~w', [Text, Msg]) )).

parse_query(M, Text, Q) :-
    catch(term_string(Q, Text, [module(M)]), E,
          ( message_to_string(E, Msg),
            user_error('ParseError', '<query>', 'cannot parse query ~q: ~w', [Text, Msg]) )),
    refuse_outside_calls(Q, '<query>', M).

% The files a program was read from: its own and those it consults, in reading order.
api_sources(M, Files) :- findall(F, M:'$source_file'(F), Files).

% The neural declarations of a program: nn(Net, InputsText, VarText, DomainTexts, HeadText, Loc,
% Kind, Arity), Kind ad (nn/4) or fact (nn/3), Arity the number of inputs.
% The learnable annotated disjunctions of a program (t(_)::f, t(0.3)::a; t(_)::b): l(HeadsText,
% Location), one per clause.
api_learnable(M, Decls) :-
    findall(Id-l(Name, L),
            ( M:'$clause'(_, _, ad(Id, _, _, [P|_], Heads), Loc), nonvar(P), learnable(P),
              copy_term(Heads, Hs), numbervars(Hs, 0, _),
              maplist(term_text, Hs, Texts), atomic_list_concat(Texts, '; ', Name), loc_atom(Loc, L) ),
            Pairs),
    sort(1, @<, Pairs, Unique),
    pairs_values(Unique, Decls).

api_neural(M, Decls) :-
    findall(nn(Net, I, V, D, H, L, Kind, Arity),
            ( M:'$clause'(H0, _, nn(Net, I0, V0, D0), Loc),
              ( V0 == true -> Kind = fact ; Kind = ad ),
              length(I0, Arity),
              copy_term(H0-I0-V0-D0, H1-I1-V1-D1),
              numbervars(H1-I1-V1-D1, 0, _),
              term_text(H1, H), term_text(I1, I), term_text(V1, V),
              maplist(term_text, D1, D), loc_atom(Loc, L) ),
            Decls).
