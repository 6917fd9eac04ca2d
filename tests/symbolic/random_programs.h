#pragma once
// Random small ProbLog programs and an independent possible-world oracle for them (used by the
// oracle property tests and by the tensor-evaluation tests).
//
// The generator builds a small structured model of a program (probabilistic facts, annotated
// disjunctions as facts and as rules with shared variables, probabilistic rules, deterministic
// rules with conjunctions, stratified negation, positive cycles, reachability over cyclic
// graphs, queries, evidence) and prints it as ProbLog text. The oracle never looks at gedilog's
// grounder: it grounds the model itself, enumerates every assignment of every ground random
// choice (a probabilistic clause instance per binding of ALL its variables is one independent
// categorical choice) and computes each world's least model stratum by stratum.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace gedilog::symbolic::random_programs {

constexpr double kTolerance = 1e-9;
constexpr double kMaxWorlds = 4096;

// A broken invariant of the generator or oracle (not of gedilog).
inline void ensure(bool condition, const std::string& what) {
  if (!condition) throw std::logic_error("oracle_test: " + what);
}

// ---- the model of a program ---------------------------------------------------------------

inline bool is_variable(const std::string& t) {
  return !t.empty() && (std::isupper(static_cast<unsigned char>(t[0])) || t[0] == '_');
}

struct Atom {
  std::string pred;
  std::vector<std::string> args;

  std::string str() const {
    if (args.empty()) return pred;
    std::string s = pred + "(";
    for (std::size_t i = 0; i < args.size(); ++i) s += (i ? "," : "") + args[i];
    return s + ")";
  }
  bool ground() const {
    return std::none_of(args.begin(), args.end(), [](const std::string& a) { return is_variable(a); });
  }
};

struct BodyLit {
  enum class Kind { kPos, kNeg, kNeq };
  Kind kind;
  Atom atom;  // kNeq: args = {lhs, rhs}
};

struct Prob {
  double value;
  std::string text;
};

struct Clause {
  std::vector<Prob> probs;  // empty: deterministic, one head
  std::vector<Atom> heads;
  std::vector<BodyLit> body;
  bool arrow = false;  // written with "<-"
  bool probabilistic() const { return !probs.empty(); }
};

struct QuerySpec {
  Atom atom;  // may hold "_" (a non-ground query)
  bool negated = false;
};

struct EvidenceSpec {
  Atom atom;
  bool value = true;
  int style = 0;  // 0: evidence(A).  1: evidence(A, V).  2: evidence(\+ A). (false only)
};

struct Model {
  std::string flavor;
  std::map<std::string, int> stratum;  // predicate name -> stratum
  std::vector<Clause> clauses;
  std::vector<QuerySpec> queries;
  std::vector<EvidenceSpec> evidence;

  std::string text() const {
    std::ostringstream out;
    out << "% random " << flavor << " program\n";
    for (const Clause& c : clauses) {
      if (c.probabilistic()) {
        for (std::size_t i = 0; i < c.heads.size(); ++i)
          out << (i ? "; " : "") << c.probs[i].text << "::" << c.heads[i].str();
      } else {
        out << c.heads[0].str();
      }
      if (!c.body.empty()) {
        out << (c.arrow ? " <- " : " :- ");
        for (std::size_t i = 0; i < c.body.size(); ++i) {
          const BodyLit& l = c.body[i];
          out << (i ? ", " : "");
          switch (l.kind) {
            case BodyLit::Kind::kPos: out << l.atom.str(); break;
            case BodyLit::Kind::kNeg: out << "\\+ " << l.atom.str(); break;
            case BodyLit::Kind::kNeq: out << l.atom.args[0] << " \\= " << l.atom.args[1]; break;
          }
        }
      }
      out << ".\n";
    }
    for (const QuerySpec& q : queries)
      out << "query(" << (q.negated ? "\\+ " : "") << q.atom.str() << ").\n";
    for (const EvidenceSpec& e : evidence) {
      if (e.style == 0)
        out << "evidence(" << e.atom.str() << ").\n";
      else if (e.style == 1)
        out << "evidence(" << e.atom.str() << ", " << (e.value ? "true" : "false") << ").\n";
      else
        out << "evidence(\\+ " << e.atom.str() << ").\n";
    }
    return out.str();
  }
};

// ---- the oracle: its own grounding and possible-world enumeration ---------------------------

using Binding = std::map<std::string, std::string>;
using Facts = std::map<std::string, std::set<std::vector<std::string>>>;  // pred -> arg tuples

inline std::string resolve(const std::string& t, const Binding& b) {
  if (!is_variable(t) || t == "_") return t;  // "_" stays: \+ p(X,_) means "no p(X,_) at all"
  auto it = b.find(t);
  ensure(it != b.end(), "unbound variable " + t);
  return it->second;
}

