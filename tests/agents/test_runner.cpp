// The runner's checkpoints: a run stopped part-way (as Ctrl-C stops it) and resumed ends exactly
// where the same run without a stop ends: agent state, evaluation curve and metrics lines.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "seqrl/agents/dqn/dqn.hpp"
#include "seqrl/agents/ppo/ppo.hpp"
#include "seqrl/agents/ppo/ppo_lstm.hpp"
#include "seqrl/agents/reinforce/reinforce.hpp"
#include "seqrl/agents/runner.hpp"
#include "seqrl/agents/run_dir.hpp"
#include "seqrl/agents/leakgan/leakgan.hpp"
#include "seqrl/agents/seqgan/seqgan.hpp"
#include "seqrl/agents/reinforce/reinforce_lstm.hpp"
#include "seqrl/env/registry.hpp"
#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/nets/ops.hpp"
#include "seqrl/nets/optim.hpp"

using namespace seqrl;
using namespace seqrl::agents;

namespace {
std::string tmpdir(const std::string& tag) {
  return "/tmp/seqrl_runner_" + tag + "_" + std::to_string(::getpid());
}

// metrics.csv without its wall-clock column
std::vector<std::string> metric_lines(const std::string& dir) {
  std::ifstream f(dir + "/metrics.csv");
  std::vector<std::string> out;
  for (std::string line; std::getline(f, line);) {
    std::stringstream ss(line);
    std::string step, secs, rest;
    std::getline(ss, step, ',');
    std::getline(ss, secs, ',');
    std::getline(ss, rest);
    out.push_back(step + "," + rest);
  }
  return out;
}

template <class MakeAgent>
void check_stop_and_resume(MakeAgent make_agent, RunConfig cfg, long stop_at, const std::string& tag) {
  const std::string da = tmpdir(tag + "_a"), db = tmpdir(tag + "_b");
  cfg.progress = false;
  cfg.handle_sigint = false;
  // the run without a stop
  auto a = make_agent();
  cfg.out_dir = da;
  RunResult ra = run(*a, cfg);
  REQUIRE_FALSE(ra.interrupted);
  // the same run, stopped at stop_at and resumed by a fresh agent
  auto b = make_agent();
  cfg.out_dir = db;
  cfg.on_step = [&](long step) {
    if (step >= stop_at) request_stop();
  };
  RunResult rb1 = run(*b, cfg);
  REQUIRE(rb1.interrupted);
  REQUIRE(rb1.steps >= stop_at);
  REQUIRE(rb1.steps < cfg.total_steps);
  REQUIRE(rb1.checkpoint == db + "/checkpoint.safetensors");
  {
    // a stale line after the checkpoint is dropped on resume
    std::ofstream junk(db + "/metrics.csv", std::ios::app);
    junk << "999999,0,junk,1\n";
  }
  cfg.on_step = nullptr;
  cfg.resume = rb1.checkpoint;
  auto c = make_agent();
  RunResult rc = run(*c, cfg);
  REQUIRE_FALSE(rc.interrupted);
  CHECK(rc.steps == ra.steps);
  CHECK(rc.final_eval.mean == ra.final_eval.mean);
  CHECK(rc.final_eval.std == ra.final_eval.std);
  CHECK(rc.eval_curve == ra.eval_curve);
  CHECK(metric_lines(db) == metric_lines(da));
  nets::SafeTensors sa, sc;
  a->save_state(sa);
  c->save_state(sc);
  REQUIRE(sa.tensors.size() == sc.tensors.size());
  for (auto& [name, t] : sa.tensors) {
    INFO(name);
    REQUIRE(sc.tensors.count(name));
    CHECK((t == sc.tensors.at(name)));
  }
  CHECK(sa.metadata == sc.metadata);
  std::system(("rm -rf " + da + " " + db).c_str());
}
}  // namespace

TEST_CASE("DQN: a run stopped by request_stop and resumed equals the run without a stop", "[agents][runner]") {
  DQNConfig c;
  c.hidden = {32, 32};
  c.buffer_size = 5000;
  c.learning_starts = 300;
  c.train_frequency = 4;
  c.total_steps = 3000;
  c.seed = 3;
  RunConfig rc;
  rc.env_id = "CartPole-v1";
  rc.total_steps = 3000;
  rc.num_envs = 2;
  rc.seed = 3;
  rc.eval_every = 1000;
  rc.eval_episodes = 2;
  rc.final_eval_episodes = 3;
  rc.checkpoint_every = 700;
  check_stop_and_resume([&] { return std::make_unique<DQN>(4, 2, c); }, rc, 1501, "dqn");
}

