// Module bookkeeping: parameter registry, names, modes, state dicts, target-network copies.
#include "seqrl/nets/module.hpp"

#include <algorithm>
#include <cstring>
#include <set>

namespace seqrl::nets {

Var Module::register_parameter(const std::string& name, Tensor init) {
  for (const auto& [n, v] : params_)
    SEQRL_ASSERT(n != name, "parameter '" << name << "' registered twice");
  Var v(std::move(init), true);
  params_.emplace_back(name, v);
  return v;
}

void Module::register_module(const std::string& name, Module& child) {
  children_.emplace_back(name, &child);
  child.train(training_);
}

void Module::collect(const std::string& prefix,
                     std::vector<std::pair<std::string, Var>>& out) const {
  for (const auto& [n, v] : params_) out.emplace_back(prefix + n, v);
  for (const auto& [n, m] : children_) m->collect(prefix + n + ".", out);
}

std::vector<std::pair<std::string, Var>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Var>> out;
  collect("", out);
  return out;
}

std::vector<Var> Module::parameters() const {
  std::vector<Var> out;
  for (auto& [n, v] : named_parameters()) out.push_back(v);
  return out;
}

Var Module::parameter(const std::string& name) const {
  std::string known;
  for (auto& [n, v] : named_parameters()) {
    if (n == name) return v;
    known += (known.empty() ? "" : ", ") + n;
  }
  throw KeyError("unknown parameter '" + name + "'; this module has: " + known);
}

size_t Module::num_parameters() const {
  size_t n = 0;
  for (auto& [name, v] : named_parameters()) n += v.size();
  return n;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [n, m] : children_) m->train(on);
}

void Module::zero_grad() {
  for (auto& [n, v] : named_parameters()) v.zero_grad();
}

std::map<std::string, Tensor> Module::state() const {
  std::map<std::string, Tensor> s;
  for (auto& [n, v] : named_parameters()) s[n] = v.value();
  return s;
}

std::string Module::state_mismatches(const std::map<std::string, Tensor>& state,
                                     const std::string& source) const {
  std::string problems;
  std::set<std::string> used;
  for (auto& [n, v] : named_parameters()) {
    auto it = state.find(n);
    if (it == state.end()) {
      problems += "\n  missing: '" + n + "' " + shape_str(v.value().shape());
      continue;
    }
    used.insert(n);
    if (it->second.shape() != v.value().shape())
      problems += "\n  shape: '" + n + "' is " + shape_str(it->second.shape()) + " in " + source +
                  ", " + shape_str(v.value().shape()) + " in the model";
  }
  for (auto& [n, t] : state)
    if (!used.count(n)) problems += "\n  unexpected: '" + n + "' " + shape_str(t.shape());
  return problems;
}

void Module::load_state(const std::map<std::string, Tensor>& state) {
  const std::string problems = state_mismatches(state, "the state");
  if (!problems.empty()) throw KeyError("load_state: the state does not fit the model:" + problems);
  for (auto& [n, v] : named_parameters()) v.value() = state.at(n);
}

namespace {
void check_same(const Module& dst, const Module& src,
                std::vector<std::pair<std::string, Var>>& d,
                std::vector<std::pair<std::string, Var>>& s) {
  d = dst.named_parameters();
  s = src.named_parameters();
  bool ok = d.size() == s.size();
  for (size_t i = 0; ok && i < d.size(); ++i)
    ok = d[i].first == s[i].first && d[i].second.shape() == s[i].second.shape();
  if (!ok)
    throw ShapeError("parameter copy between modules of different structure (" +
                     std::to_string(d.size()) + " vs " + std::to_string(s.size()) +
                     " parameters, or names/shapes differ)");
}
}  // namespace

void hard_update(Module& dst, const Module& src) {
  std::vector<std::pair<std::string, Var>> d, s;
  check_same(dst, src, d, s);
  for (size_t i = 0; i < d.size(); ++i)
    std::memcpy(d[i].second.value().data(), s[i].second.value().data(),
                d[i].second.size() * sizeof(float));
}

void polyak_update(Module& dst, const Module& src, float tau) {
  if (!(tau >= 0.f && tau <= 1.f))
    throw ValueError("polyak_update: tau must be in [0, 1], got " + std::to_string(tau));
  std::vector<std::pair<std::string, Var>> d, s;
  check_same(dst, src, d, s);
  for (size_t i = 0; i < d.size(); ++i) {
    float* dv = d[i].second.value().data();
    const float* sv = s[i].second.value().data();
    for (size_t j = 0; j < d[i].second.size(); ++j) dv[j] = tau * sv[j] + (1.f - tau) * dv[j];
  }
}

}  // namespace seqrl::nets
