#include "seqrl/env/registry.hpp"

#include <sys/stat.h>

#include <cmath>
#include <sstream>

#include <algorithm>
#include <map>
#include <mutex>

#include "seqrl/env/classic/acrobot.hpp"
#include "seqrl/env/classic/cartpole.hpp"
#include "seqrl/env/classic/mountain_car.hpp"
#include "seqrl/env/classic/pendulum.hpp"
#include "seqrl/env/encoders.hpp"
#include "seqrl/env/text/model_rewards.hpp"
#include "seqrl/env/text/text_env.hpp"
#include "seqrl/env/toy/toy.hpp"
#include "seqrl/env/wrappers.hpp"
#include "seqrl/text/data.hpp"
#include "seqrl/text/tasks.hpp"

namespace seqrl::env {

namespace {
std::mutex& mutex() {
  static std::mutex m;
  return m;
}

// One object per key, made on first use and then shared by every env made with that key (the
// sub-envs of a vector env of 64 share one oracle, encoder or reward model). Thread-safe; each
// call site (its own Make type) keeps its own table.
template <class T, class Make>
std::shared_ptr<T> shared_by_key(const std::string& key, Make make) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<T>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = cache[key];
  if (!slot) slot = make();
  return slot;
}

std::unique_ptr<Env> make_text_oracle_env(const Info& o) {
  const text::TextTaskOptions t = oracle_options(o);
  const std::string key = t.oracle_dir + "|" + std::to_string(t.oracle_seed) + "|" + std::to_string(t.oracle_vocab) + "|" +
                          std::to_string(t.oracle_seq_len) + "|" + std::to_string(t.oracle_emb) + "|" +
                          std::to_string(t.oracle_hidden);
  const auto oracle = shared_by_key<const text::Oracle>(
      key, [&] { return std::make_shared<const text::Oracle>(text::make_oracle(t, uint64_t(t.oracle_seed))); });
  return std::make_unique<TextGenEnv>(oracle->config().vocab, oracle->config().seq_len,
                                      std::make_shared<OracleLikelihoodReward>(oracle));
}

// TextCoco-v0 and TextCorpus-v0: the corpus read once per options, its BLEU reward shared.
std::unique_ptr<Env> make_text_corpus_env(const std::string& id, const Info& o) {
  struct Made {
    std::shared_ptr<BleuReward> reward;
    std::shared_ptr<const text::Vocabulary> vocab;
    size_t T;
  };
  const text::TextTaskOptions t = corpus_options(id, o);
  const int n = o.contains("bleu_n") ? o["bleu_n"].get<int>() : 2;
  // the files' size and modification time in the key: a corpus edited in place is read again
  auto stamp = [](const std::string& f) {
    struct stat st;
    if (::stat(f.c_str(), &st) != 0) return std::string("-");
    return std::to_string(st.st_size) + "@" + std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
  };
  const std::string key = id + "|" + t.corpus + "|" + stamp(t.corpus) + "|" + t.test + "|" + stamp(t.test) + "|" +
                          t.tokenizer + "|" + std::to_string(t.lower) + "|" + std::to_string(t.max_vocab) + "|" +
                          std::to_string(t.max_tokens) + "|" + std::to_string(n);
  const auto m = shared_by_key<const Made>(key, [&] {
    const text::CorpusData d = text::load_corpus(id == "TextCoco-v0" ? "coco" : "corpus", t);
    return std::make_shared<const Made>(Made{std::make_shared<BleuReward>(d.vocab, d.train, n), d.vocab, d.T});
  });
  auto e = std::make_unique<TextGenEnv>(m->vocab->size(), m->T, m->reward, text::Vocabulary::kEos);
  e->set_words(m->vocab);
  return e;
}

text::TextTask corpus_task(const std::string& id, const Info& o, uint64_t seed) {
  return text::load_text_task(id == "TextCoco-v0" ? "coco" : "corpus", corpus_options(id, o), seed);
}

std::map<std::string, EnvSpec>& table() {
  static std::map<std::string, EnvSpec> t = [] {
    std::map<std::string, EnvSpec> b;
    // Gymnasium's registrations (gymnasium/envs/__init__.py): max_episode_steps, reward_threshold
    b["CartPole-v1"] = {"CartPole-v1", [](const Info&) { return std::make_unique<CartPole>(); },
                        500, 475.0, std::vector<EnvOption>{}};
    b["CartPole-v0"] = {"CartPole-v0", [](const Info&) { return std::make_unique<CartPole>(); },
                        200, 195.0, std::vector<EnvOption>{}};
    b["Pendulum-v1"] = {"Pendulum-v1",
                        [](const Info& o) {
                          return std::make_unique<Pendulum>(o.contains("g") ? o["g"].get<double>() : 10.0);
                        },
                        200, std::nullopt, std::vector<EnvOption>{{"g", "number", "gravity (default 10)", -1e3, 1e3}}};
    b["Acrobot-v1"] = {"Acrobot-v1", [](const Info&) { return std::make_unique<Acrobot>(); }, 500, -100.0,
                       std::vector<EnvOption>{}};
    b["MountainCar-v0"] = {"MountainCar-v0", [](const Info&) { return std::make_unique<MountainCar>(); },
                           200, -110.0, std::vector<EnvOption>{}};
    b["FrozenLake-v1"] = {"FrozenLake-v1",
                          [](const Info& o) {
                            return std::make_unique<FrozenLake>(
                                o.contains("map_name") ? o["map_name"].get<std::string>() : "4x4",
                                o.contains("is_slippery") ? o["is_slippery"].get<bool>() : true);
                          },
                          100, 0.70,
                          std::vector<EnvOption>{{"map_name", "string", "4x4 (default) or 8x8"},
                                                 {"is_slippery", "bool", "slippery ice (default true)"}}};
    b["FrozenLake8x8-v1"] = {"FrozenLake8x8-v1",
                             [](const Info& o) {
                               return std::make_unique<FrozenLake>(
                                   "8x8", o.contains("is_slippery") ? o["is_slippery"].get<bool>() : true);
                             },
                             200, 0.85,
                             std::vector<EnvOption>{{"is_slippery", "bool", "slippery ice (default true)"}}};
    b["GaussianBandit-v0"] = {"GaussianBandit-v0",
                              [](const Info& o) {
                                return std::make_unique<GaussianBandit>(o.contains("arms") ? o["arms"].get<int>() : 10);
                              },
                              100, std::nullopt,
                              std::vector<EnvOption>{{"arms", "integer", "number of arms (default 10)", 1, 1e6}}};
    // Text generation on SeqGAN's synthetic task: the reward is the oracle's mean log-likelihood
    // per token of the finished sequence (-NLL-oracle). options: oracle ("random", the default,
    // or a folder of SeqGAN's .npy files), oracle_seed, vocab, seq_len, emb, hidden (random only).
    // The caption grammar: reward 1 for a grammatical sentence, 0 otherwise, at the end token
    // or after max_len words. options: max_len (default 16 words).
    b["TextGrammar-v0"] = {"TextGrammar-v0",
                           [](const Info& o) {
                             static const auto g = std::make_shared<const text::Grammar>(text::Grammar::captions());
                             static const auto vocab = std::make_shared<const text::Vocabulary>(grammar_vocabulary(*g));
                             const size_t max_len = o.contains("max_len") ? o["max_len"].get<size_t>() : 16;
                             auto e = std::make_unique<TextGenEnv>(vocab->size(), max_len + 1,
                                                                   std::make_shared<GrammarReward>(g, vocab, max_len),
                                                                   text::Vocabulary::kEos);
                             e->set_words(vocab);
                             return e;
                           },
                           std::nullopt, 0.95,
                           std::vector<EnvOption>{{"max_len", "integer", "maximum words per sentence (default 16)", 1, 1000}},
                           [](const Info& o, size_t samples, uint64_t seed) {
                             text::TextTaskOptions t;
                             t.samples = samples;
                             t.max_len = o.contains("max_len") ? o["max_len"].get<size_t>() : 16;
                             return text::load_text_task("grammar", t, seed);
                           }};
    // COCO captions (Texygen's copy): vocabulary and references from the training captions
    // (nltk tokens), episodes end at <eos> or after the longest caption, reward BLEU-n of the
    // sentence against the training captions (PG-BLEU). options: corpus (default
    // coco/image_coco.txt under text::data_dir(): $SEQRL_DATA_DIR, else ../shared/data), bleu_n (default 2).
    // TextCoco-v0 is TextCorpus-v0 with COCO's files and Texygen's tokens.
    b["TextCoco-v0"] = {"TextCoco-v0", [](const Info& o) { return make_text_corpus_env("TextCoco-v0", o); },
                        std::nullopt, std::nullopt,
                        std::vector<EnvOption>{{"corpus", "string", "training captions (default coco/image_coco.txt under $SEQRL_DATA_DIR, else ../shared/data)"},
                                               {"bleu_n", "integer", "BLEU order of the reward (default 2)", 1, 10}},
                        [](const Info& o, size_t, uint64_t seed) { return corpus_task("TextCoco-v0", o, seed); }};
    // Any corpus as a text task: the training file's sentences (tokens as the options say), the
    // vocabulary of its words (capped: the rarer read as <unk>), episodes ending at <eos> or after
    // the longest sentence, reward BLEU-n against the training sentences; the test file (else
    // every 10th line) is the held-out set and BLEU's references.
    b["TextCorpus-v0"] = {"TextCorpus-v0", [](const Info& o) { return make_text_corpus_env("TextCorpus-v0", o); },
                          std::nullopt, std::nullopt,
                          std::vector<EnvOption>{{"corpus", "string", "training sentences, one per line (required)"},
                                                 {"test", "string", "test sentences, one per line (default: every 10th training line, held out)"},
                                                 {"tokenizer", "string", "whitespace (default), nltk or char"},
                                                 {"lower", "bool", "lower-case A-Z first (default false)"},
                                                 {"max_vocab", "integer", "vocabulary size with the 4 special tokens; rarer words read as <unk> (default 0: all)", 0, 1e7},
                                                 {"max_tokens", "integer", "tokens per sentence; longer lines are truncated (default 0: no cap)", 0, 1e5},
                                                 {"bleu_n", "integer", "BLEU order of the reward (default 2)", 1, 10}},
                          [](const Info& o, size_t, uint64_t seed) { return corpus_task("TextCorpus-v0", o, seed); }};
    b["TextOracle-v0"] = {"TextOracle-v0", [](const Info& o) { return make_text_oracle_env(o); },
                          std::nullopt, std::nullopt,
                          std::vector<EnvOption>{{"oracle", "string", "\"random\" (default) or a folder of SeqGAN's oracle .npy files"},
                                                 {"oracle_seed", "integer", "seed of the random oracle (default 0)", 0, 9.2e18},
                                                 {"vocab", "integer", "vocabulary (default 5000)", 2, 1e6},
                                                 {"seq_len", "integer", "sequence length (default 20)", 1, 1e4},
                                                 {"emb", "integer", "oracle embedding width (default 32; random only)", 1, 4096},
                                                 {"hidden", "integer", "oracle LSTM width (default 32; random only)", 1, 4096}},
                          [](const Info& o, size_t samples, uint64_t seed) {
                            text::TextTaskOptions t = oracle_options(o);
                            t.samples = samples;
                            return text::load_text_task("oracle", t, seed);
                          }};
    return b;
  }();
  return t;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1,
                         prev[j - 1] + (std::tolower(a[i - 1]) == std::tolower(b[j - 1]) ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

[[noreturn]] void unknown(const std::string& id) {
  std::vector<std::pair<size_t, std::string>> d;
  for (auto& [k, s] : table()) d.emplace_back(edit_distance(id, k), k);
  std::sort(d.begin(), d.end());
  std::string close;
  for (size_t i = 0; i < d.size() && i < 3 && d[i].first <= std::max<size_t>(3, id.size() / 3); ++i)
    close += (close.empty() ? "" : ", ") + d[i].second;
  throw KeyError("unknown environment id '" + id + "'" +
                 (close.empty() ? std::string("; see `seqrl list envs`")
                                : "; did you mean: " + close + "?"));
}
}  // namespace

void register_env(EnvSpec s) {
  if (s.id.empty()) throw ValueError("register_env: the id is empty");
  if (!s.entry_point) throw ValueError("register_env: '" + s.id + "' has no entry point");
  std::lock_guard<std::mutex> lk(mutex());
  table()[s.id] = std::move(s);
}

const EnvSpec& spec(const std::string& id) {
  std::lock_guard<std::mutex> lk(mutex());
  auto it = table().find(id);
  if (it == table().end()) unknown(id);
  return it->second;
}

std::vector<std::string> text_task_ids() {
  std::lock_guard<std::mutex> lk(mutex());
  std::vector<std::string> ids;
  for (const auto& [id, s] : table())
    if (s.text_task) ids.push_back(id);
  return ids;
}

const std::vector<EnvOption>& common_env_options() {
  static const std::vector<EnvOption> o = {
      // (TimeLimit counts in an int: a larger limit is refused by name, not cast)
      {"max_episode_steps", "integer", "time limit (TimeLimit), overriding the id's own", 1, 2147483647.0},
      {"encoder", "string", "an autoencoder checkpoint (seqrl fit ae|vae): observations become its codes"},
      {"reward_model", "string", "a text env's reward: a registered reward model, NAME or NAME:ARG (seqrl list reward-models), or a checkpoint"},
      {"one_hot", "bool", "a Discrete observation as a one-hot vector (OneHotObservation)"}};
  return o;
}

namespace {
bool has_type(const nlohmann::json& v, const std::string& type) {
  if (type == "string") return v.is_string();
  if (type == "integer") {
    if (v.is_number_integer()) return true;
    if (!v.is_number_float()) return false;
    const double d = v.get<double>();  // 3.0 is an integer; 1e300 and NaN are not (no UB casting them)
    return std::isfinite(d) && std::fabs(d) < 9.2e18 && d == double((long long)d);
  }
  if (type == "number") return v.is_number();
  if (type == "bool") return v.is_boolean();
  return true;
}

void check_options(const EnvSpec& s, const Info& given) {
  if (!given.is_object()) throw ValueError("options of '" + s.id + "' must be a JSON object, got " + given.dump());
  if (!s.options) return;
  std::vector<EnvOption> all = *s.options;
  all.insert(all.end(), common_env_options().begin(), common_env_options().end());
  for (auto it = given.begin(); it != given.end(); ++it) {
    const auto o = std::find_if(all.begin(), all.end(), [&](const EnvOption& x) { return x.key == it.key(); });
    if (o == all.end()) {
      std::string keys;
      for (const auto& x : all) keys += (keys.empty() ? "" : ", ") + x.key;
      throw KeyError("unknown option '" + it.key() + "' for environment '" + s.id + "' (it takes: " + keys + ")");
    }
    if (!has_type(it.value(), o->type))
      throw ValueError("option '" + it.key() + "' of environment '" + s.id + "' must be " +
                       (o->type == "integer" ? "an integer" : "a " + o->type) + ", got " + it.value().dump());
    if (it.value().is_number()) {
      const double v = it.value().get<double>();
      if (!(v >= o->min && v <= o->max)) {
        auto num = [](double x) {  // whole bounds as integers: [1, 2147483647], not [1, 2.14748e+09]
          std::ostringstream os;
          if (x == std::floor(x) && std::fabs(x) < 1e18)
            os << (long long)x;
          else
            os << x;
          return os.str();
        };
        throw ValueError("option '" + it.key() + "' of environment '" + s.id + "' must be in [" + num(o->min) + ", " +
                         num(o->max) + "], got " + it.value().dump());
      }
    }
  }
}
}  // namespace

text::TextTask text_task(const std::string& id, const Info& options, size_t samples, uint64_t seed,
                         const std::string& who) {
  const EnvSpec& s = spec(id);
  if (!s.text_task) {
    std::string ids;
    for (const auto& x : text_task_ids()) ids += (ids.empty() ? "" : ", ") + x;
    throw ValueError(who + " needs a text env with data behind it (training sentences, a held-out set), " +
                     "not '" + id + "': " + ids);
  }
  check_options(s, options);
  try {
    return s.text_task(options, samples, seed);
  } catch (const nlohmann::json::exception& e) {
    throw ValueError("options " + options.dump() + " of '" + id + "': " + e.what());
  }
}

std::unique_ptr<Env> make(const std::string& id, const Info& given) {
  const EnvSpec& s = spec(id);
  check_options(s, given);
  Info options = given;
  std::string encoder, reward_model;
  const bool one_hot = options.value("one_hot", false);
  options.erase("one_hot");
  if (options.contains("encoder")) {
    encoder = options["encoder"].get<std::string>();
    options.erase("encoder");
  }
  if (options.contains("reward_model")) {
    reward_model = options["reward_model"].get<std::string>();
    options.erase("reward_model");
  }
  std::unique_ptr<Env> e = s.entry_point(options);
  if (!reward_model.empty()) {
    auto* text = dynamic_cast<TextGenEnv*>(e.get());
    if (!text) throw ValueError("option reward_model: '" + id + "' is not a text environment");
    const size_t T = dynamic_cast<const TokenSequence&>(text->observation_space()).max_len;
    text->set_reward_model(shared_by_key<RewardModel>(reward_model + "\n" + std::to_string(text->vocab()) + "\n" + std::to_string(T),
                                                      [&] { return make_reward_model(reward_model, text->vocab(), T); }));
  }
  e->id = id;
  std::optional<int> limit = s.max_episode_steps;
  if (options.contains("max_episode_steps")) limit = options["max_episode_steps"].get<int>();
  if (limit) {
    e = std::make_unique<TimeLimit>(std::move(e), *limit);
    e->id = id;
  }
  if (one_hot) {
    e = std::make_unique<OneHotObservation>(std::move(e));
    e->id = id;
  }
  if (!encoder.empty()) {
    const Space& space = e->observation_space();
    auto enc = shared_by_key<Encoder>(encoder + "\n" + space.str(), [&] { return load_encoder(encoder, space); });
    e = std::make_unique<ObservationEncoder>(std::move(e), enc);
    e->id = id;
  }
  return e;
}

std::vector<std::string> registered_ids() {
  std::lock_guard<std::mutex> lk(mutex());
  std::vector<std::string> ids;
  for (auto& [k, s] : table()) ids.push_back(k);
  return ids;
}

}  // namespace seqrl::env