inline Atom substitute(const Atom& a, const Binding& b) {
  Atom g{a.pred, {}};
  for (const std::string& t : a.args) g.args.push_back(resolve(t, b));
  return g;
}

// Calls f on every binding of the body's variables under which every positive literal is in
// facts and every \= test holds. Negative literals are ignored (callers decide).
inline void for_each_binding(const std::vector<BodyLit>& body, const Facts& facts,
                      const std::function<void(const Binding&)>& f) {
  std::vector<const Atom*> pos;
  for (const BodyLit& l : body)
    if (l.kind == BodyLit::Kind::kPos) pos.push_back(&l.atom);
  Binding b;
  std::function<void(std::size_t)> rec = [&](std::size_t i) {
    if (i == pos.size()) {
      for (const BodyLit& l : body)
        if (l.kind == BodyLit::Kind::kNeq && resolve(l.atom.args[0], b) == resolve(l.atom.args[1], b))
          return;
      f(b);
      return;
    }
    const Atom& a = *pos[i];
    auto it = facts.find(a.pred);
    if (it == facts.end()) return;
    for (const auto& tuple : it->second) {
      if (tuple.size() != a.args.size()) continue;
      std::vector<std::string> bound_here;
      bool ok = true;
      for (std::size_t k = 0; k < tuple.size() && ok; ++k) {
        const std::string& t = a.args[k];
        if (is_variable(t)) {
          auto bt = b.find(t);
          if (bt == b.end()) {
            b[t] = tuple[k];
            bound_here.push_back(t);
          } else {
            ok = bt->second == tuple[k];
          }
        } else {
          ok = t == tuple[k];
        }
      }
      if (ok) rec(i + 1);
      for (const std::string& v : bound_here) b.erase(v);
    }
  };
  rec(0);
}

inline bool matches(const Atom& pattern, const Atom& ground) {
  if (pattern.pred != ground.pred || pattern.args.size() != ground.args.size()) return false;
  for (std::size_t i = 0; i < pattern.args.size(); ++i)
    if (!is_variable(pattern.args[i]) && pattern.args[i] != ground.args[i]) return false;
  return true;
}

struct Expected {
  bool inconsistent = false;              // P(evidence) = 0
  std::vector<std::string> texts;         // one per printed query answer, in order
  std::map<std::string, double> value;    // answer text -> P(q | e)
  double worlds = 0;
};

class Oracle {
 public:
  explicit Oracle(const Model& m) : model_(m) {
    // The possible atoms: least model with every probabilistic head possible, negation ignored
    // (what any world can make true; also what ProbLog lists as answers of a non-ground query).
    Facts possible;
    for (bool changed = true; changed;) {
      changed = false;
      for (const Clause& c : m.clauses) {
        std::vector<Atom> derived;
        for_each_binding(c.body, possible, [&](const Binding& b) {
          for (const Atom& h : c.heads) derived.push_back(substitute(h, b));
        });
        for (const Atom& a : derived) changed |= possible[a.pred].insert(a.args).second;
      }
    }
    for (const auto& [pred, tuples] : possible)
      for (const auto& args : tuples) atom_id(Atom{pred, args});

    // Ground rule instances; one random variable per probabilistic clause instance.
    for (const Clause& c : m.clauses) {
      for_each_binding(c.body, possible, [&](const Binding& b) {
        int var = -1;
        if (c.probabilistic()) {
          var = static_cast<int>(vars_.size());
          Var v;
          double sum = 0;
          for (std::size_t i = 0; i < c.probs.size(); ++i) {
            sum += c.probs[i].value;
            if (c.probs[i].value > 0) v.values.push_back({static_cast<int>(i), c.probs[i].value});
          }
          if (1.0 - sum > 1e-12) v.values.push_back({-1, 1.0 - sum});
          ensure(!v.values.empty(), "a choice without values");
          vars_.push_back(v);
        }
        for (std::size_t i = 0; i < c.heads.size(); ++i) {
          Rule r;
          r.head = lookup(substitute(c.heads[i], b));
          ensure(r.head >= 0, "derived head is not possible");
          r.var = var;
          r.value = static_cast<int>(i);
          const int hs = stratum_of(c.heads[i].pred);
          for (const BodyLit& l : c.body) {
            if (l.kind == BodyLit::Kind::kNeq) continue;
            const int ls = stratum_of(l.atom.pred);
            const Atom g = substitute(l.atom, b);
            const int id = lookup(g);
            if (l.kind == BodyLit::Kind::kPos) {
              ensure(ls <= hs, "positive literal from a higher stratum");
              ensure(id >= 0, "positive body atom is not possible");
              r.pos.push_back(id);
            } else {
              ensure(ls < hs, "negation not stratified");
              if (g.ground()) {
                if (id >= 0) r.neg.push_back(id);  // an impossible atom is always false
              } else {  // blocked by any true instance
                for (int a = 0; a < num_atoms(); ++a)
                  if (matches(g, atoms_[a])) r.neg.push_back(a);
              }
            }
          }
          rules_.push_back(std::move(r));
        }
      });
    }
  }

