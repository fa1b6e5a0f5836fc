// Optimizers, clipping and schedules. Updates are plain loops over contiguous float buffers.
#include "seqrl/nets/optim.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <cstring>
#include <map>
#include <string_view>

#include <xtensor/xbuilder.hpp>

#include "seqrl/nets/dist.hpp"
#include "seqrl/nets/ops.hpp"
#include "seqrl/nets/parallel.hpp"

namespace seqrl::nets {

bool all_finite(const float* x, size_t n) {
  // x * 0 is 0 for every finite x and NaN for NaN and +-inf. Eight independent sums, so that the
  // additions vectorise instead of each waiting on the one before.
  float acc[8] = {};
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (size_t j = 0; j < 8; ++j) acc[j] += x[i + j] * 0.f;
  for (; i < n; ++i) acc[0] += x[i] * 0.f;
  float all = 0.f;
  for (float a : acc) all += a;
  return all == 0.f;
}

Optimizer::Optimizer(NamedParams params, float lr) : params_(std::move(params)), lr_(lr) {
  set_lr(lr);
  for (auto& [n, v] : params_)
    if (!v.requires_grad())
      throw ValueError("optimizer given '" + n + "', which does not require a gradient");
}

void Optimizer::set_lr(float lr) {
  if (!(lr >= 0.f) || !std::isfinite(lr))
    throw ValueError("learning rate must be finite and >= 0, got " + std::to_string(lr));
  lr_ = lr;
}

void Optimizer::zero_grad() {
  for (auto& [n, v] : params_) v.zero_grad();
}

void Optimizer::check_finite_grads() const {
  for (const auto& [n, v] : params_) {
    if (!v.has_grad()) continue;
    const float* g = v.grad().data();
    const size_t size = v.size();
    if (all_finite(g, size)) continue;
    size_t bad = 0, first = size;
    for (size_t i = 0; i < size; ++i)
      if (!std::isfinite(g[i])) {
        if (first == size) first = i;
        ++bad;
      }
    throw NumericError("non-finite gradient of '" + n + "' " + shape_str(v.value().shape()) + ": " +
                       std::to_string(bad) + " of " + std::to_string(size) + " values (the first, at flat index " +
                       std::to_string(first) + ", is " + std::to_string(g[first]) + "), at " + name() + " step " +
                       std::to_string(steps_ + 1) + "; nothing was updated");
  }
}

std::vector<Tensor>& Optimizer::buffer(const std::string& key) {
  auto it = buffers_.find(key);
  if (it != buffers_.end()) return it->second;
  std::vector<Tensor> b;
  for (auto& [n, v] : params_) b.push_back(xt::zeros<float>(v.value().shape()));
  return buffers_.emplace(key, std::move(b)).first->second;
}

OptimizerState Optimizer::state() const {
  OptimizerState s;
  s.scalars["step"] = std::to_string(steps_);
  s.scalars["name"] = name();
  s.scalars["lr"] = std::to_string(lr_);
  for (auto& [k, bufs] : buffers_)
    for (size_t i = 0; i < params_.size(); ++i) s.tensors[k + "." + params_[i].first] = bufs[i];
  return s;
}

void Optimizer::load_state(const OptimizerState& s) {
  std::string problems;
  auto it = s.scalars.find("name");
  if (it != s.scalars.end() && it->second != name())
    problems += "\n  optimizer kind: file has '" + it->second + "', this is '" + name() + "'";
  // Every tensor key is "<buffer>.<param name>"; the buffer names are what precedes the first dot.
  std::map<std::string, std::vector<Tensor>> loaded;
  for (auto& [key, t] : s.tensors) {
    const auto dot = key.find('.');
    const std::string buf = key.substr(0, dot);
    if (dot == std::string::npos) {
      problems += "\n  malformed optimizer entry '" + key + "'";
      continue;
    }
    if (!loaded.count(buf)) {
      std::vector<Tensor> b;
      for (auto& [n, v] : params_) {
        auto f = s.tensors.find(buf + "." + n);
        if (f == s.tensors.end()) {
          problems += "\n  missing optimizer entry '" + buf + "." + n + "'";
        } else if (f->second.shape() != v.value().shape()) {
          problems += "\n  optimizer entry '" + buf + "." + n + "' has shape " +
                      shape_str(f->second.shape()) + ", parameter is " +
                      shape_str(v.value().shape());
        }
        b.push_back(f == s.tensors.end() ? Tensor() : f->second);
      }
      loaded.emplace(buf, std::move(b));
    }
  }
  long step = 0;
  auto st = s.scalars.find("step");
  if (st != s.scalars.end()) {
    try {
      step = std::stol(st->second);
    } catch (const std::exception&) {
      problems += "\n  optimizer step '" + st->second + "' is not an integer";
    }
  }
  if (!problems.empty()) throw CheckpointError("optimizer state does not fit:" + problems);
  buffers_ = std::move(loaded);
  steps_ = step;
  auto lr = s.scalars.find("lr");
  if (lr != s.scalars.end()) set_lr(std::stof(lr->second));
}

// ---- SGD --------------------------------------------------------------------------------------
SGD::SGD(NamedParams params, float lr, float momentum_, float wd, bool nesterov_)
    : Optimizer(std::move(params), lr), momentum(momentum_), weight_decay(wd), nesterov(nesterov_) {}

void SGD::step() {
  check_finite_grads();
  ++steps_;
  std::vector<Tensor>* vel = momentum != 0.f ? &buffer("momentum") : nullptr;
  for (size_t k = 0; k < params_.size(); ++k) {
    Var& p = params_[k].second;
    if (!p.has_grad()) continue;
    float* w = p.value().data();
    const float* g = p.grad().data();
    float* v = vel ? (*vel)[k].data() : nullptr;
    for (size_t i = 0; i < p.size(); ++i) {
      float d = g[i] + weight_decay * w[i];
      if (v) {
        v[i] = momentum * v[i] + d;
        d = nesterov ? d + momentum * v[i] : v[i];
      }
      w[i] -= lr_ * d;
    }
  }
}

// ---- Adam -------------------------------------------------------------------------------------
Adam::Adam(NamedParams params, float lr, float b1, float b2, float eps_, float wd, bool dec)
    : Optimizer(std::move(params), lr), beta1(b1), beta2(b2), eps(eps_), weight_decay(wd),
      decoupled(dec) {
  if (!(b1 >= 0.f && b1 < 1.f && b2 >= 0.f && b2 < 1.f))
    throw ValueError("Adam: betas must be in [0, 1), got " + std::to_string(b1) + ", " +
                     std::to_string(b2));
}

namespace {
// Adam's update of n elements: the one loop step() and step_slices() share.
struct AdamConsts {
  float l2, decay, b1, b2, e, ss, ib;
};
inline void adam_update(float* __restrict w, const float* __restrict g, float* __restrict mk, float* __restrict vk,
                        size_t n, const AdamConsts& c) {
  // Locals, not members: stores through w/mk/vk could alias members and stop vectorisation.
  const float l2 = c.l2, decay = c.decay, b1 = c.b1, b2 = c.b2, e = c.e, ss = c.ss, ib = c.ib;
  for (size_t i = 0; i < n; ++i) {
    const float gi = g[i] + l2 * w[i];
    mk[i] = b1 * mk[i] + (1.f - b1) * gi;
    vk[i] = b2 * vk[i] + (1.f - b2) * gi * gi;
    w[i] = w[i] * decay - ss * mk[i] / (std::sqrt(vk[i]) * ib + e);
  }
}
}  // namespace

void Adam::step() {
  check_finite_grads();
  std::vector<GradSlice> all;
  for (size_t k = 0; k < params_.size(); ++k)
    if (params_[k].second.has_grad()) all.push_back({k, 0, params_[k].second.size(), params_[k].second.grad().data()});
  step_slices(all);
}

bool Adam::step_slices(const std::vector<GradSlice>& slices) {
  ++steps_;
  auto& m = buffer("m");
  auto& v = buffer("v");
  const double bc1 = 1.0 - std::pow(double(beta1), double(steps_));
  const double bc2 = 1.0 - std::pow(double(beta2), double(steps_));
  const AdamConsts c{decoupled ? 0.f : weight_decay, decoupled ? 1.f - lr_ * weight_decay : 1.f, beta1, beta2, eps,
                     static_cast<float>(lr_ / bc1), static_cast<float>(1.0 / std::sqrt(bc2))};
  for (const GradSlice& s : slices) {
    const size_t k = s.param;
    adam_update(params_[k].second.value().data() + s.begin, s.grad, m[k].data() + s.begin, v[k].data() + s.begin,
                s.end - s.begin, c);
  }
  return true;
}

// ---- RMSProp ----------------------------------------------------------------------------------
RMSProp::RMSProp(NamedParams params, float lr, float a, float eps_, float mom, float wd)
    : Optimizer(std::move(params), lr), alpha(a), eps(eps_), momentum(mom), weight_decay(wd) {}

void RMSProp::step() {
  check_finite_grads();
  ++steps_;
  auto& sq = buffer("square_avg");
  std::vector<Tensor>* buf = momentum != 0.f ? &buffer("momentum") : nullptr;
  for (size_t k = 0; k < params_.size(); ++k) {
    Var& p = params_[k].second;
    if (!p.has_grad()) continue;
    float* w = p.value().data();
    const float* g = p.grad().data();
    float* s = sq[k].data();
    float* b = buf ? (*buf)[k].data() : nullptr;
    for (size_t i = 0; i < p.size(); ++i) {
      const float gi = g[i] + weight_decay * w[i];
      s[i] = alpha * s[i] + (1.f - alpha) * gi * gi;
      const float u = gi / (std::sqrt(s[i]) + eps);
      if (b) {
        b[i] = momentum * b[i] + u;
        w[i] -= lr_ * b[i];
      } else {
        w[i] -= lr_ * u;
      }
    }
  }
}

// ---- clipping and schedules -------------------------------------------------------------------
float clip_grad_norm(const NamedParams& params, float max_norm) {
  if (!(max_norm > 0.f)) throw ValueError("clip_grad_norm: max_norm must be > 0, got " +
                                          std::to_string(max_norm));
  double total = 0.0;
  for (auto& [n, v] : params) {
    if (!v.has_grad()) continue;
    const float* g = v.grad().data();
    for (size_t i = 0; i < v.size(); ++i) total += double(g[i]) * g[i];
  }
  const float norm = static_cast<float>(std::sqrt(total));
  if (norm > max_norm) {
    const float s = max_norm / (norm + 1e-6f);
    for (auto& [n, v] : params) {
      if (!v.has_grad()) continue;
      float* g = v.node()->grad.data();
      for (size_t i = 0; i < v.size(); ++i) g[i] *= s;
    }
  }
  return norm;
}

namespace {
// Which parameters have a gradient on some rank (> 0: one process's step would update them).
std::vector<double> with_gradient_anywhere(const NamedParams& params) {
  std::vector<double> has(params.size());
  for (size_t i = 0; i < params.size(); ++i) has[i] = params[i].second.has_grad() ? 1.0 : 0.0;
  dist::allreduce_sum(has.data(), has.size());
  return has;
}
}  // namespace

void allreduce_gradients(const NamedParams& params) {
  if (dist::size() == 1) return;
  const std::vector<double> has = with_gradient_anywhere(params);
  size_t n = 0;
  for (size_t i = 0; i < params.size(); ++i)
    if (has[i] > 0) n += params[i].second.size();
  std::vector<float> flat(n);
  size_t at = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    if (!(has[i] > 0)) continue;
    const Var& v = params[i].second;
    if (v.has_grad()) std::memcpy(flat.data() + at, v.grad().data(), v.size() * sizeof(float));
    at += v.size();  // (zeros where this rank has none)
  }
  dist::allreduce_sum(flat.data(), n);
  at = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    if (!(has[i] > 0)) continue;
    Node& node = *params[i].second.node();
    std::memcpy(node.grad_buffer().data(), flat.data() + at, node.value.size() * sizeof(float));
    node.has_grad = true;
    at += node.value.size();
  }
}

