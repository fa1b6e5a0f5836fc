// seqrl fit's loops: an interrupted and resumed fit equals the uninterrupted one bit for bit (a
// VAE on a mixture, a GAN, a sentence VAE), fitted models load back, and bad input is named.
#include <catch2/catch.hpp>

#include <fstream>
#include <unistd.h>

#include "seqrl/fit/fit.hpp"
#include "seqrl/agents/runner.hpp"
#include "seqrl/nets/checkpoint.hpp"
#include "metrics_file.hpp"

using namespace seqrl;
using namespace seqrl::agents;
using namespace seqrl::fit;

namespace {
std::string tmpdir(const std::string& name) {
  return "/tmp/seqrl_fit_" + name + "_" + std::to_string(::getpid());
}
std::string slurp(const std::string& p) {
  std::ifstream f(p);
  return std::string(std::istreambuf_iterator<char>(f), {});
}
using test::metrics_of;
void check_same_run(FitConfig c, long stop_at) {
  const std::string a = tmpdir(c.kind + c.data + "_a"), b = tmpdir(c.kind + c.data + "_b");
  c.handle_sigint = false;
  c.out = a;
  const FitResult whole = fit::fit(c);
  REQUIRE_FALSE(whole.interrupted);
  c.out = b;
  c.on_step = [&](long s) {
    if (s == stop_at) request_stop();
  };
  const FitResult part = fit::fit(c);
  REQUIRE(part.interrupted);
  REQUIRE(part.steps == stop_at);
  FitConfig r;
  r.resume = b + "/checkpoint.safetensors";
  r.handle_sigint = false;
  const FitResult rest = fit::fit(r);
  REQUIRE_FALSE(rest.interrupted);
  CHECK(rest.steps == c.steps);
  CHECK(rest.final_eval == whole.final_eval);
  CHECK(metrics_of(a) == metrics_of(b));
  const auto ta = nets::load_safetensors(a + "/checkpoint.safetensors"), tb = nets::load_safetensors(b + "/checkpoint.safetensors");
  REQUIRE(ta.tensors.size() == tb.tensors.size());
  for (const auto& [k, v] : ta.tensors) {
    INFO(k);
    CHECK(v == tb.tensors.at(k));
  }
  CHECK(slurp(a + "/summary.json").size() > 0);
}
}  // namespace

TEST_CASE("fit: a VAE on ring8 stopped at update 40 and resumed equals the uninterrupted run", "[agents][fit]") {
  FitConfig c;
  c.kind = "vae", c.data = "ring8", c.steps = 100, c.eval_every = 25, c.kl_anneal_steps = 50, c.checkpoint_every = 30;
  check_same_run(c, 40);
}

TEST_CASE("fit: a GAN (pre-trained D, 2 D steps, dropout, penalty) stopped and resumed equals the uninterrupted run", "[agents][fit][gan]") {
  FitConfig c;
  c.kind = "gan", c.data = "grid25", c.steps = 60, c.eval_every = 20, c.pretrain_d = 5, c.d_steps = 2;
  c.d_dropout = 0.2f, c.grad_penalty = 0.1f, c.gan_hidden = 32;
  check_same_run(c, 33);
}

TEST_CASE("fit: a sentence VAE on the grammar stopped mid-epoch and resumed equals the uninterrupted run, it loads back", "[agents][fit][vae]") {
  FitConfig c;
  c.kind = "vae", c.data = "grammar", c.samples = 200, c.max_len = 8, c.steps = 12, c.batch = 32;
  c.eval_every = 5, c.eval_samples = 50, c.emb = 16, c.hidden = 32, c.latent = 8, c.word_dropout = 0.2f, c.kl_anneal_steps = 10;
  check_same_run(c, 8);  // 6 batches per epoch: update 8 is inside the second
  const auto f = load_sentence_autoencoder(tmpdir("vaegrammar_a") + "/checkpoint.safetensors");
  REQUIRE(f.vocab);
  CHECK(f.model->cfg.latent == 8);
  CHECK(f.model->cfg.hidden == 32);
  CHECK_FALSE(f.model->training());
  CHECK_FALSE(nets::load_autoencoder(tmpdir("vaegrammar_a") + "/checkpoint.safetensors").mlp);
  FitConfig v;
  v.kind = "ae", v.data = "ring8", v.steps = 1, v.handle_sigint = false, v.out = tmpdir("ae1");
  fit::fit(v);
  CHECK(nets::load_autoencoder(v.out + "/checkpoint.safetensors").mlp);
  CHECK_THROWS_WITH(load_sentence_autoencoder(v.out + "/checkpoint.safetensors"), Catch::Contains("not a sentence autoencoder"));
  const std::string samples = slurp(tmpdir("vaegrammar_a") + "/samples.txt");
  CHECK_THAT(samples, Catch::Contains("ten samples from the prior"));
  CHECK_THAT(samples, Catch::Contains("interpolation"));
}

