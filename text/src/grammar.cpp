// The caption grammar: rules, sampling, the inside algorithm and the length normaliser.
#include "seqrl/text/grammar.hpp"

#include <cmath>
#include <limits>
#include <map>
#include <sstream>

#include "seqrl/nets/error.hpp"

namespace seqrl::text {

namespace {
// S: a noun phrase doing something. PP attachment (to a noun phrase or to the verb phrase) makes
// sentences such as "a man riding a horse on a beach" ambiguous; the parser sums both parses.
const char* kCaptionRules = R"(S -> NP VP 1.0
NP -> Det N 0.55
NP -> Det AN 0.25
NP -> NP0 PP 0.2
NP0 -> Det N 1.0
AN -> Adj N 1.0
VP -> V NP 0.45
VP -> V PP 0.35
VP -> VNP PP 0.2
VNP -> V NP 1.0
PP -> P NP 1.0
Det -> 'a' 0.75
Det -> 'the' 0.25
Adj -> 'small' 0.3
Adj -> 'red' 0.25
Adj -> 'large' 0.2
Adj -> 'white' 0.25
N -> 'man' 0.2
N -> 'woman' 0.15
N -> 'dog' 0.15
N -> 'horse' 0.1
N -> 'beach' 0.1
N -> 'table' 0.1
N -> 'street' 0.1
N -> 'cat' 0.1
V -> 'riding' 0.3
V -> 'holding' 0.2
V -> 'sitting' 0.2
V -> 'walking' 0.15
V -> 'standing' 0.15
P -> 'on' 0.4
P -> 'in' 0.2
P -> 'near' 0.2
P -> 'with' 0.2
)";
}  // namespace

int Grammar::symbol(const std::string& name) {
  auto [it, fresh] = symbol_ids_.emplace(name, int(symbols_.size()));
  if (fresh) symbols_.push_back(name);
  return it->second;
}

Grammar Grammar::captions() { return parse(kCaptionRules); }

Grammar Grammar::parse(const std::string& rules) {
  Grammar g;
  std::istringstream in(rules);
  std::string line;
  std::map<int, double> total;
  std::map<int, int> first_line;
  std::vector<int> used;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::istringstream ls(line);
    std::vector<std::string> tok;
    for (std::string t; ls >> t;) tok.push_back(t);
    const std::string where = "grammar line " + std::to_string(n) + " '" + line + "'";
    if (tok.size() < 4 || tok[1] != "->")
      throw ValueError(where + ": expected \"A -> B C p\" or \"A -> 'word' p\"");
    double p = 0;
    try {
      p = std::stod(tok.back());
    } catch (const std::exception&) {
      throw ValueError(where + ": '" + tok.back() + "' is not a probability");
    }
    if (!(p > 0 && p <= 1)) throw ValueError(where + ": probability must be in (0, 1]");
    const int lhs = g.symbol(tok[0]);
    if (g.symbols_.size() == 1) g.start_ = lhs;
    first_line.emplace(lhs, n);
    total[lhs] += p;
    if (tok.size() == 3 + 1 && tok[2].size() >= 3 && tok[2].front() == '\'' && tok[2].back() == '\'') {
      const std::string w = tok[2].substr(1, tok[2].size() - 2);
      auto [it, fresh] = g.word_ids_.emplace(w, int(g.words_.size()));
      if (fresh) g.words_.push_back(w);
      g.lexical_.push_back({lhs, it->second, p});
    } else if (tok.size() == 5) {
      const int l = g.symbol(tok[2]), r = g.symbol(tok[3]);
      used.push_back(l);
      used.push_back(r);
      g.binary_.push_back({lhs, l, r, p});
    } else {
      throw ValueError(where + ": a rule has two symbols or one quoted word on its right side");
    }
  }
  if (g.symbols_.empty()) throw ValueError("grammar: no rules");
  for (int s : used)
    if (!total.count(s)) throw ValueError("grammar: symbol '" + g.symbols_[size_t(s)] + "' has no rules");
  for (auto& [s, t] : total)
    if (std::abs(t - 1.0) > 1e-9)
      throw ValueError("grammar line " + std::to_string(first_line[s]) + ": the rules of '" +
                       g.symbols_[size_t(s)] + "' sum to " + std::to_string(t) + ", not 1");
  return g;
}

