// PPO and A2C: GAE against a case worked by hand, the clipped surrogate's gradient against finite
// differences, orthogonal initialisation, the running statistics, refusals, checkpoints, and
// pinned small-budget learning runs. (Stop-and-resume mid-rollout: tests/agents/test_runner.cpp.)
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <cstdlib>
#include <unistd.h>

#include "metrics_file.hpp"
#include "nets/gradcheck.hpp"
#include "seqrl/agents/ppo/ppo.hpp"
#include "seqrl/agents/ppo/ppo_lstm.hpp"
#include "seqrl/agents/random/random.hpp"
#include "seqrl/agents/registry.hpp"
#include "seqrl/agents/runner.hpp"
#include "seqrl/env/registry.hpp"
#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/nets/init.hpp"

using namespace seqrl;
using namespace seqrl::agents;

namespace {
// (f(x + h) - f(x - h)) / 2h, x put back as it was
double central_difference(float& x, const std::function<double()>& f, float h = 1e-3f) {
  const float x0 = x;
  x = x0 + h;
  const double up = f();
  x = x0 - h;
  const double down = f();
  x = x0;
  return (up - down) / (2 * h);
}
}  // namespace

TEST_CASE("GAE: a truncated step bootstraps from its final observation's value, a terminated one does not", "[agents][ppo]") {
  // one sub-env, 5 steps: an episode truncated at t = 1, then one that terminates at t = 3, then
  // one still running at t = 4 (its next value from the step after the rollout)
  const double g = 0.9, l = 0.8;
  const std::vector<double> r = {1, 2, 3, 4, 5}, v = {0.5, 0.25, 1, 2, 3}, nv = {0.25, 7, 2, 99, 4};
  const std::vector<uint8_t> term = {0, 0, 0, 1, 0}, ended = {0, 1, 0, 1, 0};
  const std::vector<double> a = gae(r, v, nv, term, ended, g, l);
  // by hand, from the end: delta_t = r_t + g * next_t - v_t (next 0 where terminated), and
  // A_t = delta_t + g l A_{t+1} unless the episode ended at t
  const double d4 = 5 + g * 4 - 3, A4 = d4;
  const double d3 = 4 + 0 - 2, A3 = d3;                 // terminated: no future, no carry
  const double d2 = 3 + g * 2 - 1, A2 = d2 + g * l * A3;
  const double d1 = 2 + g * 7 - 0.25, A1 = d1;          // truncated: bootstraps from 7, no carry
  const double d0 = 1 + g * 0.25 - 0.5, A0 = d0 + g * l * A1;
  const std::vector<double> want = {A0, A1, A2, A3, A4};
  for (size_t t = 0; t < 5; ++t) CHECK(a[t] == Approx(want[t]).epsilon(1e-12));
  // lambda 1, gamma 1, no ends: the advantage is the return minus the value
  const std::vector<double> b = gae({1, 1, 1}, {0, 0, 0}, {0, 0, 10}, {0, 0, 0}, {0, 0, 0}, 1.0, 1.0);
  CHECK(b[0] == Approx(13.0));
  CHECK(b[2] == Approx(11.0));
  CHECK_THROWS_AS(gae({1}, {1, 2}, {1}, {0}, {0}, 1, 1), ShapeError);
}

TEST_CASE("PPO's clipped surrogate: its value is -mean(min(r A, clip(r) A)) and its gradient matches finite differences", "[agents][ppo][grad]") {
  nets::Rng rng(3);
  const size_t n = 12;
  // log-ratios spread over and beyond the clip range, advantages of both signs (kept away from
  // the kinks at |r - 1| = eps, where the function has no derivative)
  nets::Tensor old = test::random_tensor({n}, rng, -2.f, 0.f), adv = test::random_tensor({n}, rng, -1.f, 1.f);
  nets::Tensor lp = nets::Tensor::from_shape({n});
  const float eps = 0.2f;
  for (size_t i = 0; i < n; ++i) {
    float d = -0.5f + float(i) / float(n - 1);  // log r in [-0.5, 0.5]
    if (std::abs(std::exp(d) - 1.f - eps) < 0.03f || std::abs(std::exp(d) - 1.f + eps) < 0.03f) d += 0.05f;
    lp(i) = old(i) + d;
  }
  double clipped = -1;
  const nets::Var loss = PPO::clipped_surrogate(nets::Var(lp), old, adv, eps, &clipped);
  double want = 0, nclip = 0;
  for (size_t i = 0; i < n; ++i) {
    const double r = std::exp(double(lp(i)) - old(i));
    want -= std::min(r * adv(i), std::clamp(r, 1.0 - eps, 1.0 + eps) * adv(i)) / double(n);
    nclip += std::abs(r - 1) > eps;
  }
  CHECK(loss.item() == Approx(want).epsilon(1e-6));
  CHECK(clipped == Approx(nclip / n));
  CHECK(clipped > 0);
  CHECK(clipped < 1);
  test::check_gradients([&](const std::vector<nets::Var>& x) { return PPO::clipped_surrogate(x[0], old, adv, eps); },
                        {lp}, test::GradCheck{1e-3f, 2e-2f, 1e-4f});
}