TEST_CASE("REINFORCE: stopping mid-episode and resuming equals the run without a stop", "[agents][runner]") {
  ReinforceConfig c;
  c.hidden = {16};
  c.episodes_per_update = 3;
  c.seed = 4;
  RunConfig rc;
  rc.env_id = "Pendulum-v1";  // Gaussian policy, 200-step episodes: the stop lands mid-episode
  rc.total_steps = 2400;
  rc.num_envs = 2;
  rc.seed = 4;
  rc.eval_every = 800;
  rc.eval_episodes = 1;
  rc.final_eval_episodes = 2;
  auto probe = env::make("Pendulum-v1");
  check_stop_and_resume([&] { return std::make_unique<Reinforce>(3, probe->action_space(), c); },
                        rc, 1111, "reinforce");
}

TEST_CASE("PPO and A2C: stopped mid-rollout and resumed equals the run without a stop", "[agents][runner][ppo]") {
  auto probe = env::make("Pendulum-v1");
  for (const char* algo : {"ppo", "a2c"}) {
    // Gaussian policy with VecNormalize's statistics, truncated 200-step episodes (bootstrapped),
    // a clipped value loss and annealing: everything a rollout carries across a checkpoint
    PPOConfig c;
    c.algo = algo;
    c.hidden = {16};
    c.n_steps = 48;  // 96 transitions a rollout: the stop at 1111 lands inside one
    c.batch_size = 32;
    c.n_epochs = 2;
    c.normalize = true;
    c.clip_range_vf = 0.2f;
    c.anneal_lr = c.anneal_clip = true;
    c.total_steps = 2400;
    c.seed = 4;
    RunConfig rc;
    rc.env_id = "Pendulum-v1";
    rc.total_steps = 2400;
    rc.num_envs = 2;
    rc.seed = 4;
    rc.eval_every = 800;
    rc.eval_episodes = 1;
    rc.final_eval_episodes = 2;
    INFO(algo);
    check_stop_and_resume([&] { return std::make_unique<PPO>(3, probe->action_space(), c); }, rc, 1111, algo);
  }
}

TEST_CASE("resuming checks that the checkpoint belongs to this run", "[agents][runner]") {
  const std::string d = tmpdir("mismatch");
  DQNConfig c;
  c.hidden = {8};
  c.total_steps = 200;
  RunConfig rc;
  rc.total_steps = 200;
  rc.eval_every = 0;
  rc.final_eval_episodes = 1;
  rc.progress = false;
  rc.out_dir = d;
  DQN a(4, 2, c);
  RunResult r = run(a, rc);
  REQUIRE_FALSE(r.checkpoint.empty());
  rc.resume = r.checkpoint;
  rc.seed = 99;
  DQN b(4, 2, c);
  CHECK_THROWS_WITH(run(b, rc), Catch::Contains(r.checkpoint) && Catch::Contains("seed"));
  rc.seed = 1;
  rc.checkpoint_every = 50;
  rc.out_dir.clear();
  CHECK_THROWS_WITH(run(b, rc), Catch::Contains("out_dir"));
  std::system(("rm -rf " + d).c_str());
}

TEST_CASE("REINFORCE with an LSTM policy on a text env: stop and resume equals the straight run", "[agents][runner][text]") {
  SequencePGConfig c;
  c.emb = 8;
  c.hidden = 8;
  c.episodes_per_update = 6;
  c.seed = 5;
  RunConfig rc;
  rc.env_id = "TextOracle-v0";
  rc.env_options = {{"vocab", 50}, {"seq_len", 6}, {"emb", 8}, {"hidden", 8}, {"oracle_seed", 3}};
  rc.total_steps = 1200;
  rc.num_envs = 4;
  rc.seed = 5;
  rc.eval_every = 400;
  rc.eval_episodes = 2;
  rc.final_eval_episodes = 3;
  check_stop_and_resume([&] { return std::make_unique<SequencePG>(50, 6, c); }, rc, 514, "text");
}