  int num_atoms() const { return static_cast<int>(atoms_.size()); }
  const Atom& atom(int i) const { return atoms_[i]; }
  int lookup(const Atom& a) const {
    auto it = index_.find(a.str());
    return it == index_.end() ? -1 : it->second;
  }

  // The truth of every atom in a world drawn with uniformly random choices.
  std::vector<char> sample_world(std::mt19937& rng) const {
    std::vector<int> chosen(vars_.size());
    for (std::size_t v = 0; v < vars_.size(); ++v) {
      const auto& vals = vars_[v].values;
      chosen[v] = vals[std::uniform_int_distribution<int>(0, static_cast<int>(vals.size()) - 1)(rng)].head;
    }
    std::vector<const Rule*> all;
    for (const Rule& r : rules_) all.push_back(&r);
    return evaluate(chosen, by_stratum(all));
  }

  // Number of worlds over the random variables relevant to the queries and evidence.
  Expected solve(double max_worlds) const {
    Expected ex;
    struct Answer {
      std::string text;
      int atom;
      bool negated;
    };
    std::vector<Answer> answers;
    for (const QuerySpec& q : model_.queries) {
      if (q.atom.ground()) {
        answers.push_back({(q.negated ? "\\+" : "") + q.atom.str(), lookup(q.atom), q.negated});
      } else {
        const std::size_t before = answers.size();
        for (int i = 0; i < num_atoms(); ++i)
          if (matches(q.atom, atoms_[i])) answers.push_back({atoms_[i].str(), i, false});
        // As ProbLog: a non-ground query without answers prints itself with probability 0,
        // its variables named A, B, ... (every _ a variable of its own).
        if (answers.size() == before) {
          Atom shown = q.atom;
          std::map<std::string, std::string> names;
          for (std::string& a : shown.args) {
            if (!is_variable(a)) continue;
            const std::string letter(1, static_cast<char>('A' + names.size()));
            a = a == "_" ? (names["_" + std::to_string(names.size())] = letter)
                         : names.try_emplace(a, letter).first->second;
          }
          answers.push_back({shown.str(), -1, false});
        }
      }
    }
    std::vector<std::pair<int, bool>> evidence;
    for (const EvidenceSpec& e : model_.evidence) evidence.push_back({lookup(e.atom), e.value});

    // Relevant atoms: backwards closure from the queries and evidence.
    std::vector<std::vector<const Rule*>> rules_of(atoms_.size());
    for (const Rule& r : rules_) rules_of[r.head].push_back(&r);
    std::vector<char> relevant(atoms_.size(), 0);
    std::vector<int> stack;
    auto mark = [&](int a) {
      if (a >= 0 && !relevant[a]) relevant[a] = 1, stack.push_back(a);
    };
    for (const Answer& a : answers) mark(a.atom);
    for (const auto& e : evidence) mark(e.first);
    std::vector<const Rule*> rules;
    while (!stack.empty()) {
      const int a = stack.back();
      stack.pop_back();
      for (const Rule* r : rules_of[a]) {
        rules.push_back(r);
        for (int p : r->pos) mark(p);
        for (int n : r->neg) mark(n);
      }
    }
    std::set<int> var_set;
    for (const Rule* r : rules)
      if (r->var >= 0) var_set.insert(r->var);
    const std::vector<int> vars(var_set.begin(), var_set.end());
    ex.worlds = 1;
    for (int v : vars) ex.worlds *= static_cast<double>(vars_[v].values.size());
    if (ex.worlds > max_worlds) return ex;

    const auto strata = by_stratum(rules);
    std::vector<double> joint(answers.size(), 0.0);
    double p_evidence = 0;
    std::vector<int> digit(vars.size(), 0);
    std::vector<int> chosen(vars_.size(), -2);
    while (true) {
      double w = 1;
      for (std::size_t j = 0; j < vars.size(); ++j) {
        const auto& val = vars_[vars[j]].values[digit[j]];
        chosen[vars[j]] = val.head;
        w *= val.p;
      }
      const std::vector<char> truth = evaluate(chosen, strata);
      bool e_ok = true;
      for (const auto& [a, value] : evidence)
        if ((a >= 0 && truth[a]) != value) e_ok = false;
      if (e_ok) {
        p_evidence += w;
        for (std::size_t q = 0; q < answers.size(); ++q) {
          const bool t = answers[q].atom >= 0 && truth[answers[q].atom];
          if (t != answers[q].negated) joint[q] += w;
        }
      }
      std::size_t j = 0;
      while (j < vars.size() && ++digit[j] == static_cast<int>(vars_[vars[j]].values.size()))
        digit[j++] = 0;
      if (j == vars.size()) break;
    }
    ex.inconsistent = !evidence.empty() && p_evidence == 0.0;
    for (std::size_t q = 0; q < answers.size(); ++q) {
      ex.texts.push_back(answers[q].text);
      ex.value[answers[q].text] = evidence.empty() ? joint[q] : joint[q] / p_evidence;
    }
    return ex;
  }