TEST_CASE("orthogonal initialisation: orthonormal columns (or rows), times the gain", "[nets][init]") {
  nets::Rng rng(5);
  for (auto [R, C] : std::vector<std::pair<size_t, size_t>>{{8, 3}, {3, 8}, {6, 6}}) {
    const nets::Tensor w = nets::init::orthogonal({R, C}, rng, 2.f);
    const size_t k = std::min(R, C);
    for (size_t a = 0; a < k; ++a)
      for (size_t b = 0; b < k; ++b) {
        double d = 0;
        for (size_t t = 0; t < std::max(R, C); ++t)
          d += R >= C ? double(w(t, a)) * w(t, b) : double(w(a, t)) * w(b, t);
        CHECK(d == Approx(a == b ? 4.0 : 0.0).margin(1e-5));
      }
  }
  CHECK_THROWS_AS(nets::init::orthogonal({2, 2, 2}, rng), ShapeError);
}

TEST_CASE("RunningMeanStd merges batches as one pass over all of them would", "[agents][ppo]") {
  RunningMeanStd r;
  r.count = 0;
  const std::vector<float> a = {1, 2, 3, 4}, b = {10, 20};
  r.update(a.data(), 4, 1);
  r.update(b.data(), 2, 1);
  double m = 0, v = 0;
  for (float x : {1, 2, 3, 4, 10, 20}) m += x / 6.0;
  for (float x : {1, 2, 3, 4, 10, 20}) v += (x - m) * (x - m) / 6.0;
  CHECK(r.mean[0] == Approx(m));
  CHECK(r.var[0] == Approx(v));
}

TEST_CASE("PPO and A2C refuse spaces and settings they cannot handle", "[agents][ppo]") {
  env::TokenSequence ts(10, 4);
  env::Discrete d(2);
  env::Box obs(-1.f, 1.f, {3});
  CHECK_THROWS_WITH(PPO::for_spaces(ts, d, PPOConfig()), Catch::Contains("flat vector"));
  CHECK_THROWS_WITH(PPO::for_spaces(obs, env::MultiDiscrete({2, 2}), PPOConfig()), Catch::Contains("Discrete or a 1-D Box"));
  PPOConfig bad;
  bad.algo = "trpo";
  CHECK_THROWS_WITH(PPO::for_spaces(obs, d, bad), Catch::Contains("ppo or a2c"));
  bad = PPOConfig();
  bad.gae_lambda = 1.5f;
  CHECK_THROWS_WITH(PPO::for_spaces(obs, d, bad), Catch::Contains("gae_lambda"));
  bad = PPOConfig();
  bad.batch_size = 0;
  CHECK_THROWS_WITH(PPO::for_spaces(obs, d, bad), Catch::Contains("batch_size"));
}

namespace {
RunResult train(Agent& a, const std::string& id, long steps, size_t envs, int eval_episodes) {
  RunConfig rc;
  rc.env_id = id;
  rc.total_steps = steps;
  rc.num_envs = envs;
  rc.seed = 1;
  rc.eval_every = 0;
  rc.final_eval_episodes = eval_episodes;
  rc.progress = false;
  return run(a, rc);
}
PPOConfig zoo(const std::string& algo, const std::string& env_id, long steps) {
  PPOConfig c = agent_kind(algo).defaults(env_id, "").get<PPOConfig>();
  c.seed = 1;
  c.total_steps = steps;
  return c;
}
}  // namespace

TEST_CASE("PPO (rl-zoo's CartPole settings) balances CartPole for 500 steps on a pinned budget", "[agents][ppo][learning]") {
  auto e = env::make("CartPole-v1");
  auto a = PPO::for_spaces(e->observation_space(), e->action_space(), zoo("ppo", "CartPole-v1", 60000));
  const RunResult r = train(*a, "CartPole-v1", 60000, 8, 10);
  INFO("final evaluation " << r.final_eval.mean);
  CHECK(r.final_eval.mean >= 475.0);  // random play: ~22
}

