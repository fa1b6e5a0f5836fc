// LeakGAN: pre-training, rollout rewards with the rescale, the manager's and the worker's losses,
// and the agent under the runner. See leakgan.hpp.
#include "seqrl/agents/leakgan/leakgan.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iostream>
#include <numeric>

#include "across_ranks.hpp"
#include "early_stopping.hpp"
#include "seqrl/agents/registry.hpp"
#include "seqrl/agents/runner.hpp"
#include "seqrl/agents/seqgan/seqgan.hpp"
#include "seqrl/env/space.hpp"
#include "seqrl/env/text/text_env.hpp"
#include "seqrl/nets/config_diff.hpp"
#include "seqrl/nets/dist.hpp"
#include "seqrl/nets/init.hpp"
#include "seqrl/nets/kernels.hpp"
#include "seqrl/nets/ops.hpp"
#include "seqrl/text/vocab.hpp"

namespace seqrl::agents {

#define SEQRL_LEAKGAN_FIELDS(X)                                                                            \
  X(protocol) X(variant) X(emb) X(hidden) X(goal_size) X(step_size) X(goal_window) X(normalize_w) X(score_goal_shift) X(adversarial_goal_shift) X(init_std) X(disc_init) X(leak_pad) X(manager_loss) X(goal_init) X(worker_cosine) \
  X(g_lr) X(adversarial_lr) X(clip) X(alpha) X(rescale) X(delta) X(batch) X(d_lr) X(pretrain_rounds) X(pretrain_d_rounds)               \
  X(pretrain_g_epochs) X(validation) X(patience) X(d_epochs) X(negatives) X(total_batches) X(rollouts) X(d_steps)                   \
  X(sample_temperature) X(first_tokens_temperature) X(fresh_positives) X(fresh_adversarial_adam) X(pretrain_shuffle) X(eval_every) X(eval_point) X(pretrain_eval_every) X(eval_samples) X(seed)

void to_json(nlohmann::json& j, const LeakGANConfig& c) {
  j = nlohmann::json::object();
#define X(f) j[#f] = c.f;
  SEQRL_LEAKGAN_FIELDS(X)
#undef X
  j["disc"] = {{"emb", c.disc.emb}, {"filter_sizes", c.disc.filter_sizes}, {"num_filters", c.disc.num_filters},
               {"dropout_keep", c.disc.dropout_keep}, {"l2", c.disc.l2}};
}

void from_json(const nlohmann::json& j, LeakGANConfig& c) {
#define X(f) \
  if (j.contains(#f)) j.at(#f).get_to(c.f);
  SEQRL_LEAKGAN_FIELDS(X)
#undef X
  if (j.contains("disc")) {
    const auto& d = j.at("disc");
    if (d.contains("emb")) c.disc.emb = d.at("emb").get<size_t>();
    if (d.contains("filter_sizes")) c.disc.filter_sizes = d.at("filter_sizes").get<std::vector<size_t>>();
    if (d.contains("num_filters")) c.disc.num_filters = d.at("num_filters").get<std::vector<size_t>>();
    if (d.contains("dropout_keep")) c.disc.dropout_keep = d.at("dropout_keep").get<float>();
    if (d.contains("l2")) c.disc.l2 = d.at("l2").get<float>();
  }
}

LeakGANConfig leakgan_protocol(const std::string& name, const std::string& variant) {
  LeakGANConfig c;  // the defaults: LeakGAN's code's synthetic protocol at length 20
  std::string base = name, var = variant;
  if (base.size() > 10 && base.compare(base.size() - 10, 10, "-reference") == 0) {
    base = base.substr(0, base.size() - 10);
    var = "reference";
  }
  if (base != "paper" && base != "paper40" && base != "fast")
    throw ConfigError("unknown LeakGAN protocol '" + name +
                      "' (known: fast, paper, paper40, and each with -reference)");
  if (var != "paper" && var != "reference") throw ConfigError("unknown LeakGAN variant '" + var + "' (known: paper, reference)");
  c.protocol = name;
  // LeakGAN's D: SeqGAN's filters (feature width 1,720), no dropout and no l2 in effect
  // (dis_dropout_keep_prob 1.0; dis_l2_reg_lambda is defined but never passed)
  c.disc.dropout_keep = 1.f;
  c.disc.l2 = 0.f;
  if (base == "paper40") {
    // Main.py's length-40 branch: filter sizes 1..10, 15, 20, 30 (its list names 40 too, but its
    // counts stop at 13 and zip() drops the 40), generator 64/64 at Adam 5e-4
    c.disc.filter_sizes.push_back(30);
    c.disc.num_filters.push_back(160);
    c.emb = c.hidden = 64;
    c.g_lr = 5e-4f;
  }
  if (base == "fast") {
    c.disc.emb = 32;
    c.disc.filter_sizes = {2, 3, 4, 5, 8, 10, 15, 20};
    c.disc.num_filters = {32, 32, 32, 32, 32, 32, 32, 32};
    c.g_lr = 0.01f;  // LeakGAN's "No Temperature" rate: 40 MLE epochs instead of 80
    // ... for pre-training only: at 0.01 the g-steps' noise alone (a constant reward, no signal)
    // moved NLL-oracle from 9.45 to 10.42 in 10 g-steps; at 0.001 the same start fell steadily
    // (9.45 -> 9.06 in 20), bench/experiments/leakgan_ablation.cpp, docs/leakgan.md
    c.adversarial_lr = 0.001f;
    c.pretrain_rounds = 4;
    c.pretrain_d_rounds = 1;
    c.pretrain_g_epochs = 10;
    c.validation = 500;  // stops G early: 40 epochs at this rate fit the training data (NLL 2.8) and lose the test set
    c.patience = 1;
    c.d_epochs = 1;
    c.negatives = 5000;
    c.total_batches = 30;
    c.rollouts = 4;
    c.d_steps = 1;
    c.eval_every = 10;
  }
  c.variant = var;
  if (var == "reference") {
    c.goal_window = "block";
    c.normalize_w = true;
    c.sample_temperature = 2.f / 3.f;  // logits x 1.5
    c.first_tokens_temperature = 2.f / 3.f;
    c.fresh_positives = true;
    c.fresh_adversarial_adam = true;
  }
  return c;
}

// ---- rewards ----------------------------------------------------------------------------------

std::vector<double> descending_ranks(const std::vector<double>& x) {
  const size_t n = x.size();
  std::vector<size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return x[a] > x[b]; });
  std::vector<double> r(n);
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j + 1 < n && x[idx[j + 1]] == x[idx[i]]) ++j;
    const double mean_rank = 0.5 * double(i + j);
    for (size_t k = i; k <= j; ++k) r[idx[k]] = mean_rank;
    i = j + 1;
  }
  return r;
}

std::vector<double> rescale_by_rank(const std::vector<double>& q, double delta) {
  const std::vector<double> r = descending_ranks(q);
  std::vector<double> out(q.size());
  for (size_t i = 0; i < q.size(); ++i) out[i] = 1.0 / (1.0 + std::exp(-delta * (0.5 - r[i] / double(q.size()))));
  return out;
}

