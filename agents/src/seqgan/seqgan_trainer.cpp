// SeqGAN: MLE pre-training, discriminator pre-training, and the adversarial loop with
// Monte-Carlo rollout rewards.
#include "seqrl/agents/seqgan/seqgan_trainer.hpp"

#include <algorithm>
#include <cstring>

#include "across_ranks.hpp"
#include "seqrl/agents/mle/mle_trainer.hpp"
#include "seqrl/nets/dist.hpp"
#include "seqrl/nets/error.hpp"
#include "seqrl/nets/ops.hpp"
#include "seqrl/nets/optim.hpp"
#include "seqrl/text/vocab.hpp"

namespace seqrl::agents {

void to_json(nlohmann::json& j, const SeqGANConfig& c) {
  j = {{"protocol", c.protocol},
       {"emb", c.emb},
       {"hidden", c.hidden},
       {"init_std", c.init_std},
       {"g_lr", c.g_lr},
       {"clip", c.clip},
       {"batch", c.batch},
       {"pretrain_g_epochs", c.pretrain_g_epochs},
       {"disc", {{"emb", c.disc.emb},
                 {"filter_sizes", c.disc.filter_sizes},
                 {"num_filters", c.disc.num_filters},
                 {"dropout_keep", c.disc.dropout_keep},
                 {"l2", c.disc.l2}}},
       {"d_lr", c.d_lr},
       {"pretrain_d_rounds", c.pretrain_d_rounds},
       {"d_epochs", c.d_epochs},
       {"negatives", c.negatives},
       {"total_batches", c.total_batches},
       {"rollouts", c.rollouts},
       {"d_steps", c.d_steps},
       {"rollout_update_rate", c.rollout_update_rate},
       {"eval_every", c.eval_every},
       {"eval_samples", c.eval_samples},
       {"seed", c.seed}};
}

void from_json(const nlohmann::json& j, SeqGANConfig& c) {
  auto get = [&](const char* k, auto& v) {
    if (j.contains(k)) v = j.at(k).get<std::decay_t<decltype(v)>>();
  };
  get("protocol", c.protocol);
  get("emb", c.emb);
  get("hidden", c.hidden);
  get("init_std", c.init_std);
  get("g_lr", c.g_lr);
  get("clip", c.clip);
  get("batch", c.batch);
  get("pretrain_g_epochs", c.pretrain_g_epochs);
  if (j.contains("disc")) {
    const auto& d = j.at("disc");
    if (d.contains("emb")) c.disc.emb = d.at("emb").get<size_t>();
    if (d.contains("filter_sizes")) c.disc.filter_sizes = d.at("filter_sizes").get<std::vector<size_t>>();
    if (d.contains("num_filters")) c.disc.num_filters = d.at("num_filters").get<std::vector<size_t>>();
    if (d.contains("dropout_keep")) c.disc.dropout_keep = d.at("dropout_keep").get<float>();
    if (d.contains("l2")) c.disc.l2 = d.at("l2").get<float>();
  }
  get("d_lr", c.d_lr);
  get("pretrain_d_rounds", c.pretrain_d_rounds);
  get("d_epochs", c.d_epochs);
  get("negatives", c.negatives);
  get("total_batches", c.total_batches);
  get("rollouts", c.rollouts);
  get("d_steps", c.d_steps);
  get("rollout_update_rate", c.rollout_update_rate);
  get("eval_every", c.eval_every);
  get("eval_samples", c.eval_samples);
  get("seed", c.seed);
}

SeqGANConfig seqgan_protocol(const std::string& name) {
  SeqGANConfig c;  // the defaults are SeqGAN's paper protocol
  if (name == "paper") {
    c.protocol = "paper";
    return c;
  }
  if (name == "reference") {
    // the paper protocol as SeqGAN's code runs it, the one its published training log measured:
    // rollouts by the current generator (its update rate of 0.8 has no effect there; see above)
    c.protocol = "reference";
    c.rollout_update_rate = 0.f;
    return c;
  }
  if (name != "fast") throw ConfigError("unknown SeqGAN protocol '" + name + "' (known: paper, reference, fast)");
  c.protocol = "fast";
  c.init_std = 0.f;  // the layers' defaults: the fast protocol's published runs used them
  c.pretrain_g_epochs = 40;
  c.disc.filter_sizes = {2, 3, 4, 5, 8, 10, 15, 20};
  c.disc.num_filters = {32, 32, 32, 32, 32, 32, 32, 32};
  c.disc.emb = 32;
  c.pretrain_d_rounds = 5;
  c.d_epochs = 1;
  c.negatives = 5000;
  c.total_batches = 60;
  c.rollouts = 16;
  c.d_steps = 1;
  c.eval_every = 10;
  return c;
}

namespace {
nets::LSTMGeneratorConfig gen_config(const SeqGANConfig& c, size_t vocab, size_t T) {
  nets::LSTMGeneratorConfig g;
  g.vocab = vocab;
  g.emb = c.emb;
  g.hidden = c.hidden;
  g.seq_len = T;
  g.init_std = c.init_std;
  return g;
}
}  // namespace

nets::DiscriminatorConfig discriminator_for(nets::DiscriminatorConfig d, size_t vocab, size_t T) {
  d.vocab = vocab;
  d.seq_len = T;
  std::vector<size_t> sizes, nums;
  for (size_t k = 0; k < d.filter_sizes.size(); ++k)
    if (d.filter_sizes[k] <= T) sizes.push_back(d.filter_sizes[k]), nums.push_back(d.num_filters[k]);
  d.filter_sizes = sizes;
  d.num_filters = nums;
  return d;
}

SeqGAN::SeqGAN(const SeqGANConfig& c, nets::IntTensor real, size_t vocab, const text::Oracle* oracle)
    : cfg(c),
      rng(c.seed),
      gen(gen_config(c, vocab, real.shape()[1]), rng),
      rollout(gen_config(c, vocab, real.shape()[1]), rng),
      disc(discriminator_for(c.disc, vocab, real.shape()[1]), rng),
      real_(std::move(real)),
      oracle_(oracle),
      shuffle_rng_(c.seed + 7),
      eval_rng_(c.seed + 11) {
  if (real_.dimension() != 2 || real_.shape()[0] < c.batch)
    throw ValueError("SeqGAN: the real data must be [N >= batch, T], got " + shape_str(real_.shape()));
  if (c.rollout_update_rate < 0.f || c.rollout_update_rate >= 1.f)
    throw ValueError("SeqGAN: rollout_update_rate must be in [0, 1)");
  if (c.rollouts == 0)  // (0 rollouts once averaged to a NaN reward and a NaN gradient at the first g-step)
    throw ValueError("SeqGAN: rollouts must be >= 1 (Monte-Carlo rollouts per prefix)");
  nets::hard_update(rollout, gen);
  g_opt_ = std::make_unique<nets::Adam>(gen.named_parameters(), c.g_lr);
  d_opt_ = std::make_unique<nets::Adam>(disc.named_parameters(), c.d_lr);
}

void SeqGAN::pretrain_generator(const Log& log) {
  MLEConfig m;
  m.lr = cfg.g_lr;
  m.clip = cfg.clip;
  m.batch = cfg.batch;
  m.seed = cfg.seed + 1;
  MLETrainer trainer(gen, m);
  for (size_t e = 1; e <= cfg.pretrain_g_epochs; ++e) {
    const double loss = trainer.epoch(real_);
    log("pretrain_g", long(e), "train_nll", loss);
    if (oracle_ && (e % 10 == 0 || e == cfg.pretrain_g_epochs)) log("pretrain_g", long(e), "nll_oracle", nll_oracle());
  }
  nets::hard_update(rollout, gen);
}

double train_discriminator(nets::Discriminator& disc, nets::Optimizer& opt, const nets::IntTensor& real,
                           const nets::IntTensor& fake, size_t epochs, size_t B, nets::Rng& shuffle_rng) {
  const size_t N = real.shape()[0], M = fake.shape()[0], T = real.shape()[1], total = N + M;
  if (size_t(nets::dist::size()) > B)
    throw ConfigError("discriminator training: " + std::to_string(nets::dist::size()) + " MPI ranks for a batch of " +
                      std::to_string(B) + " rows; use at most one rank per row");
  disc.train();
  double sum = 0;
  size_t batches = 0;
  nets::IntTensor x = nets::IntTensor::from_shape({B, T});
  std::vector<int32_t> y(B);
  // under MPI each rank sums and updates 1/N of the parameters, then all gather them; the
  // optimizer's moments are whole again when this returns (nets::ShardedStep)
  nets::ShardedStep sharded(opt);
  for (size_t e = 0; e < epochs; ++e) {
    const std::vector<size_t> order = text::shuffled_order(total, shuffle_rng);
    for (size_t s = 0; s + B <= total; s += B) {
      for (size_t b = 0; b < B; ++b) {
        const size_t k = order[s + b];
        const int32_t* src = k < N ? real.data() + k * T : fake.data() + (k - N) * T;
        std::memcpy(x.data() + b * T, src, T * sizeof(int32_t));
        y[b] = k < N ? 1 : 0;
      }
      opt.zero_grad();
      // under MPI: this rank's rows of the global batch, dropout drawing the global batch's masks
      // (Discriminator::shard); the l2 term is weighted like the rest, the shares adding up to one
      const double value = nets::data_parallel_backward(B, opt.params(), [&](size_t b, size_t e) {
        if (b == 0 && e == B) return disc.loss(x, y);
        disc.shard = {b, e, B};
        nets::Var loss = disc.loss(nets::row_slice(x, b, e),
                                   std::vector<int32_t>(y.begin() + long(b), y.begin() + long(e)));
        disc.shard = {};
        return loss;
      }, /*reduce=*/false);
      sharded.step();
      sum += value;
      ++batches;
    }
  }
  sharded.finish();
  return batches ? sum / double(batches) : 0.0;
}

nets::IntTensor SeqGAN::negatives() {
  const size_t n = cfg.negatives ? cfg.negatives : real_.shape()[0];
  return detail::token_rows_across_ranks(
      n, real_.shape()[1], [&](size_t begin, size_t end) { return gen.sample_rows(n, rng, begin, end); });
}

double SeqGAN::d_step(size_t epochs) {
  return train_discriminator(disc, *d_opt_, real_, negatives(), epochs, cfg.batch, shuffle_rng_);
}

void SeqGAN::pretrain_discriminator(const Log& log) {
  for (size_t r = 1; r <= cfg.pretrain_d_rounds; ++r) log("pretrain_d", long(r), "d_loss", d_step(cfg.d_epochs));
}

nets::Tensor SeqGAN::rewards(const nets::IntTensor& seqs) {
  const size_t B = seqs.shape()[0], T = seqs.shape()[1], R = cfg.rollouts;
  nets::Tensor q = nets::Tensor::from_shape({B, T});
  // all R completions of every prefix of length t in one batch: rows r * B + b
  nets::IntTensor rep = nets::IntTensor::from_shape({R * B, T});
  for (size_t r = 0; r < R; ++r) std::memcpy(rep.data() + r * B * T, seqs.data(), B * T * sizeof(int32_t));
  for (size_t t = 1; t < T; ++t) {
    // under MPI each rank completes and scores its share of the R * B rows (across_ranks.hpp)
    const std::vector<float> p = detail::values_across_ranks(R * B, [&](size_t begin, size_t end) {
      return disc.prob_real(rollout.complete_rows(rep, t, rng, begin, end), R * B);
    });
    for (size_t b = 0; b < B; ++b) {
      double s = 0;
      for (size_t r = 0; r < R; ++r) s += p[r * B + b];
      q(b, t - 1) = static_cast<float>(s / double(R));
    }
  }
  const std::vector<float> p = disc.prob_real(seqs);
  for (size_t b = 0; b < B; ++b) q(b, T - 1) = p[b];
  return q;
}

double SeqGAN::g_step() { return g_step_on(gen.sample(cfg.batch, rng)); }

double SeqGAN::g_step_on(const nets::IntTensor& samples, const std::vector<size_t>* lengths) {
  const size_t B = samples.shape()[0], T = samples.shape()[1];
  if (lengths && lengths->size() != B)
    throw ShapeError("SeqGAN::g_step_on: " + std::to_string(lengths->size()) + " lengths for " +
                     std::to_string(B) + " sequences");
  nets::Tensor q = rewards(samples);
  double last = 0;
  for (size_t b = 0; b < B; ++b) {
    const size_t L = lengths ? std::min((*lengths)[b], T) : T;
    // D's verdict on the whole sequence: the last reward the policy's own tokens earned
    last += q(b, T - 1) / double(B);
    for (size_t t = L; t < T; ++t) q(b, t) = 0.f;  // padding the policy did not choose
  }
  double qsum = 0;
  for (float v : q) qsum += v;
  g_opt_->zero_grad();
  // nll(seqs, mask) is sum(mask * nll_t) / sum(mask): times sum(Q) it is SeqGAN's summed loss.
  // Under MPI each rank takes its rows (data_parallel_backward weighs a part by its share of the
  // rows, which the part's loss undoes: the parts add up to the whole sum)
  nets::data_parallel_backward(B, g_opt_->params(), [&](size_t b, size_t e) {
    if (b == 0 && e == B) return nets::scale(gen.nll(samples, q), static_cast<float>(qsum));
    const nets::IntTensor rows = nets::row_slice(samples, b, e);
    const nets::Tensor qr = nets::row_slice(q, b, e);
    double part = 0;
    for (float v : qr) part += v;
    if (part == 0) return nets::scale(gen.nll(rows), 0.f);  // no reward on these rows: no gradient
    return nets::scale(gen.nll(rows, qr), static_cast<float>(part * double(B) / double(e - b)));
  });
  if (cfg.clip > 0.f) nets::clip_grad_norm(g_opt_->params(), cfg.clip);
  g_opt_->step();
  if (cfg.rollout_update_rate > 0.f)
    nets::polyak_update(rollout, gen, 1.f - cfg.rollout_update_rate);
  else
    nets::hard_update(rollout, gen);
  return last;
}

double SeqGAN::nll_oracle() {
  if (!oracle_) throw Error("SeqGAN::nll_oracle: no oracle for this task");
  return oracle_->nll(gen.sample(cfg.eval_samples, eval_rng_));
}

double SeqGAN::nll_of(const nets::IntTensor& data) {
  nets::NoGrad ng;
  return gen.nll(data).item();
}

void SeqGAN::save_state(std::map<std::string, nets::Tensor>& tensors,
                        std::map<std::string, std::string>& metadata, const std::string& prefix) const {
  nets::add_module_state(gen, prefix + "gen.", tensors);
  nets::add_module_state(rollout, prefix + "rollout.", tensors);
  nets::add_module_state(disc, prefix + "disc.", tensors);
  nets::add_optimizer_state(*g_opt_, prefix + "g_optim.", tensors, metadata);
  nets::add_optimizer_state(*d_opt_, prefix + "d_optim.", tensors, metadata);
  metadata[prefix + "rng"] = rng.state();
  metadata[prefix + "shuffle_rng"] = shuffle_rng_.state();
  metadata[prefix + "eval_rng"] = eval_rng_.state();
  metadata[prefix + "dropout_rng"] = disc.dropout_rng.state();
}

void SeqGAN::load_state(const nets::SafeTensors& st, const std::string& prefix, const std::string& path) {
  nets::load_module_state(gen, st, prefix + "gen.", path);
  nets::load_module_state(rollout, st, prefix + "rollout.", path);
  nets::load_module_state(disc, st, prefix + "disc.", path);
  g_opt_->load_state(nets::optimizer_state_with_prefix(st, prefix + "g_optim."));
  d_opt_->load_state(nets::optimizer_state_with_prefix(st, prefix + "d_optim."));
  rng.set_state(nets::required_metadata(st, prefix + "rng", path));
  shuffle_rng_.set_state(nets::required_metadata(st, prefix + "shuffle_rng", path));
  eval_rng_.set_state(nets::required_metadata(st, prefix + "eval_rng", path));
  disc.dropout_rng.set_state(nets::required_metadata(st, prefix + "dropout_rng", path));
}

}  // namespace seqrl::agents
