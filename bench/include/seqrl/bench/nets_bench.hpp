// Speed of the nets engine on SeqGAN's generator workload (vocab 5000, embedding 32, hidden 32,
// length 20, batch 64) and of its GEMMs next to raw cblas_sgemm on the same shapes. Mirrors
// shared/peers/torch_seqgan.py's `mle` and `sample` parts so that the two print comparable rates.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace seqrl::bench {

struct NetsBenchConfig {
  std::string parts = "matmul,mle,sample";  // comma-separated subset of matmul,mle,sample,disc,rollout,leak
  int repeats = 7;                          // timed blocks per figure
  double min_time = 1.0;                    // seconds per block at least
  int warmup = 3;                           // untimed calls first
  int rollout_repeats = 3;                  // timed calls of the (slow) rollout reward
  uint64_t seed = 0;
};

// Runs the parts and returns one JSON object of figures.
nlohmann::json run_nets_bench(const NetsBenchConfig& cfg);

}  // namespace seqrl::bench
