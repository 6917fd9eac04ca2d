#include "symbolic/prolog_engine.h"

#include <SWI-Prolog.h>

#include <atomic>
#include <cstring>
#include <initializer_list>
#include <mutex>
#include <variant>

#include "core/error.h"
#include "symbolic/inference.h"
#include "symbolic/table_files.h"

namespace gedilog::symbolic::prolog {

extern const char* const kEngineSource;

namespace {

std::mutex& prolog_mutex() {
  static std::mutex m;
  return m;
}

// ---- reading terms ------------------------------------------------------------------------

std::string text_of(term_t t) {
  char* s = nullptr;
  size_t len = 0;
  if (!PL_get_nchars(t, &len, &s,
                     CVT_ATOM | CVT_STRING | CVT_INTEGER | CVT_FLOAT | CVT_LIST | REP_UTF8 |
                         BUF_DISCARDABLE))
    throw InternalError("prolog: expected text");
  return std::string(s, len);
}

int int_of(term_t t) {
  int v = 0;
  if (!PL_get_integer(t, &v)) throw InternalError("prolog: expected an integer");
  return v;
}

double float_of(term_t t) {
  double v = 0;
  if (!PL_get_float(t, &v)) throw InternalError("prolog: expected a number");
  return v;
}

term_t arg(int i, term_t t) {
  term_t a = PL_new_term_ref();
  if (!PL_get_arg(i, t, a)) throw InternalError("prolog: missing argument");
  return a;
}

std::string name_of(term_t t) {
  atom_t name;
  size_t arity;
  if (!PL_get_name_arity(t, &name, &arity)) throw InternalError("prolog: expected a compound");
  return PL_atom_chars(name);
}

// Calls f on every element of the Prolog list t.
template <typename F>
void for_each(term_t t, F f) {
  term_t list = PL_copy_term_ref(t);
  term_t head = PL_new_term_ref();
  while (PL_get_list(list, head, list)) f(head);
  if (!PL_get_nil(list)) throw InternalError("prolog: expected a list");
}

GroundProgram read_ground_program(term_t gp, const std::string& file);

// ---- predicates the Prolog half calls (gedilog.pl) ------------------------------------------
//
// Each answers, or raises gedilog_error(Kind, Location, Message) as gedilog.pl's own errors do.

term_t put_text(const std::string& text, bool atom) {
  term_t t = PL_new_term_ref();
  const bool ok = atom ? PL_put_atom_nchars(t, text.size(), text.c_str())
                       : PL_put_string_nchars(t, text.size(), text.c_str());
  if (!ok) throw InternalError("prolog: out of memory");
  return t;
}

// A Prolog list of the terms `make` builds from items[0], items[1], ... (into a fresh reference).
template <typename T, typename F>
term_t put_list(const std::vector<T>& items, F make) {
  term_t list = PL_new_term_ref();
  PL_put_nil(list);
  for (auto it = items.rbegin(); it != items.rend(); ++it)
    if (!PL_cons_list(list, make(*it), list)) throw InternalError("prolog: out of stack");
  return list;
}

term_t put_compound(const char* name, std::initializer_list<term_t> args) {
  term_t t = PL_new_term_ref();
  term_t a = PL_new_term_refs(static_cast<int>(args.size()));
  int i = 0;
  for (term_t x : args)
    if (!PL_put_term(a + i++, x)) throw InternalError("prolog: out of stack");
  if (!PL_cons_functor_v(t, PL_new_functor(PL_new_atom(name), args.size()), a)) throw InternalError("prolog: out of stack");
  return t;
}

// Runs `answer` (which unifies the predicate's output); C++ exceptions become Prolog's.
template <typename F>
foreign_t foreign(F answer) {
  try {
    return answer() ? TRUE : FALSE;
  } catch (const UserError& e) {
    term_t error = put_compound("gedilog_error", {put_text(e.kind(), true), put_text(e.location(), true),
                                                  put_text(e.message(), false)});
    return PL_raise_exception(error);
  } catch (const std::exception& e) {
    term_t error = put_compound("gedilog_error", {put_text("InternalError", true), put_text("", true),
                                                  put_text(e.what(), false)});
    return PL_raise_exception(error);
  }
}

// '$gedilog_csv_rows'(+File, +Strict, -Rows): Rows = [row(Line, [FieldString, ...]), ...].
foreign_t pl_csv_rows(term_t file, term_t strict, term_t rows) {
  return foreign([&] {
    int is_strict = 0;
    if (!PL_get_bool(strict, &is_strict)) throw InternalError("prolog: expected a boolean");
    const std::vector<CsvRow> read = read_csv_rows(text_of(file), is_strict != 0);
    return PL_unify(rows, put_list(read, [](const CsvRow& r) {
             term_t line = PL_new_term_ref();
             if (!PL_put_integer(line, r.line)) throw InternalError("prolog: out of stack");
             return put_compound("row", {line, put_list(r.fields, [](const std::string& f) { return put_text(f, false); })});
           }));
  });
}

// '$gedilog_sqlite_tables'(+File, -Tables): Tables = [table(Name, [[Value, ...], ...]), ...];
// a value is an integer, a float, an atom (TEXT, as ProbLog's library(db) reads it) or '$null'.
foreign_t pl_sqlite_tables(term_t file, term_t tables) {
  return foreign([&] {
    const std::vector<SqlTable> read = read_sqlite_tables(text_of(file));
    auto value = [](const SqlValue& v) {
      term_t t = PL_new_term_ref();
      bool ok = true;
      if (std::holds_alternative<std::monostate>(v)) ok = PL_put_atom_chars(t, "$null");
      else if (const auto* i = std::get_if<std::int64_t>(&v)) ok = PL_put_int64(t, *i);
      else if (const auto* d = std::get_if<double>(&v)) ok = PL_put_float(t, *d);
      else t = put_text(std::get<std::string>(v), true);
      if (!ok) throw InternalError("prolog: out of stack");
      return t;
    };
    return PL_unify(tables, put_list(read, [&](const SqlTable& table) {
             return put_compound("table", {put_text(table.name, true), put_list(table.rows, [&](const std::vector<SqlValue>& row) {
                                             return put_list(row, value);
                                           })});
           }));
  });
}

// '$gedilog_solve'(+GroundProgram, -Probabilities): exact inference (inference.h, compiler auto)
// on a ground program that gedilog.pl built, for subquery/2,3,5; P(q | e) per query, in order.
foreign_t pl_solve(term_t gp, term_t probabilities) {
  return foreign([&] {
    const std::vector<QueryResult> results = solve(read_ground_program(gp, ""));
    return PL_unify(probabilities, put_list(results, [](const QueryResult& r) {
             term_t p = PL_new_term_ref();
             if (!PL_put_float(p, r.probability)) throw InternalError("prolog: out of stack");
             return p;
           }));
  });
}

void register_foreign_predicates() {
  PL_register_foreign_in_module("gedilog", "$gedilog_csv_rows", 3, reinterpret_cast<pl_function_t>(pl_csv_rows), 0);
  PL_register_foreign_in_module("gedilog", "$gedilog_sqlite_tables", 2, reinterpret_cast<pl_function_t>(pl_sqlite_tables), 0);
  PL_register_foreign_in_module("gedilog", "$gedilog_solve", 2, reinterpret_cast<pl_function_t>(pl_solve), 0);
}

// ---- the engine -----------------------------------------------------------------------------

void load_engine_source() {
  term_t a = PL_new_term_refs(2);
  if (!PL_put_string_chars(a, kEngineSource)) throw InternalError("prolog: out of memory");
  if (!PL_call_predicate(nullptr, PL_Q_NORMAL, PL_predicate("open_string", 2, "system"), a))
    throw InternalError("prolog: cannot open the engine source");
  term_t load = PL_new_term_refs(2);
  term_t option = PL_new_term_ref();
  term_t options = PL_new_term_ref();
  PL_put_atom_chars(load, "gedilog_engine.pl");
  if (!PL_cons_functor(option, PL_new_functor(PL_new_atom("stream"), 1), a + 1) ||
      !PL_put_nil(options) || !PL_cons_list(options, option, options) ||
      !PL_unify(load + 1, options))
    throw InternalError("prolog: cannot build load options");
  const bool loaded =
      PL_call_predicate(nullptr, PL_Q_NORMAL, PL_predicate("load_files", 2, "system"), load);
  PL_call_predicate(nullptr, PL_Q_NORMAL, PL_predicate("close", 1, "system"), a + 1);
  if (!loaded) throw InternalError("prolog: cannot load the engine source");
}

// Initialises SWI-Prolog once per process and attaches the calling thread to an engine.
void ensure_initialised() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (!PL_is_initialised(nullptr, nullptr)) {
      // --no-signals leaves the host's signal handlers alone (DESIGN.md, pitfalls).
      static const char* argv[] = {"gedilog", "-q", "--no-signals", "--no-packs", nullptr};
      if (!PL_initialise(4, const_cast<char**>(argv)))
        throw InternalError("prolog: cannot initialise SWI-Prolog");
    }
    register_foreign_predicates();
    load_engine_source();
  });
  if (PL_thread_self() == -1 && PL_thread_attach_engine(nullptr) < 0)
    throw InternalError("prolog: cannot attach a Prolog engine to this thread");
}

