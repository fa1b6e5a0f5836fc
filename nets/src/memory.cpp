#include "seqrl/nets/memory.hpp"

#include <cstdlib>  // defines __GLIBC__ under glibc

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace seqrl::nets {

bool keep_freed_memory() {
#if defined(__GLIBC__)
  // 32 MiB is the largest mmap threshold glibc accepts on 64-bit; larger blocks (rare here) still
  // get their own mappings. Setting either value also stops glibc's dynamic adjustment.
  const bool a = mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024) == 1;
  const bool b = mallopt(M_TRIM_THRESHOLD, 0x7fffffff) == 1;
  return a && b;
#else
  return false;
#endif
}

}  // namespace seqrl::nets
