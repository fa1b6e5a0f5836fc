// SeqGAN's pieces: prefix completion, the CNN discriminator, Monte-Carlo rewards, and a g-step
// that climbs a fixed discriminator's reward.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "seqrl/agents/runner.hpp"
#include "seqrl/agents/factory.hpp"
#include "seqrl/agents/seqgan/seqgan_trainer.hpp"
#include "seqrl/agents/seqgan/seqgan.hpp"
#include "seqrl/agents/dqn/dqn_lstm.hpp"
#include "seqrl/agents/reinforce/reinforce_lstm.hpp"
#include "seqrl/env/registry.hpp"
#include "seqrl/env/text/text_env.hpp"
#include "seqrl/nets/ops.hpp"
#include "seqrl/nets/parallel.hpp"

using namespace seqrl;
using namespace seqrl::agents;

namespace {
nets::LSTMGeneratorConfig small_gen(size_t V = 30, size_t T = 8) {
  nets::LSTMGeneratorConfig c;
  c.vocab = V;
  c.emb = 8;
  c.hidden = 16;
  c.seq_len = T;
  return c;
}
// A text reward with a known optimum: the share of tokens equal to 3 (random play: 0.1).
struct CountThrees : env::RewardModel {
  std::string name() const override { return "count"; }
  std::vector<double> score(const nets::IntTensor& s) override {
    std::vector<double> r(s.shape()[0], 0.0);
    for (size_t b = 0; b < s.shape()[0]; ++b)
      for (size_t t = 0; t < s.shape()[1]; ++t) r[b] += s(b, t) == 3 ? 1.0 / double(s.shape()[1]) : 0.0;
    return r;
  }
};

SeqGANConfig small_seqgan() {
  SeqGANConfig c = seqgan_protocol("fast");
  c.emb = 8;
  c.hidden = 16;
  c.disc.emb = 8;
  c.disc.filter_sizes = {2, 3, 4};
  c.disc.num_filters = {16, 16, 16};
  c.negatives = 512;
  c.rollouts = 4;
  c.eval_samples = 256;
  return c;
}
}  // namespace

TEST_CASE("LSTMGenerator::complete keeps the prefix and samples the rest", "[text][seqgan]") {
  nets::Rng init(1);
  nets::LSTMGenerator g(small_gen(), init);
  nets::Rng r1(5), r2(5);
  const nets::IntTensor a = g.sample(40, r1);
  const nets::IntTensor b = g.complete(a, 0, r2);  // nothing given: the same draws as sample()
  CHECK((a == b));
  nets::Rng r3(9);
  const nets::IntTensor c = g.complete(a, 3, r3);
  bool rest_differs = false;
  for (size_t i = 0; i < 40; ++i) {
    for (size_t t = 0; t < 3; ++t) REQUIRE(c(i, t) == a(i, t));
    for (size_t t = 3; t < 8; ++t) rest_differs |= c(i, t) != a(i, t);
  }
  CHECK(rest_differs);
  nets::Rng r4(9);
  CHECK((g.complete(a, 8, r4) == a));  // everything given
  nets::IntTensor bad = a;
  bad(0, 1) = 30;
  CHECK_THROWS_AS(g.complete(bad, 3, r4), ValueError);
  // the completion is conditioned on the prefix: with prefix token 0 forced, its next-token
  // distribution is the model's p(. | 0), compared with teacher-forced log-probs
  nets::IntTensor pre = nets::IntTensor::from_shape({4000, 8});
  std::fill(pre.begin(), pre.end(), 0);
  nets::Rng r5(3);
  const nets::IntTensor done = g.complete(pre, 1, r5);
  std::vector<double> freq(30, 0.0);
  for (size_t i = 0; i < 4000; ++i) freq[size_t(done(i, 1))] += 1.0 / 4000;
  nets::IntTensor probe = nets::IntTensor::from_shape({30, 8});
  std::fill(probe.begin(), probe.end(), 0);
  for (int v = 0; v < 30; ++v) probe(v, 1) = v;
  const nets::Tensor lp = g.log_probs(probe);  // lp(v, 1) = log p(v | 0)
  double tv = 0;
  for (int v = 0; v < 30; ++v) tv += std::abs(freq[size_t(v)] - std::exp(double(lp(v, 1)))) / 2;
  CHECK(tv < 0.05);
}

