#pragma once
// Seeded random Bayesian networks written as ProbLog programs in the CPT-row form that
// ProbLog's hugin2problog writes (one annotated disjunction per row of every conditional
// probability table), with an exact answer by enumeration of the joint distribution over the
// nodes' values (used by the tests on small networks; the benchmark uses larger ones).
#include <algorithm>
#include <cstdio>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace gedilog::bench {

struct BayesianNetwork {
  std::vector<int> arity;                 // values per node (2 or 3)
  std::vector<std::vector<int>> parents;  // earlier nodes
  // cpt[i][row * arity[i] + v]: P(node i = v | parents in row), rows in mixed radix of the
  // parents' values (first parent most significant). Multiples of 1/1000, so the printed text
  // is exact.
  std::vector<std::vector<int>> cpt_permille;
  std::vector<std::pair<int, int>> evidence;  // (node, value)
  std::vector<int> queries;                   // every value of these nodes is queried

  int rows(int i) const {
    int r = 1;
    for (int p : parents[i]) r *= arity[p];
    return r;
  }

  static BayesianNetwork random(int nodes, unsigned seed, int max_parents = 3, int observed = 2,
                                int queried = 2) {
    std::mt19937 rng(seed);
    BayesianNetwork bn;
    for (int i = 0; i < nodes; ++i) {
      bn.arity.push_back(std::uniform_int_distribution<int>(2, 3)(rng));
      std::vector<int> candidates;
      for (int j = 0; j < i; ++j) candidates.push_back(j);
      std::shuffle(candidates.begin(), candidates.end(), rng);
      const int k = std::min<int>(static_cast<int>(candidates.size()),
                                  std::uniform_int_distribution<int>(0, max_parents)(rng));
      std::vector<int> ps(candidates.begin(), candidates.begin() + k);
      std::sort(ps.begin(), ps.end());
      bn.parents.push_back(ps);
      std::vector<int> table;
      for (int r = 0; r < bn.rows(i); ++r) {
        // Random split of 1000 into arity parts, each at least 1 (strictly positive rows).
        std::vector<int> cuts{0, 1000};
        while (static_cast<int>(cuts.size()) < bn.arity[i] + 1) {
          const int c = std::uniform_int_distribution<int>(1, 999)(rng);
          if (std::find(cuts.begin(), cuts.end(), c) == cuts.end()) cuts.push_back(c);
        }
        std::sort(cuts.begin(), cuts.end());
        for (int v = 0; v < bn.arity[i]; ++v) table.push_back(cuts[v + 1] - cuts[v]);
      }
      bn.cpt_permille.push_back(table);
    }
    std::vector<int> order(nodes);
    for (int i = 0; i < nodes; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    const int n_obs = std::min(observed, nodes);
    for (int i = 0; i < n_obs; ++i)
      bn.evidence.emplace_back(order[i], std::uniform_int_distribution<int>(0, bn.arity[order[i]] - 1)(rng));
    for (int i = n_obs; i < std::min(nodes, n_obs + queried); ++i) bn.queries.push_back(order[i]);
    return bn;
  }

  std::string atom(int node, int value) const {
    return "n" + std::to_string(node) + "(v" + std::to_string(value) + ")";
  }

  std::string problog() const {
    std::ostringstream out;
    for (int i = 0; i < static_cast<int>(arity.size()); ++i)
      for (int r = 0; r < rows(i); ++r) {
        for (int v = 0; v < arity[i]; ++v) {
          char p[16];
          std::snprintf(p, sizeof p, "%d.%03d", cpt_permille[i][r * arity[i] + v] / 1000,
                        cpt_permille[i][r * arity[i] + v] % 1000);
          out << (v ? "; " : "") << p << "::" << atom(i, v);
        }
        // The row's parent values: mixed radix, first parent most significant.
        std::vector<int> values(parents[i].size());
        for (int k = static_cast<int>(parents[i].size()) - 1, rest = r; k >= 0; --k) {
          values[k] = rest % arity[parents[i][k]];
          rest /= arity[parents[i][k]];
        }
        for (std::size_t k = 0; k < values.size(); ++k)
          out << (k ? ", " : " :- ") << atom(parents[i][k], values[k]);
        out << ".\n";
      }
    for (auto [node, value] : evidence) out << "evidence(" << atom(node, value) << ").\n";
    for (int q : queries)
      for (int v = 0; v < arity[q]; ++v) out << "query(" << atom(q, v) << ").\n";
    return out.str();
  }

  // P(query node = value | evidence) for every queried node and value, in problog()'s order,
  // by enumerating every joint assignment (only for small networks).
  std::vector<std::pair<std::string, double>> exact() const {
    const int n = static_cast<int>(arity.size());
    std::vector<int> x(n, 0);
    std::vector<std::vector<double>> mass(n);
    for (int q : queries) mass[q].assign(arity[q], 0.0);
    double evidence_mass = 0.0;
    for (;;) {
      bool consistent = true;
      for (auto [node, value] : evidence) consistent = consistent && x[node] == value;
      if (consistent) {
        double p = 1.0;
        for (int i = 0; i < n; ++i) {
          int row = 0;
          for (int pa : parents[i]) row = row * arity[pa] + x[pa];
          p *= cpt_permille[i][row * arity[i] + x[i]] / 1000.0;
        }
        evidence_mass += p;
        for (int q : queries) mass[q][x[q]] += p;
      }
      int i = 0;
      while (i < n && ++x[i] == arity[i]) x[i++] = 0;
      if (i == n) break;
    }
    std::vector<std::pair<std::string, double>> answers;
    for (int q : queries)
      for (int v = 0; v < arity[q]; ++v) answers.emplace_back(atom(q, v), mass[q][v] / evidence_mass);
    return answers;
  }
};

}  // namespace gedilog::bench