std::vector<double> rescale_by_position(const std::vector<double>& q, double delta, size_t rollouts) {
  // LeakGAN's rescale(): a dict from each distinct score to its index in insertion order
  std::vector<double> seen;
  std::vector<double> out(q.size());
  for (size_t i = 0; i < q.size(); ++i) {
    auto it = std::find(seen.begin(), seen.end(), q[i]);
    size_t idx = size_t(it - seen.begin());
    if (it == seen.end()) seen.push_back(q[i]);
    out[i] = double(idx + 1);  // its index counts from 1
  }
  for (auto& v : out) v = 1.0 / (1.0 + std::exp(-(delta * v / double(q.size()) - delta / 2))) / double(rollouts);
  return out;
}

double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  const std::vector<double> ra = descending_ranks(a), rb = descending_ranks(b);
  const size_t n = a.size();
  double ma = 0, mb = 0;
  for (size_t i = 0; i < n; ++i) ma += ra[i] / n, mb += rb[i] / n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < n; ++i) {
    sab += (ra[i] - ma) * (rb[i] - mb);
    saa += (ra[i] - ma) * (ra[i] - ma);
    sbb += (rb[i] - mb) * (rb[i] - mb);
  }
  return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 0.0;
}

// ---- the algorithm ----------------------------------------------------------------------------

namespace {
nets::LeakGANGeneratorConfig gen_config(const LeakGANConfig& c, size_t vocab, size_t T) {
  nets::LeakGANGeneratorConfig g;
  g.vocab = vocab;
  g.seq_len = T;
  g.emb = c.emb;
  g.hidden = c.hidden;
  g.goal_size = c.goal_size;
  g.step_size = c.step_size;
  g.goal_window = c.goal_window;
  g.normalize_w = c.normalize_w;
  g.score_goal_shift = c.score_goal_shift;
  g.init_std = c.init_std;
  g.goal_init_slots = c.goal_init == "learned" ? c.batch : 0;
  return g;
}
}  // namespace

LeakGAN::LeakGAN(const LeakGANConfig& c, nets::IntTensor real, size_t vocab, const text::Oracle* oracle)
    : cfg(c),
      rng(c.seed),
      disc(discriminator_for(c.disc, vocab, real.shape()[1]), rng),
      gen(gen_config(c, vocab, real.shape()[1]), disc.features(), rng),
      real_(std::move(real)),
      oracle_(oracle),
      shuffle_rng_(c.seed + 7),
      eval_rng_(c.seed + 11),
      positives_rng_(c.seed + 13) {
  if (real_.dimension() != 2 || real_.shape()[0] < c.batch)
    throw ValueError("LeakGAN: the real data must be [N >= batch, T], got " + shape_str(real_.shape()));
  // a setting that takes one of a few words: "LeakGAN: NAME must be A, B or C, got 'V'"
  auto one_of = [](const std::string& name, const std::string& v, const std::vector<std::string>& known) {
    if (std::find(known.begin(), known.end(), v) != known.end()) return;
    std::string list = known[0];
    for (size_t i = 1; i < known.size(); ++i) list += (i + 1 == known.size() ? " or " : ", ") + known[i];
    throw ValueError("LeakGAN: " + name + " must be " + list + ", got '" + v + "'");
  };
  one_of("variant", c.variant, {"paper", "reference"});
  if (c.rollouts == 0) throw ValueError("LeakGAN: rollouts must be positive");
  if (!c.rescale.empty()) one_of("rescale", c.rescale, {"rank", "position", "none"});
  one_of("eval_point (--nll-at)", c.eval_point, {"batch", "g-step", "both"});
  one_of("disc_init", c.disc_init, {"default", "reference"});
  one_of("goal_init", c.goal_init, {"fixed", "learned"});
  one_of("manager_loss", c.manager_loss, {"step", "block"});
  one_of("leak_pad", c.leak_pad, {"zero", "random"});
  one_of("worker_cosine", c.worker_cosine, {"intrinsic", "block"});
  if (c.worker_cosine == "block" && c.variant != "reference")
    throw ValueError("LeakGAN: worker_cosine block is the reference variant's worker scalar; the paper variant "
                     "weighs each token by its own intrinsic reward (variant '" + c.variant + "')");
  // from streams of their own, so that G's first draws, and D's without the option, stay the same
  if (c.disc_init == "reference") {
    nets::Rng r(c.seed + 17);
    nets::reference_init(disc, r);
  }
  if (c.leak_pad == "random") {
    nets::Rng r(c.seed + 19);
    const nets::Tensor pad = nets::init::uniform({disc.cfg.emb}, r, -1.f, 1.f);
    disc.leak_pad.assign(pad.begin(), pad.end());
  }
  m_opt_ = std::make_unique<nets::Adam>(gen.manager_parameters(), c.g_lr);
  w_opt_ = std::make_unique<nets::Adam>(gen.worker_parameters(), c.g_lr);
  d_opt_ = std::make_unique<nets::Adam>(disc.named_parameters(), c.d_lr);
}

namespace {
// The reference variant's batch scalar: the mean of the rewards [B, blocks], summed in row-major
// order as one process sums them.
double mean_reward(const nets::Tensor& rewards) {
  double mr = 0;
  for (float v : rewards) mr += v / double(rewards.size());
  return mr;
}
// cos(a - z, g) of F floats, in double: 0 where either vector is zero
double cos_of_change(const float* a, const float* z, const float* g, size_t F) {
  double dot = 0, nd = 0, ng = 0;
  for (size_t k = 0; k < F; ++k) {
    const double d = double(a[k]) - z[k];
    dot += d * g[k], nd += d * d, ng += double(g[k]) * g[k];
  }
  return nd > 0 && ng > 0 ? dot / std::sqrt(nd * ng) : 0.0;
}
}  // namespace

