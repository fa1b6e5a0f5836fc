// Your own parts with the whole seqrl command: a new agent (tabular Q-learning, Watkins 1989, for
// Discrete observations and actions) and a new reward model (a text env's reward: so much per
// token of the finished sentence), each registered in one call, then seqrl::apps::main. This
// program is `seqrl` with both: train, eval, rollout and suite take --agent qlearning and
// {"reward_model": "length:0.1"}, with checkpoints, resume and reports as for the built-in parts.
//   new_agent train --agent qlearning --env FrozenLake-v1 --env-options '{"is_slippery": false}' --out q
//   new_agent eval --checkpoint q --episodes 20
//   new_agent suite my_suite.json --out suite
#include <algorithm>
#include <cstdio>

#include <seqrl/agents/registry.hpp>
#include <seqrl/agents/runner.hpp>
#include <seqrl/apps/main.hpp>
#include <seqrl/env/registry.hpp>
#include <seqrl/env/space.hpp>
#include <seqrl/env/text/model_rewards.hpp>
#include <seqrl/nets/checkpoint.hpp>
#include <seqrl/text/vocab.hpp>

using namespace seqrl;

class QLearning : public agents::Agent {
 public:
  // config: alpha (learning rate), gamma, epsilon, seed (its spec below gives the defaults)
  QLearning(int64_t states, int64_t actions, const nlohmann::json& config)
      : q_(xt::zeros<float>({size_t(states), size_t(actions)})), alpha_(config.at("alpha").get<float>()),
        gamma_(config.at("gamma").get<float>()), epsilon_(config.at("epsilon").get<float>()),
        rng_(config.at("seed").get<uint64_t>()), config_(config) {}
  std::string name() const override { return "qlearning"; }

  std::vector<env::Action> act(const nets::Tensor& obs, bool deterministic) override {
    std::vector<env::Action> out;
    const size_t nA = q_.shape()[1];
    for (size_t i = 0; i < obs.shape()[0]; ++i) {
      if (!deterministic && rng_.uniform() < epsilon_) {
        out.emplace_back(static_cast<int64_t>(rng_.randint(nA)));
        continue;
      }
      const float* row = q_.data() + size_t(obs.data()[i]) * nA;
      const float best = *std::max_element(row, row + nA);
      std::vector<int64_t> ties;  // break ties at random, or an untrained table always goes left
      for (size_t a = 0; a < nA; ++a)
        if (row[a] == best) ties.push_back(static_cast<int64_t>(a));
      out.emplace_back(ties[deterministic ? 0 : rng_.randint(ties.size())]);
    }
    return out;
  }

  void observe(const agents::Transitions& t) override {
    const size_t nA = q_.shape()[1];
    for (size_t i = 0; i < t.actions.size(); ++i) {
      if (!t.valid[i]) continue;
      const size_t s = size_t(t.obs.data()[i]), s2 = size_t(t.next_obs.data()[i]);
      const float* next = q_.data() + s2 * nA;
      const float boot = t.terminated[i] ? 0.f : *std::max_element(next, next + nA);
      float& q = q_(s, size_t(t.actions[i].index));
      q += alpha_ * (static_cast<float>(t.rewards[i]) + gamma_ * boot - q);
    }
  }
  agents::Metrics update() override { return {}; }  // learns in observe()
  void save_state(nets::SafeTensors& out) const override {
    out.tensors["q"] = q_;
    out.metadata["agent"] = "qlearning";      // the registered kind: eval and resume find it
    out.metadata["config"] = config_.dump();  // and make it again from this
    out.metadata["rng"] = rng_.state();
  }
  void load_state(const nets::SafeTensors& in, const std::string&) override {
    q_ = in.tensors.at("q");
    rng_.set_state(in.metadata.at("rng"));
  }

 private:
  nets::Tensor q_;
  float alpha_, gamma_, epsilon_;
  nets::Rng rng_;
  nlohmann::json config_;
};

// What `seqrl train --agent qlearning` needs: its spaces, its config with defaults and options,
// and how to make it (restoring: its state is loaded from a checkpoint right after).
agents::AgentSpec qlearning_spec() {
  agents::AgentSpec s;
  s.kind = s.name = "qlearning";
  s.summary = "tabular Q-learning (Watkins 1989), epsilon-greedy";
  s.spaces = "Discrete observations, Discrete actions";
  s.supports = [](const env::Space& o, const env::Space& a) {
    return dynamic_cast<const env::Discrete*>(&o) && dynamic_cast<const env::Discrete*>(&a);
  };
  s.defaults = [](const std::string&, const std::string&) {
    return nlohmann::json{{"alpha", 0.5}, {"gamma", 0.95}, {"epsilon", 0.2}, {"seed", 1}};
  };
  s.run_defaults = [](agents::RunConfig& r, const std::string&, const std::string&) { r.total_steps = 20000; };
  s.options = {{"alpha", "/alpha", "learning rate of the table"},
               {"gamma", "/gamma", "discount"},
               {"epsilon", "/epsilon", "exploration rate"}};
  s.bind = [](nlohmann::json& c, const agents::AgentContext& x) { c["seed"] = x.seed; };
  s.make = [](const env::Space& o, const env::Space& a, const nlohmann::json& c, bool) -> std::unique_ptr<agents::Agent> {
    return std::make_unique<QLearning>(o.n(), a.n(), c);
  };
  return s;
}

// A reward model: ARG (per token) times the sentence's length in tokens, up to its end token.
class LengthReward : public env::RewardModel {
 public:
  explicit LengthReward(double per_token) : per_token_(per_token) {}
  std::string name() const override { return "length"; }
  std::vector<double> score(const nets::IntTensor& s) override {
    std::vector<double> r(s.shape()[0], 0.0);
    for (size_t i = 0; i < r.size(); ++i)
      for (size_t t = 0; t < s.shape()[1] && s(i, t) != text::Vocabulary::kEos; ++t) r[i] += per_token_;
    return r;
  }

 private:
  double per_token_;
};

int main(int argc, char** argv) {
  agents::register_agent(qlearning_spec());
  env::register_reward_model({"length", "ARG x the sentence's length in tokens", "the reward per token (a number)",
                              [](const env::RewardModelArgs& a) {
                                return std::make_shared<LengthReward>(a.arg.empty() ? 1.0 : std::stod(a.arg));
                              }});
  return apps::main(argc, argv);
}