TEST_CASE("PPO (Gaussian) swings Pendulum up on a pinned budget", "[agents][ppo][learning]") {
  auto e = env::make("Pendulum-v1");
  auto a = PPO::for_spaces(e->observation_space(), e->action_space(), zoo("ppo", "Pendulum-v1", 100000));
  const RunResult r = train(*a, "Pendulum-v1", 100000, 4, 20);
  RandomAgent rnd(e->action_space(), 1);
  const EvalResult base = evaluate(rnd, "Pendulum-v1", 20, 2000001);
  INFO("PPO " << r.final_eval.mean << ", random " << base.mean);
  CHECK(r.final_eval.mean > -400.0);  // random play: about -1200
}

TEST_CASE("A2C (rl-zoo's CartPole settings) learns CartPole on a pinned budget", "[agents][ppo][learning]") {
  auto e = env::make("CartPole-v1");
  auto a = PPO::for_spaces(e->observation_space(), e->action_space(), zoo("a2c", "CartPole-v1", 100000));
  const RunResult r = train(*a, "CartPole-v1", 100000, 8, 10);
  INFO("final evaluation " << r.final_eval.mean);
  CHECK(r.final_eval.mean >= 200.0);
}

TEST_CASE("PPO with learning switched off stays below the learning test's threshold (that test can fail)", "[agents][ppo]") {
  auto e = env::make("CartPole-v1");
  PPOConfig c = zoo("ppo", "CartPole-v1", 20000);
  c.lr = 0.f;
  auto a = PPO::for_spaces(e->observation_space(), e->action_space(), c);
  const RunResult r = train(*a, "CartPole-v1", 20000, 8, 10);
  INFO("final evaluation " << r.final_eval.mean);
  CHECK(r.final_eval.mean < 475.0);  // the initial policy's greedy play (seen: 144.5)
}

TEST_CASE("PPO on text: the per-token surrogate's gradient (through the weighted NLL) matches finite differences of its value", "[agents][ppo][grad]") {
  nets::LSTMGeneratorConfig gc;
  gc.vocab = 7, gc.emb = 4, gc.hidden = 5, gc.seq_len = 5;
  nets::Rng rng(11);
  nets::LSTMGenerator g(gc, rng);
  const size_t B = 3, T = 5;
  nets::IntTensor seqs = nets::IntTensor::from_shape({B, T});
  for (auto& x : seqs) x = int32_t(rng.randint(gc.vocab));
  nets::Tensor mask = nets::Tensor::from_shape({B, T}), adv = test::random_tensor({B, T}, rng);
  for (size_t b = 0; b < B; ++b)
    for (size_t t = 0; t < T; ++t) mask(b, t) = t < 2 + b ? 1.f : 0.f;  // sequences of 2, 3, 4 tokens
  // old log-probs: the current ones shifted by log-ratios spread over and beyond the clip range,
  // away from its kinks
  const nets::Tensor lp = g.log_probs(seqs);
  nets::Tensor old = nets::Tensor::from_shape({B, T});
  const float eps = 0.2f;
  for (size_t i = 0; i < old.size(); ++i) {
    float d = -0.45f + 0.9f * float(i) / float(old.size() - 1);
    if (std::abs(std::exp(d) - 1.f - eps) < 0.04f || std::abs(std::exp(d) - 1.f + eps) < 0.04f) d += 0.08f;
    old.data()[i] = lp.data()[i] - d;
  }
  auto surrogate = [&]() {  // the surrogate's value from the generator's log-probabilities alone
    const nets::Tensor l = g.log_probs(seqs);
    double v = 0, n = 0;
    for (size_t i = 0; i < l.size(); ++i) {
      if (mask.data()[i] == 0.f) continue;
      const double r = std::exp(double(l.data()[i]) - old.data()[i]), a = adv.data()[i];
      v -= std::min(r * a, std::clamp(r, 1.0 - eps, 1.0 + eps) * a), ++n;
    }
    return v / n;
  };
  double clipped = 0;
  for (auto& [name, p] : g.named_parameters()) p.zero_grad();
  nets::Var loss = PPOText::token_surrogate(g, seqs, old, adv, mask, eps, &clipped);
  CHECK(loss.item() == Approx(surrogate()).epsilon(1e-5));
  CHECK(clipped > 0);
  CHECK(clipped < 1);
  loss.backward();
  size_t checked = 0;
  for (auto& [name, p] : g.named_parameters()) {
    INFO(name);
    for (size_t i = 0; i < p.size(); i += std::max<size_t>(1, p.size() / 6)) {
      const double fd = central_difference(p.value().data()[i], surrogate), an = p.grad().data()[i];
      CHECK(an == Approx(fd).margin(2e-4).epsilon(3e-2));
      ++checked;
    }
  }
  CHECK(checked > 20);
}