LeakGAN::Losses LeakGAN::losses(const nets::IntTensor& seqs, const nets::Tensor& rewards, bool mle,
                                const std::vector<size_t>* lengths, const WholeBatch* whole) {
  const size_t B = seqs.shape()[0], T = seqs.shape()[1], c = cfg.step_size, F = disc.features();
  const size_t blocks = (T + c - 1) / c;
  if (!mle && (rewards.dimension() != 2 || rewards.shape()[0] != B || rewards.shape()[1] != blocks))
    throw ShapeError("LeakGAN::losses: rewards " + shape_str(rewards.shape()) + ", expected [" + std::to_string(B) +
                     ", " + std::to_string(blocks) + "]");
  auto len = [&](size_t b) { return lengths ? std::min((*lengths)[b], T) : T; };
  auto reward = [&](size_t b, size_t t) { return mle ? 1.0 : double(rewards(b, t / c)); };
  const nets::Tensor f = nets::leaked_features(disc, seqs);  // [B, T + 1, F]
  nets::Var g = gen.goals(f);                                // [B, T, F]
  const nets::Tensor& gv = g.value();
  Losses out;
  // manager: cos(f_{t+c} - f_t, g_t) for t + c <= T ("step"), or cos(f_{(k+1)c} - f_{kc}, G_k) for
  // the blocks k with (k+1)c <= T ("block"), weighted by the block's reward
  if (T >= c) {
    const bool block = cfg.manager_loss == "block";
    const size_t M = block ? T / c : T - c + 1, stride = block ? c : 1;
    nets::Tensor df = nets::Tensor::from_shape({B, M, F}), w = nets::Tensor::from_shape({B, M});
    std::vector<size_t> starts(M);
    for (size_t m = 0; m < M; ++m) starts[m] = m * stride;
    for (size_t b = 0; b < B; ++b)
      for (size_t m = 0; m < M; ++m) {
        const size_t t = starts[m];
        const float* a = f.data() + (b * (T + 1) + t + c) * F;
        const float* z = f.data() + (b * (T + 1) + t) * F;
        float* o = df.data() + (b * M + m) * F;
        for (size_t i = 0; i < F; ++i) o[i] = a[i] - z[i];
        w(b, m) = t < len(b) ? float(reward(b, t)) : 0.f;
      }
    const nets::Var goal = block ? gen.goal_sums_at(g, starts) : nets::slice(g, 1, 0, M);
    nets::Var cos = nets::cosine_similarity(nets::Var(std::move(df)), goal);  // [B, M]
    if (!mle && cfg.variant == "reference") {
      // tf.losses.cosine_distance reduces to a scalar: -mean cos x mean reward (the whole batch's)
      const double mr = whole ? whole->mean_reward : mean_reward(rewards);
      out.manager = nets::scale(nets::mean(cos), float(-mr));
    } else {
      out.manager = nets::scale(nets::sum(nets::mul(cos, nets::Var(std::move(w)))), -1.f / float(B * M));
    }
  }
  // the intrinsic reward of token t: (1/c) sum_i cos(f_{t+1} - f_{t+1-i}, g_{t+1-i})
  nets::Tensor intrinsic = nets::Tensor::from_shape({B, T});
  double isum = 0;
  for (size_t b = 0; b < B; ++b)
    for (size_t t = 0; t < T; ++t) {
      double s = 0;
      const float* ft1 = f.data() + (b * (T + 1) + t + 1) * F;
      for (size_t i = 1; i <= c && i <= t + 1; ++i) {
        const size_t j = t + 1 - i;
        s += cos_of_change(ft1, f.data() + (b * (T + 1) + j) * F, gv.data() + (b * T + j) * F, F);
      }
      intrinsic(b, t) = float(s / double(c));
      isum += intrinsic(b, t) / double(B * T);
    }
  out.mean_intrinsic = isum;
  const nets::Tensor G = gen.goal_sums(gv);
  // The reference variant's worker scalar: the mean intrinsic reward, or ("block") the code's
  // Worker_Reward, the mean over (b, t) of cos(f_{t+1} - f_{c floor(t/c)}, G_t): each token's
  // feature change since its block's start against the goal sum it is scored with (the code's
  // all_sub_features and all_sub_goals; every token, as there)
  out.worker_cosine = isum;
  if (!mle && cfg.worker_cosine == "block") {
    double bsum = 0;
    for (size_t b = 0; b < B; ++b)
      for (size_t t = 0; t < T; ++t)
        bsum += cos_of_change(f.data() + (b * (T + 1) + t + 1) * F, f.data() + (b * (T + 1) + t / c * c) * F,
                              G.data() + (b * T + t) * F, F) / double(B * T);
    out.worker_cosine = bsum;
  }
  const nets::Var u = gen.worker_features(seqs, G);
  if (mle) {
    out.worker = gen.token_nll(u, seqs);  // the mean per-token NLL: LeakGAN's pre-training loss
  } else if (cfg.variant == "reference") {
    // -mean cos x mean log p of its own samples: no per-token reward (the whole batch's mean cos)
    nets::Tensor mask = nets::Tensor::from_shape({B, T});
    for (size_t b = 0; b < B; ++b)
      for (size_t t = 0; t < T; ++t) mask(b, t) = t < len(b) ? 1.f : 0.f;
    const double mc = whole ? whole->batch_mean(out.worker_cosine) : out.worker_cosine;
    out.worker = nets::scale(gen.token_nll(u, seqs, mask), float(mc / double(B * T)));
  } else {
    nets::Tensor w = nets::Tensor::from_shape({B, T});
    for (size_t b = 0; b < B; ++b)
      for (size_t t = 0; t < T; ++t)
        w(b, t) = t < len(b) ? float(reward(b, t) + cfg.alpha * intrinsic(b, t)) / float(B * T) : 0.f;
    out.worker = gen.token_nll(u, seqs, w);
  }
  return out;
}

void LeakGAN::step_generator(const Losses& l) {
  m_opt_->zero_grad();
  w_opt_->zero_grad();
  nets::Var total = l.manager.defined() ? nets::add(l.manager, l.worker) : l.worker;
  total.backward();
  clip_and_step();
}

void LeakGAN::clip_and_step() {
  if (cfg.clip > 0.f) {
    nets::clip_grad_norm(m_opt_->params(), cfg.clip);
    nets::clip_grad_norm(w_opt_->params(), cfg.clip);
  }
  m_opt_->step();
  w_opt_->step();
}

LeakGAN::StepValues LeakGAN::train_generator(const nets::IntTensor& seqs, const nets::Tensor& rewards, bool mle,
                                             const std::vector<size_t>* lengths) {
  const size_t B = seqs.shape()[0];
  StepValues v;
  // (the reference variant sums its worker scalar over the ranks inside the loss: every rank must
  // have rows)
  const bool reference = !mle && cfg.variant == "reference";
  if (nets::dist::size() == 1 || (reference && B < size_t(nets::dist::size()))) {
    const Losses l = losses(seqs, rewards, mle, lengths);
    step_generator(l);
    v.worker = l.worker.item(), v.manager = l.manager.defined() ? l.manager.item() : 0.0;
    v.mean_intrinsic = l.mean_intrinsic, v.worker_cosine = l.worker_cosine;
    return v;
  }
  // this rank's rows: losses() normalises by its own row count, data_parallel_backward weighs the
  // part by its share of the batch, so the parts add up to the whole batch's losses
  m_opt_->zero_grad();
  w_opt_->zero_grad();
  nets::NamedParams params = m_opt_->params();
  for (const auto& p : w_opt_->params()) params.push_back(p);
  double part[4] = {0, 0, 0, 0};
  nets::data_parallel_backward(B, params, [&](size_t b, size_t e) {
    std::vector<size_t> len;
    if (lengths) len.assign(lengths->begin() + long(b), lengths->begin() + long(e));
    const double share = double(e - b) / double(B);
    WholeBatch whole;
    if (reference) {  // the batch scalars as one process computes them from the whole batch
      whole.mean_reward = mean_reward(rewards);
      whole.batch_mean = [share](double mine) {
        double all = mine * share;
        nets::dist::allreduce_sum(&all, 1);
        return all;
      };
    }
    const Losses l = losses(nets::row_slice(seqs, b, e), mle ? nets::Tensor() : nets::row_slice(rewards, b, e), mle,
                            lengths ? &len : nullptr, reference ? &whole : nullptr);
    part[0] = l.worker.item() * share, part[1] = l.manager.defined() ? l.manager.item() * share : 0.0;
    part[2] = l.mean_intrinsic * share, part[3] = l.worker_cosine * share;
    return l.manager.defined() ? nets::add(l.manager, l.worker) : l.worker;
  });
  nets::dist::allreduce_sum(part, 4);
  clip_and_step();
  v.worker = part[0], v.manager = part[1], v.mean_intrinsic = part[2], v.worker_cosine = part[3];
  return v;
}

