#include "seqrl/agents/mle/mle_trainer.hpp"

#include "seqrl/text/vocab.hpp"

#include <algorithm>
#include <numeric>

namespace seqrl::agents {

MLETrainer::MLETrainer(nets::LSTMGenerator& gen, const MLEConfig& cfg)
    : gen_(gen), cfg_(cfg), opt_(std::make_unique<nets::Adam>(gen.named_parameters(), cfg.lr)),
      rng_(cfg.seed) {
  if (cfg.batch == 0) throw ValueError("MLEConfig.batch must be > 0");
}

double MLETrainer::step(const nets::IntTensor& batch) {
  opt_->zero_grad();
  // under MPI each rank computes the gradient of its rows of the batch (every rank holds the same
  // one), summed in rank order (nets::data_parallel_backward); alone, rows [0, B) are the batch
  const size_t B = batch.shape()[0];
  const double loss = nets::data_parallel_backward(B, opt_->params(), [&](size_t b, size_t e) {
    return b == 0 && e == B ? gen_.nll(batch) : gen_.nll(nets::row_slice(batch, b, e));
  });
  if (cfg_.clip > 0.f) nets::clip_grad_norm(opt_->params(), cfg_.clip);
  opt_->step();
  return loss;
}

double MLETrainer::epoch(const nets::IntTensor& data) {
  if (data.dimension() != 2)
    throw ShapeError("MLETrainer::epoch: data must be [N, T], got " + shape_str(data.shape()));
  const size_t N = data.shape()[0], T = data.shape()[1], B = cfg_.batch;
  if (N < B)
    throw ValueError("MLETrainer::epoch: " + std::to_string(N) + " sequences are fewer than one batch of " +
                     std::to_string(B));
  const std::vector<size_t> order = text::shuffled_order(N, rng_);
  double total = 0.0;
  size_t batches = 0;
  nets::IntTensor batch = nets::IntTensor::from_shape({B, T});
  for (size_t s = 0; s + B <= N; s += B) {
    for (size_t b = 0; b < B; ++b)
      std::copy(data.data() + order[s + b] * T, data.data() + (order[s + b] + 1) * T,
                batch.data() + b * T);
    total += step(batch);
    ++batches;
  }
  return total / batches;
}

}  // namespace seqrl::agents