double data_parallel_backward(size_t rows, const NamedParams& params,
                              const std::function<Var(size_t begin, size_t end)>& loss_of, bool reduce) {
  if (dist::size() == 1) {
    Var loss = loss_of(0, rows);
    loss.backward();
    return loss.item();
  }
  size_t b = 0, e = 0;
  partition(rows, size_t(dist::size()), size_t(dist::rank()), b, e);
  double value = 0;
  if (e > b) {
    Var loss = scale(loss_of(b, e), float(double(e - b) / double(rows)));
    loss.backward();
    value = loss.item();
  }
  if (reduce) allreduce_gradients(params);
  dist::allreduce_sum(&value, 1);
  return value;
}

namespace {
// Compares a 64-bit hash of each item's bytes with rank 0's; when any rank differs, throws Error
// on every rank naming the first item that differs (as `kind 'name'`) and the ranks where it does.
void check_replica_items(const std::vector<std::pair<std::string, std::string_view>>& items, const char* kind,
                         const std::string& when) {
  // 64-bit FNV-style hash over 8-byte words of each item
  std::string mine(items.size() * sizeof(uint64_t), '\0');
  for (size_t k = 0; k < items.size(); ++k) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(items[k].second.data());
    const size_t n = items[k].second.size();
    uint64_t h = 1469598103934665603ull ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t w;
      std::memcpy(&w, bytes + i, 8);
      h = (h ^ w) * 1099511628211ull;
    }
    for (; i < n; ++i) h = (h ^ bytes[i]) * 1099511628211ull;
    std::memcpy(mine.data() + k * sizeof(uint64_t), &h, sizeof h);
  }
  std::string root = mine;
  dist::broadcast(root);
  long first = -1;
  for (size_t k = 0; k < items.size() && first < 0; ++k)
    if (root.size() != mine.size() || std::memcmp(mine.data() + k * 8, root.data() + k * 8, 8) != 0) first = long(k);
  const std::vector<std::string> all = dist::allgather(std::to_string(first));
  long k_min = -1;
  std::string ranks;
  for (size_t r = 0; r < all.size(); ++r) {
    const long k = std::stol(all[r]);
    if (k < 0) continue;
    ranks += (ranks.empty() ? "" : ", ") + std::to_string(r);
    if (k_min < 0 || k < k_min) k_min = k;
  }
  if (k_min >= 0)
    throw Error("the ranks' models differ " + when + ": " + kind + " '" +
                (size_t(k_min) < items.size() ? items[size_t(k_min)].first : std::string("?")) + "' on rank(s) " +
                ranks + " is not rank 0's (data-parallel training must keep them equal)");
}
}  // namespace