nets::IntTensor LeakGAN::negatives() {
  const size_t n = cfg.negatives ? cfg.negatives : real_.shape()[0];
  return detail::token_rows_across_ranks(n, real_.shape()[1], [&](size_t begin, size_t end) {
    return gen.sample_rows(disc, n, rng, begin, end, cfg.sample_temperature);
  });
}

nets::IntTensor LeakGAN::fresh_positives() {
  // every rank draws the same rows (the same generator state): the positives are replicated
  return oracle_->sample(real_.shape()[0], positives_rng_);
}

double LeakGAN::d_step(size_t epochs) {
  const nets::IntTensor neg = negatives();
  const double loss = cfg.fresh_positives && oracle_
                          ? train_discriminator(disc, *d_opt_, fresh_positives(), neg, epochs, cfg.batch, shuffle_rng_)
                          : train_discriminator(disc, *d_opt_, real_, neg, epochs, cfg.batch, shuffle_rng_);
  disc.eval();
  return loss;
}

void LeakGAN::pretrain(const Log& log, const std::function<void()>& after_round) {
  const size_t N = real_.shape()[0], T = real_.shape()[1], B = cfg.batch;
  // G's epochs see the first Ng sequences; the rest (cfg.validation) judge them
  const size_t V = std::min(cfg.validation, N / 10);  // at most a tenth of the real data
  if (V && V + B > N)
    throw ValueError("LeakGAN: validation " + std::to_string(V) + " of " + std::to_string(N) +
                     " real sequences leaves less than a batch for pre-training");
  const size_t Ng = N - V;
  const nets::IntTensor val = V ? nets::row_slice(real_, Ng, N) : nets::IntTensor();
  // the best epoch's generator and its optimizers (pre_best_), to go back to; its count carried
  // over from the rounds done before (pre_)
  detail::EarlyStopping early(
      cfg.patience,
      [&] {
        pre_best_ = nets::SafeTensors();
        nets::add_module_state(gen, "gen.", pre_best_.tensors);
        nets::add_optimizer_state(*m_opt_, "m.", pre_best_.tensors, pre_best_.metadata);
        nets::add_optimizer_state(*w_opt_, "w.", pre_best_.tensors, pre_best_.metadata);
      },
      [&] {
        nets::load_module_state(gen, pre_best_, "gen.", "<best pre-training epoch>");
        m_opt_->load_state(nets::optimizer_state_with_prefix(pre_best_, "m."));
        w_opt_->load_state(nets::optimizer_state_with_prefix(pre_best_, "w."));
      },
      pre_.early);
  bool& stopped = pre_.stopped;
  long& epoch = pre_.epochs;
  for (size_t r = pre_.rounds_done + 1; r <= cfg.pretrain_rounds; ++r) {
    double dl = 0;
    for (size_t k = 0; k < cfg.pretrain_d_rounds; ++k) dl = d_step(cfg.d_epochs);
    log("pretrain_d", long(r), "d_loss", dl);
    for (size_t e = 0; e < cfg.pretrain_g_epochs && !stopped; ++e) {
      std::vector<size_t> order(Ng);
      if (cfg.pretrain_shuffle)
        order = text::shuffled_order(Ng, shuffle_rng_);
      else
        std::iota(order.begin(), order.end(), size_t(0));
      double nll = 0, cos = 0;
      size_t n = 0;
      nets::IntTensor x = nets::IntTensor::from_shape({B, T});
      for (size_t s = 0; s + B <= Ng; s += B) {
        for (size_t b = 0; b < B; ++b) std::memcpy(x.data() + b * T, real_.data() + order[s + b] * T, T * sizeof(int32_t));
        const StepValues l = train_generator(x, nets::Tensor(), true);
        nll += l.worker;
        cos -= l.manager;
        ++n;
      }
      ++epoch;
      log("pretrain_g", epoch, "train_nll", nll / double(std::max<size_t>(n, 1)));
      log("pretrain_g", epoch, "manager_cos", cos / double(std::max<size_t>(n, 1)));
      if (oracle_ && cfg.pretrain_eval_every && e % cfg.pretrain_eval_every == 0)
        log("pretrain_g", epoch, "nll_oracle", nll_oracle());
      if (!V) continue;
      const double v = nll_of(val);
      log("pretrain_g", epoch, "validation_nll", v);
      stopped = early.observe(v, size_t(epoch));
      if (stopped) early.restore_best();  // before the remaining rounds' D training
    }
    if (r == cfg.pretrain_rounds) {
      if (V) early.restore_best();  // when the last epochs were worse (a no-op after a stop)
      if (V) log("pretrain_g", epoch, "best_validation_nll", early.best());
      pre_best_ = nets::SafeTensors();  // done with it: checkpoints after the pre-training do not carry it
    }
    pre_.rounds_done = r, pre_.early = early.state();
    if (after_round) after_round();
  }
}

nets::Tensor LeakGAN::q_values(const nets::IntTensor& seqs) {
  const size_t B = seqs.shape()[0], T = seqs.shape()[1], c = cfg.step_size, R = cfg.rollouts;
  const size_t blocks = (T + c - 1) / c;
  nets::Tensor q = nets::Tensor::from_shape({B, blocks});
  nets::IntTensor rep = nets::IntTensor::from_shape({R * B, T});
  for (size_t r = 0; r < R; ++r) std::memcpy(rep.data() + r * B * T, seqs.data(), B * T * sizeof(int32_t));
  for (size_t j = 0; j < blocks; ++j) {
    const size_t L = std::min((j + 1) * c, T);
    if (L == T) {
      const std::vector<float> p = disc.prob_real(seqs);
      for (size_t b = 0; b < B; ++b) q(b, j) = p[b];
      continue;
    }
    // under MPI each rank completes and scores its share of the R * B rows (across_ranks.hpp)
    const std::vector<float> p = detail::values_across_ranks(R * B, [&](size_t begin, size_t end) {
      return disc.prob_real(gen.complete_rows(disc, rep, L, rng, begin, end, 1.f), R * B);
    });
    for (size_t b = 0; b < B; ++b) {
      double s = 0;
      for (size_t r = 0; r < R; ++r) s += p[r * B + b];
      q(b, j) = float(s / double(R));
    }
  }
  return q;
}

