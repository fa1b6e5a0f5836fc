// seqrl._seqrl: the compiled half of the `seqrl` Python package. seqrl's errors come through as
// Python exceptions carrying seqrl's message, each a subclass of seqrl.Error and of the built-in
// exception a Python user would catch (InvalidAction is a ValueError, KeyError a KeyError, ...).
#include "module.hpp"

#include "seqrl/env/env.hpp"
#include "seqrl/nets/error.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_seqrl, m) {
  m.doc() = "seqrl's environments, spaces and text metrics (the compiled half of the seqrl package)";
  // Registration order matters: pybind11 tries the last registered translator first, so the base
  // class comes first and each subclass after it.
  auto base = py::register_exception<seqrl::Error>(m, "Error", PyExc_RuntimeError);
  auto sub = [&](const char* name, PyObject* builtin) {
    // a subclass of both seqrl.Error and the built-in
    py::object bases = py::reinterpret_steal<py::object>(PyTuple_Pack(2, base.ptr(), builtin));
    PyObject* t = PyErr_NewException((std::string("seqrl._seqrl.") + name).c_str(), bases.ptr(), nullptr);
    if (!t) throw py::error_already_set();
    py::object type = py::reinterpret_steal<py::object>(t);
    m.attr(name) = type;
    return type;
  };
  static py::object value_error = sub("ValueError", PyExc_ValueError);
  static py::object shape_error = sub("ShapeError", PyExc_ValueError);
  static py::object config_error = sub("ConfigError", PyExc_ValueError);
  static py::object key_error = sub("KeyError", PyExc_KeyError);
  static py::object io_error = sub("IOError", PyExc_OSError);
  static py::object checkpoint_error = sub("CheckpointError", PyExc_OSError);
  static py::object numeric_error = sub("NumericError", PyExc_ArithmeticError);
  static py::object invalid_action = sub("InvalidAction", PyExc_ValueError);
  static py::object reset_needed = sub("ResetNeeded", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const seqrl::env::InvalidAction& e) {
      PyErr_SetString(invalid_action.ptr(), e.what());
    } catch (const seqrl::env::ResetNeeded& e) {
      PyErr_SetString(reset_needed.ptr(), e.what());
    } catch (const seqrl::ShapeError& e) {
      PyErr_SetString(shape_error.ptr(), e.what());
    } catch (const seqrl::ConfigError& e) {
      PyErr_SetString(config_error.ptr(), e.what());
    } catch (const seqrl::ValueError& e) {
      PyErr_SetString(value_error.ptr(), e.what());
    } catch (const seqrl::KeyError& e) {
      PyErr_SetString(key_error.ptr(), e.what());
    } catch (const seqrl::CheckpointError& e) {
      PyErr_SetString(checkpoint_error.ptr(), e.what());
    } catch (const seqrl::IOError& e) {
      PyErr_SetString(io_error.ptr(), e.what());
    } catch (const seqrl::NumericError& e) {
      PyErr_SetString(numeric_error.ptr(), e.what());
    }
  });
  seqrl::python::bind_spaces(m);
  seqrl::python::bind_envs(m);
  seqrl::python::bind_metrics(m);
}