void check_replicas(const NamedParams& params, const std::string& when) {
  if (dist::size() == 1) return;
  std::vector<std::pair<std::string, std::string_view>> items;
  for (const auto& [name, p] : params)
    items.emplace_back(name, std::string_view(reinterpret_cast<const char*>(p.value().data()), p.value().size() * sizeof(float)));
  check_replica_items(items, "parameter", when);
}

void check_replica_state(const std::map<std::string, Tensor>& tensors,
                         const std::map<std::string, std::string>& metadata, const std::string& when) {
  if (dist::size() == 1) return;
  std::vector<std::pair<std::string, std::string_view>> items;
  for (const auto& [name, t] : tensors)
    items.emplace_back(name, std::string_view(reinterpret_cast<const char*>(t.data()), t.size() * sizeof(float)));
  for (const auto& [key, value] : metadata) items.emplace_back(key, std::string_view(value));
  // a rank with other entries than rank 0's differs too: their names are part of what is compared
  std::string names;
  for (const auto& item : items) names += item.first + '\n';
  items.emplace_back("(the list of entries)", std::string_view(names));
  check_replica_items(items, "state entry", when);
}

// ---- ShardedStep ------------------------------------------------------------------------------
// A parameter of kInPlace values or more is cut into N chunks (dist::chunk) and reduced, updated
// and gathered in place in its own buffers; the smaller ones share one flat bucket, cut the same
// way, so that the many small tensors (biases, small filters) cost two collectives in all rather
// than two each. For SeqGAN's discriminator: the embedding, the 15- and 20-wide filters and the
// highway's two 1,720 x 1,720 weights in place (6.6 M values), the other 26 tensors (0.45 M) in
// the bucket.
namespace {
constexpr size_t kInPlace = size_t(1) << 16;
}  // namespace