TEST_CASE("PPO on text optimises the env's reward minus beta times each sampled token's KL estimate", "[agents][ppo]") {
  // a sequence of 3 tokens rewarded at its end; the policy above the anchor on token 0, below on 2
  const std::vector<double> env_r = {0.0, 0.0, 0.7};
  const float logp[] = {-1.0f, -2.0f, -0.5f}, ref[] = {-1.5f, -2.0f, -0.25f};
  double kl = 0;
  const std::vector<double> r = agents::kl_shaped_rewards(env_r, logp, ref, 3, 0.2, &kl);
  REQUIRE(r.size() == 3);
  CHECK(r[0] == Approx(0.0 - 0.2 * 0.5));
  CHECK(r[1] == Approx(0.0));
  CHECK(r[2] == Approx(0.7 - 0.2 * -0.25));
  CHECK(kl == Approx(0.25));
  // beta 0: the env's rewards alone; a shorter sequence reads only its tokens
  CHECK(agents::kl_shaped_rewards(env_r, logp, ref, 3, 0.0) == env_r);
  CHECK(agents::kl_shaped_rewards(env_r, logp, ref, 2, 1.0).size() == 2);
  CHECK_THROWS_AS(agents::kl_shaped_rewards({0.0}, logp, ref, 3, 1.0), ValueError);
}

TEST_CASE("the adaptive KL controller moves beta toward the target KL, at most 20% of n / horizon per update", "[agents][ppo]") {
  CHECK(adapt_beta(0.1, 2.0, 1.0, 100, 1000) == Approx(0.1 * (1 + 0.2 * 0.1)));   // far above: +0.2 clipped
  CHECK(adapt_beta(0.1, 1.1, 1.0, 100, 1000) == Approx(0.1 * (1 + 0.1 * 0.1)));   // 10% above
  CHECK(adapt_beta(0.1, 0.0, 1.0, 100, 1000) == Approx(0.1 * (1 - 0.2 * 0.1)));   // below: -0.2 clipped
  CHECK(adapt_beta(0.1, 5.0, 0.0, 100, 1000) == 0.1);                             // fixed beta
  double beta = 0.1;
  for (int k = 0; k < 50; ++k) beta = adapt_beta(beta, 3.0, 1.0, 64, 640);
  CHECK(beta > 0.1 * std::pow(1.019, 50));
}

TEST_CASE("PPO with a KL anchor raises an oracle's reward on a pinned budget, and a large beta holds it to its start", "[agents][ppo][learning][text]") {
  // a small random oracle; the reward is the oracle's log-likelihood of the sequence; the policy
  // starts at random (an LSTM of the oracle's sizes)
  auto train = [&](float beta, double& reward0, double& reward1, double& kl1) {
    PPOTextConfig c;
    c.emb = 8, c.hidden = 8, c.lr = 3e-3f, c.gae_lambda = 0.95f, c.episodes_per_update = 32, c.batch_size = 16;
    c.beta = beta, c.seed = 1;
    PPOText a(30, 6, c);
    RunConfig rc;
    rc.env_id = "TextOracle-v0";
    rc.env_options = {{"vocab", 30}, {"seq_len", 6}, {"emb", 8}, {"hidden", 8}, {"oracle_seed", 3}};
    rc.total_steps = 32 * 7 * 60;  // 60 updates of 32 sequences (6 tokens and a reset step each)
    rc.num_envs = 32;
    rc.seed = 1;
    rc.eval_every = 0;
    rc.final_eval_episodes = 1;
    rc.log_every = 0;
    rc.progress = false;
    rc.handle_sigint = false;
    rc.out_dir = "/tmp/seqrl_ppo_text_" + std::to_string(::getpid()) + "_" + std::to_string(int(beta * 100));
    std::system(("rm -rf " + rc.out_dir).c_str());
    (void)run(a, rc);
    std::vector<double> rewards, kls;
    for (const auto& m : test::metrics_of(rc.out_dir))
      if (m.contains("env_reward")) rewards.push_back(m["env_reward"]), kls.push_back(m["kl"]);
    std::system(("rm -rf " + rc.out_dir).c_str());
    REQUIRE(rewards.size() >= 50);
    auto mean = [](const std::vector<double>& v, size_t b, size_t e) {
      double s = 0;
      for (size_t i = b; i < e; ++i) s += v[i] / double(e - b);
      return s;
    };
    const size_t n = rewards.size();
    reward0 = mean(rewards, 0, 5), reward1 = mean(rewards, n - 10, n), kl1 = mean(kls, n - 10, n);
  };
  double r0, r1, kl1, q0, q1, kq;
  train(0.01f, r0, r1, kl1);
  train(5.f, q0, q1, kq);
  INFO("beta 0.01: reward " << r0 << " -> " << r1 << ", KL " << kl1 << "; beta 5: reward " << q0 << " -> " << q1
                            << ", KL " << kq);
  CHECK(r1 > r0 + 1.0);  // the oracle's log-likelihood rises
  CHECK(kq < kl1 / 3);   // the anchor holds the policy near its start
}

