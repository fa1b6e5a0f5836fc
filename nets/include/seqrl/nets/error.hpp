// Typed exceptions for every API edge of seqrl, under one base (seqrl::Error), plus an assert macro
// for internal invariants. Messages carry the shapes, names and values involved so that a user can
// act on them without a debugger (Gymnasium's error.py, nanoGPT's asserts).
#pragma once

#include <cstddef>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace seqrl {

// Base of every exception seqrl throws on purpose.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// Tensor shapes that do not fit an operation (message names both shapes and the op).
class ShapeError : public Error {
  using Error::Error;
};
// A value outside its allowed range (negative learning rate, index out of range, ...).
class ValueError : public Error {
  using Error::Error;
};
// A parameter or key name that does not exist (message lists the known names).
class KeyError : public Error {
  using Error::Error;
};
// A file that cannot be read or written (message names the file).
class IOError : public Error {
  using Error::Error;
};
// A checkpoint that is truncated, corrupted, or does not match the model it is loaded into.
class CheckpointError : public Error {
  using Error::Error;
};
// Bad configuration: unknown option, bad value (message names the option).
class ConfigError : public Error {
  using Error::Error;
};
// Training diverged: a gradient (or a loss) that is NaN or infinite (message names the tensor;
// the runner and fit add the step). Nothing was updated with it.
class NumericError : public Error {
  using Error::Error;
};

// "[2, 3, 4]" for any container of integers.
template <class S>
std::string shape_str(const S& shape) {
  std::ostringstream os;
  os << '[';
  bool first = true;
  for (auto d : shape) {
    if (!first) os << ", ";
    os << d;
    first = false;
  }
  os << ']';
  return os.str();
}

namespace detail {
[[noreturn]] void assert_fail(const char* expr, const char* file, int line, const std::string& msg);
}  // namespace detail

}  // namespace seqrl

// Internal invariant: throws seqrl::Error naming the expression, file and line (kept in release
// builds: the checks are cheap next to the tensor work they guard).
#define SEQRL_ASSERT(cond, msg)                                                        \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      std::ostringstream seqrl_assert_os_;                                             \
      seqrl_assert_os_ << msg;                                                         \
      ::seqrl::detail::assert_fail(#cond, __FILE__, __LINE__, seqrl_assert_os_.str()); \
    }                                                                                  \
  } while (0)