 private:
  struct Var {
    struct Value {
      int head;  // index of the chosen head, -1: none
      double p;
    };
    std::vector<Value> values;  // only values of positive probability
  };
  struct Rule {
    int head;
    std::vector<int> pos, neg;
    int var = -1;  // -1: deterministic
    int value = 0;
  };

  int stratum_of(const std::string& pred) const {
    auto it = model_.stratum.find(pred);
    ensure(it != model_.stratum.end(), "no stratum for " + pred);
    return it->second;
  }

  int atom_id(const Atom& a) {
    auto [it, inserted] = index_.emplace(a.str(), static_cast<int>(atoms_.size()));
    if (inserted) {
      atoms_.push_back(a);
      atom_stratum_.push_back(stratum_of(a.pred));
    }
    return it->second;
  }

  std::vector<std::vector<const Rule*>> by_stratum(const std::vector<const Rule*>& rules) const {
    std::vector<std::vector<const Rule*>> strata;
    for (const Rule* r : rules) {
      const int s = atom_stratum_[r->head];
      if (static_cast<int>(strata.size()) <= s) strata.resize(s + 1);
      strata[s].push_back(r);
    }
    return strata;
  }

  // Least model, stratum by stratum, by naive bottom-up iteration.
  std::vector<char> evaluate(const std::vector<int>& chosen,
                             const std::vector<std::vector<const Rule*>>& strata) const {
    std::vector<char> truth(atoms_.size(), 0);
    for (const auto& rules : strata) {
      for (bool changed = true; changed;) {
        changed = false;
        for (const Rule* r : rules) {
          if (truth[r->head]) continue;
          if (r->var >= 0 && chosen[r->var] != r->value) continue;
          if (!std::all_of(r->pos.begin(), r->pos.end(), [&](int a) { return truth[a]; })) continue;
          if (std::any_of(r->neg.begin(), r->neg.end(), [&](int a) { return truth[a]; })) continue;
          truth[r->head] = 1;
          changed = true;
        }
      }
    }
    return truth;
  }

  const Model& model_;
  std::map<std::string, int> index_;
  std::vector<Atom> atoms_;
  std::vector<int> atom_stratum_;
  std::vector<Var> vars_;
  std::vector<Rule> rules_;
};

// ---- the generator ------------------------------------------------------------------------

enum class Flavor { kPropositional, kRelational, kGraph };

inline const char* flavor_name(Flavor f) {
  switch (f) {
    case Flavor::kPropositional: return "propositional";
    case Flavor::kRelational: return "relational";
    case Flavor::kGraph: return "graph";
  }
  return "?";
}

class Generator {
 public:
  explicit Generator(std::mt19937& rng) : rng_(rng) {}

