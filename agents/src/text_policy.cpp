#include "seqrl/agents/text_policy.hpp"

#include <algorithm>

#include "seqrl/env/text/text_env.hpp"
#include "seqrl/nets/error.hpp"
#include "seqrl/nets/kernels.hpp"

namespace seqrl::agents {

bool acts_on_tokens(const env::Space& obs, const env::Space& act) {
  const auto* ts = dynamic_cast<const env::TokenSequence*>(&obs);
  const auto* d = dynamic_cast<const env::Discrete*>(&act);
  return ts && d && d->size == ts->vocab && d->start == 0;
}

std::vector<env::Action> next_tokens(const std::function<nets::Tensor(const nets::IntTensor&, size_t)>& logits_of,
                                     size_t T_, size_t V_, const nets::Tensor& obs, bool deterministic, nets::Rng& rng,
                                     const std::string& who) {
  const size_t n = obs.shape()[0];
  if (obs.size() != n * T_)
    throw ShapeError(who + ": observations " + shape_str(obs.shape()) + " are not [N, " +
                     std::to_string(T_) + "]");
  // rows grouped by prefix length (in a vector env they step together: usually one group)
  std::vector<size_t> len(n);
  for (size_t i = 0; i < n; ++i) {
    len[i] = std::min(env::prefix_length(obs.data() + i * T_, T_), T_ - 1);
  }
  std::vector<env::Action> out(n);
  std::vector<float> scratch(V_);
  for (size_t gl = 0; gl < T_; ++gl) {
    std::vector<size_t> rows;
    for (size_t i = 0; i < n; ++i)
      if (len[i] == gl) rows.push_back(i);
    if (rows.empty()) continue;
    nets::IntTensor pre = nets::IntTensor::from_shape({rows.size(), T_});
    for (size_t r = 0; r < rows.size(); ++r)
      for (size_t t = 0; t < T_; ++t) pre(r, t) = t < gl ? int32_t(obs.data()[rows[r] * T_ + t]) : 0;
    const nets::Tensor logits = logits_of(pre, gl);
    for (size_t r = 0; r < rows.size(); ++r) {
      const float* row = logits.data() + r * V_;
      int32_t tok;
      if (deterministic) {
        tok = int32_t(std::max_element(row, row + V_) - row);
      } else {
        const double u = rng.uniform_double();
        nets::kernels::sample_rows(row, nullptr, 1, V_, 1.f, &u, &tok, scratch.data());
      }
      out[rows[r]] = env::Action(int64_t(tok));
    }
  }
  return out;
}

std::vector<env::Action> next_tokens(const nets::LSTMGenerator& g, const nets::Tensor& obs,
                                     bool deterministic, nets::Rng& rng, const std::string& who) {
  return next_tokens([&](const nets::IntTensor& pre, size_t given) { return g.next_logits(pre, given); },
                     g.cfg.seq_len, g.cfg.vocab, obs, deterministic, rng, who);
}

nets::IntTensor TextEpisodes::take_batch(size_t B, size_t T, int32_t pad, std::vector<size_t>& lengths,
                                         double& mean_return) {
  if (finished.size() < B)
    throw Error("TextEpisodes::take_batch: " + std::to_string(finished.size()) + " finished episodes, " +
                std::to_string(B) + " asked");
  nets::IntTensor seqs = nets::IntTensor::from_shape({B, T});
  std::fill(seqs.begin(), seqs.end(), pad);
  lengths.assign(B, 0);
  mean_return = 0;
  for (size_t b = 0; b < B; ++b) {
    const Episode& e = finished[b];
    lengths[b] = std::min(e.tokens.size(), T);
    std::copy(e.tokens.begin(), e.tokens.begin() + long(lengths[b]), seqs.data() + b * T);
    for (double r : e.rewards) mean_return += r / double(B);
  }
  finished.erase(finished.begin(), finished.begin() + long(B));
  return seqs;
}

void TextEpisodes::observe(const Transitions& t) {
  const size_t n = t.rewards.size();
  if (running.size() != n) running.assign(n, Episode{});
  for (size_t i = 0; i < n; ++i) {
    if (!t.valid[i]) continue;
    Episode& e = running[i];
    e.tokens.push_back(int32_t(t.actions[i].index));
    e.rewards.push_back(t.rewards[i]);
    if (t.terminated[i] || t.truncated[i]) {
      finished.push_back(std::move(e));
      e = Episode{};
    }
  }
}

nlohmann::json TextEpisodes::to_json() const {
  nlohmann::json j = {{"running", nlohmann::json::array()}, {"finished", nlohmann::json::array()}};
  for (auto& e : running) j["running"].push_back({{"tokens", e.tokens}, {"rewards", e.rewards}});
  for (auto& e : finished) j["finished"].push_back({{"tokens", e.tokens}, {"rewards", e.rewards}});
  return j;
}

void TextEpisodes::from_json(const nlohmann::json& j) {
  running.clear();
  finished.clear();
  for (const char* part : {"running", "finished"})
    for (auto& e : j.at(part))
      (std::string(part) == "running" ? running : finished)
          .push_back({e.at("tokens").get<std::vector<int32_t>>(),
                      // seqgan checkpoints of commits ccd8299..fcb377b kept only the return
                      e.contains("rewards") ? e.at("rewards").get<std::vector<double>>()
                                            : std::vector<double>{e.at("return").get<double>()}});
}

}  // namespace seqrl::agents
