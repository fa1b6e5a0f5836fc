#include <iostream>

#include "cli.hpp"
#include "seqrl/nets/memory.hpp"

int main(int argc, char** argv) {
  // training loops free and reallocate the same large tensors every step: keep that memory in the
  // process instead of faulting fresh pages in each time (nets/memory.hpp)
  seqrl::nets::keep_freed_memory();
  std::vector<std::string> args(argv + 1, argv + argc);
  return seqrl::cli::run_cli(args, std::cout, std::cerr);
}