TEST_CASE("fit lm: an LSTM language model on the grammar, resumed mid-epoch equals the uninterrupted run, and its NLL-test falls", "[agents][fit][lm]") {
  FitConfig c = fit_defaults("lm", "grammar");
  c.samples = 640, c.steps = 25, c.eval_every = 10;
  check_same_run(c, 13);  // 10 batches per epoch: update 13 is inside the second
  std::vector<nlohmann::json> m = metrics_of(tmpdir("lmgrammar_a"));
  REQUIRE(m.size() == 4);  // updates 0, 10, 20 and the final one
  CHECK(m.back()["nll_test"].get<double>() < m.front()["nll_test"].get<double>() - 0.5);
  // generator.safetensors in seqrl generate's layout, beside its vocabulary
  const auto st = nets::load_safetensors(tmpdir("lmgrammar_a") + "/generator.safetensors");
  CHECK(st.metadata.at("vocab_file") == "vocab.txt");
  CHECK(st.metadata.at("hidden") == "32");
  CHECK_THROWS_WITH(validate(fit_defaults("lm", "ring8")), Catch::Contains("an lm fits a text data set"));
}

TEST_CASE("fit lm --shuffle 0 walks the data in one fixed order, as SeqGAN's loader, and fits otherwise than the shuffled order", "[agents][fit][lm]") {
  FitConfig c = fit_defaults("lm", "grammar");
  c.samples = 640, c.steps = 25, c.eval_every = 0, c.handle_sigint = false;
  c.out = tmpdir("lm_order_shuffled");
  const FitResult shuffled = fit::fit(c);
  c.shuffle = false, c.out = tmpdir("lm_order_fixed");
  const FitResult fixed = fit::fit(c);
  c.out = tmpdir("lm_order_fixed_again");
  const FitResult again = fit::fit(c);
  CHECK(fixed.final_eval == again.final_eval);
  CHECK(fixed.final_eval != shuffled.final_eval);  // 25 updates over 10 batches an epoch: the orders differ
  FitConfig v = fit_defaults("vae", "ring8");
  v.shuffle = false;
  CHECK_THROWS_WITH(validate(v), Catch::Contains("--shuffle 0 is for an lm"));
}

TEST_CASE("fit: tuned defaults per data set (a sentence VAE gets its anti-collapse settings)", "[agents][fit]") {
  const FitConfig v = fit_defaults("vae", "coco");
  CHECK(v.kl_anneal_steps == 3000);
  CHECK(v.word_dropout == Approx(0.3f));
  CHECK(v.latent == 32);
  // vectors keep the plain settings
  CHECK(fit_defaults("vae", "ring8").kl_anneal_steps == 0);
  CHECK(fit_defaults("gan", "grid25").kind == "gan");
}

TEST_CASE("fit: bad configurations are named", "[agents][fit]") {
  FitConfig c;
  c.kind = "gan", c.data = "coco";
  CHECK_THROWS_WITH(validate(c), Catch::Contains("given --encoder"));
  c.kind = "flow";
  CHECK_THROWS_WITH(validate(c), Catch::Contains("kind must be ae, vae, gan or lm, got 'flow'"));
  c.kind = "vae", c.data = "/nonexistent/corpus.txt", c.handle_sigint = false;
  CHECK_THROWS_WITH(fit::fit(c), Catch::Contains("/nonexistent/corpus.txt"));
  c.data = "ring8", c.g_loss = "minimax";
  CHECK_THROWS_WITH(validate(c), Catch::Contains("--g-loss must be nonsaturating or saturating"));
}

// ---- the fitted models inside the environments ------------------------------------------------
#include "seqrl/env/encoders.hpp"
#include "seqrl/env/registry.hpp"
#include "seqrl/env/text/model_rewards.hpp"
#include "seqrl/text/grammar.hpp"