TEST_CASE("NLPO's nucleus: the fewest most likely tokens whose mass reaches top_p", "[agents][ppo]") {
  // probabilities 0.5, 0.3, 0.15, 0.05 in the order 2, 0, 3, 1
  const float logits[] = {std::log(0.3f), std::log(0.05f), std::log(0.5f), std::log(0.15f)};
  std::vector<float> bias(4);
  auto kept = [&](double p) {
    nucleus_bias(logits, 4, p, bias.data());
    std::vector<int> k;
    for (int v = 0; v < 4; ++v) {
      CHECK((bias[v] == 0.f || bias[v] == kMasked));
      if (bias[v] == 0.f) k.push_back(v);
    }
    return k;
  };
  CHECK(kept(0.1) == std::vector<int>{2});
  CHECK(kept(0.5) == std::vector<int>{2});
  CHECK(kept(0.6) == std::vector<int>{0, 2});
  CHECK(kept(0.9) == std::vector<int>{0, 2, 3});
  CHECK(kept(1.0) == std::vector<int>{0, 1, 2, 3});
  const float flat[] = {1.f, 1.f, 1.f, 1.f};  // ties: the lower ids first
  nucleus_bias(flat, 4, 0.5, bias.data());
  CHECK(bias == std::vector<float>{0.f, 0.f, kMasked, kMasked});
}