ShardedStep::ShardedStep(Optimizer& opt) : opt_(opt), uncaught_(std::uncaught_exceptions()) {
  sharded_ = dist::size() > 1 && dist::allreduce_algorithm() == dist::Allreduce::kReduceScatter;
  if (!sharded_) return;
  const NamedParams& ps = opt_.params();
  bucket_offset_.assign(ps.size(), kNotInBucket);
  for (size_t k = 0; k < ps.size(); ++k)
    if (ps[k].second.size() < kInPlace) bucket_offset_[k] = bucket_n_, bucket_n_ += ps[k].second.size();
  dist::chunk(bucket_n_, dist::rank(), lo_, hi_);
}

ShardedStep::~ShardedStep() {
  if (std::uncaught_exceptions() > uncaught_) return;  // unwinding: the job is being aborted
  finish();
}

void ShardedStep::to_bucket(const std::function<const float*(size_t)>& src, bool own_chunk_only) {
  const NamedParams& ps = opt_.params();
  flat_.resize(bucket_n_);
  for (size_t k = 0; k < ps.size(); ++k) {
    if (bucket_offset_[k] == kNotInBucket) continue;
    const size_t f0 = bucket_offset_[k], f1 = f0 + ps[k].second.size();
    const size_t b = own_chunk_only ? std::max(lo_, f0) : f0, e = own_chunk_only ? std::min(hi_, f1) : f1;
    if (b >= e) continue;
    const float* from = src(k);
    if (from)
      std::memcpy(flat_.data() + b, from + (b - f0), (e - b) * sizeof(float));
    else
      std::fill(flat_.data() + b, flat_.data() + e, 0.f);
  }
}