namespace {
// A small sentence model of the caption grammar (TextGrammar-v0's vocabulary), fitted once.
std::string grammar_model(const std::string& kind) {
  static std::map<std::string, std::string> made;
  auto& p = made[kind];
  if (p.empty()) {
    FitConfig c;
    c.kind = kind, c.data = "grammar", c.samples = 512, c.steps = 120, c.batch = 32, c.eval_every = 0;
    c.eval_samples = 64, c.emb = 16, c.hidden = 48, c.latent = 8, c.kl_anneal_steps = 60, c.lr = 3e-3f;
    c.handle_sigint = false, c.out = tmpdir("grammar_" + kind);
    fit::fit(c);
    p = c.out + "/checkpoint.safetensors";
  }
  return p;
}
nets::IntTensor grammar_ids(const std::vector<text::Sentence>& s, const text::Vocabulary& v) {
  return text::encode_padded(s, v, 17);
}
}  // namespace

TEST_CASE("a sentence model's per-row ELBO: for an AE its mean is the batch reconstruction loss", "[agents][fit][vae]") {
  const auto m = nets::load_autoencoder(grammar_model("ae")).sentence;
  REQUIRE(m);
  const text::Grammar g = text::Grammar::captions();
  const text::Vocabulary v = env::grammar_vocabulary(g);
  nets::Rng rng(4);
  std::vector<text::Sentence> s;
  for (int i = 0; i < 40; ++i) s.push_back(g.sample(rng, 16));
  const nets::IntTensor ids = grammar_ids(s, v);
  const auto rows = m->elbo(ids);
  double mean = 0;
  for (double e : rows.elbo) mean -= e / double(rows.elbo.size());
  nets::Rng r(1);
  nets::NoGrad ng;
  CHECK(mean == Approx(m->loss(ids, 1.0, r).recon).epsilon(1e-4));
}

TEST_CASE("reward_model: a VAE's ELBO rewards a grammar env's finished sentence, grammatical ones above scrambled ones", "[agents][fit][vae][env]") {
  const std::string path = grammar_model("vae");
  auto e = env::make("TextGrammar-v0", {{"reward_model", path}});
  const text::Grammar g = text::Grammar::captions();
  const text::Vocabulary v = env::grammar_vocabulary(g);
  env::VaeElboReward direct(nets::load_autoencoder(path).sentence);
  nets::Rng rng(7);
  double good = 0, bad = 0;
  for (int i = 0; i < 20; ++i) {
    text::Sentence s = g.sample(rng, 16);
    std::vector<int32_t> ids = v.encode(s);
    ids.push_back(text::Vocabulary::kEos);
    e->reset(uint64_t(i));
    env::StepResult r;
    for (int32_t id : ids) r = e->step(env::Action(int64_t(id)));
    REQUIRE(r.terminated);
    const double expect = direct.score(grammar_ids({s}, v))[0];
    CHECK(r.reward == Approx(expect).epsilon(1e-9));
    good += r.reward;
    // the same words backwards
    text::Sentence back(s.rbegin(), s.rend());
    bad += direct.score(grammar_ids({back}, v))[0];
  }
  INFO("mean ELBO per token: grammatical " << good / 20 << ", reversed " << bad / 20);
  CHECK(good > bad + 0.5 * 20);
  CHECK_THROWS_WITH(env::make("CartPole-v1", {{"reward_model", path}}), Catch::Contains("not a text environment"));
  CHECK_THROWS_WITH(env::make("TextOracle-v0", {{"reward_model", path}, {"vocab", 50}, {"seq_len", 5}}),
                    Catch::Contains("vocabulary of"));
}

