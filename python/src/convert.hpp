// Conversions between seqrl's C++ values and Python objects for the bindings: JSON (env options,
// info, states) to and from Python, observations to numpy, Python actions to env::Action.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "seqrl/env/env.hpp"

namespace seqrl::python {

namespace py = pybind11;

// JSON null becomes an empty dict when as_dict (an info), None otherwise.
py::object to_py(const nlohmann::json& j, bool as_dict = false);
// Python (dict, list, str, int, float, bool, None, numpy scalars and arrays) to JSON; a value of
// another type is a ValueError naming `where`.
nlohmann::json to_json(py::handle h, const std::string& where);

// How a space's values look in Python: Box values as float32 arrays, Discrete as int, the
// integer-valued spaces (MultiDiscrete, TokenSequence) as int64 arrays.
enum class Kind { kBox, kDiscrete, kInteger };
Kind kind_of(const env::Space& s);
// A fresh C-ordered numpy array of NumPy's type number (py::detail::npy_api's NPY_*_ constants),
// made through NumPy's C API in one call (pybind11's array_t constructor builds shape and stride
// vectors on the heap first; a vector env's step makes four arrays).
py::array new_array(int type_num, const size_t* shape, size_t ndim);
// The data of h when it is a 1-D, C-contiguous, aligned, native-order int64 numpy array of n
// elements (read in place); nullptr otherwise (then convert it with array_t::ensure).
const int64_t* int64_vector_data(py::handle h, size_t n);
// Fresh-looking result arrays without an allocation per call. Gymnasium's copy=True hands out new
// arrays every step; making and freeing four numpy arrays cost a 64-CartPole step more than a
// sixth of its time. take() returns an array made earlier when nothing outside holds it any more
// (its reference count is the pool's alone, no weak reference) and it is still as made (exact
// ndarray type, dtype, shape, contiguous, writeable, owning its data), else a new one. Python code
// cannot tell it from a fresh array: an array anyone can still reach is never written again. A
// loop `obs, rew, ... = envs.step(a)` releases call k-1's arrays while call k+1 runs, so the pool
// keeps two.
class ArrayPool {
 public:
  explicit ArrayPool(int type_num) : type_num_(type_num) {}
  // A pool for the values (or batches of values) of a space of that kind, as fill_array writes
  // them: float32 for Box, int64 otherwise.
  explicit ArrayPool(Kind kind);
  // An array of this pool's type and that shape (a new shape starts the pool afresh).
  py::array take(const size_t* shape, size_t ndim);
  // take() of t's shape with t written into it (a pool made for a Kind).
  py::array take_filled(const nets::Tensor& t);

 private:
  bool unshared(const py::array& a) const;
  int type_num_;
  Kind fill_kind_ = Kind::kBox;
  std::vector<size_t> shape_;
  py::array slots_[2];
  size_t next_ = 0;
};

// Writes a value of a space of that kind (or a batch of them) into an array of its shape:
// float32 for Box, int64 otherwise.
void fill_array(py::array& a, const nets::Tensor& t, Kind kind);
// One value of a space of that kind (a fresh array).
py::object value_to_py(const nets::Tensor& t, Kind kind);
// A Python number or array as a float tensor of its shape; nullopt when it is neither.
std::optional<nets::Tensor> float_tensor(py::handle h);
// A Python value as a tensor of the space's shape (for contains() and Box actions); throws
// InvalidAction naming the value when it cannot be one.
nets::Tensor py_to_tensor(py::handle h, const env::Space& s);
// A Python action for the space: an integer (Python or numpy) for Discrete, an array otherwise.
env::Action py_to_action(py::handle h, const env::Space& s);

}  // namespace seqrl::python
