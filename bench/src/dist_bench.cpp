// The cost of seqrl's deterministic allreduce (nets/dist.hpp: an allgather, then the sum in rank
// order on every rank) for the gradient sizes that matter: SeqGAN's discriminator (7,045,402
// parameters, 28.2 MB) and generator (330,000), medians over repeats. Run under mpirun:
//   mpirun -np 2 build/bench/seqrl_dist_bench [REPEATS=10]
// Prints one JSON line on rank 0.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "seqrl/nets/dist.hpp"

namespace dist = seqrl::nets::dist;

int main(int argc, char** argv) {
  dist::init(&argc, &argv);
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 10;
  std::string json = "{\"ranks\":" + std::to_string(dist::size()) + ",\"repeats\":" + std::to_string(repeats);
  for (const auto& [name, n] : {std::pair<const char*, size_t>{"discriminator", 7045402}, {"generator", 330000}}) {
    std::vector<float> g(n, 1.0f + float(dist::rank()));
    std::vector<double> ms;
    for (int k = 0; k < repeats + 1; ++k) {
      dist::barrier();
      const auto t0 = std::chrono::steady_clock::now();
      dist::allreduce_sum(g.data(), n);
      const double t = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      if (k > 0) ms.push_back(t);  // the first call warms the buffers up
      std::fill(g.begin(), g.end(), 1.0f + float(dist::rank()));
    }
    std::sort(ms.begin(), ms.end());
    const double med = ms[ms.size() / 2];
    char buf[256];
    std::snprintf(buf, sizeof buf, ",\"%s\":{\"floats\":%zu,\"mbytes\":%.2f,\"median_ms\":%.2f,\"min_ms\":%.2f,\"max_ms\":%.2f}",
                  name, n, double(n) * 4 / 1e6, med, ms.front(), ms.back());
    json += buf;
  }
  json += "}";
  if (dist::rank() == 0) std::printf("%s\n", json.c_str());
  dist::finalize();
  return 0;
}