void ShardedStep::from_bucket(const std::function<float*(size_t)>& dst) {
  const NamedParams& ps = opt_.params();
  for (size_t k = 0; k < ps.size(); ++k)
    if (bucket_offset_[k] != kNotInBucket)
      if (float* to = dst(k)) std::memcpy(to, flat_.data() + bucket_offset_[k], ps[k].second.size() * sizeof(float));
}

void ShardedStep::step() {
  const NamedParams& ps = opt_.params();
  if (!sharded_) {
    allreduce_gradients(ps);  // (a no-op in a group of one)
    opt_.step();
    return;
  }
  const std::vector<double> has = with_gradient_anywhere(ps);
  std::vector<GradSlice> mine;
  for (size_t k = 0; k < ps.size(); ++k) {
    if (!(has[k] > 0)) continue;
    Node& node = *ps[k].second.node();
    const size_t size = node.value.size();
    Tensor& g = node.grad_buffer();
    if (!node.has_grad) std::fill(g.data(), g.data() + size, 0.f), node.has_grad = true;
    if (bucket_offset_[k] != kNotInBucket) continue;
    dist::reduce_scatter_sum(g.data(), size);  // this rank's chunk of it, summed in rank order
    size_t b = 0, e = 0;
    dist::chunk(size, dist::rank(), b, e);
    if (b < e) mine.push_back({k, b, e, g.data() + b});
  }
  if (bucket_n_) {
    to_bucket([&](size_t k) { return has[k] > 0 ? ps[k].second.grad().data() : nullptr; }, false);
    dist::reduce_scatter_sum(flat_.data(), bucket_n_);
    for (size_t k = 0; k < ps.size(); ++k) {
      if (bucket_offset_[k] == kNotInBucket || !(has[k] > 0)) continue;
      const size_t f0 = bucket_offset_[k], b = std::max(lo_, f0), e = std::min(hi_, f0 + ps[k].second.size());
      if (b < e) mine.push_back({k, b - f0, e - f0, flat_.data() + b});
    }
  }
  // the same check as step()'s, agreed across ranks before anything changes
  std::string bad;
  for (const GradSlice& s : mine)
    if (bad.empty() && !all_finite(s.grad, s.end - s.begin)) bad = ps[s.param].first;
  if (dist::any(!bad.empty()))
    throw NumericError(bad.empty() ? "non-finite gradient on another rank (data-parallel step)"
                                   : "non-finite gradient of '" + bad + "' (data-parallel step, rank " +
                                         std::to_string(dist::rank()) + ")");
  if (!opt_.step_slices(mine)) {
    // no sliced step: the whole gradient everywhere (the bucket's chunks are already summed in
    // flat_), the whole step everywhere
    for (size_t k = 0; k < ps.size(); ++k)
      if (has[k] > 0 && bucket_offset_[k] == kNotInBucket)
        dist::allgather_chunks(ps[k].second.node()->grad_buffer().data(), ps[k].second.size());
    if (bucket_n_) {
      dist::allgather_chunks(flat_.data(), bucket_n_);
      from_bucket([&](size_t k) { return has[k] > 0 ? ps[k].second.node()->grad_buffer().data() : nullptr; });
    }
    opt_.step();
    return;
  }
  pending_ = true;
  // every rank's updated chunks of the parameters to every rank (those without a gradient are
  // alike everywhere already; gathering them changes nothing)
  gather([&](size_t k) { return ps[k].second.node()->value.data(); });
}

