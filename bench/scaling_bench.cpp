// Scaling of the exact engine: load+ground, compile (MDD + circuit) and evaluate times, and
// circuit sizes, for three program families:
//   carry:  digit-wise addition of two N-digit numbers with a carry (linear in N),
//   naive:  DeepProbLog's form, each number built from its digits, then Z is X + Y
//           (the ground program enumerates every number: exponential in N),
//   dag:    reachability corner to corner in a K x K grid, edges right and down (acyclic),
//   grid:   the same with probabilistic edges both ways (cyclic),
//   smokers: ProbLog's social network of N people, smoking spread by friends' influence
//           (cyclic), on a random friendship graph of mean degree 3.
// Cycles are solved by elimination where the compiler can, by fixpoint with --fixpoint.
// Each measurement is the median of --repeats runs in this process. Prints a Markdown table.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <random>
#include <sstream>

#include "core/error.h"
#include "symbolic/inference.h"
#include "symbolic/program.h"

namespace {

using namespace gedilog::symbolic;
using Clock = std::chrono::steady_clock;

// Digit beliefs as annotated disjunctions with fixed probabilities (a softmax stand-in).
std::string digit_beliefs(int n_digits, std::mt19937& rng) {
  std::ostringstream out;
  std::uniform_real_distribution<double> u(0.05, 1.0);
  for (const char* number : {"n1", "n2"})
    for (int i = 0; i < n_digits; ++i) {
      double w[10], sum = 0;
      for (double& x : w) sum += (x = u(rng));
      out << "belief(" << number << "," << i << ",[";
      double left = 1.0;
      for (int d = 0; d < 10; ++d) {
        const double p = d < 9 ? std::floor(w[d] / sum * 1e6) / 1e6 : std::floor(left * 1e6) / 1e6;
        left -= p;
        out << (d ? "," : "") << p;
      }
      out << "]).\n";
    }
  out << "number_length(" << n_digits << ").\n";
  return out.str();
}

// The sum's digits, least significant first, with the final carry on top.
std::vector<int> random_sum_digits(int n_digits, std::mt19937& rng) {
  std::vector<int> digits;
  for (int i = 0; i < n_digits; ++i) digits.push_back(static_cast<int>(rng() % 10));
  digits.push_back(static_cast<int>(rng() % 2));
  return digits;
}

std::string carry_program(int n) {
  std::mt19937 rng(n);
  std::ostringstream out;
  out << digit_beliefs(n, rng) << ":- consult('" << GEDILOG_SOURCE_DIR
      << "/examples/addition_carry_rules.pl').\n";
  out << "query(sum([";
  const auto digits = random_sum_digits(n, rng);
  for (std::size_t i = 0; i < digits.size(); ++i) out << (i ? "," : "") << digits[i];
  out << "])).\n";
  return out.str();
}

std::string naive_program(int n) {
  std::mt19937 rng(n);
  std::ostringstream out;
  out << digit_beliefs(n, rng) << R"(
P0::digit(N,I,0); P1::digit(N,I,1); P2::digit(N,I,2); P3::digit(N,I,3); P4::digit(N,I,4);
P5::digit(N,I,5); P6::digit(N,I,6); P7::digit(N,I,7); P8::digit(N,I,8); P9::digit(N,I,9) :-
    belief(N, I, [P0,P1,P2,P3,P4,P5,P6,P7,P8,P9]).
number(_, 0, 0).
number(N, L, V) :- L > 0, L0 is L - 1, number(N, L0, V0), digit(N, L0, D), V is V0 + D * 10^L0.
addition(Z) :- number_length(L), number(n1, L, X), number(n2, L, Y), Z is X + Y.
)";
  const auto digits = random_sum_digits(n, rng);  // least significant first
  long long z = 0;
  for (auto d = digits.rbegin(); d != digits.rend(); ++d) z = z * 10 + *d;
  out << "query(addition(" << z << ")).\n";
  return out.str();
}

std::string grid_program(int k, bool both_ways) {
  std::mt19937 rng(k);
  std::uniform_real_distribution<double> u(0.3, 0.9);
  std::ostringstream out;
  auto node = [](int r, int c) { return "n" + std::to_string(r) + "_" + std::to_string(c); };
  for (int r = 0; r < k; ++r)
    for (int c = 0; c < k; ++c) {
      if (c + 1 < k) {
        out << u(rng) << "::edge(" << node(r, c) << "," << node(r, c + 1) << ").\n";
        if (both_ways) out << u(rng) << "::edge(" << node(r, c + 1) << "," << node(r, c) << ").\n";
      }
      if (r + 1 < k) {
        out << u(rng) << "::edge(" << node(r, c) << "," << node(r + 1, c) << ").\n";
        if (both_ways) out << u(rng) << "::edge(" << node(r + 1, c) << "," << node(r, c) << ").\n";
      }
    }
  out << "path(X,Y) :- edge(X,Y).\npath(X,Y) :- edge(X,Z), path(Z,Y).\n";
  out << "query(path(" << node(0, 0) << "," << node(k - 1, k - 1) << ")).\n";
  return out.str();
}

// ProbLog's smokers example (its tutorial's social network): stress makes a person smoke, a
// smoking friend may influence them, smoking may cause asthma. Friendships are symmetric,
// every pair a friendship with probability 3 / (N - 1), so the influence graph is cyclic.
std::string smokers_program(int n) {
  std::mt19937 rng(n);
  std::bernoulli_distribution friends(std::min(1.0, 3.0 / std::max(1, n - 1)));
  std::ostringstream out;
  for (int i = 0; i < n; ++i) out << "person(p" << i << ").\n";
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j)
      if (friends(rng)) out << "friend(p" << i << ",p" << j << ").\nfriend(p" << j << ",p" << i << ").\n";
  out << "0.3::stress(X) :- person(X).\n"
         "0.2::influences(X,Y) :- friend(X,Y).\n"
         "smokes(X) :- stress(X).\n"
         "smokes(X) :- friend(X,Y), influences(Y,X), smokes(Y).\n"
         "0.4::asthma(X) :- smokes(X).\n"
         "query(asthma(p0)).\n";
  return out.str();
}