TEST_CASE("the CNN discriminator learns to tell oracle sequences from uniform noise", "[text][seqgan][learning]") {
  nets::Rng rng(2);
  nets::LSTMGenerator oracle(small_gen(), rng);
  for (auto& [n, p] : oracle.named_parameters())
    for (auto& v : p.value()) v = float(rng.normal() * 1.0);  // SeqGAN's N(0, 1) oracle
  nets::DiscriminatorConfig dc;
  dc.vocab = 30;
  dc.emb = 8;
  dc.seq_len = 8;
  dc.filter_sizes = {2, 3, 8};
  dc.num_filters = {16, 16, 16};
  nets::Discriminator d(dc, rng);
  CHECK(d.features() == 48);
  nets::Adam opt(d.named_parameters(), 1e-3f);
  auto noise = [&](size_t n) {
    nets::IntTensor x = nets::IntTensor::from_shape({n, 8});
    for (auto& v : x) v = int32_t(rng.randint(30));
    return x;
  };
  for (int step = 0; step < 300; ++step) {
    nets::IntTensor real = oracle.sample(32, rng), fake = noise(32);
    nets::IntTensor x = nets::IntTensor::from_shape({64, 8});
    std::copy(real.begin(), real.end(), x.begin());
    std::copy(fake.begin(), fake.end(), x.begin() + 32 * 8);
    std::vector<int32_t> y(64, 0);
    std::fill(y.begin(), y.begin() + 32, 1);
    opt.zero_grad();
    nets::Var l = d.loss(x, y);
    l.backward();
    opt.step();
  }
  const auto pr = d.prob_real(oracle.sample(500, rng)), pf = d.prob_real(noise(500));
  double acc = 0;
  for (size_t i = 0; i < 500; ++i) acc += (pr[i] > 0.5f) + (pf[i] < 0.5f);
  acc /= 1000;
  INFO("held-out accuracy " << acc);
  CHECK(acc > 0.85);
  CHECK_THROWS_AS(d.prob_real(nets::IntTensor::from_shape({2, 7})), ShapeError);
}

TEST_CASE("SeqGAN rewards: Monte-Carlo Q in [0, 1], the last step is D itself", "[text][seqgan]") {
  nets::Rng rng(4);
  nets::LSTMGenerator oracle(small_gen(), rng);
  const nets::IntTensor real = oracle.sample(512, rng);
  SeqGAN gan(small_seqgan(), real, 30, nullptr);
  const nets::IntTensor s = gan.gen.sample(16, gan.rng);
  const nets::Tensor q = gan.rewards(s);
  REQUIRE(q.shape()[0] == 16);
  REQUIRE(q.shape()[1] == 8);
  for (float v : q) CHECK((v >= 0.f && v <= 1.f));
  const auto p = gan.disc.prob_real(s);
  for (size_t b = 0; b < 16; ++b) CHECK(q(b, 7) == p[b]);
  CHECK_THROWS_WITH(gan.nll_oracle(), Catch::Contains("no oracle"));
}

TEST_CASE("SeqGAN g-steps raise a fixed discriminator's reward", "[text][seqgan][learning]") {
  nets::Rng rng(6);
  nets::LSTMGenerator oracle(small_gen(), rng);
  for (auto& [n, p] : oracle.named_parameters())
    for (auto& v : p.value()) v = float(rng.normal());
  const nets::IntTensor real = oracle.sample(1024, rng);
  SeqGANConfig c = small_seqgan();
  c.g_lr = 0.01f;
  c.rollout_update_rate = 0.f;  // rollouts by the current generator
  SeqGAN gan(c, real, 30, nullptr);
  for (int r = 0; r < 30; ++r) gan.d_step(1);  // D against the untrained generator
  auto mean_reward = [&] {
    nets::Rng eval(123);
    const auto p = gan.disc.prob_real(gan.gen.sample(2000, eval));
    double m = 0;
    for (float v : p) m += v / p.size();
    return m;
  };
  const double before = mean_reward();
  for (int k = 0; k < 100; ++k) gan.g_step();
  const double after = mean_reward();
  INFO("mean D(G) before " << before << ", after " << after);
  CHECK(after > before + 0.05);
}

