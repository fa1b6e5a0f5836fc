// The text metrics by name: the one table that `seqrl score`, the suite's quality-diversity sweep
// and the Python module's seqrl.score read. A new metric is one entry here, or a register_metric
// call from its own file; every reader then offers it (score's --metric, `seqrl list metrics`,
// the suite's columns).
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "seqrl/nets/tensor.hpp"
#include "seqrl/text/grammar.hpp"
#include "seqrl/text/metrics.hpp"
#include "seqrl/text/oracle.hpp"
#include "seqrl/text/vocab.hpp"

namespace seqrl::text {

// What a metric scores: the samples as sentences of words (or as token ids, for the metrics of a
// model over ids), and what it scores them against. Pointers are borrowed for the call.
struct MetricInputs {
  const std::vector<Sentence>* samples = nullptr;     // word samples
  const nets::IntTensor* ids = nullptr;                // id samples [N, T]
  const std::vector<Sentence>* references = nullptr;  // BLEU's references
  const BleuIndex* reference_index = nullptr;         // an index of them already built (optional)
  const Oracle* oracle = nullptr;                      // the synthetic task's oracle
  const Grammar* grammar = nullptr;                    // the grammar task's grammar
  size_t max_len = 16;                                 // the grammar's sentence length limit
  std::vector<int> orders;                             // n-gram orders; empty = the metric's defaults
};

struct MetricSpec {
  enum class Needs { kNothing, kReferences, kOracle, kGrammar };
  std::string name;     // seqrl score --metric NAME
  std::string summary;  // one line for `seqrl list metrics`
  Needs needs = Needs::kNothing;
  bool on_ids = false;              // it scores token ids (nll-oracle), not words
  std::vector<int> default_orders;  // n-gram metrics: the orders reported when none are asked for
  // The value: a number, or an object of named figures ({"2": BLEU-2, ...}). ValueError naming
  // what is missing or malformed.
  std::function<nlohmann::json(const MetricInputs& in)> score;
  // The suite's columns: (key of the value, or "" for a number; column name), e.g. ("2", "bleu2").
  std::vector<std::pair<std::string, std::string>> suite_columns;
};

// The registered metrics in order (built in: bleu, selfbleu, distinct, nll-oracle, grammar).
std::vector<const MetricSpec*> registered_metrics();
// Registers (or replaces) a metric. ValueError for an empty name or no score.
void register_metric(MetricSpec spec);
// The metric `name`; ValueError listing the registered names otherwise.
const MetricSpec& metric(const std::string& name);
// The names, comma-separated ("bleu, selfbleu, ..."), for help texts and errors.
std::string metric_names(const std::string& sep = ", ");
// Whether in holds what the metric needs (words or ids, references, an oracle, a grammar).
bool can_score(const MetricSpec& m, const MetricInputs& in);

// The one mean-BLEU loop: mean sentence BLEU-n of hyps against an index, per order (self: each
// hypothesis i against the index's references but its own i-th, Self-BLEU).
std::vector<double> mean_bleu(const BleuIndex& index, const std::vector<Sentence>& hyps, const std::vector<int>& orders,
                              bool self = false);

}  // namespace seqrl::text
