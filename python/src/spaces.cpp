// Spaces for Python with Gymnasium's attribute names (gymnasium/spaces): Discrete(n, start),
// Box(low, high, shape), MultiDiscrete(nvec) and TokenSequence(vocab, max_len, pad), each with
// shape, dtype, sample(mask=None), contains(x) (and `x in space`) and seed(seed=None).
#include "module.hpp"

#include <random>

#include <pybind11/stl.h>

namespace seqrl::python {

namespace {
py::object numpy() { return py::module_::import("numpy"); }

py::tuple shape_tuple(const nets::Shape& s) {
  py::tuple t(s.size());
  for (size_t i = 0; i < s.size(); ++i) t[i] = py::int_(s[i]);
  return t;
}

// Gymnasium's seed(seed=None): re-seeds the space's RNG, a fresh random seed when None; returns
// the seed used.
uint64_t seed_space(env::Space& s, py::object seed) {
  uint64_t v;
  if (seed.is_none())
    v = (uint64_t(std::random_device{}()) << 32) ^ std::random_device{}();
  else
    v = seed.cast<uint64_t>();
  s.seed(v);
  return v;
}

nets::Tensor array_to_tensor(py::handle h) {
  std::optional<nets::Tensor> t = float_tensor(h);
  if (!t) throw ValueError("expected an array of numbers, got " + py::repr(h).cast<std::string>());
  return std::move(*t);
}
}  // namespace

py::object space_to_py(const env::Space& s) {
  return py::cast(std::shared_ptr<env::Space>(s.clone()));
}

void bind_spaces(py::module_& m) {
  py::class_<env::Space, std::shared_ptr<env::Space>>(m, "Space", "A space (Gymnasium's semantics); see Discrete, Box, MultiDiscrete, TokenSequence.")
      .def_property_readonly("shape", [](const env::Space& s) { return shape_tuple(s.shape()); })
      .def_property_readonly("dtype", [](const env::Space& s) {
        return numpy().attr("dtype")(kind_of(s) == Kind::kBox ? "float32" : "int64");
      })
      .def("seed", [](env::Space& s, py::object seed) { return seed_space(s, seed); }, py::arg("seed") = py::none(),
           "Re-seeds the space's sampler (a random seed when None); returns the seed.")
      .def("contains", [](const env::Space& s, py::handle x) {
        try {
          if (kind_of(s) == Kind::kDiscrete) {
            const env::Action a = py_to_action(x, s);
            return static_cast<const env::Discrete&>(s).contains(a.index);
          }
          return s.contains(py_to_tensor(x, s));
        } catch (const env::InvalidAction&) {
          return false;
        }
      }, py::arg("x"))
      .def("__contains__", [](py::object self, py::handle x) { return self.attr("contains")(x).cast<bool>(); })
      .def_property_readonly("is_np_flattenable", [](const env::Space&) { return true; })
      .def("__repr__", &env::Space::str)
      .def("__eq__", [](const env::Space& a, py::object b) {
        return py::isinstance<env::Space>(b) && a.str() == b.cast<const env::Space&>().str();
      });

  py::class_<env::Discrete, env::Space, std::shared_ptr<env::Discrete>>(m, "Discrete", "{start, ..., start + n - 1}")
      .def(py::init([](int64_t n, py::object seed, int64_t start) {
             auto s = std::make_shared<env::Discrete>(n, start);
             if (!seed.is_none()) s->seed(seed.cast<uint64_t>());
             return s;
           }),
           py::arg("n"), py::arg("seed") = py::none(), py::arg("start") = 0)
      .def_property_readonly("n", [](const env::Discrete& s) { return s.size; })
      .def_property_readonly("start", [](const env::Discrete& s) { return s.start; })
      .def("sample", [](env::Discrete& s, py::object mask) -> py::object {
        int64_t v;
        if (mask.is_none()) {
          v = s.sample_index();
        } else {
          auto a = py::array_t<int8_t, py::array::c_style | py::array::forcecast>::ensure(mask);
          if (!a || a.ndim() != 1) throw ValueError("Discrete.sample: mask must be a 1-d int8 array of length " + std::to_string(s.size));
          v = s.sample_index(std::vector<int8_t>(a.data(), a.data() + a.size()));
        }
        return numpy().attr("int64")(v);
      }, py::arg("mask") = py::none(), "A uniform value (among mask != 0 when a mask is given), as numpy.int64.");

  py::class_<env::Box, env::Space, std::shared_ptr<env::Box>>(m, "Box", "A box in R^shape with per-element bounds (float32).")
      .def(py::init([](py::object low, py::object high, py::object shape, py::object seed) {
             std::shared_ptr<env::Box> b;
             if (!shape.is_none()) {
               const auto sh = shape.cast<std::vector<size_t>>();
               if (py::isinstance<py::float_>(low) || py::isinstance<py::int_>(low))
                 b = std::make_shared<env::Box>(low.cast<float>(), high.cast<float>(), sh);
               else
                 b = std::make_shared<env::Box>(array_to_tensor(low), array_to_tensor(high));
             } else {
               b = std::make_shared<env::Box>(array_to_tensor(low), array_to_tensor(high));
             }
             if (!seed.is_none()) b->seed(seed.cast<uint64_t>());
             return b;
           }),
           py::arg("low"), py::arg("high"), py::arg("shape") = py::none(), py::arg("seed") = py::none())
      .def_property_readonly("low", [](const env::Box& b) { return value_to_py(b.low, Kind::kBox); })
      .def_property_readonly("high", [](const env::Box& b) { return value_to_py(b.high, Kind::kBox); })
      .def("is_bounded", [](const env::Box& b, const std::string& manner) {
        bool below = true, above = true;
        for (size_t i = 0; i < b.low.size(); ++i) {
          below = below && std::isfinite(b.low.data()[i]);
          above = above && std::isfinite(b.high.data()[i]);
        }
        if (manner == "both") return below && above;
        if (manner == "below") return below;
        if (manner == "above") return above;
        throw ValueError("manner is neither 'both', 'below' nor 'above': '" + manner + "'");
      }, py::arg("manner") = "both")
      .def("sample", [](env::Box& b, py::object mask) {
        if (!mask.is_none()) throw ValueError("Box.sample: masks are not supported (as in Gymnasium)");
        return value_to_py(b.sample(), Kind::kBox);
      }, py::arg("mask") = py::none());

  py::class_<env::MultiDiscrete, env::Space, std::shared_ptr<env::MultiDiscrete>>(m, "MultiDiscrete", "Independent discrete values, value i in [0, nvec[i]).")
      .def(py::init([](std::vector<int64_t> nvec, py::object seed) {
             auto s = std::make_shared<env::MultiDiscrete>(std::move(nvec));
             if (!seed.is_none()) s->seed(seed.cast<uint64_t>());
             return s;
           }),
           py::arg("nvec"), py::arg("seed") = py::none())
      .def_property_readonly("nvec", [](const env::MultiDiscrete& s) {
        return py::array_t<int64_t>(py::ssize_t(s.nvec.size()), s.nvec.data());
      })
      .def_property_readonly("start", [](const env::MultiDiscrete& s) {
        return py::array_t<int64_t>(std::vector<py::ssize_t>{py::ssize_t(s.nvec.size())});
      })
      .def("sample", [](env::MultiDiscrete& s, py::object mask) {
        if (!mask.is_none()) throw ValueError("MultiDiscrete.sample: masks are not supported by seqrl");
        return value_to_py(s.sample(), Kind::kInteger);
      }, py::arg("mask") = py::none());

  py::class_<env::TokenSequence, env::Space, std::shared_ptr<env::TokenSequence>>(
      m, "TokenSequence", "A token prefix of at most max_len tokens in [0, vocab), padded with pad (-1) to max_len (int64).")
      .def(py::init([](int64_t vocab, size_t max_len, int64_t pad, py::object seed) {
             auto s = std::make_shared<env::TokenSequence>(vocab, max_len, pad);
             if (!seed.is_none()) s->seed(seed.cast<uint64_t>());
             return s;
           }),
           py::arg("vocab"), py::arg("max_len"), py::arg("pad") = -1, py::arg("seed") = py::none())
      .def_property_readonly("vocab", [](const env::TokenSequence& s) { return s.vocab; })
      .def_property_readonly("max_len", [](const env::TokenSequence& s) { return s.max_len; })
      .def_property_readonly("pad", [](const env::TokenSequence& s) { return s.pad; })
      .def("sample", [](env::TokenSequence& s, py::object mask) {
        if (!mask.is_none()) throw ValueError("TokenSequence.sample: masks are not supported");
        return value_to_py(s.sample(), Kind::kInteger);
      }, py::arg("mask") = py::none());
}

}  // namespace seqrl::python
