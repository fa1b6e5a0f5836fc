// A new agent written against seqrl's public API: tabular Q-learning (Watkins 1989) for Discrete
// observations and actions, trained by the standard runner on FrozenLake.
#include <algorithm>
#include <cstdio>

#include <seqrl/agents/runner.hpp>
#include <seqrl/env/registry.hpp>
#include <seqrl/nets/checkpoint.hpp>

using namespace seqrl;

class QLearning : public agents::Agent {
 public:
  QLearning(int64_t states, int64_t actions, float alpha, float gamma, float epsilon, uint64_t seed)
      : q_(xt::zeros<float>({size_t(states), size_t(actions)})), alpha_(alpha), gamma_(gamma),
        epsilon_(epsilon), rng_(seed) {}
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
    out.metadata["agent"] = "qlearning";
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
};

int main() {
  auto e = env::make("FrozenLake-v1", {{"is_slippery", false}});
  QLearning agent(e->observation_space().n() ? e->observation_space().n() : 16,
                  e->action_space().n(), 0.5f, 0.95f, 0.2f, 1);
  agents::RunConfig rc;
  rc.env_id = "FrozenLake-v1";
  rc.env_options = {{"is_slippery", false}};
  rc.total_steps = 20000;
  rc.eval_every = 0;
  rc.final_eval_episodes = 20;
  rc.progress = false;
  agents::RunResult r = agents::run(agent, rc);
  std::printf("Q-learning on FrozenLake-v1 after %ld steps: success rate %.2f\n", r.steps,
              r.final_eval.mean);
  return r.final_eval.mean >= 0.99 ? 0 : 1;
}
