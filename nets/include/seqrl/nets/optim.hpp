// Optimizers (SGD with momentum, Adam with L2 or decoupled weight decay, RMSProp), global-norm
// gradient clipping and learning-rate schedules.
//
// An optimizer holds named parameter handles; step() updates those that received a gradient.
// Before it changes anything, step() checks every gradient: a NaN or an infinity throws
// NumericError naming the parameter, and leaves the parameters and the moments as they were.
// Its state (moments, step count) round-trips through state()/load_state() so that checkpoints
// resume exactly.
#pragma once

#include <functional>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "seqrl/nets/tensor.hpp"

namespace seqrl::nets {

using NamedParams = std::vector<std::pair<std::string, Var>>;

// New gradient values for the elements [begin, end) of parameter `param` (an index into
// Optimizer::params()), read from `grad` (end - begin floats).
struct GradSlice {
  size_t param, begin, end;
  const float* grad;
};

struct OptimizerState {
  std::map<std::string, Tensor> tensors;        // e.g. "m.lstm.w_ih"
  std::map<std::string, std::string> scalars;   // e.g. "step" -> "120"
};

class Optimizer {
 public:
  Optimizer(NamedParams params, float lr);
  virtual ~Optimizer() = default;
  virtual void step() = 0;
  virtual std::string name() const = 0;
  void zero_grad();
  float lr() const { return lr_; }
  void set_lr(float lr);
  long steps() const { return steps_; }
  const NamedParams& params() const { return params_; }

  // One step over the given elements only, with the given gradients (ShardedStep): each element
  // changes exactly as step() would change it with that gradient. Returns false, changing
  // nothing, for an optimizer that has no such step. Does not check the gradients.
  virtual bool step_slices(const std::vector<GradSlice>& slices) {
    (void)slices;
    return false;
  }

  OptimizerState state() const;
  // Throws CheckpointError naming missing or mis-shaped entries.
  void load_state(const OptimizerState& s);

