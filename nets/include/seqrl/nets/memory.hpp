// The process's memory policy for training loops.
#pragma once

namespace seqrl::nets {

// Keeps memory that training frees inside the process for its next allocation. By default glibc
// serves allocations of 128 KiB and up (raised dynamically, up to 32 MiB) with fresh mmap() pages
// and returns freed memory at the top of the heap to the kernel. A training step allocates and
// frees the same large tensors every time (im2col buffers, activations, gradients), so each step
// paid page faults and the kernel's page zeroing again: with this call, SeqGAN's discriminator
// trains about 1.5 times as fast (bench/README.md). The memory is not returned to the system
// until exit, so a process's footprint stays at its peak. Process-wide (mallopt), like the
// OpenBLAS thread setting in parallel.hpp; the seqrl command calls it first thing. Returns false
// where the C library does not take the settings (not glibc, or AddressSanitizer's malloc).
bool keep_freed_memory();

}  // namespace seqrl::nets
