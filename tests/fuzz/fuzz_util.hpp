// Shared by the libFuzzer harnesses: the input as a file (for readers that take a path), and the
// rule every harness checks: a bad input is a seqrl::Error (a clear message), never anything else.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "seqrl/nets/error.hpp"

namespace seqrl::fuzz {

// The bytes written to one file per process (in /dev/shm when it exists), rewritten each call.
inline const std::string& as_file(const uint8_t* data, size_t size) {
  static const std::string path = [] {
    const char* dir = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    return std::string(dir) + "/seqrl_fuzz_" + std::to_string(::getpid());
  }();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  return path;
}

// Runs fn; a seqrl::Error is the expected outcome of a bad input; any other exception escapes and
// libFuzzer reports it as a crash (as it does ASan's and UBSan's findings).
template <class F>
void expect_clean(F&& fn) {
  try {
    fn();
  } catch (const seqrl::Error&) {
  }
}

}  // namespace seqrl::fuzz
