// seqrl::apps::main: the `seqrl` program (see seqrl/apps/main.hpp).
#include "seqrl/apps/main.hpp"

#include <iostream>

#include "cli.hpp"
#include "seqrl/nets/dist.hpp"
#include "seqrl/nets/memory.hpp"

namespace seqrl::apps {

namespace dist = seqrl::nets::dist;

int main(int argc, char** argv) {
  // training loops free and reallocate the same large tensors every step: keep that memory in the
  // process instead of faulting fresh pages in each time (nets/memory.hpp)
  seqrl::nets::keep_freed_memory();
  // under mpirun/srun (an MPI build), join the job's ranks (nets/dist.hpp)
  try {
    dist::init(&argc, &argv);
  } catch (const std::exception& e) {
    std::cerr << "seqrl: " << e.what() << "\n";
    return 1;
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  if (dist::size() > 1) {
    // The suite farms its runs over the ranks, fit lm and train --agent seqgan|leakgan train
    // data-parallel; any other command would run N copies of itself into the same files.
    const std::string cmd = args.empty() ? "" : args[0];
    if (cmd != "suite" && cmd != "fit" && cmd != "train") {
      if (dist::rank() == 0)
        std::cerr << "seqrl " << cmd << ": " << dist::size()
                  << " MPI ranks, but only `seqrl suite` (its runs farmed over the ranks), `seqrl fit lm` and "
                     "`seqrl train --agent seqgan|leakgan` (data-parallel) run across ranks so far. Run this command as one process.\n";
      dist::finalize();
      return 2;
    }
    // rank 0 speaks for the job on stdout
    if (dist::rank() != 0) std::cout.rdbuf(nullptr);
  }
  const int rc = seqrl::cli::run_cli(args, std::cout, std::cerr);
  // fail-stop: a rank that failed ends the whole job (the others may be waiting for it); an
  // interrupted suite (130) has already agreed on stopping across ranks
  if (dist::size() > 1 && rc != 0 && rc != 130)
    dist::abort(rc, "failed with exit status " + std::to_string(rc) + " (the error above): ending every rank");
  dist::finalize();
  return rc;
}

}  // namespace seqrl::apps