// A foreign frame: every term reference made while it lives is released with it.
class Frame {
 public:
  Frame() : frame_(PL_open_foreign_frame()) {}
  ~Frame() { PL_discard_foreign_frame(frame_); }
  Frame(const Frame&) = delete;
  Frame& operator=(const Frame&) = delete;

 private:
  fid_t frame_;
};

// Calls gedilog:Name(args...) whose last argument is the result: ok(...) or
// error(Kind, Location, Message). Returns the argument of ok/1 (or the atom ok).
term_t call_api(const char* name, term_t args, int arity, const std::string& file) {
  predicate_t pred = PL_predicate(name, arity, "gedilog");
  qid_t q = PL_open_query(nullptr, PL_Q_CATCH_EXCEPTION | PL_Q_NODEBUG, pred, args);
  const int ok = PL_next_solution(q);
  std::string failure;
  if (!ok) {
    term_t ex = PL_exception(q);
    failure = ex ? "prolog exception in " + std::string(name) : "prolog call failed: " + std::string(name);
  }
  PL_cut_query(q);
  if (!ok) throw InternalError(failure);

  term_t result = args + arity - 1;
  if (name_of(result) == "error") {
    std::string location = text_of(arg(2, result));
    if (location.empty()) location = file;
    throw UserError(text_of(arg(1, result)), location, text_of(arg(3, result)));
  }
  return PL_is_compound(result) ? arg(1, result) : result;
}