nets::Tensor LeakGAN::rescale(const nets::Tensor& q) const {
  const size_t B = q.shape()[0], J = q.shape()[1];
  nets::Tensor out = nets::Tensor::from_shape({B, J});
  for (size_t j = 0; j < J; ++j) {
    std::vector<double> col(B);
    for (size_t b = 0; b < B; ++b) col[b] = q(b, j);
    const std::string how = !cfg.rescale.empty() ? cfg.rescale : cfg.variant == "reference" ? "position" : "rank";
    const std::vector<double> r = how == "position" ? rescale_by_position(col, cfg.delta, cfg.rollouts)
                                  : how == "rank"   ? rescale_by_rank(col, cfg.delta)
                                                    : col;
    for (size_t b = 0; b < B; ++b) out(b, j) = float(r[b]);
  }
  return out;
}

void LeakGAN::restart_generator_optimizers() {
  const float lr = cfg.adversarial_lr > 0.f ? cfg.adversarial_lr : cfg.g_lr;
  m_opt_ = std::make_unique<nets::Adam>(gen.manager_parameters(), lr);
  w_opt_ = std::make_unique<nets::Adam>(gen.worker_parameters(), lr);
}

std::map<std::string, double> LeakGAN::g_step_on(const nets::IntTensor& seqs, const std::vector<size_t>* lengths) {
  const size_t B = seqs.shape()[0];
  if (lengths && lengths->size() != B)
    throw ShapeError("LeakGAN::g_step_on: " + std::to_string(lengths->size()) + " lengths for " + std::to_string(B) + " sequences");
  if (cfg.adversarial_lr > 0.f) {
    m_opt_->set_lr(cfg.adversarial_lr);
    w_opt_->set_lr(cfg.adversarial_lr);
  }
  const nets::Tensor q = q_values(seqs);
  const nets::Tensor r = rescale(q);
  const size_t J = q.shape()[1];
  double d = 0, mr = 0, rho = 0;
  for (size_t b = 0; b < B; ++b) d += q(b, J - 1) / double(B);
  for (float v : r) mr += v / double(r.size());
  for (size_t j = 0; j < J; ++j) {
    std::vector<double> a(B), z(B);
    for (size_t b = 0; b < B; ++b) a[b] = r(b, j), z[b] = q(b, j);
    rho += spearman(a, z) / double(J);
  }
  const StepValues l = train_generator(seqs, r, false, lengths);
  std::map<std::string, double> out = {
      {"d_reward", d}, {"rescaled_reward", mr}, {"reward_rank_corr", rho}, {"intrinsic_reward", l.mean_intrinsic}};
  if (cfg.worker_cosine == "block") out["worker_cosine"] = l.worker_cosine;  // (the scalar, when not the one above)
  return out;
}

double LeakGAN::nll_oracle() {
  if (!oracle_) throw Error("LeakGAN::nll_oracle: no oracle for this task");
  return oracle_->nll(gen.sample(disc, cfg.eval_samples, eval_rng_, cfg.sample_temperature));
}

double LeakGAN::nll_of(const nets::IntTensor& data) {
  const nets::Tensor lp = gen.log_probs(disc, data);
  double s = 0;
  for (float v : lp) s -= v;
  return s / double(lp.size());
}

void LeakGAN::save_state(std::map<std::string, nets::Tensor>& tensors, std::map<std::string, std::string>& metadata,
                         const std::string& prefix) const {
  nets::add_module_state(gen, prefix + "gen.", tensors);
  tensors[prefix + "gen.goal_init"] = gen.goal_init;
  nets::add_module_state(disc, prefix + "disc.", tensors);
  if (!disc.leak_pad.empty()) {
    nets::Tensor pad = nets::Tensor::from_shape({disc.leak_pad.size()});
    std::copy(disc.leak_pad.begin(), disc.leak_pad.end(), pad.begin());
    tensors[prefix + "disc_leak_pad"] = pad;
  }
  nets::add_optimizer_state(*m_opt_, prefix + "m_optim.", tensors, metadata);
  nets::add_optimizer_state(*w_opt_, prefix + "w_optim.", tensors, metadata);
  nets::add_optimizer_state(*d_opt_, prefix + "d_optim.", tensors, metadata);
  metadata[prefix + "rng"] = rng.state();
  metadata[prefix + "shuffle_rng"] = shuffle_rng_.state();
  metadata[prefix + "eval_rng"] = eval_rng_.state();
  metadata[prefix + "positives_rng"] = positives_rng_.state();
  metadata[prefix + "dropout_rng"] = disc.dropout_rng.state();
  // (nlohmann writes a double so that it reads back the same; best is infinite, and not written,
  // until an epoch has been judged)
  nlohmann::json pre = {{"rounds_done", pre_.rounds_done}, {"epochs", pre_.epochs}, {"stopped", pre_.stopped},
                        {"best_epoch", pre_.early.best_epoch}, {"since_best", pre_.early.since_best}};
  if (pre_.early.best_epoch) pre["best"] = pre_.early.best;
  metadata[prefix + "pretrain"] = pre.dump();
  for (const auto& [k, t] : pre_best_.tensors) tensors[prefix + "pretrain_best." + k] = t;
  for (const auto& [k, v] : pre_best_.metadata) metadata[prefix + "pretrain_best." + k] = v;
}