TEST_CASE("PPO with a KL anchor on a text env: stop and resume equals the straight run", "[agents][runner][text][ppo]") {
  PPOTextConfig c;
  c.emb = 8;
  c.hidden = 8;
  c.episodes_per_update = 6;
  c.batch_size = 4;
  c.n_epochs = 2;
  c.lr = 1e-2f;
  c.beta = 0.05f;
  c.target_kl = 0.5f;  // adaptive: beta is part of the state
  c.kl_horizon = 100.f;
  c.seed = 5;
  RunConfig rc;
  rc.env_id = "TextOracle-v0";
  rc.env_options = {{"vocab", 50}, {"seq_len", 6}, {"emb", 8}, {"hidden", 8}, {"oracle_seed", 3}};
  rc.total_steps = 1200;
  rc.num_envs = 4;
  rc.seed = 5;
  rc.eval_every = 400;
  rc.eval_episodes = 2;
  rc.final_eval_episodes = 3;
  check_stop_and_resume([&] { return std::make_unique<PPOText>(50, 6, c); }, rc, 514, "ppo_text");
}

TEST_CASE("SeqGAN under the runner: stopped mid-batch and resumed equals the straight run", "[agents][runner][text][seqgan]") {
  SeqGANAgentConfig c;
  c.env_id = "TextOracle-v0";
  c.env_options = {{"vocab", 40}, {"seq_len", 6}, {"oracle_seed", 3}};
  c.samples = 256;
  auto& g = c.gan;
  g.emb = 8, g.hidden = 8, g.batch = 8;
  g.pretrain_g_epochs = 2, g.pretrain_d_rounds = 1, g.d_steps = 2, g.negatives = 64, g.rollouts = 2;
  g.disc.emb = 8, g.disc.filter_sizes = {2, 3}, g.disc.num_filters = {8, 8};
  g.eval_every = 2, g.eval_samples = 64, g.seed = 4;
  RunConfig rc;
  rc.env_id = c.env_id;
  rc.env_options = c.env_options;
  rc.total_steps = 5 * 8 * 7;  // five g-steps of 8 episodes (6 tokens and a reset step each)
  rc.num_envs = 8;
  rc.seed = 4;
  rc.eval_every = 0;
  rc.final_eval_episodes = 2;
  rc.log_every = 0;
  auto probe = env::make(rc.env_id, rc.env_options);
  auto make = [&] { return SeqGANAgent::for_spaces(probe->observation_space(), probe->action_space(), c); };
  // step 152 is inside the third batch's episodes: some finished, all running
  check_stop_and_resume(make, rc, 152, "seqgan");
}

TEST_CASE("LeakGAN under the runner: stopped mid-batch and resumed equals the straight run", "[agents][runner][text][leakgan]") {
  LeakGANAgentConfig c;
  c.env_id = "TextOracle-v0";
  c.env_options = {{"vocab", 40}, {"seq_len", 6}, {"oracle_seed", 3}};
  c.samples = 256;
  auto& g = c.gan;
  g.emb = 6, g.hidden = 6, g.goal_size = 3, g.step_size = 2, g.batch = 8;
  g.pretrain_rounds = 1, g.pretrain_g_epochs = 1, g.pretrain_d_rounds = 1, g.d_steps = 2, g.negatives = 64, g.rollouts = 2;
  g.disc.emb = 8, g.disc.filter_sizes = {2, 3}, g.disc.num_filters = {8, 8};
  g.eval_every = 2, g.eval_samples = 64, g.seed = 4;
  RunConfig rc;
  rc.env_id = c.env_id;
  rc.env_options = c.env_options;
  rc.total_steps = 5 * 8 * 7;  // five g-steps of 8 episodes (6 tokens and a reset step each)
  rc.num_envs = 8;
  rc.seed = 4;
  rc.eval_every = 0;
  rc.final_eval_episodes = 2;
  rc.log_every = 0;
  auto probe = env::make(rc.env_id, rc.env_options);
  auto make = [&] { return LeakGANAgent::for_spaces(probe->observation_space(), probe->action_space(), c); };
  check_stop_and_resume(make, rc, 152, "leakgan");
  // with the reference's Adam started afresh at the first batch (stopped in the third, the
  // resumed run must not start it again), and the figures on both sides of D's rounds
  g.fresh_adversarial_adam = true, g.eval_point = "both";
  check_stop_and_resume(make, rc, 152, "leakgan_fresh_adam");
}

