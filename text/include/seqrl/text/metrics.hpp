// Text quality metrics, with the semantics of the code the field reports numbers from.
//
// BLEU-n as NLTK 3.8's sentence_bleu with uniform weights (1/n each) and smoothing method1
// (epsilon 0.1 for zero-count precisions), the way Texygen scores a generated sentence against
// the whole reference set: clipped n-gram counts against the maximum count of each n-gram over
// all references, brevity penalty against the closest reference length (the shorter on ties).
// The maximum counts do not depend on the hypothesis, so BleuIndex computes them once: scoring a
// sentence costs a hash lookup per n-gram instead of a pass over every reference.
//
// Self-BLEU-n (Zhu et al. 2018, Texygen): each sentence of a set scored against all the others
// (itself excluded, as Texygen's parallel implementation does), averaged.
// distinct-n (Li et al. 2016): distinct n-grams over all n-grams of a set.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "seqrl/nets/tensor.hpp"
#include "seqrl/text/vocab.hpp"

namespace seqrl::text {

class BleuIndex {
 public:
  // max_n: the highest order that will be asked for (1..5 in practice).
  BleuIndex(const std::vector<Sentence>& references, int max_n);
  // sentence_bleu(references, hyp, weights = (1/n,)*n, smoothing method1).
  double sentence_bleu(const Sentence& hyp, int n) const;
  // The same with reference `exclude` left out of the set (Self-BLEU).
  double sentence_bleu_excluding(const Sentence& hyp, int n, size_t exclude) const;
  size_t num_references() const { return ref_lengths_.size(); }

 private:
  struct Max2 {  // the two highest counts of an n-gram over the references, and who holds the first
    uint32_t first = 0, second = 0;
    uint32_t holder = UINT32_MAX;
  };
  double score(const Sentence& hyp, int n, size_t exclude) const;
  std::vector<int32_t> ids(const Sentence& s) const;
  std::unordered_map<std::string, int32_t> words_;
  std::vector<std::unordered_map<std::string, Max2>> max_counts_;  // per order 1..max_n
  std::vector<size_t> ref_lengths_;
  std::vector<size_t> sorted_lengths_;
  int max_n_;
};

// Mean sentence BLEU-n of hypotheses against references.
double bleu(const std::vector<Sentence>& hypotheses, const std::vector<Sentence>& references, int n);
// Mean BLEU-n of each sentence against the others.
double self_bleu(const std::vector<Sentence>& sentences, int n);
// Distinct n-grams / all n-grams over the set (0 when there are none).
double distinct_n(const std::vector<Sentence>& sentences, int n);

// Texygen's EmbSim (utils/metrics/EmbSim.py): two embedding tables of one vocabulary, ref [V, E1]
// and gen [V, E2], compared through their word-similarity structure: S[i, j] = cos(e_i, e_j) in
// each table, then log10(mean_i cos(S_ref[i, :], S_gen[i, :])) over the rows i in [first, V) (the
// columns likewise). 0 is the best value (the same structure); lower is further apart.
double embsim(const nets::Tensor& ref, const nets::Tensor& gen, size_t first = 0);

}  // namespace seqrl::text
