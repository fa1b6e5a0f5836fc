#include "seqrl/nets/models/discriminator.hpp"

#include "seqrl/nets/losses.hpp"
#include "seqrl/nets/ops.hpp"

namespace seqrl::nets {

Discriminator::Discriminator(const DiscriminatorConfig& c, Rng& rng)
    : cfg(c), embedding(c.vocab, c.emb, rng), dropout_rng(rng.randint(UINT32_MAX)) {
  if (c.filter_sizes.size() != c.num_filters.size() || c.filter_sizes.empty())
    throw ValueError("Discriminator: " + std::to_string(c.filter_sizes.size()) + " filter sizes and " +
                     std::to_string(c.num_filters.size()) + " filter counts (they pair up)");
  register_module("embedding", embedding);
  for (size_t k = 0; k < c.filter_sizes.size(); ++k) {
    if (c.filter_sizes[k] == 0 || c.filter_sizes[k] > c.seq_len)
      throw ValueError("Discriminator: filter size " + std::to_string(c.filter_sizes[k]) +
                       " does not fit sequences of " + std::to_string(c.seq_len));
    convs.push_back(std::make_unique<Conv1d>(c.emb, c.num_filters[k], c.filter_sizes[k], rng));
    register_module("conv" + std::to_string(c.filter_sizes[k]), *convs.back());
    features_ += c.num_filters[k];
  }
  highway = std::make_unique<Highway>(features_, rng, 0.f);  // SeqGAN: highway(..., bias=0)
  register_module("highway", *highway);
  out = std::make_unique<Linear>(features_, 2, rng);
  register_module("out", *out);
}

Var Discriminator::logits(const IntTensor& seqs) {
  if (seqs.dimension() != 2 || seqs.shape()[1] != cfg.seq_len)
    throw ShapeError("Discriminator: sequences " + shape_str(seqs.shape()) + ", expected [B, " +
                     std::to_string(cfg.seq_len) + "]");
  Var x = embedding.forward(seqs);  // [B, T, E]
  std::vector<Var> pooled;
  for (auto& conv : convs) pooled.push_back(max_over_time(relu(conv->forward(x))));
  Var h = highway->forward(concat(pooled, 1));
  h = dropout(h, 1.f - cfg.dropout_keep, training(), dropout_rng);
  return out->forward(h);
}

Var Discriminator::loss(const IntTensor& seqs, const std::vector<int32_t>& labels) {
  if (labels.size() != seqs.shape()[0])
    throw ShapeError("Discriminator::loss: " + std::to_string(labels.size()) + " labels for " +
                     std::to_string(seqs.shape()[0]) + " sequences");
  IntTensor y = IntTensor::from_shape({labels.size()});
  std::copy(labels.begin(), labels.end(), y.begin());
  Var ce = cross_entropy(logits(seqs), y);
  if (cfg.l2 == 0.f) return ce;
  Var l2 = add(sum(square(out->weight)), sum(square(out->bias)));
  return add(ce, scale(l2, 0.5f * cfg.l2));
}

std::vector<float> Discriminator::prob_real(const IntTensor& seqs) {
  if (seqs.dimension() != 2 || seqs.shape()[1] != cfg.seq_len)
    throw ShapeError("Discriminator: sequences " + shape_str(seqs.shape()) + ", expected [B, " +
                     std::to_string(cfg.seq_len) + "]");
  const bool was = training();
  eval();
  NoGrad ng;
  const size_t n = seqs.shape()[0], chunk = 256;
  std::vector<float> p(n);
  for (size_t b0 = 0; b0 < n; b0 += chunk) {
    const size_t nb = std::min(chunk, n - b0);
    IntTensor part = IntTensor::from_shape({nb, cfg.seq_len});
    std::copy(seqs.data() + b0 * cfg.seq_len, seqs.data() + (b0 + nb) * cfg.seq_len, part.data());
    const Tensor l = logits(part).value();
    for (size_t i = 0; i < nb; ++i) {
      const float a = l(i, 0), b = l(i, 1);
      p[b0 + i] = 1.f / (1.f + std::exp(a - b));  // softmax(l)[1]
    }
  }
  train(was);
  return p;
}

}  // namespace seqrl::nets
