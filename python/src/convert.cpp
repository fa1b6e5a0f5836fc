#include "convert.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "seqrl/nets/error.hpp"

namespace seqrl::python {

py::object to_py(const nlohmann::json& j, bool as_dict) {
  using T = nlohmann::json::value_t;
  switch (j.type()) {
    case T::null:
      return as_dict ? py::object(py::dict()) : py::object(py::none());
    case T::boolean:
      return py::bool_(j.get<bool>());
    case T::number_integer:
      return py::int_(j.get<int64_t>());
    case T::number_unsigned:
      return py::int_(j.get<uint64_t>());
    case T::number_float:
      return py::float_(j.get<double>());
    case T::string:
      return py::str(j.get_ref<const std::string&>());
    case T::array: {
      py::list l(j.size());
      for (size_t i = 0; i < j.size(); ++i) l[i] = to_py(j[i]);
      return std::move(l);
    }
    case T::object: {
      py::dict d;
      for (auto it = j.begin(); it != j.end(); ++it) d[py::str(it.key())] = to_py(it.value());
      return std::move(d);
    }
    default:
      return py::none();
  }
}

nlohmann::json to_json(py::handle h, const std::string& where) {
  if (h.is_none()) return nullptr;
  if (PyBool_Check(h.ptr())) return h.cast<bool>();
  if (PyLong_Check(h.ptr())) {
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(h.ptr(), &overflow);
    if (overflow > 0) return h.cast<uint64_t>();
    if (overflow < 0) throw ValueError(where + ": the integer " + py::str(h).cast<std::string>() + " is out of range");
    return int64_t(v);
  }
  if (PyFloat_Check(h.ptr())) return h.cast<double>();
  if (PyUnicode_Check(h.ptr())) return h.cast<std::string>();
  if (py::isinstance<py::dict>(h)) {
    nlohmann::json o = nlohmann::json::object();
    for (auto kv : h.cast<py::dict>()) {
      if (!PyUnicode_Check(kv.first.ptr()))
        throw ValueError(where + ": keys must be strings, got " + py::repr(kv.first).cast<std::string>());
      const std::string k = kv.first.cast<std::string>();
      o[k] = to_json(kv.second, where + "." + k);
    }
    return o;
  }
  if (py::isinstance<py::list>(h) || py::isinstance<py::tuple>(h)) {
    nlohmann::json a = nlohmann::json::array();
    size_t i = 0;
    for (auto v : h) a.push_back(to_json(v, where + "[" + std::to_string(i++) + "]"));
    return a;
  }
  // numpy scalars and arrays: through their Python equivalents (bool_ first: it has __index__)
  if (py::hasattr(h, "dtype")) {
    const char k = h.attr("dtype").attr("kind").cast<std::string>()[0];
    if (py::hasattr(h, "tolist") && py::isinstance<py::array>(h)) return to_json(h.attr("tolist")(), where);
    if (k == 'b') return h.attr("item")().cast<bool>();
    if (k == 'i' || k == 'u' || k == 'f') return to_json(h.attr("item")(), where);
  }
  throw ValueError(where + ": a value of type " + py::str(py::type::of(h).attr("__name__")).cast<std::string>() +
                   " cannot be passed to seqrl (use None, bool, int, float, str, list or dict)");
}

Kind kind_of(const env::Space& s) {
  if (dynamic_cast<const env::Discrete*>(&s)) return Kind::kDiscrete;
  if (dynamic_cast<const env::Box*>(&s)) return Kind::kBox;
  return Kind::kInteger;
}

py::array new_array(int type_num, const size_t* shape, size_t ndim) {
  auto& api = py::detail::npy_api::get();
  constexpr size_t kMaxDims = 32;  // NumPy's NPY_MAXDIMS
  if (ndim > kMaxDims) throw ValueError("an array of " + std::to_string(ndim) + " dimensions (NumPy's limit is 32)");
  Py_intptr_t dims[kMaxDims];
  for (size_t k = 0; k < ndim; ++k) dims[k] = Py_intptr_t(shape[k]);
  PyObject* descr = api.PyArray_DescrFromType_(type_num);
  if (!descr) throw py::error_already_set();
  PyObject* a = api.PyArray_NewFromDescr_(api.PyArray_Type_, descr, int(ndim), dims, nullptr, nullptr, 0,
                                          nullptr);  // steals descr
  if (!a) throw py::error_already_set();
  return py::reinterpret_steal<py::array>(a);
}

const int64_t* int64_vector_data(py::handle h, size_t n) {
  if (!py::detail::npy_api::get().PyArray_Check_(h.ptr())) return nullptr;
  const auto* a = py::detail::array_proxy(h.ptr());
  if (a->nd != 1 || size_t(a->dimensions[0]) != n || (n > 1 && a->strides[0] != py::ssize_t(sizeof(int64_t))))
    return nullptr;
  const auto* d = py::detail::array_descriptor_proxy(a->descr);
  if (d->type_num != py::detail::npy_api::NPY_INT64_ || d->byteorder == '>' ||
      reinterpret_cast<uintptr_t>(a->data) % alignof(int64_t) != 0)
    return nullptr;
  return reinterpret_cast<const int64_t*>(a->data);
}

bool ArrayPool::unshared(const py::array& a) const {
  PyObject* o = a.ptr();
  if (!o || Py_REFCNT(o) != 1) return false;
  auto& api = py::detail::npy_api::get();
  PyTypeObject* type = Py_TYPE(o);
  if (type != api.PyArray_Type_) return false;
  if (type->tp_weaklistoffset && *reinterpret_cast<PyObject**>(reinterpret_cast<char*>(o) + type->tp_weaklistoffset))
    return false;
  const auto* p = py::detail::array_proxy(o);
  using npy = py::detail::npy_api;
  constexpr int kAsMade = npy::NPY_ARRAY_C_CONTIGUOUS_ | npy::NPY_ARRAY_WRITEABLE_ | npy::NPY_ARRAY_OWNDATA_ |
                          npy::NPY_ARRAY_ALIGNED_;
  if ((p->flags & kAsMade) != kAsMade || py::detail::array_descriptor_proxy(p->descr)->type_num != type_num_ ||
      size_t(p->nd) != shape_.size())
    return false;
  for (size_t k = 0; k < shape_.size(); ++k)
    if (size_t(p->dimensions[k]) != shape_[k]) return false;
  return true;
}

py::array ArrayPool::take(const size_t* shape, size_t ndim) {
  if (!std::equal(shape, shape + ndim, shape_.begin(), shape_.end())) {
    shape_.assign(shape, shape + ndim);
    slots_[0] = slots_[1] = py::array();
  }
  for (size_t k = 0; k < 2; ++k) {
    const size_t s = (next_ + k) % 2;
    if (unshared(slots_[s])) {
      next_ = (s + 1) % 2;
      return slots_[s];
    }
  }
  const size_t s = next_;
  slots_[s] = new_array(type_num_, shape_.data(), shape_.size());
  next_ = (s + 1) % 2;
  return slots_[s];
}

ArrayPool::ArrayPool(Kind kind)
    : type_num_(kind == Kind::kBox ? py::detail::npy_api::NPY_FLOAT_ : py::detail::npy_api::NPY_INT64_),
      fill_kind_(kind == Kind::kBox ? Kind::kBox : Kind::kInteger) {}

py::array ArrayPool::take_filled(const nets::Tensor& t) {
  py::array a = take(t.shape().data(), t.dimension());
  fill_array(a, t, fill_kind_);
  return a;
}

void fill_array(py::array& a, const nets::Tensor& t, Kind kind) {
  if (kind == Kind::kBox) {
    std::memcpy(a.mutable_data(), t.data(), t.size() * sizeof(float));
  } else {
    auto* p = static_cast<int64_t*>(a.mutable_data());
    for (size_t i = 0; i < t.size(); ++i) p[i] = int64_t(t.data()[i]);
  }
}

py::object value_to_py(const nets::Tensor& t, Kind kind) {
  if (kind == Kind::kDiscrete) return py::int_(int64_t(t.data()[0]));
  using npy = py::detail::npy_api;
  py::array a = new_array(kind == Kind::kBox ? npy::NPY_FLOAT_ : npy::NPY_INT64_, t.shape().data(), t.dimension());
  fill_array(a, t, kind);
  return std::move(a);
}

std::optional<nets::Tensor> float_tensor(py::handle h) {
  // ensure() returns a null array (error cleared) for what it cannot convert; it does not throw
  const auto a = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(h);
  if (!a) return std::nullopt;
  nets::Tensor t = nets::Tensor::from_shape(nets::Shape(a.shape(), a.shape() + a.ndim()));
  std::memcpy(t.data(), a.data(), t.size() * sizeof(float));
  return t;
}

nets::Tensor py_to_tensor(py::handle h, const env::Space& s) {
  std::optional<nets::Tensor> t = float_tensor(h);
  if (!t) throw env::InvalidAction("the value " + py::repr(h).cast<std::string>() + " is not a number or an array of numbers (space " + s.str() + ")");
  return std::move(*t);
}

env::Action py_to_action(py::handle h, const env::Space& s) {
  if (dynamic_cast<const env::Discrete*>(&s)) {
    PyObject* o = h.ptr();
    if (PyLong_Check(o)) {
      int overflow = 0;
      const long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
      if (overflow) throw env::InvalidAction("action " + py::repr(h).cast<std::string>() + " is not in " + s.str());
      return env::Action(int64_t(v));
    }
    // numpy integers and 0-d integer arrays (not floats or bools: Gymnasium's Discrete holds int64)
    if (!PyFloat_Check(o) && !PyBool_Check(o) && py::hasattr(h, "dtype")) {
      const std::string kind = h.attr("dtype").attr("kind").cast<std::string>();
      if ((kind == "i" || kind == "u") && py::len(h.attr("shape")) == 0)
        return env::Action(h.attr("item")().cast<int64_t>());
    }
    throw env::InvalidAction("action " + py::repr(h).cast<std::string>() + " is not an integer: the action space is " + s.str());
  }
  return env::Action::box(py_to_tensor(h, s));
}

}  // namespace seqrl::python