TEST_CASE("REINFORCE with an LSTM policy learns a text env through the runner", "[agents][text][learning]") {
  // reward: the share of tokens equal to 3 (vocab 10, length 6); random play scores 0.1
  env::register_env({"TestCountText-v0",
                     [](const env::Info&) {
                       return std::make_unique<env::TextGenEnv>(10, 6, std::make_shared<CountThrees>());
                     },
                     std::nullopt, 0.9});
  auto probe = env::make("TestCountText-v0");
  SequencePGConfig c;
  c.emb = 8;
  c.hidden = 16;
  c.lr = 0.02f;
  c.episodes_per_update = 16;
  c.seed = 3;
  auto agent = SequencePG::for_spaces(probe->observation_space(), probe->action_space(), c);
  RunConfig rc;
  rc.env_id = "TestCountText-v0";
  rc.total_steps = 12000;
  rc.num_envs = 8;
  rc.eval_every = 0;
  rc.final_eval_episodes = 5;
  rc.progress = false;
  RunResult r = run(*agent, rc);
  INFO("final evaluation " << r.final_eval.mean);
  CHECK(r.final_eval.mean > 0.8);
  env::Discrete wrong(11);
  CHECK_THROWS_WITH(SequencePG::for_spaces(probe->observation_space(), wrong, c), Catch::Contains("vocabulary"));
}

TEST_CASE("DQN with an LSTM Q-network learns a text env through the runner", "[agents][text][learning]") {
  env::register_env({"TestCountTextDQN-v0",
                     [](const env::Info&) { return std::make_unique<env::TextGenEnv>(10, 6, std::make_shared<CountThrees>()); },
                     std::nullopt, std::nullopt});
  auto probe = env::make("TestCountTextDQN-v0");
  DQNConfig c;
  c.hidden = {16};
  c.lr = 3e-3f;
  c.gamma = 1.f;
  c.buffer_size = 5000;
  c.batch_size = 32;
  c.learning_starts = 300;
  c.train_frequency = 2;
  c.target_update = 200;
  c.exploration_fraction = 0.5f;
  c.total_steps = 6000;
  c.huber = true;
  c.seed = 2;
  auto agent = SequenceDQN::for_spaces(probe->observation_space(), probe->action_space(), c);
  RunConfig rc;
  rc.env_id = "TestCountTextDQN-v0";
  rc.total_steps = 6000;
  rc.num_envs = 4;
  rc.eval_every = 0;
  rc.final_eval_episodes = 3;
  rc.progress = false;
  RunResult r = run(*agent, rc);
  INFO("final evaluation " << r.final_eval.mean);
  CHECK(r.final_eval.mean > 0.8);  // greedy: nearly every token a 3
}

TEST_CASE("LSTMGenerator init_std draws every parameter from N(0, init_std), as SeqGAN", "[text][seqgan]") {
  nets::LSTMGeneratorConfig c = small_gen(200, 8);
  c.init_std = 0.1f;
  nets::Rng rng(7);
  nets::LSTMGenerator g(c, rng);
  double n = 0, sum = 0, sq = 0;
  for (auto& [name, p] : g.named_parameters())
    for (float v : p.value()) n += 1, sum += v, sq += double(v) * v;
  CHECK(std::abs(sum / n) < 0.005);
  CHECK(std::sqrt(sq / n) == Approx(0.1).epsilon(0.03));
  CHECK(seqgan_protocol("paper").init_std == 0.1f);
  CHECK(seqgan_protocol("fast").init_std == 0.f);
}

