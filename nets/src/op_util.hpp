// Helpers shared by the op implementations (private to nets/src).
#pragma once

#include <string>

#include "seqrl/nets/tensor.hpp"

namespace seqrl::nets::detail {

inline Node& parent(Node& self, size_t i) { return *self.parents[i]; }
inline bool needs(Node& self, size_t i) { return self.parents[i]->requires_grad; }

// Where a backward rule writes d(parent): an uninitialised buffer with beta 0 when the parent has
// no gradient yet, else the existing gradient with beta 1 (for BLAS-style accumulation).
inline float* grad_target(Node& n, float& beta) {
  if (!n.has_grad) {
    n.grad = Tensor::from_shape(n.value.shape());
    n.has_grad = true;
    beta = 0.f;
  } else {
    beta = 1.f;
  }
  return n.grad.data();
}

// Product of the axes before `axis`, and of those after it.
inline void outer_inner(const Tensor::shape_type& s, size_t axis, size_t& outer, size_t& inner) {
  outer = 1;
  inner = 1;
  for (size_t i = 0; i < axis; ++i) outer *= s[i];
  for (size_t i = axis + 1; i < s.size(); ++i) inner *= s[i];
}

inline void require(bool cond, const std::string& msg) {
  if (!cond) throw ShapeError(msg);
}

}  // namespace seqrl::nets::detail
