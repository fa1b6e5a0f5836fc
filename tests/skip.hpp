// A test case that cannot run here (its data is absent) says why and ends:
//   if (!have_data) SEQRL_SKIP("SeqGAN oracle not found at " << dir);
// The reason is printed (a Catch WARN), and tests/main.cpp exits with 77 when every test case of
// the run skipped this way and no assertion failed, which CTest reports as Skipped
// (SKIP_RETURN_CODE 77 in tests/CMakeLists.txt) instead of Passed. A failed assertion before the
// skip still fails the test. Where part of a test case has run, WARN alone says what was left.
#pragma once

#include <catch2/catch.hpp>

namespace seqrl::test {
void mark_skipped();  // tests/main.cpp
}  // namespace seqrl::test

#define SEQRL_SKIP(reason)               \
  do {                                   \
    WARN("SKIPPED: " << reason);         \
    ::seqrl::test::mark_skipped();       \
    return;                              \
  } while (0)