void LeakGAN::load_state(const nets::SafeTensors& st, const std::string& prefix, const std::string& path) {
  // goal_init is not a parameter: it is checked and read apart from the module's entries
  nets::SafeTensors rest = st;
  auto gi = rest.tensors.find(prefix + "gen.goal_init");
  if (gi == rest.tensors.end()) throw CheckpointError("checkpoint '" + path + "' has no '" + prefix + "gen.goal_init'");
  if (gi->second.shape() != gen.goal_init.shape())
    throw CheckpointError("checkpoint '" + path + "': '" + prefix + "gen.goal_init' has shape " + shape_str(gi->second.shape()));
  gen.goal_init = gi->second;
  rest.tensors.erase(gi);
  // so is D's leak_pad, when the configuration has one
  auto lp = rest.tensors.find(prefix + "disc_leak_pad");
  if ((lp != rest.tensors.end()) != (cfg.leak_pad == "random"))
    throw CheckpointError("checkpoint '" + path + "' " + (lp == rest.tensors.end() ? "has no" : "has a") + " '" + prefix +
                          "disc_leak_pad', where the configuration's leak_pad is '" + cfg.leak_pad + "'");
  if (lp != rest.tensors.end()) {
    if (lp->second.dimension() != 1 || lp->second.size() != disc.cfg.emb)
      throw CheckpointError("checkpoint '" + path + "': '" + prefix + "disc_leak_pad' has shape " +
                            shape_str(lp->second.shape()) + ", expected [" + std::to_string(disc.cfg.emb) + "]");
    disc.leak_pad.assign(lp->second.begin(), lp->second.end());
    rest.tensors.erase(lp);
  }
  nets::load_module_state(gen, rest, prefix + "gen.", path);
  nets::load_module_state(disc, rest, prefix + "disc.", path);
  m_opt_->load_state(nets::optimizer_state_with_prefix(rest, prefix + "m_optim."));
  w_opt_->load_state(nets::optimizer_state_with_prefix(rest, prefix + "w_optim."));
  d_opt_->load_state(nets::optimizer_state_with_prefix(rest, prefix + "d_optim."));
  rng.set_state(nets::required_metadata(st, prefix + "rng", path));
  shuffle_rng_.set_state(nets::required_metadata(st, prefix + "shuffle_rng", path));
  eval_rng_.set_state(nets::required_metadata(st, prefix + "eval_rng", path));
  disc.dropout_rng.set_state(nets::required_metadata(st, prefix + "dropout_rng", path));
  // (checkpoints from before fresh_positives have no such generator: it starts from its seed)
  if (auto it = st.metadata.find(prefix + "positives_rng"); it != st.metadata.end()) positives_rng_.set_state(it->second);
  // where the pre-training stood (checkpoints from before it was saved come after the whole of it)
  pre_ = PretrainProgress();
  pre_.rounds_done = cfg.pretrain_rounds;
  pre_best_ = nets::SafeTensors();
  if (auto it = st.metadata.find(prefix + "pretrain"); it != st.metadata.end()) {
    try {
      const nlohmann::json j = nlohmann::json::parse(it->second);
      pre_.rounds_done = j.at("rounds_done").get<size_t>();
      pre_.epochs = j.at("epochs").get<long>();
      pre_.stopped = j.at("stopped").get<bool>();
      pre_.early.best_epoch = j.at("best_epoch").get<size_t>();
      pre_.early.since_best = j.at("since_best").get<size_t>();
      if (pre_.early.best_epoch) pre_.early.best = j.at("best").get<double>();
    } catch (const nlohmann::json::exception& e) {
      throw CheckpointError("checkpoint '" + path + "': metadata '" + prefix +
                            "pretrain' is not LeakGAN's pre-training progress: " + e.what());
    }
    if (pre_.rounds_done > cfg.pretrain_rounds)
      throw CheckpointError("checkpoint '" + path + "': " + std::to_string(pre_.rounds_done) +
                            " pre-training rounds done, of " + std::to_string(cfg.pretrain_rounds));
    const std::string b = prefix + "pretrain_best.";
    for (const auto& [k, t] : st.tensors)
      if (k.rfind(b, 0) == 0) pre_best_.tensors[k.substr(b.size())] = t;
    for (const auto& [k, v] : st.metadata)
      if (k.rfind(b, 0) == 0) pre_best_.metadata[k.substr(b.size())] = v;
    if (pre_.early.best_epoch && pre_.rounds_done < cfg.pretrain_rounds && pre_best_.tensors.empty())
      throw CheckpointError("checkpoint '" + path + "' has no '" + b +
                            "*' entries: the best pre-training epoch's generator");
  }
}

// ---- the agent --------------------------------------------------------------------------------

void to_json(nlohmann::json& j, const LeakGANAgentConfig& c) {
  j = {{"gan", c.gan}, {"env_id", c.env_id}, {"env_options", c.env_options}, {"samples", c.samples},
       {"stop_after_batches", c.stop_after_batches}, {"pretrain_checkpoint", c.pretrain_checkpoint}};
}

void from_json(const nlohmann::json& j, LeakGANAgentConfig& c) {
  if (j.contains("gan")) c.gan = j.at("gan").get<LeakGANConfig>();
  if (j.contains("env_id")) c.env_id = j.at("env_id").get<std::string>();
  if (j.contains("env_options")) c.env_options = j.at("env_options");
  if (j.contains("samples")) c.samples = j.at("samples").get<size_t>();
  if (j.contains("stop_after_batches")) c.stop_after_batches = j.at("stop_after_batches").get<size_t>();
  if (j.contains("pretrain_checkpoint")) c.pretrain_checkpoint = j.at("pretrain_checkpoint").get<std::string>();
}

std::unique_ptr<LeakGANAgent> LeakGANAgent::for_spaces(const env::Space& obs, const env::Space& act,
                                                       const LeakGANAgentConfig& cfg) {
  return std::make_unique<LeakGANAgent>(
      cfg, task_for_spaces("leakgan", obs, act, cfg.env_id, cfg.env_options, cfg.samples, cfg.gan.seed));
}

LeakGANAgent::LeakGANAgent(const LeakGANAgentConfig& c, text::TextTask task) : cfg(c), task_(std::move(task)) {
  gan_ = std::make_unique<LeakGAN>(cfg.gan, task_.real, task_.vocab_size, task_.oracle.get());
}

namespace {
// Settings of the adversarial phase alone, which a pre-training may go on into either way (a
// file written before they were left out of its configuration holds them too)
void erase_adversarial_settings(nlohmann::json& j) {
  if (!j.contains("gan") || !j["gan"].is_object()) return;
  for (const char* k : {"fresh_adversarial_adam", "eval_point", "first_tokens_temperature", "d_steps", "total_batches",
                        "adversarial_goal_shift", "worker_cosine"})
    j["gan"].erase(k);
}

// What a pre-training checkpoint must agree on with the run resuming it: the agent's whole
// configuration but the checkpoint's own path, the run's batch budget and the adversarial phase's
// settings.
nlohmann::json pretraining_config(const LeakGANAgentConfig& c) {
  nlohmann::json j = c;
  j.erase("pretrain_checkpoint");
  j.erase("stop_after_batches");
  erase_adversarial_settings(j);
  return j;
}
}  // namespace

void LeakGANAgent::save_pretraining() const {
  nets::SafeTensors st;
  gan_->save_state(st.tensors, st.metadata, "gan.");
  nlohmann::json curve = nlohmann::json::array();
  for (const auto& [k, v] : figures_.curve) curve.push_back({k, v});
  st.metadata["leakgan.pretraining_config"] = pretraining_config(cfg).dump();
  st.metadata["leakgan.pretraining_figures"] =
      nlohmann::json{{"nll", figures_.nll}, {"cos", figures_.cos}, {"d_loss", figures_.dl}, {"best", figures_.best},
                     {"epochs", figures_.epochs}, {"curve", curve}}
          .dump();
  nets::save_safetensors(cfg.pretrain_checkpoint, st.tensors, st.metadata);
}

void LeakGANAgent::resume_pretraining() {
  const std::string& path = cfg.pretrain_checkpoint;
  const nets::SafeTensors st = nets::load_safetensors(path);
  const nlohmann::json want = pretraining_config(cfg);
  nlohmann::json have, fig;
  try {
    have = nlohmann::json::parse(nets::required_metadata(st, "leakgan.pretraining_config", path));
    fig = nlohmann::json::parse(nets::required_metadata(st, "leakgan.pretraining_figures", path));
    erase_adversarial_settings(have);
  } catch (const nlohmann::json::exception& e) {
    throw CheckpointError("pre-training checkpoint '" + path + "': its metadata is not JSON: " + e.what());
  }
  // a setting the file lacks (added since it was written) at its default is the behaviour the
  // file's run had
  const auto diffs = nets::config_differences(have, want, pretraining_config(LeakGANAgentConfig()));
  if (!diffs.empty())
    throw CheckpointError("pre-training checkpoint '" + path + "' holds the pre-training of another configuration (" +
                          nets::describe(diffs, 3) +
                          "); remove it to start over, or point --pretrain-checkpoint elsewhere");
  gan_->load_state(st, "gan.", path);
  try {
    figures_ = PretrainFigures();
    figures_.nll = fig.at("nll").get<double>(), figures_.cos = fig.at("cos").get<double>();
    figures_.dl = fig.at("d_loss").get<double>(), figures_.best = fig.at("best").get<double>();
    figures_.epochs = fig.at("epochs").get<long>();
    for (const auto& p : fig.at("curve")) figures_.curve.push_back({p.at(0).get<std::string>(), p.at(1).get<double>()});
  } catch (const nlohmann::json::exception& e) {
    throw CheckpointError("pre-training checkpoint '" + path + "': metadata 'leakgan.pretraining_figures': " +
                          e.what());
  }
  std::cerr << "leakgan: pre-training resumed from '" << path << "' after round " << gan_->pretrain_rounds_done()
            << " of " << cfg.gan.pretrain_rounds << "\n";
}