TEST_CASE("NLPO: the masked surrogate is the clipped objective of the renormalised distributions, with its gradient", "[agents][ppo][grad]") {
  nets::LSTMGeneratorConfig gc;
  gc.vocab = 7, gc.emb = 4, gc.hidden = 5, gc.seq_len = 4;
  nets::Rng rng(12);
  nets::LSTMGenerator g(gc, rng);
  const size_t B = 3, T = 4, V = 7;
  nets::IntTensor seqs = nets::IntTensor::from_shape({B, T});
  for (auto& x : seqs) x = int32_t(rng.randint(V));
  nets::Tensor mask = nets::Tensor::from_shape({B, T}), adv = test::random_tensor({B, T}, rng);
  std::fill(mask.begin(), mask.end(), 1.f);
  // a mask of 3 or 4 tokens at each position, each sequence's token among them
  nets::Tensor bias = nets::Tensor::from_shape({B * T, V});
  for (size_t i = 0; i < B * T; ++i)
    for (size_t v = 0; v < V; ++v)
      bias(i, v) = (v == size_t(seqs.data()[i]) || (v + i) % 2 == 0) ? 0.f : kMasked;
  // with nothing masked it is the plain surrogate, value and gradient
  nets::Tensor none = nets::Tensor::from_shape({B * T, V});
  std::fill(none.begin(), none.end(), 0.f);
  const nets::Tensor lp = g.log_probs(seqs);
  nets::Tensor old = lp;
  for (size_t i = 0; i < old.size(); ++i) old.data()[i] -= 0.3f * std::sin(float(i));
  auto grads = [&](const nets::Tensor* b) {
    for (auto& [name, p] : g.named_parameters()) p.zero_grad();
    nets::Var l = PPOText::token_surrogate(g, seqs, old, adv, mask, 0.2f, nullptr, nullptr, b);
    l.backward();
    std::vector<float> out;
    for (auto& [name, p] : g.named_parameters()) out.insert(out.end(), p.grad().begin(), p.grad().end());
    return std::make_pair(l.item(), out);
  };
  const auto plain = grads(nullptr), unmasked = grads(&none);
  CHECK(unmasked.first == Approx(plain.first).epsilon(1e-5));
  for (size_t i = 0; i < plain.second.size(); ++i) CHECK(unmasked.second[i] == Approx(plain.second[i]).margin(1e-5));

  // masked: log p_masked(y) = log p(y) - log sum_{v in mask} p(v), by hand from the full softmax
  auto masked_lp = [&]() {
    nets::Tensor out = nets::Tensor::from_shape({B, T});
    for (size_t b = 0; b < B; ++b)
      for (size_t t = 0; t < T; ++t) {
        const nets::Tensor l = g.next_logits(seqs, t);  // [B, V] after t tokens
        double z = 0, mx = -1e30;
        for (size_t v = 0; v < V; ++v) mx = std::max(mx, double(l(b, v)));
        for (size_t v = 0; v < V; ++v)
          if (bias(b * T + t, v) == 0.f) z += std::exp(double(l(b, v)) - mx);
        out(b, t) = float(double(l(b, size_t(seqs(b, t)))) - mx - std::log(z));
      }
    return out;
  };
  const nets::Tensor mlp = masked_lp();
  for (size_t i = 0; i < mlp.size(); ++i) {
    CHECK(mlp.data()[i] > lp.data()[i]);  // renormalised over fewer tokens: more likely
    old.data()[i] = mlp.data()[i] - 0.3f * std::sin(float(i));
  }
  CHECK(PPOText::masked_log_probs(g, seqs, bias).value().size() == B * T);
  for (size_t i = 0; i < mlp.size(); ++i)
    CHECK(PPOText::masked_log_probs(g, seqs, bias).value().data()[i] == Approx(mlp.data()[i]).margin(1e-5));
  auto surrogate = [&]() {
    const nets::Tensor l = masked_lp();
    double v = 0;
    for (size_t i = 0; i < l.size(); ++i) {
      const double r = std::exp(double(l.data()[i]) - old.data()[i]), a = adv.data()[i];
      v -= std::min(r * a, std::clamp(r, 0.8, 1.2) * a) / double(l.size());
    }
    return v;
  };
  const auto masked = grads(&bias);
  CHECK(masked.first == Approx(surrogate()).epsilon(1e-5));
  size_t k = 0, checked = 0;
  for (auto& [name, p] : g.named_parameters()) {
    for (size_t i = 0; i < p.size(); ++i, ++k) {
      if (i % std::max<size_t>(1, p.size() / 5)) continue;
      INFO(name << "[" << i << "]");
      CHECK(masked.second[k] == Approx(central_difference(p.value().data()[i], surrogate)).margin(2e-4).epsilon(3e-2));
      ++checked;
    }
  }
  CHECK(checked > 15);
}

TEST_CASE("NLPO acts only inside the anchor's nucleus", "[agents][ppo]") {
  auto first_tokens = [](float top_p) {
    PPOTextConfig c;
    c.emb = 4, c.hidden = 6, c.seed = 5, c.top_p = top_p;
    PPOText agent(12, 4, c);
    // the anchor is the policy as it starts: its nucleus after the empty prefix and after token 3
    nets::IntTensor pre = nets::IntTensor::from_shape({1, 4});
    std::fill(pre.begin(), pre.end(), 3);
    std::vector<float> in0(12), in1(12);
    nucleus_bias(agent.generator()->next_logits(pre, 0).data(), 12, 0.6, in0.data());
    nucleus_bias(agent.generator()->next_logits(pre, 1).data(), 12, 0.6, in1.data());
    nets::Tensor obs = nets::Tensor::from_shape({3000, 4});
    std::fill(obs.begin(), obs.end(), -1.f);
    for (size_t i = 1500; i < 3000; ++i) obs(i, 0) = 3.f;  // half the rows one token in
    size_t outside = 0, kept = 0;
    for (size_t v = 0; v < 12; ++v) kept += in0[v] == 0.f;
    const auto acts = agent.act(obs, false);
    for (size_t i = 0; i < 3000; ++i) {
      const auto tok = size_t(acts[i].index);
      outside += (i < 1500 ? in0[tok] : in1[tok]) != 0.f;
    }
    CHECK(kept < 12);  // the nucleus leaves tokens out
    return outside;
  };
  CHECK(first_tokens(0.6f) == 0);
  CHECK(first_tokens(1.f) > 100);  // unmasked, the policy samples outside it
}