Sentence Grammar::sample(nets::Rng& rng, size_t max_len) const {
  if (max_len == 0) throw ValueError("Grammar::sample: max_len must be positive");
  for (int attempt = 0; attempt < 100000; ++attempt) {
    Sentence out;
    std::vector<int> stack{start_};  // leftmost derivation: expand the top, push right then left
    bool too_long = false;
    while (!stack.empty() && !too_long) {
      const int a = stack.back();
      stack.pop_back();
      double u = rng.uniform_double();
      bool done = false, has_binary = false;
      const Lexical* last_lex = nullptr;
      for (const auto& r : binary_) has_binary = has_binary || r.lhs == a;
      for (const auto& r : lexical_) {
        if (r.lhs != a) continue;
        last_lex = &r;
        if (u < r.p) {
          out.push_back(words_[size_t(r.word)]);
          done = true;
          break;
        }
        u -= r.p;
      }
      if (!done && !has_binary && last_lex) {  // rounding left u just past the last rule
        out.push_back(words_[size_t(last_lex->word)]);
        done = true;
      }
      if (!done) {
        const Binary* last = nullptr;
        for (const auto& r : binary_) {
          if (r.lhs != a) continue;
          last = &r;
          if (u < r.p) break;
          u -= r.p;
        }
        if (!last) throw Error("grammar: symbol '" + symbols_[size_t(a)] + "' cannot be expanded");
        stack.push_back(last->right);
        stack.push_back(last->left);
      }
      too_long = out.size() + stack.size() > max_len;  // each pending symbol yields >= 1 word
    }
    if (!too_long) return out;
  }
  throw Error("grammar: no sentence of at most " + std::to_string(max_len) + " words in 100000 draws");
}

double Grammar::probability(const Sentence& s) const {
  const size_t n = s.size(), S = symbols_.size();
  if (n == 0) return 0.0;
  std::vector<int> w(n);
  for (size_t i = 0; i < n; ++i) {
    auto it = word_ids_.find(s[i]);
    if (it == word_ids_.end()) return 0.0;
    w[i] = it->second;
  }
  // inside[i][j][A] = P(A =>* words i..j), spans [i, j] inclusive
  std::vector<double> in(n * n * S, 0.0);
  auto at = [&](size_t i, size_t j, int a) -> double& { return in[(i * n + j) * S + size_t(a)]; };
  for (size_t i = 0; i < n; ++i)
    for (const auto& r : lexical_)
      if (r.word == w[i]) at(i, i, r.lhs) += r.p;
  for (size_t len = 2; len <= n; ++len)
    for (size_t i = 0; i + len <= n; ++i) {
      const size_t j = i + len - 1;
      for (const auto& r : binary_)
        for (size_t k = i; k < j; ++k) {
          const double l = at(i, k, r.left);
          if (l == 0) continue;
          const double rr = at(k + 1, j, r.right);
          if (rr != 0) at(i, j, r.lhs) += r.p * l * rr;
        }
    }
  return at(0, n - 1, start_);
}

double Grammar::length_mass(size_t max_len) const {
  const size_t S = symbols_.size();
  // L[k][A] = P(A yields exactly k words), k = 1..max_len
  std::vector<std::vector<double>> L(max_len + 1, std::vector<double>(S, 0.0));
  for (const auto& r : lexical_)
    if (max_len >= 1) L[1][size_t(r.lhs)] += r.p;
  for (size_t k = 2; k <= max_len; ++k)
    for (const auto& r : binary_)
      for (size_t m = 1; m < k; ++m)
        L[k][size_t(r.lhs)] += r.p * L[m][size_t(r.left)] * L[k - m][size_t(r.right)];
  double mass = 0;
  for (size_t k = 1; k <= max_len; ++k) mass += L[k][size_t(start_)];
  return mass;
}

double Grammar::log_prob(const Sentence& s, size_t max_len) const {
  const double p = s.size() <= max_len ? probability(s) : 0.0;
  if (p <= 0) return -std::numeric_limits<double>::infinity();
  return std::log(p) - std::log(length_mass(max_len));
}

GrammarScore score_grammar(const Grammar& g, const std::vector<Sentence>& sentences, size_t max_len) {
  GrammarScore sc;
  sc.sentences = sentences.size();
  if (sentences.empty()) return sc;
  const double log_mass = std::log(g.length_mass(max_len));
  double nll = 0;
  size_t good = 0, words = 0;
  for (const auto& s : sentences) {
    const double p = s.size() <= max_len ? g.probability(s) : 0.0;
    if (p <= 0) continue;
    ++good;
    nll -= std::log(p) - log_mass;
    words += s.size();
  }
  sc.grammatical = double(good) / double(sentences.size());
  sc.nll_oracle = words ? nll / double(words) : std::numeric_limits<double>::quiet_NaN();
  return sc;
}

}  // namespace seqrl::text
