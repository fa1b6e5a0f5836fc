// The pieces of the `seqrl._seqrl` extension module (python/seqrl/__init__.py is its front).
#pragma once

#include "convert.hpp"
#include "seqrl/env/space.hpp"

namespace seqrl::python {

void bind_spaces(py::module_& m);   // spaces.cpp
void bind_envs(py::module_& m);     // envs.cpp
void bind_metrics(py::module_& m);  // metrics.cpp
// A Python object for a copy of the space (its own sampling RNG).
py::object space_to_py(const env::Space& s);

}  // namespace seqrl::python
