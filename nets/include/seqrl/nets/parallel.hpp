// seqrl's own threading for its hot kernels: a fixed pool and a static-partition parallel_for.
//
// Work is split into num_threads() contiguous ranges, always the same for the same size and
// thread count, and partial results are combined in range order: the same seed and thread count
// give bit-identical results. While seqrl uses more than one thread it sets OpenBLAS to one
// thread (process-wide), so that each range's GEMMs run on the core that owns the range instead
// of two thread pools fighting over two cores.
#pragma once

#include <cstddef>
#include <functional>

namespace seqrl::nets {

// Threads used by parallel_for. Default: the SEQRL_NUM_THREADS environment variable, else the
// number of cores (at most 8). n >= 1.
int num_threads();
void set_num_threads(int n);

// Calls fn(begin, end, part) for the parts of [0, n), one per thread (fewer when n is small),
// and returns when all are done. A call from inside a part runs serially. The first exception
// thrown by a part is rethrown here.
void parallel_for(size_t n, const std::function<void(size_t begin, size_t end, size_t part)>& fn);

// [begin, end) of part `part` of `parts` over n items (the partition parallel_for uses).
inline void partition(size_t n, size_t parts, size_t part, size_t& begin, size_t& end) {
  begin = n * part / parts;
  end = n * (part + 1) / parts;
}

}  // namespace seqrl::nets