void ShardedStep::gather(const std::function<float*(size_t)>& data_of) {
  const NamedParams& ps = opt_.params();
  for (size_t k = 0; k < ps.size(); ++k)
    if (bucket_offset_[k] == kNotInBucket) dist::allgather_chunks(data_of(k), ps[k].second.size());
  if (bucket_n_) {
    to_bucket([&](size_t k) { return data_of(k); }, true);
    dist::allgather_chunks(flat_.data(), bucket_n_);
    from_bucket(data_of);
  }
}

void ShardedStep::finish() {
  if (!sharded_ || !pending_) return;
  pending_ = false;
  // each rank's moments are current over its own chunks: gather them
  for (auto& key_bufs : opt_.buffers_) {
    std::vector<Tensor>& bufs = key_bufs.second;  // (a structured binding cannot be captured in C++17)
    gather([&](size_t k) { return bufs[k].data(); });
  }
}

ExponentialDecay::ExponentialDecay(float l0, float r, long ds, bool st)
    : lr0(l0), rate(r), decay_steps(ds), staircase(st) {
  if (ds <= 0) throw ValueError("ExponentialDecay: decay_steps must be > 0, got " + std::to_string(ds));
}

float ExponentialDecay::at(long step) const {
  double e = double(step) / double(decay_steps);
  if (staircase) e = std::floor(e);
  return static_cast<float>(lr0 * std::pow(double(rate), e));
}

LinearDecay::LinearDecay(float l0, float l1, long s) : lr0(l0), lr1(l1), steps(s) {
  if (s <= 0) throw ValueError("LinearDecay: steps must be > 0, got " + std::to_string(s));
}

float LinearDecay::at(long step) const {
  if (step >= steps) return lr1;
  const double f = double(step) / double(steps);
  return static_cast<float>(lr0 + f * (lr1 - lr0));
}

}  // namespace seqrl::nets
