#include "seqrl/env/space.hpp"

#include <cmath>
#include <limits>
#include <sstream>

namespace seqrl::env {

Discrete::Discrete(int64_t n_, int64_t start_) : n(n_), start(start_) {
  if (n <= 0) throw ValueError("Discrete: n must be positive, got " + std::to_string(n));
}

int64_t Discrete::sample() { return start + static_cast<int64_t>(rng_.randint(n)); }

int64_t Discrete::sample(const std::vector<int8_t>& mask) {
  if (static_cast<int64_t>(mask.size()) != n)
    throw ValueError("Discrete(" + std::to_string(n) + ").sample: mask has " +
                     std::to_string(mask.size()) + " entries");
  std::vector<int64_t> allowed;
  for (int64_t i = 0; i < n; ++i)
    if (mask[i]) allowed.push_back(start + i);
  if (allowed.empty()) throw ValueError("Discrete.sample: the mask allows no action");
  return allowed[rng_.randint(allowed.size())];
}

std::string Discrete::str() const {
  return start ? "Discrete(" + std::to_string(n) + ", start=" + std::to_string(start) + ")"
               : "Discrete(" + std::to_string(n) + ")";
}

Box::Box(float lo, float hi, const nets::Shape& s) : shape(s) {
  low = nets::Tensor::from_shape(s);
  high = nets::Tensor::from_shape(s);
  std::fill(low.begin(), low.end(), lo);
  std::fill(high.begin(), high.end(), hi);
  if (!(lo <= hi)) throw ValueError("Box: low " + std::to_string(lo) + " > high " + std::to_string(hi));
}

Box::Box(nets::Tensor lo, nets::Tensor hi) : low(std::move(lo)), high(std::move(hi)) {
  if (low.shape() != high.shape())
    throw ShapeError("Box: low " + shape_str(low.shape()) + " and high " + shape_str(high.shape()) +
                     " differ in shape");
  shape = nets::shape_of(low);
  for (size_t i = 0; i < low.size(); ++i)
    if (!(low.data()[i] <= high.data()[i]))
      throw ValueError("Box: low > high at flat index " + std::to_string(i));
}

nets::Tensor Box::sample() {
  nets::Tensor x = nets::Tensor::from_shape(shape);
  for (size_t i = 0; i < x.size(); ++i) {
    const float lo = low.data()[i], hi = high.data()[i];
    const bool fl = std::isfinite(lo), fh = std::isfinite(hi);
    if (fl && fh)
      x.data()[i] = rng_.uniform(lo, hi);
    else if (!fl && !fh)
      x.data()[i] = rng_.normal();
    else {
      const float e = static_cast<float>(-std::log(1.0 - rng_.uniform_double()));
      x.data()[i] = fl ? lo + e : hi - e;
    }
  }
  return x;
}

bool Box::contains(const nets::Tensor& x) const {
  if (nets::shape_of(x) != shape) return false;
  for (size_t i = 0; i < x.size(); ++i)
    if (!(x.data()[i] >= low.data()[i] && x.data()[i] <= high.data()[i])) return false;
  return true;
}

std::string Box::str() const {
  std::ostringstream os;
  os << "Box(shape=" << shape_str(shape) << ")";
  return os.str();
}

}  // namespace seqrl::env
