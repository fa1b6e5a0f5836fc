// A new agent for a text environment, written against seqrl's public API: a bigram policy (the
// next token's logits depend on the previous token alone) trained by the cross-entropy method
// on the synthetic oracle task (TextOracle-v0: the state is the token prefix, the action the next
// token, the reward at the end the oracle LSTM's mean log-likelihood of the sentence). It uses
// what every text agent shares (seqrl/agents/text_policy.hpp): next_tokens() turns any
// next-token logits into a batch of actions, TextEpisodes collects the sub-envs' episodes.
// (Maximising the oracle's likelihood this way finds a few very likely sentences and loses
// diversity: the reason SeqGAN rewards with a discriminator instead.)
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include <seqrl/agents/random/random.hpp>
#include <seqrl/agents/runner.hpp>
#include <seqrl/agents/text_policy.hpp>
#include <seqrl/env/registry.hpp>
#include <seqrl/nets/checkpoint.hpp>

using namespace seqrl;

class BigramCEM : public agents::Agent {
 public:
  // V tokens, sentences of T; every update refits the bigram table towards the best `elite`
  // share of `batch` finished episodes, by `step` (a moving average of distributions).
  BigramCEM(size_t V, size_t T, size_t batch, double elite, double step, uint64_t seed)
      : V_(V), T_(T), batch_(batch), elite_(elite), step_(step), rng_(seed),
        probs_(xt::ones<float>({V + 1, V}) / float(V)) {}  // row V: the first token
  std::string name() const override { return "bigram-cem"; }

  std::vector<env::Action> act(const nets::Tensor& obs, bool deterministic) override {
    // logits for prefixes that share their length `given`: the row of each one's last token
    auto logits = [&](const nets::IntTensor& prefix, size_t given) {
      nets::Tensor out = nets::Tensor::from_shape({prefix.shape()[0], V_});
      for (size_t r = 0; r < prefix.shape()[0]; ++r) {
        const size_t prev = given ? size_t(prefix(r, given - 1)) : V_;
        for (size_t v = 0; v < V_; ++v) out(r, v) = std::log(probs_(prev, v));
      }
      return out;
    };
    return agents::next_tokens(logits, T_, V_, obs, deterministic, rng_, name());
  }

  void observe(const agents::Transitions& t) override { episodes_.observe(t); }

  agents::Metrics update() override {
    if (episodes_.finished.size() < batch_) return {};
    std::vector<double> returns;
    for (size_t b = 0; b < batch_; ++b) {
      const auto& r = episodes_.finished[b].rewards;
      returns.push_back(std::accumulate(r.begin(), r.end(), 0.0));
    }
    std::vector<size_t> lengths;
    double mean = 0;
    const nets::IntTensor seqs = episodes_.take_batch(batch_, T_, 0, lengths, mean);
    std::vector<size_t> order(batch_);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return returns[a] > returns[b]; });
    // the elite's bigram counts (lightly smoothed), mixed into the rows they visit
    const size_t n_elite = std::max<size_t>(1, size_t(elite_ * double(batch_)));
    nets::Tensor counts = xt::zeros<float>({V_ + 1, V_});
    for (size_t k = 0; k < n_elite; ++k)
      for (size_t t = 0; t < lengths[order[k]]; ++t)
        counts(t ? size_t(seqs(order[k], t - 1)) : V_, size_t(seqs(order[k], t))) += 1.f;
    for (size_t p = 0; p <= V_; ++p) {
      float sum = 0;
      for (size_t v = 0; v < V_; ++v) sum += counts(p, v);
      if (sum == 0) continue;  // a previous token no elite sentence has
      for (size_t v = 0; v < V_; ++v)
        probs_(p, v) = float((1 - step_) * probs_(p, v) + step_ * (counts(p, v) + 0.01) / (sum + 0.01 * V_));
    }
    ++updates_;
    last_mean_ = mean;
    return {{"return_mean", mean}, {"elite_return", returns[order[n_elite - 1]]}};
  }
  long updates() const override { return updates_; }
  double last_batch_return() const { return last_mean_; }  // the sampled policy's, last batch

  void save_state(nets::SafeTensors& out) const override {  // (episodes in progress are not kept)
    out.tensors["probs"] = probs_;
    out.metadata["agent"] = "bigram-cem";
    out.metadata["rng"] = rng_.state();
  }
  void load_state(const nets::SafeTensors& in, const std::string&) override {
    probs_ = in.tensors.at("probs");
    rng_.set_state(in.metadata.at("rng"));
  }

 private:
  size_t V_, T_, batch_;
  double elite_, step_;
  nets::Rng rng_;
  nets::Tensor probs_;  // [V + 1, V]: P(next | previous), row V for the first token
  agents::TextEpisodes episodes_;
  long updates_ = 0;
  double last_mean_ = 0;
};

int main() {
  const nlohmann::json opts = {{"vocab", 50}, {"seq_len", 8}};  // a small random oracle (seed 0)
  BigramCEM agent(50, 8, 64, 0.2, 0.3, 1);
  agents::RunConfig rc;
  rc.env_id = "TextOracle-v0";
  rc.env_options = opts;
  rc.num_envs = 16;
  rc.total_steps = 40000;  // 5,000 sentences
  rc.eval_every = 0;
  rc.final_eval_episodes = 20;
  rc.progress = false;
  const agents::RunResult r = agents::run(agent, rc);
  // a uniformly random policy on the same env, for scale
  auto probe = env::make("TextOracle-v0", opts);
  agents::RandomAgent random(probe->action_space(), 1);
  const double base = agents::evaluate(random, "TextOracle-v0", 200, 1, opts).mean;
  std::printf("bigram CEM on TextOracle-v0 (vocab 50, length 8) after %ld steps, %ld updates: mean "
              "log-likelihood per token %.3f sampled (its last batch of 64), %.3f greedy; a random policy: %.3f\n",
              r.steps, agent.updates(), agent.last_batch_return(), r.final_eval.mean, base);
  // seeds 1-5 gave -1.8 to -2.7 sampled and -1.5 to -2.0 greedy, against -6.45 for random
  return agent.last_batch_return() > base + 2.0 && r.final_eval.mean > base + 2.0 ? 0 : 1;
}