void LeakGANAgent::pretrain() {
  if (pretrained_) return;
  const std::string& file = cfg.pretrain_checkpoint;
  if (!file.empty() && nets::file_size(file) >= 0) resume_pretraining();
  PretrainFigures& f = figures_;
  gan_->pretrain(
      [&](const std::string& phase, long i, const std::string& name, double v) {
        if (phase == "pretrain_g" && name == "train_nll") f.nll = v, f.epochs = i;
        if (phase == "pretrain_g" && name == "manager_cos") f.cos = v;
        if (phase == "pretrain_g" && name == "best_validation_nll") f.best = v;
        if (phase == "pretrain_g" && name == "nll_oracle")
          f.curve.push_back({"pretrain_nll_oracle_after_epoch_" + std::to_string(i), v});
        if (phase == "pretrain_d") f.dl = v;
        // pre-training takes most of a run: show it as it goes
        if (name != "manager_cos") std::cerr << "leakgan: " << phase << " " << i << " " << name << " " << v << "\n";
      },
      [&] {
        if (file.empty()) return;
        if (nets::dist::rank() == 0) save_pretraining();  // (the ranks hold the same state)
        const size_t done = gan_->pretrain_rounds_done();
        if (done < cfg.gan.pretrain_rounds && nets::dist::any(stop_requested()))
          throw Interrupted("LeakGAN's pre-training stopped by " +
                            (stop_reason().empty() ? std::string("another rank") : stop_reason()) + " after round " +
                            std::to_string(done) + " of " + std::to_string(cfg.gan.pretrain_rounds) + "; it is saved in '" +
                            file + "': the same command goes on from round " + std::to_string(done + 1));
      });
  pending_ = {{"pretrain_g_train_nll", f.nll}, {"pretrain_manager_cos", f.cos}, {"pretrain_d_loss", f.dl},
              {"pretrain_g_epochs_run", double(f.epochs)}};
  if (f.best >= 0) pending_.push_back({"pretrain_best_validation_nll", f.best});
  pending_.insert(pending_.end(), f.curve.begin(), f.curve.end());
  if (task_.oracle) pending_.push_back({"pretrain_nll_oracle", gan_->nll_oracle()});
  pretrained_ = true;
}

namespace {
// From the first g-step on the generator scores as the adversarial phase's settings say: with
// --adversarial-goal-shift, with the shifted goals (the pre-training scored without them)
void score_as_adversarial(const LeakGANConfig& c, LeakGAN& gan) {
  if (c.adversarial_goal_shift) gan.gen.cfg.score_goal_shift = true;
}
}  // namespace

std::vector<env::Action> LeakGANAgent::act(const nets::Tensor& obs, bool deterministic) {
  pretrain();
  const float head = cfg.gan.first_tokens_temperature;
  return next_tokens(
      [&](const nets::IntTensor& pre, size_t given) {
        nets::Tensor logits = gan_->gen.next_logits(gan_->disc, pre, given);
        if (given < 2 && head != 1.f)
          for (auto& v : logits) v /= head;
        return logits;
      },
                     task_.real.shape()[1], task_.vocab_size, obs, deterministic, gan_->rng, "leakgan");
}

Metrics LeakGANAgent::update() {
  const size_t B = cfg.gan.batch, T = task_.real.shape()[1];
  Metrics m = std::move(pending_);
  pending_.clear();
  if (episodes_.finished.size() < B) return m;
  // the batch: the first B finished episodes, padded as the real data is (with the end token)
  std::vector<size_t> lengths;
  double ret = 0;
  const nets::IntTensor seqs = episodes_.take_batch(B, T, task_.eos >= 0 ? task_.eos : 0, lengths, ret);
  // (batches_ is saved with the run: a resumed run does not start its optimizers again)
  if (batches_ == 0 && cfg.gan.fresh_adversarial_adam) gan_->restart_generator_optimizers();
  score_as_adversarial(cfg.gan, *gan_);
  for (const auto& [k, v] : gan_->g_step_on(seqs, &lengths)) m.push_back({k, v});
  const bool figure = cfg.gan.eval_every && (batches_ + 1) % long(cfg.gan.eval_every) == 0;
  // NLL-oracle (or NLL-test without an oracle), its name ending in `suffix`
  auto nll_figure = [&](const std::string& suffix) {
    if (task_.oracle)
      m.push_back({"nll_oracle" + suffix, gan_->nll_oracle()});
    else if (task_.held_out.size())
      m.push_back({"nll_test" + suffix, gan_->nll_of(task_.held_out)});
  };
  // the figure where LeakGAN's code logs it: after the g-step, before D's rounds change the leak
  if (figure && cfg.gan.eval_point != "batch") nll_figure("_before_d");
  double dl = 0;
  for (size_t d = 0; d < cfg.gan.d_steps; ++d) dl = gan_->d_step(cfg.gan.d_epochs);
  ++batches_;
  if (nets::dist::size() > 1 && (batches_ == 1 || batches_ % 10 == 0)) {
    nets::NamedParams ps;
    for (auto& [n, v] : gan_->gen.named_parameters()) ps.push_back({"generator." + n, v});
    for (auto& [n, v] : gan_->disc.named_parameters()) ps.push_back({"discriminator." + n, v});
    nets::check_replicas(ps, "after adversarial batch " + std::to_string(batches_));
  }
  m.push_back({"d_loss", dl});
  m.push_back({"train_return", ret});
  m.push_back({"adversarial_batches", double(batches_)});
  if (figure && cfg.gan.eval_point != "g-step") nll_figure("");
  return m;
}

nets::IntTensor LeakGANAgent::sample_text(size_t n, nets::Rng& rng, float temperature) const {
  return gan_->gen.sample(gan_->disc, n, rng, temperature);
}

nets::Tensor LeakGANAgent::text_log_probs(const nets::IntTensor& seqs, float temperature) const {
  return gan_->gen.log_probs(gan_->disc, seqs, temperature);
}

void LeakGANAgent::save_state(nets::SafeTensors& out) const {
  save_adversarial_state(out, "leakgan", cfg, batches_, pretrained_, episodes_,
                         [&](nets::SafeTensors& o) { gan_->save_state(o.tensors, o.metadata, "gan."); });
}

