#include "seqrl/env/text/text_env.hpp"

#include <fstream>

namespace seqrl::env {

std::vector<double> OracleLikelihoodReward::score(const nets::IntTensor& seqs) {
  const nets::Tensor lp = oracle_->model().log_probs(seqs);
  const size_t B = seqs.shape()[0], T = seqs.shape()[1];
  std::vector<double> r(B, 0.0);
  for (size_t b = 0; b < B; ++b)
    for (size_t t = 0; t < T; ++t) r[b] += lp(b, t) / double(T);
  return r;
}

std::vector<double> DiscriminatorReward::score(const nets::IntTensor& seqs) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::vector<float> p = d_->prob_real(seqs);
  return std::vector<double>(p.begin(), p.end());
}

BleuReward::BleuReward(std::shared_ptr<const text::Vocabulary> vocab, const std::vector<text::Sentence>& refs, int n)
    : vocab_(std::move(vocab)), index_(refs, n), n_(n) {}

std::vector<double> BleuReward::score(const nets::IntTensor& seqs) {
  const size_t B = seqs.shape()[0], T = seqs.shape()[1];
  std::vector<double> r(B);
  for (size_t b = 0; b < B; ++b) r[b] = index_.sentence_bleu(vocab_->decode(seqs.data() + b * T, T), n_);
  return r;
}

std::vector<double> GrammarReward::score(const nets::IntTensor& seqs) {
  const size_t B = seqs.shape()[0], T = seqs.shape()[1];
  std::vector<double> r(B);
  for (size_t b = 0; b < B; ++b) {
    const int32_t* row = seqs.data() + b * T;
    // <pad> and <bos> are not words: written before the end token they make the sentence
    // ungrammatical (decode() would drop them, and a policy learned to pad its way to a shorter
    // grammatical sentence: "the dog <pad> standing the dog")
    bool non_word = false;
    for (size_t t = 0; t < T && row[t] != text::Vocabulary::kEos; ++t)
      non_word = non_word || row[t] == text::Vocabulary::kPad || row[t] == text::Vocabulary::kBos;
    const text::Sentence s = vocab_->decode(row, T);
    r[b] = !non_word && s.size() <= max_len_ && g_->grammatical(s) ? 1.0 : 0.0;
  }
  return r;
}

void TextGenEnv::set_reward_model(std::shared_ptr<RewardModel> r) {
  if (!r) throw ValueError("TextGenEnv: the reward model is null");
  reward_ = std::move(r);
}

text::Vocabulary grammar_vocabulary(const text::Grammar& g) {
  std::vector<text::Sentence> one{g.words()};
  return text::Vocabulary::build(one);
}

TextGenEnv::TextGenEnv(size_t vocab, size_t seq_len, std::shared_ptr<RewardModel> reward, int32_t eos,
                       std::shared_ptr<const nets::LSTMGenerator> rollout_policy, size_t rollouts)
    : T_(seq_len), eos_(eos), reward_(std::move(reward)), rollout_(std::move(rollout_policy)),
      rollouts_(rollouts), obs_space_(int64_t(vocab), seq_len), act_space_(int64_t(vocab)) {
  if (!reward_) throw ValueError("TextGenEnv: the reward model is null");
  if (seq_len == 0) throw ValueError("TextGenEnv: seq_len must be positive");
  if (eos >= int32_t(vocab)) throw ValueError("TextGenEnv: the end token is outside the vocabulary");
  if (rollouts > 0 && !rollout_)
    throw ValueError("TextGenEnv: per-step Monte-Carlo rewards (rollouts > 0) need a rollout policy");
  if (rollout_ && (rollout_->cfg.vocab != vocab || rollout_->cfg.seq_len != seq_len))
    throw ValueError("TextGenEnv: the rollout policy's vocabulary or length differs from the env's");
}

Observation TextGenEnv::observe() const {
  Observation o = Observation::from_shape({T_});
  for (size_t t = 0; t < T_; ++t) o(t) = t < tokens_.size() ? float(tokens_[t]) : -1.f;
  return o;
}

ResetResult TextGenEnv::reset_impl(std::optional<uint64_t>, const Info&) {
  tokens_.clear();
  return {observe(), Info()};
}

