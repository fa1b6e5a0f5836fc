// The autodiff graph: nodes, gradient accumulation, and the reverse topological backward pass.
#include "seqrl/nets/tensor.hpp"

#include <algorithm>
#include <sstream>
#include <unordered_set>

#include <xtensor/xbuilder.hpp>

#include "seqrl/nets/rng.hpp"

namespace seqrl {
namespace detail {
void assert_fail(const char* expr, const char* file, int line, const std::string& msg) {
  std::ostringstream os;
  os << "internal check failed: " << expr << " at " << file << ":" << line;
  if (!msg.empty()) os << ": " << msg;
  throw Error(os.str());
}
}  // namespace detail

namespace nets {

size_t numel(const Shape& s) {
  size_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

Tensor empty(const Shape& shape) { return Tensor::from_shape(shape); }

void Node::accumulate(const Tensor& g) {
  SEQRL_ASSERT(g.size() == value.size(), "gradient of shape " << shape_str(g.shape())
                                                              << " for a value of shape "
                                                              << shape_str(value.shape()));
  if (!has_grad) {
    grad = g;
    if (grad.shape() != value.shape()) grad.reshape(value.shape());
    has_grad = true;
  } else {
    accumulate_raw(g.data());
  }
}

void Node::accumulate(Tensor&& g) {
  SEQRL_ASSERT(g.size() == value.size(), "gradient of shape " << shape_str(g.shape())
                                                              << " for a value of shape "
                                                              << shape_str(value.shape()));
  if (!has_grad) {
    grad = std::move(g);
    if (grad.shape() != value.shape()) grad.reshape(value.shape());
    has_grad = true;
  } else {
    accumulate_raw(g.data());
  }
}

void Node::accumulate_raw(const float* src, float alpha) {
  Tensor& g = grad_buffer();
  float* d = g.data();
  const size_t n = g.size();
  if (alpha == 1.f)
    for (size_t i = 0; i < n; ++i) d[i] += src[i];
  else
    for (size_t i = 0; i < n; ++i) d[i] += alpha * src[i];
}

Tensor& Node::grad_buffer() {
  if (!has_grad) {
    grad = xt::zeros<float>(value.shape());
    has_grad = true;
  }
  return grad;
}

Var::Var(Tensor value, bool requires_grad) : node_(std::make_shared<Node>()) {
  node_->value = std::move(value);
  node_->requires_grad = requires_grad;
}

const Tensor& Var::grad() const {
  if (!node_ || !node_->has_grad)
    throw Error("Var::grad(): no gradient (value of shape " +
                shape_str(node_ ? node_->value.shape() : Tensor::shape_type{}) +
                "); call backward() on a result that depends on it first");
  return node_->grad;
}

void Var::zero_grad() {
  if (node_ && node_->has_grad) {
    std::fill(node_->grad.begin(), node_->grad.end(), 0.f);
  }
}

float Var::item() const {
  if (node_->value.size() != 1)
    throw ShapeError("item() needs a one-element tensor, got shape " +
                     shape_str(node_->value.shape()));
  return *node_->value.data();
}

void Var::backward() {
  if (node_->value.size() != 1)
    throw ShapeError("backward() without a seed needs a one-element result, got shape " +
                     shape_str(node_->value.shape()) + "; pass a seed of that shape");
  Tensor seed = xt::ones<float>(node_->value.shape());
  backward(seed);
}

void Var::backward(const Tensor& seed) {
  if (seed.shape() != node_->value.shape())
    throw ShapeError("backward(): seed shape " + shape_str(seed.shape()) +
                     " differs from the result's shape " + shape_str(node_->value.shape()));
  if (!node_->requires_grad)
    throw Error("backward(): this result does not depend on anything that requires a gradient");
  // Iterative post-order DFS: order holds every node after all of its parents.
  std::vector<Node*> order;
  std::unordered_set<Node*> seen;
  std::vector<std::pair<Node*, size_t>> stack{{node_.get(), 0}};
  seen.insert(node_.get());
  while (!stack.empty()) {
    auto& [n, i] = stack.back();
    if (i < n->parents.size()) {
      Node* p = n->parents[i++].get();
      if (p->requires_grad && seen.insert(p).second) stack.push_back({p, 0});
    } else {
      order.push_back(n);
      stack.pop_back();
    }
  }
  node_->accumulate(seed);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Node* n = *it;
    if (n->backward && n->has_grad) n->backward(*n);
  }
  // Release the graph: interior nodes drop their parents, rules and gradients; leaves keep grads.
  for (Node* n : order) {
    if (n->backward) {
      n->backward = nullptr;
      n->parents.clear();
      if (n != node_.get()) {
        n->grad = Tensor();
        n->has_grad = false;
      }
    }
  }
}

namespace {
thread_local bool g_grad_enabled = true;
}
NoGrad::NoGrad() : prev_(g_grad_enabled) { g_grad_enabled = false; }
NoGrad::~NoGrad() { g_grad_enabled = prev_; }
bool grad_enabled() { return g_grad_enabled; }

Var make_result(Tensor value, std::vector<Var> parents, BackwardFn backward) {
  auto n = std::make_shared<Node>();
  n->value = std::move(value);
  if (!g_grad_enabled) return Var(std::move(n));
  bool any = false;
  for (const auto& p : parents) any = any || (p.defined() && p.requires_grad());
  if (any) {
    n->requires_grad = true;
    n->parents.reserve(parents.size());
    for (auto& p : parents)
      if (p.defined()) n->parents.push_back(p.node());
    n->backward = std::move(backward);
  }
  return Var(std::move(n));
}

// ---- Rng state --------------------------------------------------------------------------------
std::string Rng::state() const {
  std::ostringstream os;
  os << engine_ << ' ' << (has_spare_ ? 1 : 0) << ' ';
  os.precision(17);
  os << spare_;
  return os.str();
}

void Rng::set_state(const std::string& s) {
  std::istringstream is(s);
  std::mt19937 e;
  int spare_flag = 0;
  double spare = 0;
  is >> e >> spare_flag >> spare;
  if (is.fail()) throw ValueError("Rng::set_state: malformed state text (" +
                                  std::to_string(s.size()) + " chars)");
  engine_ = e;
  has_spare_ = spare_flag != 0;
  spare_ = spare;
}

}  // namespace nets
}  // namespace seqrl