  // A program without evidence.
  Model generate(Flavor flavor) {
    Model m;
    m.flavor = flavor_name(flavor);
    preds_.clear();
    special_queries_.clear();
    counter_ = 0;
    const bool relational = flavor != Flavor::kPropositional;
    const std::vector<std::string> constants{"a", "b", "c", "d"};
    const int n_domain = flavor == Flavor::kGraph ? uniform(3, 4) : relational ? uniform(2, 3) : 0;
    domain_.assign(constants.begin(), constants.begin() + n_domain);
    if (!domain_.empty()) {
      declare(m, "dom", 1, 0);
      for (const std::string& c : domain_) m.clauses.push_back(fact(Atom{"dom", {c}}));
    }

    // Probabilistic facts (the first one propositional, so every body can use one).
    const int n_facts = flavor == Flavor::kGraph ? uniform(1, 3) : uniform(2, 5);
    std::vector<std::string> fact_preds;
    for (int i = 0; i < n_facts; ++i) {
      Atom a;
      if (i > 0 && relational && chance(0.5)) {
        const int arity = uniform(1, 2);
        std::string name;
        for (const std::string& p : fact_preds)
          if (arity_of(p) == arity && chance(0.5)) name = p;
        if (name.empty()) name = declare(m, fresh("f"), arity, 0);
        a.pred = name;
        for (int k = 0; k < arity; ++k) a.args.push_back(constant());
      } else if (i > 0 && chance(0.1)) {
        a.pred = fact_preds.back();  // a second, independent clause for the same head
        a.args.clear();
        if (arity_of(a.pred) != 0) a.pred = declare(m, fresh("f"), 0, 0);
      } else {
        a.pred = declare(m, fresh("f"), 0, 0);
      }
      if (std::find(fact_preds.begin(), fact_preds.end(), a.pred) == fact_preds.end())
        fact_preds.push_back(a.pred);
      Clause c;
      c.probs = {probability()};
      c.heads = {a};
      m.clauses.push_back(c);
    }
    if (chance(0.3)) m.clauses.push_back(fact(Atom{declare(m, fresh("t"), 0, 0), {}}));

    // Annotated disjunctions as facts.
    const int n_ads = flavor == Flavor::kGraph ? uniform(0, 1) : uniform(1, 2);
    for (int i = 0; i < n_ads; ++i) {
      const int k = uniform(2, 3);
      Clause c;
      c.probs = distribution(k);
      if (relational && chance(0.5)) {
        const std::string name = declare(m, fresh("x"), 2, 0);
        const std::string subject = constant();
        const std::vector<std::string> colours{"red", "green", "blue"};
        for (int j = 0; j < k; ++j) c.heads.push_back(Atom{name, {subject, colours[j]}});
      } else {
        for (int j = 0; j < k; ++j) c.heads.push_back(Atom{declare(m, fresh("c"), 0, 0), {}});
      }
      m.clauses.push_back(c);
    }

    // Annotated disjunctions as rules, at stratum 1.
    if (relational ? chance(0.7) : chance(0.5)) ad_rule(m, relational);
    if (flavor == Flavor::kGraph || (relational && chance(0.25))) graph(m);
    if (chance(0.5)) mutual_recursion(m, relational);

    // Layers of rules; negation only refers to lower layers.
    const int n_layers = flavor == Flavor::kPropositional ? uniform(2, 4) : uniform(1, 3);
    for (int layer = 0; layer < n_layers; ++layer) rule_layer(m, top_stratum() + 1, relational);

    queries(m);
    return m;
  }

  // Evidence on 1-2 atoms, mostly read off a random world (so P(e) > 0), sometimes arbitrary.
  void add_evidence(Model& m, const Oracle& oracle) {
    const std::vector<char> world = oracle.sample_world(rng_);
    const bool from_world = chance(0.85);
    const int n = uniform(1, 2);
    for (int i = 0; i < n; ++i) {
      EvidenceSpec e;
      int id = -1;
      if (oracle.num_atoms() > 0 && chance(0.85)) {
        id = uniform(0, oracle.num_atoms() - 1);
        e.atom = oracle.atom(id);
        if (e.atom.pred == "dom") continue;
      } else {
        const Pred& p = pick(preds_);
        e.atom = ground_atom(p);
        id = oracle.lookup(e.atom);
      }
      e.value = from_world ? (id >= 0 && world[id]) : chance(0.5);
      e.style = e.value ? uniform(0, 1) : uniform(1, 2);
      m.evidence.push_back(e);
    }
  }