StepResult TextGenEnv::step_impl(const Action& action) {
  tokens_.push_back(static_cast<int32_t>(action.index));
  const bool at_end = (eos_ >= 0 && action.index == eos_) || tokens_.size() >= T_;
  StepResult r;
  r.terminated = at_end;
  if (at_end) {
    while (tokens_.size() < T_) tokens_.push_back(eos_);  // the rest of the sentence is the end token
    nets::IntTensor seq = nets::IntTensor::from_shape({1, T_});
    std::copy(tokens_.begin(), tokens_.end(), seq.begin());
    r.reward = reward_->score(seq)[0];
  } else if (rollouts_ > 0) {
    // Q(Y_1:t-1, y_t): N completions of the prefix by the rollout policy, scored
    const size_t t = tokens_.size();
    nets::IntTensor pre = nets::IntTensor::from_shape({rollouts_, T_});
    for (size_t k = 0; k < rollouts_; ++k)
      for (size_t j = 0; j < T_; ++j) pre(k, j) = j < t ? tokens_[j] : 0;
    const std::vector<double> s = reward_->score(rollout_->complete(pre, t, rng()));
    double q = 0;
    for (double v : s) q += v / double(rollouts_);
    r.reward = q;
  }
  r.observation = observe();
  return r;
}

nlohmann::json TextGenEnv::get_state_impl() const { return {{"tokens", tokens_}}; }

void TextGenEnv::set_state_impl(const nlohmann::json& s) {
  auto t = s.at("tokens").get<std::vector<int32_t>>();
  if (t.size() > T_) throw ValueError("TextGenEnv state: " + std::to_string(t.size()) + " tokens, more than T");
  tokens_ = std::move(t);
}

namespace {
template <class T>
T option(const Info& o, const char* key, const std::string& env, T def) {
  if (!o.contains(key)) return def;
  try {
    return o.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw ValueError("option '" + std::string(key) + "' of environment '" + env + "' has the wrong type: " + o.at(key).dump());
  }
}
}  // namespace

text::TextTaskOptions oracle_options(const Info& o) {
  const std::string id = "TextOracle-v0";
  text::TextTaskOptions t;
  t.oracle_dir = option(o, "oracle", id, std::string("random"));
  t.oracle_seed = long(option(o, "oracle_seed", id, uint64_t(0)));  // the env's default oracle
  t.oracle_vocab = option(o, "vocab", id, size_t(5000));
  t.oracle_seq_len = option(o, "seq_len", id, size_t(20));
  t.oracle_emb = option(o, "emb", id, size_t(32));
  t.oracle_hidden = option(o, "hidden", id, size_t(32));
  return t;
}

text::TextTaskOptions corpus_options(const std::string& id, const Info& o) {
  text::TextTaskOptions t;
  if (id == "TextCoco-v0") {
    if (o.contains("corpus")) {
      t.corpus = option(o, "corpus", id, std::string());
      // the held-out captions beside it, as in ../shared/data/coco
      const size_t slash = t.corpus.find_last_of('/');
      t.test = (slash == std::string::npos ? std::string() : t.corpus.substr(0, slash + 1)) + "test_coco.txt";
      if (!std::ifstream(t.test)) t.test = t.corpus;
    }
    return t;
  }
  if (!o.contains("corpus"))
    throw ValueError("environment '" + id + "' needs the option corpus: a text file, one sentence per line "
                     "(and test: another, for BLEU and the held-out NLL; without it every 10th line is held out)");
  t.corpus = option(o, "corpus", id, std::string());
  t.test = option(o, "test", id, std::string());
  t.tokenizer = option(o, "tokenizer", id, std::string("whitespace"));
  if (t.tokenizer != "whitespace" && t.tokenizer != "nltk" && t.tokenizer != "char")
    throw ValueError("option 'tokenizer' of environment '" + id + "' must be whitespace, nltk or char, got '" + t.tokenizer + "'");
  t.lower = option(o, "lower", id, false);
  t.max_vocab = option(o, "max_vocab", id, size_t(0));
  t.max_tokens = option(o, "max_tokens", id, size_t(0));
  return t;
}

}  // namespace seqrl::env
