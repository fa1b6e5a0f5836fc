// Module: a named collection of parameters and child modules with a train/eval mode.
//
// Parameters are Vars (shared handles), so the module, its optimizer and a checkpoint all see the
// same storage. Names are dotted paths ("encoder.lstm.w_ih") as in PyTorch's state_dict. Modules
// register their members in their constructors and are neither copyable nor movable (children are
// registered by address); hold them by value as members or by unique_ptr.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "seqrl/nets/tensor.hpp"

namespace seqrl::nets {

class Module {
 public:
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  virtual ~Module() = default;

  // Every parameter of this module and its children, in registration order, with dotted names.
  std::vector<std::pair<std::string, Var>> named_parameters() const;
  std::vector<Var> parameters() const;
  // The parameter with this dotted name; throws KeyError listing the known names.
  Var parameter(const std::string& name) const;
  size_t num_parameters() const;  // number of scalars

  // Training mode (dropout active) or evaluation mode, for this module and its children.
  void train(bool on = true);
  void eval() { train(false); }
  bool training() const { return training_; }

  void zero_grad();

  // Copies of all parameter values by name (the state dict) and the reverse. load_state checks
  // names and shapes and lists every mismatch in one KeyError/ShapeError.
  std::map<std::string, Tensor> state() const;
  void load_state(const std::map<std::string, Tensor>& state);
  // Every way `state` fails to fit this module (missing, unexpected, wrong shape), one per line
  // (each starting "\n  "); empty when it fits. `source` names where the state came from.
  std::string state_mismatches(const std::map<std::string, Tensor>& state,
                               const std::string& source) const;

 protected:
  // Registers a trainable parameter with its initial value; returns the handle to keep.
  Var register_parameter(const std::string& name, Tensor init);
  // Registers a child module held by the caller (a member or a unique_ptr target).
  void register_module(const std::string& name, Module& child);

 private:
  void collect(const std::string& prefix, std::vector<std::pair<std::string, Var>>& out) const;
  std::vector<std::pair<std::string, Var>> params_;
  std::vector<std::pair<std::string, Module*>> children_;
  bool training_ = true;
};

// dst <- src for every parameter (a hard target-network update). Names and shapes must match.
void hard_update(Module& dst, const Module& src);
// dst <- tau * src + (1 - tau) * dst (Polyak averaging), tau in [0, 1].
void polyak_update(Module& dst, const Module& src, float tau);

}  // namespace seqrl::nets