RandomVariable read_variable(term_t v) {
  RandomVariable var;
  var.name = text_of(arg(1, v));
  var.location = text_of(arg(2, v));
  term_t dist = arg(3, v);
  if (name_of(dist) == "probs" || name_of(dist) == "learnable") {
    for_each(arg(1, dist), [&](term_t p) { var.probabilities.push_back(float_of(p)); });
    var.learnable = name_of(dist) == "learnable";
  } else {
    var.network = text_of(arg(1, dist));
    var.inputs = text_of(arg(2, dist));
    for_each(arg(3, dist), [&](term_t slot) { var.input_slots.push_back(int_of(slot)); });
  }
  for_each(arg(4, v), [&](term_t n) { var.value_names.push_back(text_of(n)); });
  var.key = text_of(arg(5, v));
  return var;
}

GroundRule read_rule(term_t r) {
  GroundRule rule;
  rule.head = int_of(arg(1, r));
  for_each(arg(2, r), [&](term_t lit) {
    const std::string kind = name_of(lit);
    if (kind == "p")
      rule.body.push_back(Literal::atom(int_of(arg(1, lit))));
    else if (kind == "n")
      rule.body.push_back(Literal::negated(int_of(arg(1, lit))));
    else
      rule.body.push_back(Literal::choice(int_of(arg(1, lit)), int_of(arg(2, lit))));
  });
  return rule;
}

// gp(Atoms, Variables, Rules, Queries, Evidence), as api_ground answers it.
GroundProgram read_ground_program(term_t gp, const std::string& file) {
  GroundProgram program;
  program.source = file;
  for_each(arg(1, gp), [&](term_t a) { program.atoms.push_back(text_of(a)); });
  for_each(arg(2, gp), [&](term_t v) { program.variables.push_back(read_variable(v)); });
  for_each(arg(3, gp), [&](term_t r) { program.rules.push_back(read_rule(r)); });
  for_each(arg(4, gp), [&](term_t q) {
    GroundQuery query;
    query.atom = int_of(arg(1, q));
    query.negated = text_of(arg(2, q)) == "negated";
    query.text = text_of(arg(3, q));
    query.location = text_of(arg(4, q));
    query.ground = text_of(arg(5, q)) == "ground";
    program.queries.push_back(query);
  });
  for_each(arg(5, gp), [&](term_t e) {
    GroundEvidence evidence;
    evidence.atom = int_of(arg(1, e));
    evidence.value = text_of(arg(2, e)) == "true";
    evidence.text = text_of(arg(3, e));
    evidence.location = text_of(arg(4, e));
    program.evidence.push_back(evidence);
  });
  return program;
}

}  // namespace

std::string load_program(const std::string& file) {
  std::lock_guard<std::mutex> lock(prolog_mutex());
  ensure_initialised();
  Frame frame;
  term_t args = PL_new_term_refs(2);
  if (!PL_put_atom_chars(args, file.c_str())) throw InternalError("prolog: bad file name");
  return text_of(call_api("api_load", args, 2, file));
}

namespace {

// A Prolog list of strings (into `list`, a fresh term reference).
void put_strings(term_t list, const std::vector<std::string>& texts, bool atoms = false) {
  if (!PL_put_term(list, put_list(texts, [&](const std::string& t) { return put_text(t, atoms); })))
    throw InternalError("prolog: out of stack");
}

std::atomic<double>& grounding_limit() {
  static std::atomic<double> seconds{Program::kDefaultGroundingSeconds};
  return seconds;
}

double grounding_seconds() { return grounding_limit(); }

// A Prolog list [e(GoalText, true|false), ...] (into `list`, a fresh term reference).
void put_evidence(term_t list, const std::vector<Evidence>& evidence) {
  term_t items = put_list(evidence, [](const Evidence& e) {
    return put_compound("e", {put_text(e.goal, false), put_text(e.value ? "true" : "false", true)});
  });
  if (!PL_put_term(list, items)) throw InternalError("prolog: out of stack");
}

}  // namespace

