// Tensors and reverse-mode automatic differentiation.
//
// Tensor is a float32 xt::xarray (row-major, dynamic rank). Var is a handle (shared pointer) to a
// node of the computation graph: its value, its gradient, its parents and the backward rule that
// the op which made it installed. Copying a Var copies the handle, not the data; parameters are
// Vars that modules and optimizers share.
//
// An op builds its result with make_result(value, parents, backward). If no parent requires a
// gradient, no graph is kept (so inference and target-network passes cost no graph memory).
// backward() runs the rules in reverse topological order, accumulating into each node's grad, and
// then releases the graph below the root (like PyTorch without retain_graph).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <xtensor/xarray.hpp>

#include "seqrl/nets/error.hpp"

namespace seqrl::nets {

using Tensor = xt::xarray<float>;
using IntTensor = xt::xarray<int32_t>;
using Shape = std::vector<size_t>;

inline Shape shape_of(const Tensor& t) { return Shape(t.shape().begin(), t.shape().end()); }
inline Shape shape_of(const IntTensor& t) { return Shape(t.shape().begin(), t.shape().end()); }
size_t numel(const Shape& s);

// Rows [begin, end) of t along its first axis, copied into a tensor of the same rank: a shard of
// a batch (data-parallel training), a held-out split, an evaluation chunk.
template <class E>
xt::xarray<E> row_slice(const xt::xarray<E>& t, size_t begin, size_t end) {
  if (t.dimension() == 0 || begin > end || end > t.shape()[0])
    throw ShapeError("row_slice: rows [" + std::to_string(begin) + ", " + std::to_string(end) + ") of " +
                     shape_str(t.shape()));
  std::vector<size_t> shape(t.shape().begin(), t.shape().end());
  size_t width = 1;
  for (size_t i = 1; i < shape.size(); ++i) width *= shape[i];
  shape[0] = end - begin;
  xt::xarray<E> out = xt::xarray<E>::from_shape(shape);
  std::copy(t.data() + begin * width, t.data() + end * width, out.data());
  return out;
}

struct Node;
using BackwardFn = std::function<void(Node& self)>;

struct Node {
  Tensor value;
  Tensor grad;  // meaningful only when has_grad
  bool requires_grad = false;
  bool has_grad = false;
  std::vector<std::shared_ptr<Node>> parents;
  BackwardFn backward;  // reads self.grad, accumulates into parents' grads

  // Adds g into grad (allocating it on first use). g must have value's shape.
  void accumulate(const Tensor& g);
  void accumulate(Tensor&& g);
  // Adds alpha * src (raw, value-shaped) into grad.
  void accumulate_raw(const float* src, float alpha = 1.f);
  // Ensures grad exists (zero-filled when new) and returns it for in-place accumulation.
  Tensor& grad_buffer();
};

class Var {
 public:
  Var() = default;
  // A leaf. requires_grad marks a trainable value (a parameter or an input under a gradient check).
  explicit Var(Tensor value, bool requires_grad = false);

  bool defined() const { return static_cast<bool>(node_); }
  const Tensor& value() const { return node_->value; }
  Tensor& value() { return node_->value; }
  bool requires_grad() const { return node_->requires_grad; }
  bool has_grad() const { return node_->has_grad; }
  // The accumulated gradient; throws seqrl::Error if backward() never reached this Var.
  const Tensor& grad() const;
  void zero_grad();

  Shape shape() const { return shape_of(node_->value); }
  size_t ndim() const { return node_->value.dimension(); }
  size_t dim(size_t i) const { return node_->value.shape()[i]; }
  size_t size() const { return node_->value.size(); }
  // The single value of a one-element tensor.
  float item() const;

  // Back-propagates from this scalar (any one-element tensor) with seed 1.
  void backward();
  // Back-propagates with an explicit seed of this Var's shape.
  void backward(const Tensor& seed);

  const std::shared_ptr<Node>& node() const { return node_; }
  explicit Var(std::shared_ptr<Node> n) : node_(std::move(n)) {}

 private:
  std::shared_ptr<Node> node_;
};

// Within a NoGrad scope (per thread), ops record no graph even for parameters: for inference,
// sampling and evaluation. Scopes nest.
class NoGrad {
 public:
  NoGrad();
  ~NoGrad();
  NoGrad(const NoGrad&) = delete;
  NoGrad& operator=(const NoGrad&) = delete;

 private:
  bool prev_;
};
bool grad_enabled();

// The result of an op: keeps the graph only if some parent requires a gradient (and grad is on).
Var make_result(Tensor value, std::vector<Var> parents, BackwardFn backward);

// A tensor of `shape` without initialising its contents (for outputs that are fully overwritten).
Tensor empty(const Shape& shape);

}  // namespace seqrl::nets