TEST_CASE("SeqGAN's reference protocol rolls out with the current generator, the paper's trails it", "[text][seqgan]") {
  // the reference protocol is the paper's but for the rollout network (SeqGAN's code ties it to G)
  nlohmann::json paper = seqgan_protocol("paper"), ref = seqgan_protocol("reference");
  CHECK(ref["protocol"] == "reference");
  CHECK(ref["rollout_update_rate"] == 0.f);
  CHECK(paper["rollout_update_rate"] == 0.8f);
  paper.erase("protocol"), paper.erase("rollout_update_rate");
  ref.erase("protocol"), ref.erase("rollout_update_rate");
  CHECK(paper == ref);
  CHECK_THROWS_WITH(seqgan_protocol("refrence"), Catch::Contains("known: paper, reference, fast"));

  nets::Rng rng(3);
  nets::LSTMGenerator oracle(small_gen(), rng);
  const nets::IntTensor real = oracle.sample(256, rng);
  auto rollout_minus_gen = [&](float rate) {
    SeqGANConfig c = small_seqgan();
    c.rollout_update_rate = rate;
    SeqGAN gan(c, real, 30, nullptr);
    const auto before = gan.gen.named_parameters()[0].second.value();
    gan.g_step();
    const auto g = gan.gen.named_parameters()[0].second.value(), r = gan.rollout.named_parameters()[0].second.value();
    double moved = 0, gap = 0, expect = 0;
    for (size_t i = 0; i < g.size(); ++i) {
      moved += std::abs(g.data()[i] - before.data()[i]);
      gap += std::abs(r.data()[i] - g.data()[i]);
      // theta_roll <- r theta_roll + (1 - r) theta_G, from theta_roll = the G before the step
      expect += std::abs(rate * before.data()[i] + (1 - rate) * g.data()[i] - r.data()[i]);
    }
    REQUIRE(moved > 0);  // the g-step changed G
    CHECK(expect / moved < 1e-5);
    return gap / moved;
  };
  CHECK(rollout_minus_gen(0.f) == 0.0);                    // reference: the rollouts are G's
  CHECK(rollout_minus_gen(0.8f) == Approx(0.8).epsilon(1e-4));  // paper: 80% of the way behind
}

TEST_CASE("SeqGAN's g-step on episodes gives tokens after an episode's end no gradient", "[text][seqgan]") {
  nets::Rng rng(2);
  nets::LSTMGenerator oracle(small_gen(), rng);
  const nets::IntTensor real = oracle.sample(256, rng);
  nets::IntTensor a = oracle.sample(8, rng);
  nets::IntTensor b = a;
  std::vector<size_t> lengths(8);
  for (size_t r = 0; r < 8; ++r) {
    lengths[r] = 2 + r % 5;  // 2..6 of 8 tokens chosen
    for (size_t t = lengths[r]; t < 8; ++t) b(r, t) = int32_t((a(r, t) + 1 + t) % 30);  // other padding
  }
  auto step = [&](const nets::IntTensor& seqs, const std::vector<size_t>* len) {
    SeqGAN gan(small_seqgan(), real, 30, nullptr);
    gan.g_step_on(seqs, len);
    return gan.gen.state();
  };
  const auto sa = step(a, &lengths), sb = step(b, &lengths);
  for (auto& [name, t] : sa) {
    INFO(name);
    CHECK(bool(t == sb.at(name)));
  }
  // without the lengths the padding is trained on, and the two steps differ
  const auto fa = step(a, nullptr), fb = step(b, nullptr);
  bool differ = false;
  for (auto& [name, t] : fa) differ = differ || !bool(t == fb.at(name));
  CHECK(differ);
}

