// Early stopping on a held-out figure (lower is better), as the mle agent's MLE fit and LeakGAN's
// generator pre-training use it: after each epoch observe(v); a better v calls save() and resets
// the count; more than `patience` epochs in a row without one and observe() returns true (stop).
// restore_best() goes back to the best epoch's state by restore(), unless the state is that one
// already (no epoch since the best, or none saved).
#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <utility>

namespace seqrl::agents::detail {

class EarlyStopping {
 public:
  EarlyStopping(size_t patience, std::function<void()> save, std::function<void()> restore)
      : patience_(patience), save_(std::move(save)), restore_(std::move(restore)) {}
  // The figure of epoch `epoch` (counted from 1); true when patience has run out.
  bool observe(double v, size_t epoch) {
    if (v < best_) {
      best_ = v, best_epoch_ = epoch, since_best_ = 0;
      save_();
      return false;
    }
    return ++since_best_ > patience_;
  }
  void restore_best() {
    if (best_epoch_ && since_best_ > 0) restore_(), since_best_ = 0;
  }
  double best() const { return best_; }
  size_t best_epoch() const { return best_epoch_; }

 private:
  size_t patience_;
  std::function<void()> save_, restore_;
  double best_ = std::numeric_limits<double>::infinity();
  size_t best_epoch_ = 0, since_best_ = 0;
};

}  // namespace seqrl::agents::detail
