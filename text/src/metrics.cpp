// BLEU with a precomputed n-gram index, Self-BLEU and distinct-n.
#include "seqrl/text/metrics.hpp"
#include "seqrl/text/metric_table.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "seqrl/nets/error.hpp"
#include "seqrl/nets/kernels.hpp"

namespace seqrl::text {

namespace {
// An n-gram of word ids as a hashable byte string.
std::string key(const int32_t* ids, int n) {
  return std::string(reinterpret_cast<const char*>(ids), size_t(n) * sizeof(int32_t));
}

void check_order(int n, int max_n) {
  if (n < 1 || n > max_n)
    throw ValueError("BLEU order " + std::to_string(n) + " is outside 1.." + std::to_string(max_n));
}
}  // namespace

BleuIndex::BleuIndex(const std::vector<Sentence>& refs, int max_n)
    : max_counts_(size_t(std::max(max_n, 1))), max_n_(max_n) {
  if (max_n < 1) throw ValueError("BleuIndex: max_n must be >= 1");
  if (refs.empty()) throw ValueError("BLEU needs at least one reference sentence");
  for (const auto& s : refs)
    for (const auto& w : s) words_.emplace(w, static_cast<int32_t>(words_.size()));
  std::unordered_map<std::string, uint32_t> local;
  for (size_t r = 0; r < refs.size(); ++r) {
    const std::vector<int32_t> w = ids(refs[r]);
    ref_lengths_.push_back(w.size());
    for (int n = 1; n <= max_n; ++n) {
      if (w.size() < size_t(n)) break;
      local.clear();
      for (size_t i = 0; i + n <= w.size(); ++i) ++local[key(w.data() + i, n)];
      auto& table = max_counts_[size_t(n - 1)];
      for (auto& [k, c] : local) {
        Max2& m = table[k];
        if (c > m.first) {
          m.second = m.first;
          m.first = c;
          m.holder = uint32_t(r);
        } else if (c > m.second) {
          m.second = c;
        }
      }
    }
  }
  sorted_lengths_ = ref_lengths_;
  std::sort(sorted_lengths_.begin(), sorted_lengths_.end());
}

std::vector<int32_t> BleuIndex::ids(const Sentence& s) const {
  std::vector<int32_t> out;
  out.reserve(s.size());
  for (const auto& w : s) {
    auto it = words_.find(w);
    out.push_back(it == words_.end() ? -1 : it->second);  // -1: in no reference, never matches
  }
  return out;
}

double BleuIndex::sentence_bleu(const Sentence& hyp, int n) const {
  check_order(n, max_n_);
  return score(hyp, n, SIZE_MAX);
}

double BleuIndex::sentence_bleu_excluding(const Sentence& hyp, int n, size_t exclude) const {
  check_order(n, max_n_);
  if (ref_lengths_.size() < 2) throw ValueError("Self-BLEU needs at least two sentences");
  return score(hyp, n, exclude);
}

double BleuIndex::score(const Sentence& hyp, int n, size_t exclude) const {
  const std::vector<int32_t> w = ids(hyp);
  const size_t L = w.size();
  // modified precisions p_1..p_n as numerator / denominator
  std::vector<double> num(static_cast<size_t>(n)), den(static_cast<size_t>(n));
  std::unordered_map<std::string, uint32_t> counts;
  for (int k = 1; k <= n; ++k) {
    counts.clear();
    if (L >= size_t(k))
      for (size_t i = 0; i + k <= L; ++i) ++counts[key(w.data() + i, k)];
    uint64_t clipped = 0, total = 0;
    const auto& table = max_counts_[size_t(k - 1)];
    for (auto& [g, c] : counts) {
      total += c;
      auto it = table.find(g);
      if (it == table.end()) continue;
      const uint32_t m = it->second.holder == exclude ? it->second.second : it->second.first;
      clipped += std::min(c, m);
    }
    num[size_t(k - 1)] = double(clipped);
    den[size_t(k - 1)] = double(std::max<uint64_t>(1, total));
  }
  if (num[0] == 0) return 0.0;  // NLTK returns 0 before smoothing when no unigram matches
  // closest reference length (the shorter on ties), without `exclude` when given
  size_t closest = 0;
  bool found = false;
  auto consider = [&](size_t len) {
    const size_t d = len > L ? len - L : L - len;
    const size_t dc = closest > L ? closest - L : L - closest;
    if (!found || d < dc || (d == dc && len < closest)) closest = len, found = true;
  };
  const size_t skip_len = exclude < ref_lengths_.size() ? ref_lengths_[exclude] : SIZE_MAX;
  auto it = std::lower_bound(sorted_lengths_.begin(), sorted_lengths_.end(), L);
  // candidates: the nearest lengths on each side (skipping one copy of the excluded length)
  for (int side = 0; side < 2; ++side) {
    auto j = it;
    bool skipped = false;
    while (side == 0 ? j != sorted_lengths_.end() : j != sorted_lengths_.begin()) {
      const size_t len = side == 0 ? *j : *(j - 1);
      if (len == skip_len && !skipped) {
        skipped = true;
        side == 0 ? ++j : --j;
        continue;
      }
      consider(len);
      break;
    }
  }
  const double bp = L > closest ? 1.0 : L == 0 ? 0.0 : std::exp(1.0 - double(closest) / double(L));
  const double weight = 1.0 / n;
  double s = 0;
  for (int k = 0; k < n; ++k) {
    const double p = num[size_t(k)] == 0 ? 0.1 / den[size_t(k)] : num[size_t(k)] / den[size_t(k)];
    s += weight * std::log(p);
  }
  return bp * std::exp(s);
}

double bleu(const std::vector<Sentence>& hypotheses, const std::vector<Sentence>& references, int n) {
  if (hypotheses.empty()) throw ValueError("BLEU needs at least one hypothesis sentence");
  return mean_bleu(BleuIndex(references, n), hypotheses, {n})[0];
}

double self_bleu(const std::vector<Sentence>& sentences, int n) {
  return mean_bleu(BleuIndex(sentences, n), sentences, {n}, true)[0];
}

double distinct_n(const std::vector<Sentence>& sentences, int n) {
  if (n < 1) throw ValueError("distinct-n needs n >= 1");
  std::set<std::vector<std::string>> seen;
  size_t total = 0;
  for (const auto& s : sentences)
    for (size_t i = 0; i + size_t(n) <= s.size(); ++i) {
      seen.emplace(s.begin() + long(i), s.begin() + long(i + size_t(n)));
      ++total;
    }
  return total ? double(seen.size()) / double(total) : 0.0;
}

namespace {
// Rows [first, V) of an embedding table, each scaled to unit length: [V - first, E].
std::vector<float> unit_rows(const nets::Tensor& t, size_t first) {
  const size_t V = t.shape()[0], E = t.shape()[1];
  std::vector<float> u((V - first) * E);
  for (size_t i = first; i < V; ++i) {
    double n = 0;
    for (size_t j = 0; j < E; ++j) n += double(t(i, j)) * t(i, j);
    const float inv = n > 0 ? float(1.0 / std::sqrt(n)) : 0.f;
    for (size_t j = 0; j < E; ++j) u[(i - first) * E + j] = t(i, j) * inv;
  }
  return u;
}
}  // namespace

double embsim(const nets::Tensor& ref, const nets::Tensor& gen, size_t first) {
  if (ref.dimension() != 2 || gen.dimension() != 2 || ref.shape()[0] != gen.shape()[0])
    throw ShapeError("embsim: embedding tables " + shape_str(nets::shape_of(ref)) + " and " +
                     shape_str(nets::shape_of(gen)) + " must be [V, E] over one vocabulary");
  if (first + 2 > ref.shape()[0]) throw ValueError("embsim: needs at least two words after the first " + std::to_string(first));
  const size_t V = ref.shape()[0] - first, Er = ref.shape()[1], Eg = gen.shape()[1], chunk = 256;
  const std::vector<float> ur = unit_rows(ref, first), ug = unit_rows(gen, first);
  std::vector<float> sr(chunk * V), sg(chunk * V);
  double total = 0;
  for (size_t i0 = 0; i0 < V; i0 += chunk) {
    const size_t n = std::min(chunk, V - i0);
    // the similarity rows of this chunk of words in each table: S = U[i0:i0+n] U^T
    nets::kernels::sgemm(false, true, n, V, Er, 1.f, ur.data() + i0 * Er, Er, ur.data(), Er, 0.f, sr.data(), V);
    nets::kernels::sgemm(false, true, n, V, Eg, 1.f, ug.data() + i0 * Eg, Eg, ug.data(), Eg, 0.f, sg.data(), V);
    for (size_t r = 0; r < n; ++r) {
      double dot = 0, nr = 0, ng = 0;
      for (size_t j = 0; j < V; ++j) {
        const double a = sr[r * V + j], b = sg[r * V + j];
        dot += a * b, nr += a * a, ng += b * b;
      }
      total += (nr > 0 && ng > 0) ? dot / std::sqrt(nr * ng) : 0.0;
    }
  }
  return std::log10(total / double(V));
}

}  // namespace seqrl::text
