#include "seqrl/env/space.hpp"

#include <cmath>
#include <sstream>

namespace seqrl::env {

namespace {
bool integral(float v) { return std::isfinite(v) && std::floor(v) == v; }
}  // namespace

// ---- Discrete ---------------------------------------------------------------------------------
Discrete::Discrete(int64_t n_, int64_t start_) : size(n_), start(start_) {
  if (size <= 0) throw ValueError("Discrete: n must be positive, got " + std::to_string(size));
}

std::string Discrete::str() const {
  return start ? "Discrete(" + std::to_string(size) + ", start=" + std::to_string(start) + ")"
               : "Discrete(" + std::to_string(size) + ")";
}

bool Discrete::contains(const nets::Tensor& x) const {
  if (x.size() != 1 || x.dimension() > 1) return false;
  const float v = *x.data();
  return integral(v) && contains(static_cast<int64_t>(v));
}

int64_t Discrete::sample_index() { return start + static_cast<int64_t>(rng_.randint(size)); }

int64_t Discrete::sample_index(const std::vector<int8_t>& mask) {
  if (static_cast<int64_t>(mask.size()) != size)
    throw ValueError(str() + ".sample: mask has " + std::to_string(mask.size()) + " entries");
  std::vector<int64_t> allowed;
  for (int64_t i = 0; i < size; ++i)
    if (mask[i]) allowed.push_back(start + i);
  if (allowed.empty()) throw ValueError(str() + ".sample: the mask allows no action");
  return allowed[rng_.randint(allowed.size())];
}

nets::Tensor Discrete::sample() {
  nets::Tensor t = nets::Tensor::from_shape({});
  t() = static_cast<float>(sample_index());
  return t;
}

// ---- Box --------------------------------------------------------------------------------------
Box::Box(float lo, float hi, const nets::Shape& s) : shape_(s) {
  if (!(lo <= hi)) throw ValueError("Box: low " + std::to_string(lo) + " > high " + std::to_string(hi));
  low = nets::Tensor::from_shape(s);
  high = nets::Tensor::from_shape(s);
  std::fill(low.begin(), low.end(), lo);
  std::fill(high.begin(), high.end(), hi);
}

Box::Box(nets::Tensor lo, nets::Tensor hi) : low(std::move(lo)), high(std::move(hi)) {
  if (low.shape() != high.shape())
    throw ShapeError("Box: low " + shape_str(low.shape()) + " and high " + shape_str(high.shape()) +
                     " differ in shape");
  shape_ = nets::shape_of(low);
  for (size_t i = 0; i < low.size(); ++i)
    if (!(low.data()[i] <= high.data()[i]))
      throw ValueError("Box: low > high at flat index " + std::to_string(i));
}

nets::Tensor Box::sample() {
  nets::Tensor x = nets::Tensor::from_shape(shape_);
  for (size_t i = 0; i < x.size(); ++i) {
    const float lo = low.data()[i], hi = high.data()[i];
    const bool fl = std::isfinite(lo), fh = std::isfinite(hi);
    if (fl && fh) {
      x.data()[i] = static_cast<float>(lo + (double(hi) - lo) * rng_.uniform_double());
    } else if (!fl && !fh) {
      x.data()[i] = rng_.normal();
    } else {
      const float e = static_cast<float>(-std::log(1.0 - rng_.uniform_double()));
      x.data()[i] = fl ? lo + e : hi - e;
    }
  }
  return x;
}

bool Box::contains(const nets::Tensor& x) const {
  if (nets::shape_of(x) != shape_) return false;
  for (size_t i = 0; i < x.size(); ++i)
    if (!(x.data()[i] >= low.data()[i] && x.data()[i] <= high.data()[i])) return false;
  return true;
}

std::string Box::str() const {
  std::ostringstream os;
  os << "Box(";
  if (low.size() <= 8) {
    os << "low=" << shape_str(low) << ", high=" << shape_str(high) << ", ";
  }
  os << "shape=" << shape_str(shape_) << ")";
  return os.str();
}

// ---- MultiDiscrete ----------------------------------------------------------------------------
MultiDiscrete::MultiDiscrete(std::vector<int64_t> nv) : nvec(std::move(nv)) {
  if (nvec.empty()) throw ValueError("MultiDiscrete: nvec is empty");
  for (size_t i = 0; i < nvec.size(); ++i)
    if (nvec[i] <= 0)
      throw ValueError("MultiDiscrete: nvec[" + std::to_string(i) + "] = " +
                       std::to_string(nvec[i]) + " is not positive");
}

std::string MultiDiscrete::str() const { return "MultiDiscrete(" + shape_str(nvec) + ")"; }

bool MultiDiscrete::contains(const nets::Tensor& x) const {
  if (nets::shape_of(x) != nets::Shape{nvec.size()}) return false;
  for (size_t i = 0; i < nvec.size(); ++i) {
    const float v = x.data()[i];
    if (!integral(v) || v < 0 || v >= nvec[i]) return false;
  }
  return true;
}

nets::Tensor MultiDiscrete::sample() {
  nets::Tensor x = nets::Tensor::from_shape({nvec.size()});
  for (size_t i = 0; i < nvec.size(); ++i) x.data()[i] = static_cast<float>(rng_.randint(nvec[i]));
  return x;
}

// ---- TokenSequence ----------------------------------------------------------------------------
TokenSequence::TokenSequence(int64_t v, size_t len, int64_t p) : vocab(v), max_len(len), pad(p) {
  if (vocab <= 0) throw ValueError("TokenSequence: vocab must be positive, got " + std::to_string(vocab));
  if (len == 0) throw ValueError("TokenSequence: max_len must be positive");
  if (pad >= 0 && pad < vocab)
    throw ValueError("TokenSequence: pad " + std::to_string(pad) + " is inside the vocabulary [0, " +
                     std::to_string(vocab) + ")");
}

std::string TokenSequence::str() const {
  return "TokenSequence(vocab=" + std::to_string(vocab) + ", max_len=" + std::to_string(max_len) + ")";
}

bool TokenSequence::contains(const nets::Tensor& x) const {
  if (nets::shape_of(x) != nets::Shape{max_len}) return false;
  bool in_pad = false;
  for (size_t i = 0; i < max_len; ++i) {
    const float v = x.data()[i];
    if (!integral(v)) return false;
    if (v == static_cast<float>(pad)) {
      in_pad = true;
    } else if (in_pad || v < 0 || v >= vocab) {
      return false;  // a token after padding, or outside the vocabulary
    }
  }
  return true;
}

nets::Tensor TokenSequence::sample() {
  nets::Tensor x = nets::Tensor::from_shape({max_len});
  const size_t len = rng_.randint(max_len + 1);
  for (size_t i = 0; i < max_len; ++i)
    x.data()[i] = static_cast<float>(i < len ? static_cast<int64_t>(rng_.randint(vocab)) : pad);
  return x;
}

}  // namespace seqrl::env
