#include "seqrl/nets/models/discriminator.hpp"

#include <cstring>

#include "seqrl/nets/init.hpp"
#include "seqrl/nets/kernels.hpp"
#include "seqrl/nets/losses.hpp"
#include "seqrl/nets/ops.hpp"
#include "seqrl/nets/parallel.hpp"

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

void reference_init(Discriminator& d, Rng& rng) {
  auto set = [](Var& p, const Tensor& v) { p.value() = v; };
  auto shape = [](const Var& p) { return Shape(p.value().shape().begin(), p.value().shape().end()); };
  set(d.embedding.weight, init::uniform(shape(d.embedding.weight), rng, -1.f, 1.f));
  for (auto& c : d.convs) {
    set(c->weight, init::truncated_normal(shape(c->weight), rng, 0.1f));
    set(c->bias, init::constant(shape(c->bias), 0.1f));
  }
  for (Linear* l : {&d.highway->transform, &d.highway->gate}) {
    set(l->weight, init::xavier_uniform(shape(l->weight), rng));
    set(l->bias, init::xavier_uniform(shape(l->bias), rng));
  }
  set(d.out->weight, init::truncated_normal(shape(d.out->weight), rng, 0.1f));
  set(d.out->bias, init::constant(shape(d.out->bias), 0.1f));
}

Var Discriminator::logits(const IntTensor& seqs) {
  if (seqs.dimension() != 2 || seqs.shape()[1] != cfg.seq_len)
    throw ShapeError("Discriminator: sequences " + shape_str(seqs.shape()) + ", expected [B, " +
                     std::to_string(cfg.seq_len) + "]");
  Var x = embedding.forward(seqs);  // [B, T, E]
  std::vector<Var> pooled;
  for (auto& conv : convs) pooled.push_back(max_over_time(relu(conv->forward(x))));
  return head(concat(pooled, 1));
}

Var Discriminator::head(const Var& pooled) {
  Var h = highway->forward(pooled);
  const float p = 1.f - cfg.dropout_keep;
  if (shard.total > 0) {
    // the global batch's mask, and this shard's rows of it
    if (h.dim(0) != shard.end - shard.begin || shard.end > shard.total)
      throw ShapeError("Discriminator: a shard of rows [" + std::to_string(shard.begin) + ", " +
                       std::to_string(shard.end) + ") of " + std::to_string(shard.total) + " given " +
                       std::to_string(h.dim(0)) + " rows");
    h = dropout_rows(h, p, training(), dropout_rng, shard.begin, shard.total);
  } else {
    h = dropout(h, p, training(), dropout_rng);
  }
  return out->forward(h);
}

bool Discriminator::same_weights_as_snapshot() const {
  const float* s = snapshot_.data();
  size_t left = snapshot_.size();
  auto same = [&](const Tensor& t) {
    if (t.size() > left || std::memcmp(s, t.data(), t.size() * sizeof(float)) != 0) return false;
    s += t.size(), left -= t.size();
    return true;
  };
  if (!same(embedding.weight.value())) return false;
  for (const auto& c : convs)
    if (!same(c->weight.value()) || !same(c->bias.value())) return false;
  return left == 0;
}