void set_grounding_seconds(double seconds) { grounding_limit() = seconds; }

GroundProgram ground(const std::string& module, const std::string& file,
                     const std::vector<std::string>& queries, const std::vector<Evidence>& evidence) {
  std::lock_guard<std::mutex> lock(prolog_mutex());
  ensure_initialised();
  Frame frame;
  term_t args = PL_new_term_refs(5);
  PL_put_atom_chars(args, module.c_str());
  put_strings(args + 1, queries);
  put_evidence(args + 2, evidence);
  if (!PL_put_float(args + 3, grounding_seconds())) throw InternalError("prolog: out of stack");
  return read_ground_program(call_api("api_ground", args, 5, file), file);
}

namespace {

// Calls gedilog:Predicate(Module, List) and hands each element of List to `each`.
template <typename F>
void for_each_answer(const char* predicate, const std::string& module, F each) {
  std::lock_guard<std::mutex> lock(prolog_mutex());
  ensure_initialised();
  Frame frame;
  term_t args = PL_new_term_refs(2);
  PL_put_atom_chars(args, module.c_str());
  predicate_t pred = PL_predicate(predicate, 2, "gedilog");
  if (!PL_call_predicate(nullptr, PL_Q_CATCH_EXCEPTION | PL_Q_NODEBUG, pred, args))
    throw InternalError(std::string("prolog: ") + predicate + " failed");
  for_each(args + 1, each);
}

}  // namespace

QueryTemplate make_template(const std::string& module, const std::string& query,
                            const std::vector<std::string>& inputs, const std::vector<std::string>& evidence,
                            const std::string& location, std::vector<int>& slots) {
  std::lock_guard<std::mutex> lock(prolog_mutex());
  ensure_initialised();
  Frame frame;
  term_t args = PL_new_term_refs(6);
  PL_put_atom_chars(args, module.c_str());
  if (!PL_put_string_chars(args + 1, query.c_str())) throw InternalError("prolog: out of memory");
  put_strings(args + 2, inputs, /*atoms=*/true);
  put_strings(args + 3, evidence);
  PL_put_atom_chars(args + 4, location.c_str());
  term_t t = call_api("api_template", args, 6, location);
  QueryTemplate out;
  out.query = text_of(arg(1, t));
  for_each(arg(2, t), [&](term_t e) { out.evidence.push_back({text_of(arg(1, e)), text_of(arg(2, e)) == "true"}); });
  slots.clear();
  for_each(arg(3, t), [&](term_t k) { slots.push_back(int_of(k)); });
  return out;
}

std::string open_query(const std::string& module, const std::string& query, int argument,
                       const std::string& location) {
  std::lock_guard<std::mutex> lock(prolog_mutex());
  ensure_initialised();
  Frame frame;
  term_t args = PL_new_term_refs(5);
  PL_put_atom_chars(args, module.c_str());
  if (!PL_put_string_chars(args + 1, query.c_str())) throw InternalError("prolog: out of memory");
  if (!PL_put_integer(args + 2, argument)) throw InternalError("prolog: out of memory");
  PL_put_atom_chars(args + 3, location.c_str());
  return text_of(call_api("api_open_query", args, 5, location));
}

std::vector<NeuralDeclaration> neural_declarations(const std::string& module) {
  std::vector<NeuralDeclaration> decls;
  for_each_answer("api_neural", module, [&](term_t d) {
    NeuralDeclaration decl;
    decl.network = text_of(arg(1, d));
    decl.inputs = text_of(arg(2, d));
    decl.variable = text_of(arg(3, d));
    for_each(arg(4, d), [&](term_t v) { decl.domain.push_back(text_of(v)); });
    decl.head = text_of(arg(5, d));
    decl.location = text_of(arg(6, d));
    decl.fact = text_of(arg(7, d)) == "fact";
    decl.arity = int_of(arg(8, d));
    decls.push_back(std::move(decl));
  });
  return decls;
}

std::vector<LearnableDeclaration> learnable_declarations(const std::string& module) {
  std::vector<LearnableDeclaration> decls;
  for_each_answer("api_learnable", module,
                  [&](term_t d) { decls.push_back({text_of(arg(1, d)), text_of(arg(2, d))}); });
  return decls;
}

std::vector<std::string> source_files(const std::string& module) {
  std::vector<std::string> files;
  for_each_answer("api_sources", module, [&](term_t f) { files.push_back(text_of(f)); });
  return files;
}

}  // namespace gedilog::symbolic::prolog