TEST_CASE("RunDir: one flat metrics line per log, its figures in metrics.csv, cut back to a checkpoint's sizes", "[runner]") {
  const std::string dir = tmpdir("rundir");
  nlohmann::json saved;
  {
    RunDir rd(dir);
    rd.open();
    rd.log(10, 0.5, nlohmann::json{{"nll", 2.5}, {"kl", {{"mean", 0.25}}}, {"note", "x"}, {"ok", true}});
    saved = rd.state();
    rd.log(20, 1.0, Metrics{{"nll", 2.0}});
    rd.write_summary({{"steps", 20}});
  }
  std::ifstream j(dir + "/metrics.jsonl");
  std::string l1, l2;
  std::getline(j, l1);
  std::getline(j, l2);
  const auto a = nlohmann::json::parse(l1);
  CHECK(a["step"] == 10);
  CHECK(a["nll"] == 2.5);
  CHECK(a["kl.mean"] == 0.25);  // nested figures flattened
  CHECK(a["note"] == "x");
  CHECK(nlohmann::json::parse(l2)["nll"] == 2.0);
  // metrics.csv: the numbers, one row each (not the string)
  CHECK(metric_lines(dir) == std::vector<std::string>{"step,name,value", "10,kl.mean,0.25", "10,nll,2.5", "10,ok,1",
                                                       "20,nll,2"});
  CHECK(nlohmann::json::parse(std::ifstream(dir + "/summary.json"))["steps"] == 20);
  // resuming from the state saved after the first line drops the second from both files
  {
    RunDir rd(dir);
    rd.open(&saved, "ckpt");
    rd.log(20, 1.0, Metrics{{"nll", 1.5}});
  }
  CHECK(metric_lines(dir) == std::vector<std::string>{"step,name,value", "10,kl.mean,0.25", "10,nll,2.5", "10,ok,1",
                                                       "20,nll,1.5"});
  // a state that claims more than the files hold names the checkpoint
  saved["jsonl_bytes"] = 1 << 20;
  RunDir bad(dir);
  CHECK_THROWS_WITH(bad.open(&saved, "ckpt.safetensors"), Catch::Contains("ckpt.safetensors"));
}

namespace {
// An agent whose one weight is trained by Adam on w^2, until update `poison` makes its loss NaN.
class PoisonedAgent : public Agent {
 public:
  explicit PoisonedAgent(long poison) : poison_(poison), w_(nets::Tensor{1.f}, true), opt_({{"w", w_}}, 0.01f) {}
  std::string name() const override { return "poisoned"; }
  std::vector<env::Action> act(const nets::Tensor&, bool) override { return {env::Action(0)}; }
  void observe(const Transitions&) override {}
  Metrics update() override {
    ++updates_;
    opt_.zero_grad();
    nets::Var loss = nets::sum(w_ * w_ * (updates_ == poison_ ? NAN : 1.f));
    loss.backward();
    opt_.step();
    return {{"loss", loss.item()}};
  }
  long updates() const override { return updates_; }
  void save_state(nets::SafeTensors& out) const override {
    out.tensors["w"] = w_.value();
    out.metadata["agent"] = "poisoned";
  }
  void load_state(const nets::SafeTensors&, const std::string&) override {}

 private:
  long poison_, updates_ = 0;
  nets::Var w_;
  nets::Adam opt_;
};

std::string read_all(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}
}  // namespace

TEST_CASE("a NaN gradient stops the run naming the tensor and the step, and the last checkpoint is kept", "[agents][runner]") {
  const std::string dir = tmpdir("nan");
  PoisonedAgent agent(25);
  RunConfig rc;
  rc.env_id = "CartPole-v1";
  rc.total_steps = 100;
  rc.eval_every = 0;
  rc.checkpoint_every = 10;
  rc.progress = false;
  rc.handle_sigint = false;
  rc.out_dir = dir;
  std::string last_good;
  rc.on_step = [&](long step) {
    if (step > 20) last_good = read_all(dir + "/checkpoint.safetensors");  // the step-20 checkpoint
  };
  try {
    run(agent, rc);
    FAIL("no throw");
  } catch (const NumericError& e) {
    const std::string m = e.what();
    INFO(m);
    CHECK_THAT(m, Catch::Contains("'w'") && Catch::Contains("stopped at step 25") &&
                      Catch::Contains("(step 20), is intact"));
  }
  REQUIRE_FALSE(last_good.empty());
  CHECK(read_all(dir + "/checkpoint.safetensors") == last_good);  // not overwritten
  const nets::SafeTensors st = nets::load_safetensors(dir + "/checkpoint.safetensors");
  CHECK(std::isfinite(st.tensors.at("w")(0)));
  CHECK(nlohmann::json::parse(st.metadata.at("run.state"))["step"] == 20);
  std::system(("rm -rf " + dir).c_str());
}