Tensor Discriminator::table_features(const IntTensor& seqs) const {
  const size_t B = seqs.shape()[0], T = cfg.seq_len, W = table_width_;
  Tensor pooled = Tensor::from_shape({B, features_});
  // one sequence per task: each is summed in the same order whatever the thread count
  parallel_for(B, [&](size_t b0, size_t b1, size_t) {
    std::vector<float> acc;
    for (size_t b = b0; b < b1; ++b) {
      const int32_t* ids = seqs.data() + b * T;
      float* out = pooled.data() + b * features_;
      for (size_t k = 0; k < convs.size(); ++k) {
        const size_t K = cfg.filter_sizes[k], n = cfg.num_filters[k];
        const float* bias = convs[k]->bias.value().data();
        acc.resize(n);
        for (size_t t = 0; t + K <= T; ++t) {
          std::copy(bias, bias + n, acc.begin());
          for (size_t j = 0; j < K; ++j) {
            const float* row = table_.data() + size_t(ids[t + j]) * W + table_offset_[k] + j * n;
            for (size_t c = 0; c < n; ++c) acc[c] += row[c];
          }
          if (t == 0)
            std::copy(acc.begin(), acc.end(), out);
          else
            for (size_t c = 0; c < n; ++c) out[c] = std::max(out[c], acc[c]);
        }
        for (size_t c = 0; c < n; ++c) out[c] = std::max(out[c], 0.f);  // ReLU after the max: same
        out += n;
      }
    }
  });
  return pooled;
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

std::vector<float> Discriminator::prob_real(const IntTensor& seqs, size_t count_as) {
  if (seqs.dimension() != 2 || seqs.shape()[1] != cfg.seq_len)
    throw ShapeError("Discriminator: sequences " + shape_str(seqs.shape()) + ", expected [B, " +
                     std::to_string(cfg.seq_len) + "]");
  const size_t n = seqs.shape()[0], chunk = 256;
  // the score table: kept while the weights stay as they were, built once they have scored
  // score_table_after sequences (see the header)
  if (!snapshot_.empty() && same_weights_as_snapshot()) {
    seqs_since_change_ += count_as ? count_as : n;
  } else {
    snapshot_.clear();
    snapshot_.insert(snapshot_.end(), embedding.weight.value().begin(), embedding.weight.value().end());
    for (const auto& c : convs) {
      snapshot_.insert(snapshot_.end(), c->weight.value().begin(), c->weight.value().end());
      snapshot_.insert(snapshot_.end(), c->bias.value().begin(), c->bias.value().end());
    }
    seqs_since_change_ = count_as ? count_as : n;
    std::vector<float>().swap(table_);
  }
  if (table_.empty() && cfg.score_table_max_bytes > 0 && seqs_since_change_ > cfg.score_table_after) {
    size_t width = 0;
    table_offset_.clear();
    for (size_t k = 0; k < convs.size(); ++k) table_offset_.push_back(width), width += cfg.filter_sizes[k] * cfg.num_filters[k];
    if (cfg.vocab * width * sizeof(float) <= cfg.score_table_max_bytes) {
      table_width_ = width;
      // W_cat [emb, width]: each filter's [K, emb, n] weight as K blocks of [emb, n] side by side
      const size_t E = cfg.emb;
      std::vector<float> wcat(E * width);
      for (size_t k = 0; k < convs.size(); ++k) {
        const size_t K = cfg.filter_sizes[k], nf = cfg.num_filters[k];
        const float* w = convs[k]->weight.value().data();
        for (size_t j = 0; j < K; ++j)
          for (size_t e = 0; e < E; ++e)
            std::copy(w + (j * E + e) * nf, w + (j * E + e + 1) * nf, wcat.data() + e * width + table_offset_[k] + j * nf);
      }
      table_.resize(cfg.vocab * width);
      kernels::sgemm(false, false, cfg.vocab, width, E, 1.f, embedding.weight.value().data(), E,
                     wcat.data(), width, 0.f, table_.data(), width);
    }
  }
  // evaluation mode for the call, restored however it ends (a bad token id throws)
  struct Restore {
    Discriminator& d;
    bool was;
    ~Restore() { d.train(was); }
  } restore{*this, training()};
  eval();
  NoGrad ng;
  std::vector<float> p(n);
  for (size_t b0 = 0; b0 < n; b0 += chunk) {
    const size_t nb = std::min(chunk, n - b0);
    IntTensor part = IntTensor::from_shape({nb, cfg.seq_len});
    std::copy(seqs.data() + b0 * cfg.seq_len, seqs.data() + (b0 + nb) * cfg.seq_len, part.data());
    if (!table_.empty())
      for (int32_t id : part)
        if (id < 0 || size_t(id) >= cfg.vocab)
          throw ValueError("Discriminator: token id " + std::to_string(id) + " is outside the vocabulary of " +
                           std::to_string(cfg.vocab));
    const Tensor l = table_.empty() ? logits(part).value() : head(Var(table_features(part), false)).value();
    for (size_t i = 0; i < nb; ++i) {
      const float a = l(i, 0), b = l(i, 1);
      p[b0 + i] = 1.f / (1.f + std::exp(a - b));  // softmax(l)[1]
    }
  }
  return p;
}

}  // namespace seqrl::nets