TEST_CASE("SeqGAN under the runner climbs its discriminator's reward, its checkpoint loads back", "[agents][text][seqgan][learning]") {
  SeqGANAgentConfig c;
  c.env_id = "TextOracle-v0";
  c.env_options = {{"vocab", 30}, {"seq_len", 8}, {"oracle_seed", 6}};
  c.samples = 1024;
  c.gan = small_seqgan();
  c.gan.batch = 32;
  c.gan.pretrain_g_epochs = 0;  // D against the untrained generator, as the test above
  c.gan.pretrain_d_rounds = 30;
  c.gan.d_epochs = 1;
  c.gan.d_steps = 0;            // a fixed D: the g-steps alone must raise its reward
  c.gan.rollout_update_rate = 0.f;
  c.gan.eval_every = 0;
  c.gan.seed = 6;
  auto probe = env::make(c.env_id, c.env_options);
  auto agent = SeqGANAgent::for_spaces(probe->observation_space(), probe->action_space(), c);
  RunConfig rc;
  rc.env_id = c.env_id;
  rc.env_options = c.env_options;
  rc.num_envs = 32;
  rc.total_steps = 60 * 32 * 9;  // 60 g-steps
  rc.eval_every = 0;
  rc.final_eval_episodes = 1;
  rc.progress = false;
  rc.log_every = 0;
  rc.out_dir = "/tmp/seqrl_seqgan_runner_" + std::to_string(::getpid());
  RunResult r = run(*agent, rc);
  CHECK(agent->updates() == 60);
  // d_reward per g-step, from the run's metrics
  std::vector<double> d;
  std::ifstream f(rc.out_dir + "/metrics.csv");
  for (std::string line; std::getline(f, line);)
    if (line.find(",d_reward,") != std::string::npos) d.push_back(std::stod(line.substr(line.rfind(',') + 1)));
  REQUIRE(d.size() == 60);
  double first = 0, last = 0;
  for (size_t k = 0; k < 10; ++k) first += d[k] / 10, last += d[50 + k] / 10;
  INFO("mean D(Y) over the first 10 g-steps " << first << ", the last 10 " << last);
  CHECK(last > first + 0.05);
  // a saved run's agent rebuilds from its checkpoint alone (seqrl eval, seqrl rollout)
  auto loaded = load_agent(r.checkpoint, probe->observation_space(), probe->action_space());
  CHECK(loaded->name() == "seqgan");
  nets::SafeTensors s1, s2;
  agent->save_state(s1);
  loaded->save_state(s2);
  REQUIRE(s1.tensors.size() == s2.tensors.size());
  for (auto& [name, t] : s1.tensors) {
    INFO(name);
    CHECK(bool(t == s2.tensors.at(name)));
  }
  CHECK(s1.metadata == s2.metadata);
  // its discriminator rewards any agent on the same env: {"reward_model": checkpoint}
  nlohmann::json opts = c.env_options;
  opts["reward_model"] = r.checkpoint;
  auto rewarded = env::make(c.env_id, opts);
  rewarded->reset(0);
  nets::IntTensor seq = nets::IntTensor::from_shape({1, 8});
  env::StepResult st;
  for (size_t t = 0; t < 8; ++t) {
    seq(0, t) = int32_t((3 * t + 1) % 30);
    st = rewarded->step(env::Action(int64_t(seq(0, t))));
  }
  REQUIRE(st.terminated);
  const double p = agent->gan().disc.prob_real(seq)[0];
  INFO("env reward " << st.reward << ", the agent's D " << p);
  CHECK(std::abs(st.reward - p) < 1e-5);
  // an env without real data behind it is refused, saying which envs have
  SeqGANAgentConfig bad = c;
  bad.env_id = "CartPole-v1";
  CHECK_THROWS_WITH(env::text_task(bad.env_id, {}, 10, 1), Catch::Contains("TextOracle-v0") && Catch::Contains("TextCorpus-v0"));
  std::system(("rm -rf " + rc.out_dir).c_str());
}

