// The text metrics by name. See metric_table.hpp.
#include "seqrl/text/metric_table.hpp"

#include <algorithm>
#include <memory>
#include <mutex>

#include "seqrl/nets/error.hpp"

namespace seqrl::text {

std::vector<double> mean_bleu(const BleuIndex& index, const std::vector<Sentence>& hyps, const std::vector<int>& orders,
                              bool self) {
  std::vector<double> out;
  for (int n : orders) {
    double total = 0;
    for (size_t i = 0; i < hyps.size(); ++i)
      total += self ? index.sentence_bleu_excluding(hyps[i], n, i) : index.sentence_bleu(hyps[i], n);
    out.push_back(total / double(hyps.size()));
  }
  return out;
}

namespace {
const std::vector<Sentence>& words(const MetricInputs& in, const std::string& m) {
  if (!in.samples || in.samples->empty()) throw ValueError(m + " needs samples (sentences of words)");
  return *in.samples;
}

std::vector<int> orders_of(const MetricInputs& in, const MetricSpec& m) {
  return in.orders.empty() ? m.default_orders : in.orders;
}

nlohmann::json per_order(const std::vector<int>& orders, const std::vector<double>& v) {
  nlohmann::json j = nlohmann::json::object();
  for (size_t k = 0; k < orders.size(); ++k) j[std::to_string(orders[k])] = v[k];
  return j;
}

std::vector<MetricSpec> builtin() {
  std::vector<MetricSpec> t;
  MetricSpec bleu{"bleu", "mean sentence BLEU-n of the samples against the references (NLTK's, smoothing method1; Texygen's)",
                  MetricSpec::Needs::kReferences, false, {2, 3, 4, 5}, nullptr,
                  {{"2", "bleu2"}, {"3", "bleu3"}, {"4", "bleu4"}, {"5", "bleu5"}}};
  bleu.score = [](const MetricInputs& in) {
    const auto& hyps = words(in, "bleu");
    const std::vector<int> o = orders_of(in, metric("bleu"));
    std::unique_ptr<BleuIndex> own;
    const BleuIndex* index = in.reference_index;
    if (!index) {
      if (!in.references || in.references->empty()) throw ValueError("bleu needs references");
      own = std::make_unique<BleuIndex>(*in.references, *std::max_element(o.begin(), o.end()));
      index = own.get();
    }
    return per_order(o, mean_bleu(*index, hyps, o));
  };
  t.push_back(bleu);
  MetricSpec self{"selfbleu", "Self-BLEU-n: each sample against all the others (Zhu et al. 2018; lower = more diverse)",
                  MetricSpec::Needs::kNothing, false, {2, 3, 4, 5}, nullptr,
                  {{"2", "selfbleu2"}, {"3", "selfbleu3"}, {"4", "selfbleu4"}, {"5", "selfbleu5"}}};
  self.score = [](const MetricInputs& in) {
    const auto& hyps = words(in, "selfbleu");
    if (hyps.size() < 2) throw ValueError("selfbleu needs at least 2 samples");
    const std::vector<int> o = orders_of(in, metric("selfbleu"));
    const BleuIndex index(hyps, *std::max_element(o.begin(), o.end()));
    return per_order(o, mean_bleu(index, hyps, o, true));
  };
  t.push_back(self);
  MetricSpec distinct{"distinct", "distinct-n: distinct n-grams over all n-grams of the samples (Li et al. 2016)",
                      MetricSpec::Needs::kNothing, false, {1, 2, 3, 4}, nullptr, {{"4", "distinct4"}}};
  distinct.score = [](const MetricInputs& in) {
    const auto& hyps = words(in, "distinct");
    const std::vector<int> o = orders_of(in, metric("distinct"));
    std::vector<double> v;
    for (int n : o) v.push_back(distinct_n(hyps, n));
    return per_order(o, v);
  };
  t.push_back(distinct);
  MetricSpec nll{"nll-oracle", "the oracle's NLL per token of token-id samples (SeqGAN's synthetic task; lower = better)",
                 MetricSpec::Needs::kOracle, true, {}, nullptr, {{"", "nll_oracle"}}};
  nll.score = [](const MetricInputs& in) -> nlohmann::json {
    if (!in.oracle) throw ValueError("nll-oracle needs an oracle");
    if (!in.ids || in.ids->size() == 0) throw ValueError("nll-oracle needs samples of token ids [N, T]");
    return in.oracle->nll(*in.ids);
  };
  t.push_back(nll);
  MetricSpec grammar{"grammar", "the caption grammar's verdict: grammatical share, and NLL-oracle per word of the grammatical ones",
                     MetricSpec::Needs::kGrammar, false, {}, nullptr, {{"grammatical", "grammatical"}}};
  grammar.score = [](const MetricInputs& in) -> nlohmann::json {
    if (!in.grammar) throw ValueError("grammar needs the grammar");
    const GrammarScore g = score_grammar(*in.grammar, words(in, "grammar"), in.max_len);
    return {{"grammatical", g.grammatical}, {"nll_oracle", g.nll_oracle}};
  };
  t.push_back(grammar);
  return t;
}

std::mutex& mutex() {
  static std::mutex m;
  return m;
}
std::vector<MetricSpec>& table() {
  static std::vector<MetricSpec> t = builtin();
  return t;
}
}  // namespace

std::vector<const MetricSpec*> registered_metrics() {
  std::lock_guard<std::mutex> lk(mutex());
  std::vector<const MetricSpec*> v;
  for (const auto& m : table()) v.push_back(&m);
  return v;
}

void register_metric(MetricSpec spec) {
  if (spec.name.empty() || !spec.score) throw ValueError("register_metric: a metric needs a name and a score");
  std::lock_guard<std::mutex> lk(mutex());
  auto& t = table();
  auto it = std::find_if(t.begin(), t.end(), [&](const MetricSpec& m) { return m.name == spec.name; });
  if (it != t.end())
    *it = std::move(spec);
  else
    t.push_back(std::move(spec));
}

std::string metric_names(const std::string& sep) {
  std::string s;
  for (const MetricSpec* m : registered_metrics()) s += (s.empty() ? "" : sep) + m->name;
  return s;
}

const MetricSpec& metric(const std::string& name) {
  for (const MetricSpec* m : registered_metrics())
    if (m->name == name) return *m;
  throw ValueError("unknown metric '" + name + "' (known: " + metric_names() + ")");
}

bool can_score(const MetricSpec& m, const MetricInputs& in) {
  if (m.on_ids ? !in.ids : !in.samples) return false;
  switch (m.needs) {
    case MetricSpec::Needs::kReferences: return in.reference_index || (in.references && !in.references->empty());
    case MetricSpec::Needs::kOracle: return in.oracle != nullptr;
    case MetricSpec::Needs::kGrammar: return in.grammar != nullptr;
    default: return true;
  }
}

}  // namespace seqrl::text
