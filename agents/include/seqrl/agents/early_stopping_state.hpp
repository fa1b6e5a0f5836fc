// Where early stopping on a held-out figure stands: the best figure, its epoch (counted from 1; 0:
// none yet) and the epochs since. The counting is agents/src/early_stopping.hpp's; the state is
// public so that an agent's saved progress (LeakGAN's pre-training) can hold it as it is.
#pragma once

#include <cstddef>
#include <limits>

namespace seqrl::agents::detail {

struct EarlyStoppingState {
  double best = std::numeric_limits<double>::infinity();
  size_t best_epoch = 0, since_best = 0;
};

}  // namespace seqrl::agents::detail