struct Measurement {
  double ground = 0, compile = 0, evaluate = 0;
  std::size_t atoms = 0, rules = 0, variables = 0, compiler_nodes = 0, peak_nodes = 0, nodes = 0,
              edges = 0;
  double probability = 0;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

CompileOptions compile_options;  // --compiler

Measurement measure(const std::string& text, const std::string& path, int repeats) {
  { std::ofstream(path) << text; }
  std::vector<double> ground, compile, evaluate;
  Measurement m;
  for (int r = 0; r < repeats; ++r) {
    auto t0 = Clock::now();
    const GroundProgram gp = Program::load(path).ground();
    auto t1 = Clock::now();
    const auto compiled = compile_queries(gp, compile_options);
    auto t2 = Clock::now();
    const auto weights = fixed_weights(gp);
    m.probability = probability(compiled.at(0), gp, weights);
    auto t3 = Clock::now();
    ground.push_back(std::chrono::duration<double>(t1 - t0).count());
    compile.push_back(std::chrono::duration<double>(t2 - t1).count());
    evaluate.push_back(std::chrono::duration<double>(t3 - t2).count());
    m.atoms = gp.atoms.size(), m.rules = gp.rules.size(), m.variables = gp.variables.size();
    m.compiler_nodes = compiled[0].compiler_nodes, m.peak_nodes = compiled.back().peak_nodes;
    m.nodes = compiled[0].circuit.num_nodes(), m.edges = compiled[0].circuit.num_edges();
    // One slow run is enough: its noise is small against its length.
    if (ground.back() + compile.back() > 20.0) break;
  }
  m.ground = median(ground), m.compile = median(compile), m.evaluate = median(evaluate);
  return m;
}

void run_family(const std::string& name, const std::string& size_name, const std::vector<int>& sizes,
                const std::function<std::string(int)>& make, int repeats, double budget_seconds,
                const std::filesystem::path& dir) {
  std::cout << "\n### " << name << "\n\n| " << size_name
            << " | ground s | compile s | evaluate s | atoms | rules | variables | compiler nodes | "
               "peak compiler nodes | circuit nodes | circuit edges | P(query) |\n"
            << "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (int size : sizes) {
    const auto path = (dir / (name + "_" + std::to_string(size) + ".pl")).string();
    Measurement m;
    try {
      m = measure(make(size), path, repeats);
    } catch (const gedilog::UserError& e) {  // e.g. ResourceError: the size where it stops
      std::cout << "| " << size << " | " << e.kind() << ": " << e.message() << " |\n";
      break;
    }
    char line[512];
    std::snprintf(line, sizeof line,
                  "| %d | %.4f | %.4f | %.6f | %zu | %zu | %zu | %zu | %zu | %zu | %zu | %.6g |\n",
                  size, m.ground, m.compile, m.evaluate, m.atoms, m.rules, m.variables,
                  m.compiler_nodes, m.peak_nodes, m.nodes, m.edges, m.probability);
    std::cout << line << std::flush;
    if (m.ground + m.compile > budget_seconds) {
      std::cout << "\n(stopped: the last size took more than " << budget_seconds << " s)\n";
      break;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Scaling benchmarks of gedilog's exact engine"};
  int repeats = 5;
  double budget = 60;
  std::vector<std::string> families{"carry", "naive", "dag", "grid", "smokers"};
  app.add_option("--repeats", repeats, "Runs per measurement (median reported)");
  app.add_option("--budget", budget, "Stop a family after a size that took longer (seconds)");
  app.add_option("--families", families, "Which of carry, naive, dag, grid, smokers");
  std::string compiler = "auto";
  app.add_option("--compiler", compiler, "Knowledge compiler: auto, mdd, ddnnf")
      ->check(CLI::IsMember({"auto", "mdd", "ddnnf"}));
  app.add_flag("--fixpoint", compile_options.cycles_by_fixpoint,
               "Every cycle by fixpoint (the MDD compiler before elimination)");
  CLI11_PARSE(app, argc, argv);
  compile_options.compiler = parse_compiler(compiler);

  const auto dir = std::filesystem::temp_directory_path() / "gedilog_bench";
  std::filesystem::create_directories(dir);
  for (const auto& f : families) {
    if (f == "carry")
      run_family("carry", "N digits", {1, 2, 3, 4, 8, 16, 32, 64, 128}, carry_program, repeats,
                 budget, dir);
    else if (f == "naive")
      run_family("naive", "N digits", {1, 2, 3, 4}, naive_program, repeats, budget, dir);
    else if (f == "dag")
      run_family("dag", "K (K x K grid)", {2, 3, 4, 5, 6, 7, 8, 10, 12},
                 [](int k) { return grid_program(k, false); }, repeats, budget, dir);
    else if (f == "grid")
      run_family("grid", "K (K x K grid)", {2, 3, 4, 5, 6, 7, 8, 10, 12, 14},
                 [](int k) { return grid_program(k, true); }, repeats, budget, dir);
    else if (f == "smokers")
      run_family("smokers", "N people", {4, 6, 8, 10, 12, 14, 16, 18, 20, 25, 30, 40},
                 smokers_program, repeats, budget, dir);
    else {
      std::cerr << "unknown family: " << f << "\n";
      return 1;
    }
  }
  return 0;
}