 protected:
  // NumericError naming the first parameter whose gradient holds a NaN or an infinity.
  void check_finite_grads() const;
  // Named per-parameter buffers (moment estimates), each the shape of its parameter. References
  // stay valid while the optimizer lives (a map's nodes never move).
  std::vector<Tensor>& buffer(const std::string& key);
  NamedParams params_;
  float lr_;
  long steps_ = 0;
  std::map<std::string, std::vector<Tensor>> buffers_;
  friend class ShardedStep;
};

// p <- p - lr * v, v <- momentum v + (g + wd p) (PyTorch's SGD; nesterov optional).
class SGD : public Optimizer {
 public:
  SGD(NamedParams params, float lr, float momentum = 0.f, float weight_decay = 0.f,
      bool nesterov = false);
  void step() override;
  std::string name() const override { return "sgd"; }
  float momentum, weight_decay;
  bool nesterov;
};

// Adam (Kingma & Ba 2015) with bias correction. weight_decay adds wd*p to the gradient (L2) or,
// with decoupled = true, decays p directly by lr*wd*p (AdamW).
class Adam : public Optimizer {
 public:
  Adam(NamedParams params, float lr = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f,
       float eps = 1e-8f, float weight_decay = 0.f, bool decoupled = false);
  void step() override;
  bool step_slices(const std::vector<GradSlice>& slices) override;
  std::string name() const override { return "adam"; }
  float beta1, beta2, eps, weight_decay;
  bool decoupled;
};

// RMSProp (PyTorch's form): s <- alpha s + (1-alpha) g^2; p <- p - lr g / (sqrt(s) + eps), with
// optional momentum.
class RMSProp : public Optimizer {
 public:
  RMSProp(NamedParams params, float lr = 1e-2f, float alpha = 0.99f, float eps = 1e-8f,
          float momentum = 0.f, float weight_decay = 0.f);
  void step() override;
  std::string name() const override { return "rmsprop"; }
  float alpha, eps, momentum, weight_decay;
};

// Whether every one of n floats is finite (no NaN, no infinity).
bool all_finite(const float* x, size_t n);

// Scales all gradients so that their global L2 norm is at most max_norm; returns the norm before.
float clip_grad_norm(const NamedParams& params, float max_norm);

// Data-parallel training (nets/dist.hpp): sums every parameter's gradient over the ranks, in rank
// order, through one flat buffer, so that every rank holds the same gradients (and then takes
// the same optimizer step). A parameter with a gradient on any rank gets one on every rank
// (zeros where it had none), as one process would see on the whole batch. A no-op in a group
// of one.
void allreduce_gradients(const NamedParams& params);

// One data-parallel backward pass over a global batch of `rows` rows. In a group of one:
// loss_of(0, rows).backward(). Under MPI: this rank's rows [r * rows / N, (r + 1) * rows / N)
// (nets/parallel.hpp's partition), its loss weighted by its share of the rows, backward, then
// allreduce_gradients, so that every rank holds the gradient of the global batch's mean loss.
// Returns the global batch's loss (the weighted sum over ranks).
// Data-parallel training keeps the same model on every rank. This compares a 64-bit hash of each
// parameter's bytes with rank 0's; when any rank differs it throws Error on every rank naming the
// first parameter that differs, the ranks where it does, and `when`. A no-op in a group of one.
void check_replicas(const NamedParams& params, const std::string& when);
// The same over an agent's whole saved state (tensors, then metadata: optimizer moments, random
// streams, counters), naming the first entry that differs: the runner's check at start-up and at
// each checkpoint under MPI.
void check_replica_state(const std::map<std::string, Tensor>& tensors,
                         const std::map<std::string, std::string>& metadata, const std::string& when);

// reduce = false leaves each rank with its own rows' gradient, for ShardedStep to reduce.
double data_parallel_backward(size_t rows, const NamedParams& params,
                              const std::function<Var(size_t begin, size_t end)>& loss_of, bool reduce = true);

// Data-parallel optimizer steps with the optimizer's elementwise work split over the ranks (the
// first stage of ZeRO, Rajbhandari et al. 2020, in the small). After each rank's backward of its
// own rows (data_parallel_backward with reduce = false), step() sums each parameter's gradient
// over this rank's chunk of it only (dist::reduce_scatter_sum, rank order; in place for large
// tensors, the small ones through one shared flat bucket), checks
// them (a NaN or an infinity on any rank throws NumericError on every rank before anything
// changes), has the optimizer update those chunks (Optimizer::step_slices) and gathers every
// rank's updated chunks (dist::allgather_chunks, in place). The traffic is an allreduce's; the
// gradient sums and the optimizer's arithmetic are 1/N of it per rank; the parameters are, bit
// for bit, those of allreduce_gradients then step(). Afterwards a parameter's gradient is the
// global one over this rank's chunk only.
// Between steps a rank's optimizer moments are current over its own chunk only: finish() gathers
// them, so that state() is whole again. finish() is a collective that every rank must reach (the
// destructor calls it unless an exception is unwinding: that path aborts the job anyway). In a
// group of one, for an optimizer without step_slices, or with dist::Allreduce::kAllgather chosen,
// step() is allreduce_gradients + step().
class ShardedStep {
 public:
  explicit ShardedStep(Optimizer& opt);
  ~ShardedStep();
  ShardedStep(const ShardedStep&) = delete;
  ShardedStep& operator=(const ShardedStep&) = delete;
  void step();
  void finish();

 private:
  // the small parameters' flat bucket: (const) values of each in-bucket parameter into it (this
  // rank's chunk only, or all), and all of it back out
  void to_bucket(const std::function<const float*(size_t)>& src, bool own_chunk_only);
  void from_bucket(const std::function<float*(size_t)>& dst);
  // every rank's chunks of each parameter-shaped buffer (data_of(k): parameter k's) to every rank
  void gather(const std::function<float*(size_t)>& data_of);
  static constexpr size_t kNotInBucket = size_t(-1);
  Optimizer& opt_;
  std::vector<size_t> bucket_offset_;  // each parameter's place in the bucket, or kNotInBucket
  size_t bucket_n_ = 0, lo_ = 0, hi_ = 0;  // the bucket's size; this rank's chunk of it
  std::vector<float> flat_;
  bool sharded_ = false, pending_ = false;
  int uncaught_ = 0;
};

// Learning rate as a function of the step count.
class LrSchedule {
 public:
  virtual ~LrSchedule() = default;
  virtual float at(long step) const = 0;
};
// lr0 * rate^(step / decay_steps) (floor of the exponent when staircase), as TF's exponential_decay.
class ExponentialDecay : public LrSchedule {
 public:
  ExponentialDecay(float lr0, float rate, long decay_steps, bool staircase = false);
  float at(long step) const override;
  float lr0, rate;
  long decay_steps;
  bool staircase;
};
// Linear from lr0 to lr1 over `steps`, then constant lr1.
class LinearDecay : public LrSchedule {
 public:
  LinearDecay(float lr0, float lr1, long steps);
  float at(long step) const override;
  float lr0, lr1;
  long steps;
};

}  // namespace seqrl::nets
