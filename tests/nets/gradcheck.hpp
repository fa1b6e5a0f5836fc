// Finite-difference gradient check: compares backward() against central differences of the
// scalar sum(f(inputs) * R) for a fixed random R, in float64 accumulation.
#pragma once

#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <vector>

#include "seqrl/nets/ops.hpp"

namespace seqrl::test {

using nets::Tensor;
using nets::Var;

inline Tensor random_tensor(const nets::Shape& s, nets::Rng& rng, float lo = -1.f, float hi = 1.f) {
  Tensor t = Tensor::from_shape(s);
  for (auto& v : t) v = rng.uniform(lo, hi);
  return t;
}

struct GradCheck {
  float eps = 1e-2f;   // central-difference step
  float rtol = 2e-2f;  // relative tolerance
  float atol = 1e-3f;  // absolute tolerance
  size_t max_probes = 60;  // elements probed per input (all when fewer)
};

// f maps the inputs to any-shape result; every input is checked.
inline void check_gradients(const std::function<Var(const std::vector<Var>&)>& f,
                            std::vector<Tensor> inputs, GradCheck gc = {}, uint64_t seed = 7) {
  nets::Rng rng(seed);
  std::vector<Var> vars;
  for (auto& t : inputs) vars.emplace_back(t, true);
  Var out = f(vars);
  Tensor R = random_tensor(nets::shape_of(out.value()), rng);
  auto scalar = [&](const std::vector<Var>& vs) {
    Tensor y = f(vs).value();
    double s = 0;
    for (size_t i = 0; i < y.size(); ++i) s += double(y.data()[i]) * R.data()[i];
    return s;
  };
  out.backward(R);
  for (size_t k = 0; k < inputs.size(); ++k) {
    INFO("input " << k << " of shape " << shape_str(inputs[k].shape()));
    REQUIRE(vars[k].has_grad());
    const Tensor analytic = vars[k].grad();
    const size_t n = inputs[k].size();
    const size_t stride = n > gc.max_probes ? n / gc.max_probes : 1;
    for (size_t i = 0; i < n; i += stride) {
      std::vector<Var> plus, minus;
      for (size_t j = 0; j < inputs.size(); ++j) {
        Tensor tp = inputs[j], tm = inputs[j];
        if (j == k) {
          tp.data()[i] += gc.eps;
          tm.data()[i] -= gc.eps;
        }
        plus.emplace_back(tp);
        minus.emplace_back(tm);
      }
      const double numeric = (scalar(plus) - scalar(minus)) / (2.0 * gc.eps);
      const double a = analytic.data()[i];
      INFO("element " << i << ": analytic " << a << ", numeric " << numeric);
      CHECK(std::fabs(a - numeric) <= gc.atol + gc.rtol * std::max(std::fabs(a), std::fabs(numeric)));
    }
  }
}

// For modules: loss() builds a scalar from the module's parameters; every named parameter's
// gradient from backward() is compared with central differences of loss() in the parameter.
inline void check_param_gradients(const std::function<Var()>& loss,
                                  const std::vector<std::pair<std::string, Var>>& params,
                                  GradCheck gc = {}) {
  for (auto [n, p] : params) p.zero_grad();
  loss().backward();
  for (auto [name, p] : params) {
    INFO("parameter " << name << " of shape " << shape_str(p.value().shape()));
    REQUIRE(p.has_grad());
    const Tensor analytic = p.grad();
    const size_t n = p.size();
    const size_t stride = n > gc.max_probes ? n / gc.max_probes : 1;
    for (size_t i = 0; i < n; i += stride) {
      float& x = p.value().data()[i];
      const float x0 = x;
      double lp, lm;
      {
        nets::NoGrad ng;
        x = x0 + gc.eps;
        lp = loss().item();
        x = x0 - gc.eps;
        lm = loss().item();
        x = x0;
      }
      const double numeric = (lp - lm) / (2.0 * gc.eps);
      const double a = analytic.data()[i];
      INFO("element " << i << ": analytic " << a << ", numeric " << numeric);
      CHECK(std::fabs(a - numeric) <= gc.atol + gc.rtol * std::max(std::fabs(a), std::fabs(numeric)));
    }
  }
}

}  // namespace seqrl::test