TEST_CASE("reward_model by name: the registry's NAME:ARG, a user's kind, and the errors", "[agents][fit][vae][env]") {
  const std::string path = grammar_model("vae");
  // the named form gives the same rewards as the bare path (whose kind is read from the file)
  auto named = env::make("TextGrammar-v0", {{"reward_model", "vae-elbo:" + path}});
  auto bare = env::make("TextGrammar-v0", {{"reward_model", path}});
  CHECK(dynamic_cast<env::TextGenEnv&>(*named).reward_model().name() == "vae-elbo");
  for (auto* e : {named.get(), bare.get()}) e->reset(3);
  env::StepResult a, b;
  for (int32_t id : {5, 9, 4, int32_t(text::Vocabulary::kEos)}) a = named->step(env::Action(int64_t(id))), b = bare->step(env::Action(int64_t(id)));
  REQUIRE(a.terminated);
  CHECK(a.reward == b.reward);
  // a kind that does not read this checkpoint says what the file is not
  CHECK_THROWS_WITH(env::make("TextGrammar-v0", {{"reward_model", "latent-discriminator:" + path}}),
                    Catch::Contains("not a latent GAN"));
  CHECK_THROWS_WITH(env::make("TextGrammar-v0", {{"reward_model", "vae-elbo"}}), Catch::Contains("needs a checkpoint"));
  // a user's kind joins with one call and is chosen by name, with its argument
  struct Length : env::RewardModel {
    double per_token;
    explicit Length(double p) : per_token(p) {}
    std::string name() const override { return "length"; }
    std::vector<double> score(const nets::IntTensor& s) override {
      std::vector<double> r(s.shape()[0], 0.0);
      for (size_t i = 0; i < r.size(); ++i)
        for (size_t t = 0; t < s.shape()[1] && s(i, t) != text::Vocabulary::kEos && s(i, t) != 0; ++t) r[i] += per_token;
      return r;
    }
  };
  env::RewardModelSpec spec;
  spec.name = "length", spec.summary = "per_token x the sentence's length", spec.arg = "the reward per token";
  spec.make = [](const env::RewardModelArgs& x) { return std::make_shared<Length>(std::stod(x.arg)); };
  env::register_reward_model(spec);
  auto mine = env::make("TextGrammar-v0", {{"reward_model", "length:0.5"}});
  mine->reset(1);
  env::StepResult r;
  for (int32_t id : {5, 9, 4, int32_t(text::Vocabulary::kEos)}) r = mine->step(env::Action(int64_t(id)));
  REQUIRE(r.terminated);
  CHECK(r.reward == Approx(1.5));
  bool listed = false;
  for (const auto* s : env::registered_reward_models()) listed |= s->name == "length";
  CHECK(listed);
  // neither a name nor a file: the error lists the kinds
  CHECK_THROWS_WITH(env::make("TextGrammar-v0", {{"reward_model", "lenght:1"}}),
                    Catch::Contains("neither a registered reward model") && Catch::Contains("length") &&
                        Catch::Contains("seqgan-discriminator"));
  spec.name = "Bad Name";
  CHECK_THROWS_WITH(env::register_reward_model(spec), Catch::Contains("a-z, 0-9"));
}

TEST_CASE("encoder: a grammar env's prefix observed through a fitted VAE is the model's code of the prefix", "[agents][fit][vae][env]") {
  const std::string path = grammar_model("vae");
  auto e = env::make("TextGrammar-v0", {{"encoder", path}});
  const auto m = nets::load_autoencoder(path).sentence;
  CHECK(e->observation_space().shape() == nets::Shape{8});
  nets::Tensor o = e->reset(uint64_t(1)).observation;
  nets::IntTensor empty = nets::IntTensor::from_shape({1, 1});
  empty(0, 0) = 0;
  nets::Tensor f0 = m->features(empty, {0});
  f0.reshape({8});
  CHECK(bool(o == f0));
  const std::vector<int32_t> words{5, 9, 7};
  nets::IntTensor prefix = nets::IntTensor::from_shape({1, 3});
  for (size_t t = 0; t < 3; ++t) {
    o = e->step(env::Action(int64_t(words[t]))).observation;
    prefix(0, t) = words[t];
  }
  nets::Tensor f3 = m->features(prefix, {3});
  f3.reshape({8});
  CHECK(bool(o == f3));
  CHECK_THROWS_WITH(env::make("CartPole-v1", {{"encoder", path}}), Catch::Contains("reads token prefixes"));
}

TEST_CASE("a latent GAN on a VAE's codes: fitted through seqrl fit, its discriminator is a reward model in (0, 1)", "[agents][fit][gan][env]") {
  FitConfig c;
  c.kind = "gan", c.data = "grammar", c.samples = 512, c.max_len = 16, c.encoder = grammar_model("vae");
  c.steps = 50, c.eval_every = 0, c.eval_samples = 100, c.noise_dim = 8, c.gan_hidden = 32, c.handle_sigint = false;
  c.out = tmpdir("latent_gan");
  const FitResult r = fit::fit(c);
  CHECK(r.final_eval.contains("d_real_held_out"));
  CHECK(r.final_eval.contains("grammatical"));
  auto e = env::make("TextGrammar-v0", {{"reward_model", c.out + "/checkpoint.safetensors"}});
  e->reset(uint64_t(0));
  env::StepResult s;
  for (int32_t id : {4, 5, 6, int32_t(text::Vocabulary::kEos)}) s = e->step(env::Action(int64_t(id)));
  REQUIRE(s.terminated);
  CHECK(s.reward > 0.0);
  CHECK(s.reward < 1.0);
}
