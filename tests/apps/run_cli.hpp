// The tests of the `seqrl` command drive it in-process: run(args, out, err) is `seqrl args...`
// with its stdout and stderr captured, returning the exit code.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "cli.hpp"

namespace seqrl::test {

inline int run(const std::vector<std::string>& args, std::string& out, std::string& err) {
  std::ostringstream o, e;
  const int rc = cli::run_cli(args, o, e);
  out = o.str();
  err = e.str();
  return rc;
}

}  // namespace seqrl::test
