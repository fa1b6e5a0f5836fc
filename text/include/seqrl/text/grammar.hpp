// A text task whose quality is known exactly: a small probabilistic context-free grammar of
// image captions ("a man riding a horse on a beach"), in Chomsky normal form, with
//  - sampling (top-down, seeded), restricted to sentences of at most max_len words by rejection;
//  - an exact parser (the inside algorithm, CKY): a sentence's probability under the grammar,
//    summed over all its parses (PP attachment makes captions ambiguous); 0 means ungrammatical;
//  - the exact normaliser of the length restriction, P(length <= max_len), from a dynamic program
//    over yield lengths, so that log P_T(s) = log P(s) - log P(length <= T) is the exact
//    log-likelihood of the task's data distribution.
// Metrics: the grammatical share of generated sentences, and NLL-oracle (mean -log P_T(s) per
// word) over the grammatical ones.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "seqrl/nets/rng.hpp"
#include "seqrl/text/vocab.hpp"

namespace seqrl::text {

class Grammar {
 public:
  // The built-in caption grammar (see grammar.cpp for its rules).
  static Grammar captions();
  // Rules as text, one per line: "A -> B C p" or "A -> 'word' p"; the first rule's left side is
  // the start symbol; each symbol's probabilities must sum to 1. Errors name the line.
  static Grammar parse(const std::string& rules);

  // A sentence of at most max_len words.
  Sentence sample(nets::Rng& rng, size_t max_len) const;
  // P(sentence) under the grammar (all parses); 0 when it is not in the language.
  double probability(const Sentence& s) const;
  bool grammatical(const Sentence& s) const { return probability(s) > 0.0; }
  // P(length <= max_len) of a sentence drawn from the grammar.
  double length_mass(size_t max_len) const;
  // log P(s | length <= max_len); -inf when ungrammatical.
  double log_prob(const Sentence& s, size_t max_len) const;
  const std::vector<std::string>& words() const { return words_; }

 private:
  struct Binary {
    int lhs, left, right;
    double p;
  };
  struct Lexical {
    int lhs, word;
    double p;
  };
  int symbol(const std::string& name);
  std::vector<std::string> symbols_, words_;
  std::unordered_map<std::string, int> symbol_ids_, word_ids_;
  std::vector<Binary> binary_;
  std::vector<Lexical> lexical_;
  int start_ = 0;
};

// Grammaticality share and NLL-oracle (per word, grammatical sentences only) of a sample set.
struct GrammarScore {
  double grammatical = 0, nll_oracle = 0;
  size_t sentences = 0;
};
GrammarScore score_grammar(const Grammar& g, const std::vector<Sentence>& sentences, size_t max_len);

}  // namespace seqrl::text