void LeakGANAgent::load_state(const nets::SafeTensors& st, const std::string& path) {
  load_adversarial_state(st, path, "leakgan", batches_, pretrained_, episodes_,
                         [&] { gan_->load_state(st, "gan.", path); });
  // (a run past its first g-step: its NLL-test, seqrl eval of the checkpoint)
  if (batches_ > 0) score_as_adversarial(cfg.gan, *gan_);
}

AgentSpec leakgan_agent_spec() {
  AgentSpec s = text_data_agent_spec(
      "leakgan", "LeakGAN (Guo et al. 2018): manager/worker LSTMs, leaked discriminator features, rescaled rollout rewards",
      "the manager and worker (pre-training and g-steps), the discriminator, the Monte-Carlo rollouts and the negatives", 0);
  s.preset_flag = "protocol";
  s.presets = {"fast", "paper", "paper40", "fast-reference", "paper-reference", "paper40-reference"};
  s.defaults = [](const std::string&, const std::string& preset) {
    LeakGANAgentConfig c;
    try {
      c.gan = leakgan_protocol(preset.empty() ? "fast" : preset);
    } catch (const ConfigError& e) {
      throw ConfigError("--protocol: " + std::string(e.what()));
    }
    return nlohmann::json(c);
  };
  s.options = {{"emb", "/gan/emb", "worker embedding width"},
               {"hidden", "/gan/hidden", "worker and manager LSTM width"},
               {"goal-size", "/gan/goal_size", "k: width of the worker's goal embedding w_t"},
               {"step-size", "/gan/step_size", "c: goals summed over (and rollouts every) c tokens"},
               {"goal-window", "/gan/goal_window", "sliding (the paper) or block (the reference code)"},
               {"normalize-w", "/gan/normalize_w", "l2-normalise w_t (the reference code) (0/1)"},
               {"score-goal-shift", "/gan/score_goal_shift",
                "score (losses, pre-training, NLL-test) with each block's goals one prefix later than sampling, as the reference code's teacher-forced graph (0/1)"},
               {"adversarial-goal-shift", "/gan/adversarial_goal_shift",
                "score with that shift from the first g-step on, the pre-training without it (resumes a pre-training saved without it) (0/1)"},
               {"d-init", "/gan/disc_init",
                "D's first draws: default (PyTorch's layer defaults) or reference (SeqGAN's and LeakGAN's TensorFlow code)"},
               {"leak-pad", "/gan/leak_pad",
                "the leak's padding: zero vectors, or random (a fixed U(-1, 1) embedding row, as the reference code pads)"},
               {"manager-loss", "/gan/manager_loss",
                "the manager's cosine: step (the paper: every goal against the next c tokens' feature change) or block "
                "(the reference code: each block's goal sum against the block's feature change)"},
               {"goal-init", "/gan/goal_init",
                "the goals before the first: fixed (one unit vector) or learned (one per batch slot, as the reference code; "
                "trained by --manager-loss block)"},
               {"worker-cosine", "/gan/worker_cosine",
                "the reference variant's worker scalar: intrinsic (the batch mean of the intrinsic reward) or block "
                "(the reference code: each token's feature change since its block's start against its goal sum)"},
               {"alpha", "/gan/alpha", "weight of the worker's intrinsic reward"},
               {"rescale", "/gan/rescale", "the rewards' rescale: rank (the paper), position (the reference code), none (raw Q, as SeqGAN); empty = the variant's"},
               {"g-lr", "/gan/g_lr", "manager and worker Adam learning rate"},
               {"adversarial-lr", "/gan/adversarial_lr", "their rate from the first g-step on (0 = --g-lr)"},
               {"d-lr", "/gan/d_lr", "discriminator Adam learning rate"},
               {"pretrain-rounds", "/gan/pretrain_rounds", "interleaved pre-training rounds"},
               {"pretrain-d-rounds", "/gan/pretrain_d_rounds", "D rounds per pre-training round"},
               {"pretrain-g-epochs", "/gan/pretrain_g_epochs", "G epochs (worker MLE + manager) per pre-training round"},
               {"validation", "/gan/validation", "real sequences held out of G's pre-training to stop it early (0 = off)"},
               {"patience", "/gan/patience", "pre-training epochs without a better validation NLL before it stops"},
               {"total-batches", "/gan/total_batches", "adversarial batches of the protocol (what --steps 0 runs)"},
               {"rollouts", "/gan/rollouts", "Monte-Carlo rollouts per block"},
               {"d-steps", "/gan/d_steps", "D rounds after each g-step"},
               {"d-epochs", "/gan/d_epochs", "passes over real + negatives per D round"},
               {"negatives", "/gan/negatives", "negatives per D round (0 = as many as real sequences)"},
               {"sample-temperature", "/gan/sample_temperature", "temperature of evaluation samples and D's negatives (the reference code: 2/3)"},
               {"first-tokens-temperature", "/gan/first_tokens_temperature", "temperature of the first two tokens of the episodes the g-steps learn from (the reference code: 2/3)"},
               {"fresh-adversarial-adam", "/gan/fresh_adversarial_adam",
                "start the g-steps' Adam afresh at the first adversarial batch, apart from pre-training's (the reference code) (0/1)"},
               {"fresh-positives", "/gan/fresh_positives", "on the oracle, D's positives drawn afresh for every D round (the reference code) (0/1)"},
               {"pretrain-shuffle", "/gan/pretrain_shuffle",
                "shuffle G's pre-training data every epoch (0: one fixed order, as the reference code's loader) (0/1)"},
               {"nll-every", "/gan/eval_every", "g-steps between NLL-oracle (or NLL-test) figures (0 = never)"},
               {"nll-at", "/gan/eval_point",
                "where in a batch: batch (after its D rounds), g-step (before them, as the reference code logs it: "
                "nll_oracle_before_d) or both"},
               {"pretrain-nll-every", "/gan/pretrain_eval_every",
                "NLL-oracle after G epochs 0, n, 2n, ... of each pre-training round (the reference code's log: 5; 0 = never)"},
               {"samples", "/samples", "real sequences drawn from the oracle or the grammar"},
               {"pretrain-checkpoint", "/pretrain_checkpoint",
                "a file the pre-training is saved to after every round and resumed from when it exists; a stop "
                "(Ctrl-C) during it takes effect after the round (empty = none)"}};
  s.bind = [](nlohmann::json& c, const AgentContext& x) {
    c["gan"]["seed"] = x.seed;
    c["env_id"] = x.env_id;
    c["env_options"] = x.env_options;
    c["stop_after_batches"] = x.protocol_budget ? c["gan"]["total_batches"].get<size_t>() : size_t(0);
  };
  s.make = [](const env::Space& o, const env::Space& a, const nlohmann::json& j, bool) -> std::unique_ptr<Agent> {
    return LeakGANAgent::for_spaces(o, a, j.get<LeakGANAgentConfig>());
  };
  s.protocol_steps = [](const nlohmann::json& j, const env::Space& o) {
    const LeakGANAgentConfig c = j.get<LeakGANAgentConfig>();
    const auto& ts = dynamic_cast<const env::TokenSequence&>(o);
    return long(c.gan.total_batches * c.gan.batch * (ts.max_len + 1));
  };
  return s;
}

}  // namespace seqrl::agents