TEST_CASE("the discriminator's score table: same scores as the convolutions, dropped when the weights change, same bits on 1 and 2 threads", "[text][seqgan]") {
  nets::Rng rng(9);
  nets::DiscriminatorConfig dc;
  dc.vocab = 40;
  dc.emb = 8;
  dc.seq_len = 10;
  dc.filter_sizes = {1, 3, 10};
  dc.num_filters = {8, 16, 8};
  dc.score_table_after = 100;
  nets::Discriminator d(dc, rng);
  nets::Discriminator ref(dc, rng);  // the same weights, never allowed a table
  ref.cfg.score_table_max_bytes = 0;
  ref.load_state(d.state());
  nets::IntTensor x = nets::IntTensor::from_shape({64, 10});
  for (auto& v : x) v = int32_t(rng.randint(40));
  auto max_diff = [](const std::vector<float>& a, const std::vector<float>& b) {
    double m = 0;
    for (size_t i = 0; i < a.size(); ++i) m = std::max(m, double(std::abs(a[i] - b[i])));
    return m;
  };
  d.prob_real(x);
  CHECK_FALSE(d.has_score_table());  // 64 sequences scored: not yet
  d.prob_real(x);
  REQUIRE(d.has_score_table());      // 128 > 100
  const std::vector<float> by_table = d.prob_real(x), by_conv = ref.prob_real(x);
  CHECK_FALSE(ref.has_score_table());
  CHECK(max_diff(by_table, by_conv) < 1e-5);
  CHECK(max_diff(by_table, by_conv) > 0);  // the other summation order shows in the last bits
  {
    const int saved = nets::num_threads();
    nets::set_num_threads(2);
    const std::vector<float> two = d.prob_real(x);
    nets::set_num_threads(1);
    const std::vector<float> one = d.prob_real(x);
    nets::set_num_threads(saved);
    CHECK(one == two);  // one sequence per task: the thread count changes nothing
    CHECK(one == by_table);
  }
  // a training step changes the weights: the stale table must not score
  nets::Adam opt(d.named_parameters(), 1e-2f);
  opt.zero_grad();
  std::vector<int32_t> y(64, 1);
  d.loss(x, y).backward();
  opt.step();
  ref.load_state(d.state());
  const std::vector<float> after = d.prob_real(x);
  CHECK_FALSE(d.has_score_table());
  CHECK(after == ref.prob_real(x));  // the convolution path again, bit for bit
  CHECK(max_diff(after, by_conv) > 1e-4);  // and the step did move the scores
  // ids outside the vocabulary are named on the table's path too
  d.prob_real(x);
  REQUIRE(d.has_score_table());
  nets::IntTensor bad = x;
  bad(3, 4) = 40;
  d.train();
  CHECK_THROWS_WITH(d.prob_real(bad), Catch::Contains("40"));
  CHECK(d.training());  // the mode it was called in survives the error
}

TEST_CASE("rows of a sampling or completion call, and of a discriminator's scoring, are the whole call's: the work MPI ranks split", "[text][seqgan][dist]") {
  nets::Rng init(2);
  nets::LSTMGenerator g(small_gen(30, 10), init);
  nets::Rng ra(7), rb(7);
  const nets::IntTensor whole = g.sample(37, ra);
  const std::string after = ra.state();
  const size_t cuts[] = {0, 12, 25, 37};  // three ranks' chunks of 37 rows
  for (size_t k = 0; k < 3; ++k) {
    nets::Rng r(7);
    const nets::IntTensor part = g.sample_rows(37, r, cuts[k], cuts[k + 1]);
    REQUIRE(part.shape()[0] == cuts[k + 1] - cuts[k]);
    CHECK(std::equal(part.begin(), part.end(), whole.data() + cuts[k] * 10));
    CHECK(r.state() == after);  // every row's draws were made
  }
  nets::Rng rc(8);
  const nets::IntTensor done = g.complete(whole, 4, rc);
  for (size_t k = 0; k < 3; ++k) {
    nets::Rng r(8);
    const nets::IntTensor part = g.complete_rows(whole, 4, r, cuts[k], cuts[k + 1]);
    CHECK(std::equal(part.begin(), part.end(), done.data() + cuts[k] * 10));
  }
  CHECK_THROWS_AS(g.sample_rows(37, rb, 30, 38), ShapeError);
  // the discriminator, by convolutions and by its score table: the same scores to rounding. Not
  // bit for bit: OpenBLAS's sgemm rounds a row differently with other rows beside it in the call
  // (its kernels take the rows in blocks, and the last block in another way)
  nets::DiscriminatorConfig dc;
  dc.vocab = 30;
  dc.emb = 8;
  dc.seq_len = 10;
  dc.filter_sizes = {2, 3};
  dc.num_filters = {4, 4};
  dc.score_table_after = 40;
  nets::Discriminator d(dc, init);
  for (int pass = 0; pass < 2; ++pass) {
    const std::vector<float> all = d.prob_real(done, 37);
    CHECK(d.has_score_table() == (pass == 1));
    for (size_t k = 0; k < 3; ++k) {
      nets::IntTensor rows = nets::IntTensor::from_shape({cuts[k + 1] - cuts[k], 10});
      std::copy(done.data() + cuts[k] * 10, done.data() + cuts[k + 1] * 10, rows.data());
      const std::vector<float> part = d.prob_real(rows, 37);
      double diff = 0;
      for (size_t i = 0; i < part.size(); ++i) diff = std::max(diff, double(std::abs(part[i] - all[cuts[k] + i])));
      CHECK(diff < 1e-6);
    }
  }
}
