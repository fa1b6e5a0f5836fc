// Early stopping on a held-out figure (lower is better), as the mle agent's MLE fit and LeakGAN's
// generator pre-training use it: after each epoch observe(v); a better v calls save() and resets
// the count; more than `patience` epochs in a row without one and observe() returns true (stop).
// restore_best() goes back to the best epoch's state by restore(), unless the state is that one
// already (no epoch since the best, or none saved). state() and the constructor's `from` carry its
// count across a pause (LeakGAN's pre-training resumed after a round); the saved state is the
// caller's.
#pragma once

#include <cstddef>
#include <functional>
#include <utility>

#include "seqrl/agents/early_stopping_state.hpp"

namespace seqrl::agents::detail {

// (EarlyStoppingState is outside the class: a default argument cannot be a nested class with
// member initialisers; in a public header for the agents' saved progress)

class EarlyStopping {
 public:
  using State = EarlyStoppingState;
  EarlyStopping(size_t patience, std::function<void()> save, std::function<void()> restore, State from = {})
      : patience_(patience), save_(std::move(save)), restore_(std::move(restore)), s_(from) {}
  // The figure of epoch `epoch` (counted from 1); true when patience has run out.
  bool observe(double v, size_t epoch) {
    if (v < s_.best) {
      s_.best = v, s_.best_epoch = epoch, s_.since_best = 0;
      save_();
      return false;
    }
    return ++s_.since_best > patience_;
  }
  void restore_best() {
    if (s_.best_epoch && s_.since_best > 0) restore_(), s_.since_best = 0;
  }
  double best() const { return s_.best; }
  size_t best_epoch() const { return s_.best_epoch; }
  const State& state() const { return s_; }

 private:
  size_t patience_;
  std::function<void()> save_, restore_;
  State s_;
};

}  // namespace seqrl::agents::detail