 private:
  struct Pred {
    std::string name;
    int arity;
    int stratum;
  };

  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[uniform(0, static_cast<int>(v.size()) - 1)];
  }
  std::string constant() { return pick(domain_); }
  std::string fresh(const std::string& prefix) { return prefix + std::to_string(++counter_); }

  std::string declare(Model& m, const std::string& name, int arity, int stratum) {
    preds_.push_back({name, arity, stratum});
    m.stratum[name] = stratum;
    return name;
  }
  int arity_of(const std::string& name) const {
    for (const Pred& p : preds_)
      if (p.name == name) return p.arity;
    return -1;
  }
  int top_stratum() const {
    int s = 0;
    for (const Pred& p : preds_) s = std::max(s, p.stratum);
    return s;
  }

  static Clause fact(const Atom& a) {
    Clause c;
    c.heads = {a};
    return c;
  }

  Atom ground_atom(const Pred& p) {
    Atom a{p.name, {}};
    for (int k = 0; k < p.arity; ++k) a.args.push_back(constant());
    return a;
  }

  static Prob parsed(const std::string& text) { return {std::strtod(text.c_str(), nullptr), text}; }

  // One probability, in one of several notations (ProbLog evaluates arithmetic).
  Prob probability() {
    char buf[32];
    switch (uniform(0, 11)) {
      case 0:
      case 1: {
        const int b = uniform(2, 9), a = uniform(1, b - 1);
        std::snprintf(buf, sizeof buf, "%d/%d", a, b);
        return {static_cast<double>(a) / b, buf};
      }
      case 2: {
        const int x = uniform(1, 9), y = uniform(1, 9);
        std::snprintf(buf, sizeof buf, "0.%d*0.%d", x, y);
        return {(x / 10.0) * (y / 10.0), buf};
      }
      case 3: {
        const int k = uniform(1, 99);
        std::snprintf(buf, sizeof buf, "1-0.%02d", k);
        return {1 - std::strtod(buf + 2, nullptr), buf};
      }
      case 4:
        if (chance(0.6)) break;
        return chance(0.6) ? Prob{1.0, chance(0.5) ? "1" : "1.0"} : Prob{0.0, "0.0"};
      default: break;
    }
    std::snprintf(buf, sizeof buf, "%.2f", uniform(1, 99) / 100.0);
    return parsed(buf);
  }

  // k probabilities with sum <= 1 (sometimes exactly 1, sometimes with zeros).
  std::vector<Prob> distribution(int k) {
    static const std::vector<int> denominators{10, 100, 6, 8, 12, 20};
    const int d = pick(denominators);
    std::vector<int> cuts;
    for (int i = 0; i < k; ++i) cuts.push_back(uniform(0, d));
    if (chance(0.3)) cuts.back() = d;  // no "none" left
    std::sort(cuts.begin(), cuts.end());
    std::vector<Prob> probs;
    int previous = 0;
    for (int c : cuts) {
      const int w = c - previous;
      previous = c;
      char buf[32];
      if (d == 10 || d == 100) {
        std::snprintf(buf, sizeof buf, d == 10 ? "%.1f" : "%.2f", static_cast<double>(w) / d);
        probs.push_back(parsed(buf));
      } else {
        std::snprintf(buf, sizeof buf, "%d/%d", w, d);
        probs.push_back({static_cast<double>(w) / d, buf});
      }
    }
    return probs;
  }

  std::vector<const Pred*> preds_where(const std::function<bool(const Pred&)>& f) const {
    std::vector<const Pred*> out;
    for (const Pred& p : preds_)
      if (f(p)) out.push_back(&p);
    return out;
  }

  // 0.3::h(X,red); 0.6::h(X,green) :- dom(X) [, base(X)] [, \+ other].
  void ad_rule(Model& m, bool relational) {
    const int k = uniform(2, 3);
    Clause c;
    c.probs = distribution(k);
    c.arrow = chance(0.2);
    const std::vector<std::string> colours{"red", "green", "blue"};
    if (relational) {
      const std::string name = declare(m, fresh("h"), 2, 1);
      for (int j = 0; j < k; ++j) c.heads.push_back(Atom{name, {"X", colours[j]}});
      c.body.push_back({BodyLit::Kind::kPos, Atom{"dom", {"X"}}});
      auto unary = preds_where([](const Pred& p) { return p.stratum == 0 && p.arity == 1 && p.name != "dom"; });
      if (!unary.empty() && chance(0.5))
        c.body.push_back({BodyLit::Kind::kPos, Atom{pick(unary)->name, {"X"}}});
    } else {
      for (int j = 0; j < k; ++j) c.heads.push_back(Atom{declare(m, fresh("u"), 0, 1), {}});
      auto props = preds_where([](const Pred& p) { return p.stratum == 0 && p.arity == 0; });
      c.body.push_back({BodyLit::Kind::kPos, Atom{pick(props)->name, {}}});
    }
    auto props = preds_where([](const Pred& p) { return p.stratum == 0 && p.arity == 0; });
    if (chance(0.4)) c.body.push_back({BodyLit::Kind::kNeg, Atom{pick(props)->name, {}}});
    m.clauses.push_back(c);
  }

  // Reachability over a random graph with at least one cycle and probabilistic edges.
  void graph(Model& m) {
    std::vector<std::string> nodes = domain_;
    std::shuffle(nodes.begin(), nodes.end(), rng_);
    std::set<std::pair<std::string, std::string>> edges;
    const int cycle = uniform(2, static_cast<int>(nodes.size()));
    for (int i = 0; i < cycle; ++i) edges.insert({nodes[i], nodes[(i + 1) % cycle]});
    for (int extra = uniform(0, 3); extra > 0; --extra) edges.insert({constant(), constant()});
    const bool via_rule = chance(0.3);  // P::edge(X,Y) :- link(X,Y): one choice per binding
    const std::string edge = declare(m, "edge", 2, 0);
    if (via_rule) {
      declare(m, "link", 2, 0);
      for (const auto& [x, y] : edges) m.clauses.push_back(fact(Atom{"link", {x, y}}));
      Clause c;
      c.probs = {probability()};
      c.heads = {Atom{edge, {"X", "Y"}}};
      c.body = {{BodyLit::Kind::kPos, Atom{"link", {"X", "Y"}}}};
      m.clauses.push_back(c);
    } else {
      for (const auto& [x, y] : edges) {
        Clause c = fact(Atom{edge, {x, y}});
        if (chance(0.7)) c.probs = {probability()};
        m.clauses.push_back(c);
      }
    }
    const std::string path = declare(m, "path", 2, 1);
    m.clauses.push_back(Clause{{}, {Atom{path, {"X", "Y"}}}, {{BodyLit::Kind::kPos, Atom{edge, {"X", "Y"}}}}});
    Clause rec{{}, {Atom{path, {"X", "Y"}}}, {}};
    rec.arrow = chance(0.3);
    switch (uniform(0, 2)) {
      case 0:
        rec.body = {{BodyLit::Kind::kPos, Atom{edge, {"X", "Z"}}}, {BodyLit::Kind::kPos, Atom{path, {"Z", "Y"}}}};
        break;
      case 1:
        rec.body = {{BodyLit::Kind::kPos, Atom{path, {"X", "Z"}}}, {BodyLit::Kind::kPos, Atom{edge, {"Z", "Y"}}}};
        break;
      default:
        rec.body = {{BodyLit::Kind::kPos, Atom{path, {"X", "Z"}}}, {BodyLit::Kind::kPos, Atom{path, {"Z", "Y"}}}};
    }
    m.clauses.push_back(rec);
    const std::string start = nodes[0];
    special_queries_.push_back({Atom{path, {start, constant()}}});
    if (chance(0.5)) special_queries_.push_back({Atom{path, {start, "_"}}});
    if (chance(0.2)) special_queries_.push_back({Atom{path, {"_", constant()}}});
    if (chance(0.4)) {
      const std::string unreach = declare(m, fresh("unreach"), 1, 2);
      m.clauses.push_back(Clause{{}, {Atom{unreach, {"X"}}},
                                 {{BodyLit::Kind::kPos, Atom{"dom", {"X"}}},
                                  {BodyLit::Kind::kNeg, Atom{path, {start, "X"}}}}});
      special_queries_.push_back({Atom{unreach, {"_"}}});
    }
  }

  // m1 :- m2. m2 :- m1. m1 :- L. [0.5::m2 :- L'.] [m2 :- m3. m3 :- m1.]
  void mutual_recursion(Model& m, bool relational) {
    const int s = top_stratum() + 1;
    const bool unary = relational && chance(0.5);
    const std::vector<std::string> args = unary ? std::vector<std::string>{"X"} : std::vector<std::string>{};
    const std::string a = declare(m, fresh("m"), unary ? 1 : 0, s);
    const std::string b = declare(m, fresh("m"), unary ? 1 : 0, s);
    auto pos = [&](const std::string& p) { return BodyLit{BodyLit::Kind::kPos, Atom{p, args}}; };
    m.clauses.push_back(Clause{{}, {Atom{a, args}}, {pos(b)}});
    m.clauses.push_back(Clause{{}, {Atom{b, args}}, {pos(a)}});
    auto base = [&]() {
      std::vector<BodyLit> body;
      if (unary) body.push_back({BodyLit::Kind::kPos, Atom{"dom", {"X"}}});
      auto lower = preds_where([&](const Pred& p) { return p.stratum < s && p.arity == (unary ? 1 : 0) && p.name != "dom"; });
      if (lower.empty()) lower = preds_where([&](const Pred& p) { return p.stratum < s && p.arity == 0; });
      const Pred* p = pick(lower);
      body.push_back({chance(0.3) ? BodyLit::Kind::kNeg : BodyLit::Kind::kPos, Atom{p->name, p->arity ? args : std::vector<std::string>{}}});
      return body;
    };
    m.clauses.push_back(Clause{{}, {Atom{a, args}}, base()});
    if (chance(0.5)) {
      Clause c{{}, {Atom{b, args}}, base()};
      if (chance(0.5)) c.probs = {probability()};
      m.clauses.push_back(c);
    }
    if (chance(0.3)) {
      const std::string c3 = declare(m, fresh("m"), unary ? 1 : 0, s);
      m.clauses.push_back(Clause{{}, {Atom{b, args}}, {pos(c3)}});
      m.clauses.push_back(Clause{{}, {Atom{c3, args}}, {pos(a)}});
    }
    special_queries_.push_back({Atom{chance(0.5) ? a : b, unary ? std::vector<std::string>{constant()} : args}});
  }

  // A body for a head with the given variables at stratum s.
  std::vector<BodyLit> body(const std::vector<std::string>& head_vars, int s, bool relational,
                            bool probabilistic) {
    std::vector<BodyLit> out;
    std::set<std::string> bound;
    const std::vector<std::string> pool = probabilistic ? std::vector<std::string>{"X", "Y"}
                                                        : std::vector<std::string>{"X", "Y", "Z"};
    auto positive = preds_where([&](const Pred& p) { return p.stratum <= s; });
    auto negative = preds_where([&](const Pred& p) { return p.stratum < s; });
    const int n_pos = uniform(head_vars.empty() ? 0 : 1, 2);
    for (int i = 0; i < n_pos; ++i) {
      const Pred* p = pick(positive);
      Atom a{p->name, {}};
      for (int k = 0; k < p->arity; ++k) {
        if (relational && chance(0.75)) {
          a.args.push_back(pick(pool));
          bound.insert(a.args.back());
        } else {
          a.args.push_back(constant());
        }
      }
      out.push_back({BodyLit::Kind::kPos, a});
    }
    for (const std::string& v : head_vars)
      if (!bound.count(v)) {
        out.push_back({BodyLit::Kind::kPos, Atom{"dom", {v}}});
        bound.insert(v);
      }
    const int n_neg = chance(0.45) ? (chance(0.3) ? 2 : 1) : 0;
    for (int i = 0; i < n_neg || out.empty(); ++i) {
      const Pred* p = pick(negative);
      Atom a{p->name, {}};
      for (int k = 0; k < p->arity; ++k) {
        if (!probabilistic && chance(0.15))
          a.args.push_back("_");  // existential: \+ p(X,_)
        else
          a.args.push_back(!bound.empty() && chance(0.7)
                               ? *std::next(bound.begin(), uniform(0, static_cast<int>(bound.size()) - 1))
                               : constant());
      }
      out.push_back({BodyLit::Kind::kNeg, a});
    }
    if (bound.size() >= 2 && chance(0.15)) {
      const std::string x = *bound.begin(), y = *std::next(bound.begin());
      out.push_back({BodyLit::Kind::kNeq, Atom{"", {x, y}}});
    }
    return out;
  }

  void rule_layer(Model& m, int s, bool relational) {
    const int n = uniform(1, 3);
    std::vector<std::string> names;
    for (int i = 0; i < n; ++i) {
      const int arity = relational ? (chance(0.5) ? 0 : uniform(1, 2)) : 0;
      names.push_back(declare(m, fresh("r"), arity, s));
    }
    for (const std::string& name : names) {
      const int arity = arity_of(name);
      for (int nc = uniform(1, 3); nc > 0; --nc) {
        Clause c;
        c.arrow = chance(0.15);
        std::vector<std::string> head_vars;
        Atom head{name, {}};
        for (int k = 0; k < arity; ++k) {
          if (chance(0.85)) {
            head.args.push_back(k == 0 ? "X" : "Y");
            head_vars.push_back(head.args.back());
          } else {
            head.args.push_back(constant());
          }
        }
        const double kind = std::uniform_real_distribution<double>(0, 1)(rng_);
        if (kind < 0.6) {
          c.heads = {head};
        } else if (kind < 0.85) {
          c.heads = {head};
          c.probs = {probability()};
        } else {  // an annotated disjunction whose second head is a new predicate
          Atom other = head;
          other.pred = declare(m, fresh("v"), arity, s);
          c.heads = {head, other};
          c.probs = distribution(2);
        }
        c.body = body(head_vars, s, relational, c.probabilistic());
        m.clauses.push_back(c);
      }
    }
  }

  void queries(Model& m) {
    std::vector<QuerySpec> qs = special_queries_;
    const int top = top_stratum();
    for (int n = uniform(1, 3); n > 0; --n) {
      auto high = preds_where([&](const Pred& p) { return p.stratum >= top - 1 && p.name != "dom"; });
      const Pred* p = chance(0.7) && !high.empty() ? pick(high) : &pick(preds_);
      QuerySpec q{ground_atom(*p)};
      if (p->arity > 0 && chance(0.25)) {
        q.atom.args[uniform(0, p->arity - 1)] = "_";
        if (chance(0.3)) std::fill(q.atom.args.begin(), q.atom.args.end(), "_");
      } else if (chance(0.07)) {
        q.negated = true;
      }
      qs.push_back(q);
    }
    if (std::none_of(qs.begin(), qs.end(), [](const QuerySpec& q) { return q.atom.ground(); }))
      qs.push_back({ground_atom(pick(preds_))});
    std::set<std::string> seen;
    for (const QuerySpec& q : qs)
      if (seen.insert((q.negated ? "\\+" : "") + q.atom.str()).second) m.queries.push_back(q);
  }

  std::mt19937& rng_;
  std::vector<std::string> domain_;
  std::vector<Pred> preds_;
  std::vector<QuerySpec> special_queries_;
  int counter_ = 0;
};

}  // namespace gedilog::symbolic::random_programs
