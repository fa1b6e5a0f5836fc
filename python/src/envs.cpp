// Environments for Python with Gymnasium's API shape (gymnasium/core.py, gymnasium/vector):
//   env.reset(seed=None, options=None) -> (obs, info)
//   env.step(action) -> (obs, reward, terminated, truncated, info)
// and vector envs with next-step autoreset whose step takes an array of N actions and returns
// batched numpy arrays. The Python classes in seqrl/__init__.py derive from these (adding spec,
// the context manager and, when gymnasium is importable, gymnasium.Env as a base).
#include <cstring>
#include <limits>

#include "module.hpp"
#include "seqrl/env/registry.hpp"
#include "seqrl/env/vector_env.hpp"
#include "seqrl/env/wrappers.hpp"
#include "seqrl/env/text/text_env.hpp"

namespace seqrl::python {

namespace {

std::optional<uint64_t> seed_of(const py::object& seed) {
  if (seed.is_none()) return std::nullopt;
  if (PyBool_Check(seed.ptr()) || !py::isinstance<py::int_>(seed))
    throw ValueError("seed must be an int or None, got " + py::repr(seed).cast<std::string>());
  const auto v = seed.cast<py::int_>();
  if (v < py::int_(0)) throw ValueError("seed must be non-negative, got " + py::repr(seed).cast<std::string>());
  // (2**64 and above reached pybind11's cast as a bare RuntimeError)
  if (v > py::int_(std::numeric_limits<uint64_t>::max()))
    throw ValueError("seed must be below 2**64, got " + py::repr(seed).cast<std::string>());
  return v.cast<uint64_t>();
}

nlohmann::json options_of(const py::object& options, const std::string& where) {
  if (options.is_none()) return nlohmann::json();
  if (!py::isinstance<py::dict>(options)) throw ValueError(where + ": options must be a dict or None");
  return to_json(options, where);
}

// The text env under the wrappers, if any (for its vocabulary).
const env::TextGenEnv* text_env(const env::Env& e) {
  const env::Env* p = &e;
  while (true) {
    if (auto t = dynamic_cast<const env::TextGenEnv*>(p)) return t;
    if (auto w = dynamic_cast<const env::Wrapper*>(p)) {
      p = &w->inner();
      continue;
    }
    return nullptr;
  }
}

// One environment. Its observation and action spaces are Python objects made once (so that
// env.action_space.seed(0) then sample() behaves as in Gymnasium).
class PyEnv {
 public:
  explicit PyEnv(std::unique_ptr<env::Env> e) : env_(std::move(e)) {
    kind_ = kind_of(env_->observation_space());
    obs_pool_ = ArrayPool(kind_);
    obs_space_ = space_to_py(env_->observation_space());
    act_space_ = space_to_py(env_->action_space());
  }
  PyEnv(const std::string& id, const py::dict& options) : PyEnv(env::make(id, to_json(options, "make('" + id + "')"))) {}

  py::tuple reset(const py::object& seed, const py::object& options) {
    env_->reset(reset_, seed_of(seed), options_of(options, "reset"));
    return py::make_tuple(observation(reset_.observation), to_py(reset_.info, true));
  }

  py::tuple step(py::handle action) {
    env_->step(py_to_action(action, env_->action_space()), step_);
    PyObject* t = PyTuple_New(5);
    if (!t) throw py::error_already_set();
    PyTuple_SET_ITEM(t, 0, observation(step_.observation).release().ptr());
    PyTuple_SET_ITEM(t, 1, PyFloat_FromDouble(step_.reward));
    PyTuple_SET_ITEM(t, 2, py::bool_(step_.terminated).release().ptr());
    PyTuple_SET_ITEM(t, 3, py::bool_(step_.truncated).release().ptr());
    PyTuple_SET_ITEM(t, 4, step_.info.is_null() ? PyDict_New() : to_py(step_.info, true).release().ptr());
    return py::reinterpret_steal<py::tuple>(t);
  }

  std::unique_ptr<PyEnv> clone() const {
    auto c = std::make_unique<PyEnv>(env_->clone());
    return c;
  }
  py::object get_state() const { return to_py(env_->get_state()); }
  void set_state(const py::object& s) { env_->set_state(to_json(s, "set_state")); }
  const py::object& observation_space() const { return obs_space_; }
  const py::object& action_space() const { return act_space_; }
  const std::string& id() const { return env_->id; }
  py::object vocabulary() const {
    const env::TextGenEnv* t = text_env(*env_);
    if (!t || !t->words()) return py::none();
    py::list l;
    for (size_t i = 0; i < t->words()->size(); ++i) l.append(t->words()->token(int32_t(i)));
    return std::move(l);
  }

 private:
  // A fresh-looking observation: an int for Discrete, else an array from the pool (ArrayPool:
  // an earlier observation array is written again only once nothing references it)
  py::object observation(const nets::Tensor& t) {
    if (kind_ == Kind::kDiscrete) return value_to_py(t, kind_);
    return obs_pool_.take_filled(t);
  }

  std::unique_ptr<env::Env> env_;
  Kind kind_;
  ArrayPool obs_pool_{Kind::kBox};  // made for kind_ (int64 for integer-valued spaces)
  py::object obs_space_, act_space_;
  env::ResetResult reset_;
  env::StepResult step_;
};

// Gymnasium's vector infos: for each key present in any sub-env's info, an array over the
// sub-envs (numbers as float64 or int64, bools as bool, anything else as objects; nested dicts
// recursively) and "_key", a bool mask of the sub-envs that have it.
py::dict vector_infos(const std::vector<env::Info>& infos) {
  py::dict out;
  if (std::all_of(infos.begin(), infos.end(), [](const env::Info& i) { return i.is_null(); })) return out;
  std::vector<std::string> keys;
  for (const auto& info : infos)
    if (info.is_object())
      for (auto it = info.begin(); it != info.end(); ++it)
        if (std::find(keys.begin(), keys.end(), it.key()) == keys.end()) keys.push_back(it.key());
  if (keys.empty()) return out;
  const size_t n = infos.size();
  py::module_ np = py::module_::import("numpy");
  for (const auto& k : keys) {
    py::array_t<bool> mask{py::ssize_t(n)};
    bool all_num = true, all_int = true, all_bool = true, all_obj = true;
    for (size_t i = 0; i < n; ++i) {
      const bool has = infos[i].is_object() && infos[i].contains(k);
      mask.mutable_data()[i] = has;
      if (!has) continue;
      const auto& v = infos[i][k];
      all_num = all_num && v.is_number();
      all_int = all_int && v.is_number_integer();
      all_bool = all_bool && v.is_boolean();
      all_obj = all_obj && v.is_object();
    }
    if (all_obj) {
      std::vector<env::Info> sub(n);
      for (size_t i = 0; i < n; ++i)
        if (mask.data()[i]) sub[i] = infos[i][k];
      out[py::str(k)] = vector_infos(sub);
    } else if (all_bool) {
      py::array_t<bool> a{py::ssize_t(n)};
      for (size_t i = 0; i < n; ++i) a.mutable_data()[i] = mask.data()[i] && infos[i][k].get<bool>();
      out[py::str(k)] = a;
    } else if (all_num && all_int) {
      py::array_t<int64_t> a{py::ssize_t(n)};
      for (size_t i = 0; i < n; ++i) a.mutable_data()[i] = mask.data()[i] ? infos[i][k].get<int64_t>() : 0;
      out[py::str(k)] = a;
    } else if (all_num) {
      py::array_t<double> a{py::ssize_t(n)};
      for (size_t i = 0; i < n; ++i) a.mutable_data()[i] = mask.data()[i] ? infos[i][k].get<double>() : 0.0;
      out[py::str(k)] = a;
    } else {
      py::list l(n);
      for (size_t i = 0; i < n; ++i) l[i] = mask.data()[i] ? to_py(infos[i][k]) : py::none();
      out[py::str(k)] = np.attr("array")(l, py::arg("dtype") = "object");
    }
    out[py::str("_" + k)] = mask;
  }
  return out;
}

// N copies stepping together (env::VectorEnv, or ThreadedVectorEnv across seqrl's thread pool).
// copy=False returns the same observation array every step (float observations; overwritten in
// place by the next reset or step), as Gymnasium's copy=False.
class PyVecEnv {
 public:
  PyVecEnv(const std::string& id, size_t num_envs, const py::dict& options, bool copy, bool threaded)
      : copy_(copy) {
    nlohmann::json o = to_json(options, "make_vec('" + id + "')");
    if (o.is_null()) o = nlohmann::json::object();
    auto make = [&] { return env::make(id, o); };
    if (num_envs == 0) throw ValueError("make_vec('" + id + "'): num_envs must be positive");
    venv_ = threaded ? std::make_unique<env::ThreadedVectorEnv>(make, num_envs)
                     : std::make_unique<env::VectorEnv>(make, num_envs);
    id_ = id;
    kind_ = kind_of(venv_->single_observation_space());
    obs_pool_ = ArrayPool(kind_);  // a batch of Discrete values is an int64 array too
    act_discrete_ = kind_of(venv_->single_action_space()) == Kind::kDiscrete;
    obs_space_ = space_to_py(venv_->single_observation_space());
    act_space_ = space_to_py(venv_->single_action_space());
    actions_.resize(num_envs);
    using api = py::detail::npy_api;
    rewards_ = new_array(api::NPY_DOUBLE_, &num_envs, 1);
    term_ = new_array(api::NPY_BOOL_, &num_envs, 1);
    trunc_ = new_array(api::NPY_BOOL_, &num_envs, 1);
  }

  py::tuple reset(const py::object& seed, const py::object& options) {
    const auto s = seed_of(seed);
    const nlohmann::json o = options_of(options, "VectorEnv.reset");  // the same for every sub-env
    {
      py::gil_scoped_release nogil;
      nets::Tensor obs = venv_->reset(s, o);
      out_.observations = std::move(obs);
    }
    return py::make_tuple(observations(), py::dict());
  }

  py::tuple step(py::handle actions) {
    const size_t n = venv_->num_envs();
    if (act_discrete_) {
      const int64_t* p = int64_vector_data(actions, n);  // an int64 array read in place
      py::object converted;  // (not an array_t: its default constructor makes an empty array)
      if (!p) {  // anything else converted (or refused)
        auto a = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(actions);
        if (!a || a.ndim() != 1 || size_t(a.shape(0)) != n)
          throw env::InvalidAction("VectorEnv.step: actions must be " + std::to_string(n) +
                                   " integers (one per sub-env), got " + py::repr(actions).cast<std::string>());
        p = a.data();
        converted = std::move(a);
      }
      // the indices as they are (no env::Action per sub-env); the array outlives the call
      py::gil_scoped_release nogil;
      venv_->step(p, out_);
    } else {
      py::sequence seq = py::reinterpret_borrow<py::sequence>(actions);
      if (py::len(actions) != n)
        throw env::InvalidAction("VectorEnv.step: " + std::to_string(py::len(actions)) + " actions for " +
                                 std::to_string(n) + " sub-envs");
      for (size_t i = 0; i < n; ++i) actions_[i] = py_to_action(seq[i], venv_->single_action_space());
      py::gil_scoped_release nogil;
      venv_->step(actions_, out_);
    }
    // copy=True: fresh arrays every step (Gymnasium's default); copy=False: the same three
    // arrays, rewritten in place
    if (copy_) {  // arrays no one holds any more are written again (ArrayPool)
      rewards_ = rewards_pool_.take(&n, 1);
      term_ = term_pool_.take(&n, 1);
      trunc_ = trunc_pool_.take(&n, 1);
    }
    std::memcpy(rewards_.mutable_data(), out_.rewards.data(), n * sizeof(double));
    static_assert(sizeof(bool) == sizeof(uint8_t), "numpy's bool is one byte");
    std::memcpy(term_.mutable_data(), out_.terminated.data(), n);
    std::memcpy(trunc_.mutable_data(), out_.truncated.data(), n);
    PyObject* t = PyTuple_New(5);
    if (!t) throw py::error_already_set();
    PyTuple_SET_ITEM(t, 0, observations().release().ptr());
    PyTuple_SET_ITEM(t, 1, py::object(rewards_).release().ptr());
    PyTuple_SET_ITEM(t, 2, py::object(term_).release().ptr());
    PyTuple_SET_ITEM(t, 3, py::object(trunc_).release().ptr());
    PyTuple_SET_ITEM(t, 4, vector_infos(out_.infos).release().ptr());
    return py::reinterpret_steal<py::tuple>(t);
  }

  size_t num_envs() const { return venv_->num_envs(); }
  const py::object& single_observation_space() const { return obs_space_; }
  const py::object& single_action_space() const { return act_space_; }
  const std::string& id() const { return id_; }
  py::object get_state() const { return to_py(venv_->get_state()); }
  void set_state(const py::object& s) { venv_->set_state(to_json(s, "set_state")); }

 private:
  py::object observations() {
    if (kind_ != Kind::kBox || copy_) return obs_pool_.take_filled(out_.observations);
    // copy=False, as Gymnasium's: the same array every step, written in place (an array of its
    // own, so that it neither keeps this env alive in a cycle nor dangles after it)
    const auto& t = out_.observations;
    const auto* p = obs_shared_ ? py::detail::array_proxy(obs_shared_.ptr()) : nullptr;
    if (!p || size_t(p->nd) != t.dimension() || !std::equal(t.shape().begin(), t.shape().end(), p->dimensions))
      obs_shared_ = new_array(py::detail::npy_api::NPY_FLOAT_, t.shape().data(), t.dimension());
    fill_array(obs_shared_, t, Kind::kBox);
    return obs_shared_;
  }

  std::unique_ptr<env::VectorEnv> venv_;
  env::VectorStep out_;
  std::vector<env::Action> actions_;
  py::array rewards_, term_, trunc_;  // float64, bool, bool [N]
  py::array obs_shared_;  // copy=False's observation array
  // for copy=True (observations float32 for Box, else int64: set in the constructor)
  ArrayPool obs_pool_{Kind::kBox};  // made for kind_
  ArrayPool rewards_pool_{py::detail::npy_api::NPY_DOUBLE_}, term_pool_{py::detail::npy_api::NPY_BOOL_},
      trunc_pool_{py::detail::npy_api::NPY_BOOL_};
  py::object obs_space_, act_space_;
  std::string id_;
  Kind kind_;
  bool act_discrete_ = true, copy_ = true;
};

}  // namespace

void bind_envs(py::module_& m) {
  py::class_<PyEnv>(m, "_Env", py::dynamic_attr())
      .def(py::init<const std::string&, const py::dict&>(), py::arg("id"), py::arg("options") = py::dict())
      .def(py::init([](const PyEnv& other) { return other.clone(); }), py::arg("other"),
           "A full copy of another env (RNG included): the copy continues exactly as the original would.")
      .def("reset", &PyEnv::reset, py::kw_only(), py::arg("seed") = py::none(), py::arg("options") = py::none(),
           "Starts an episode: (observation, info). With a seed, the env's RNG is re-seeded first.")
      .def("step", &PyEnv::step, py::arg("action"),
           "One step: (observation, reward, terminated, truncated, info).")
      .def_property_readonly("_observation_space", &PyEnv::observation_space)
      .def_property_readonly("_action_space", &PyEnv::action_space)
      .def_property_readonly("_id", &PyEnv::id)
      .def("get_state", &PyEnv::get_state, "The env's full state (RNG included) as a dict.")
      .def("set_state", &PyEnv::set_state, py::arg("state"), "Restores a state from get_state().")
      .def("vocabulary", &PyEnv::vocabulary, "A text env's words by token id (None for bare token ids).");

  py::class_<PyVecEnv>(m, "_VectorEnv", py::dynamic_attr())
      .def(py::init<const std::string&, size_t, const py::dict&, bool, bool>(), py::arg("id"), py::arg("num_envs"),
           py::arg("options") = py::dict(), py::arg("copy") = true, py::arg("threaded") = false)
      .def("reset", &PyVecEnv::reset, py::kw_only(), py::arg("seed") = py::none(), py::arg("options") = py::none())
      .def("step", &PyVecEnv::step, py::arg("actions"))
      .def_property_readonly("num_envs", &PyVecEnv::num_envs)
      .def_property_readonly("_single_observation_space", &PyVecEnv::single_observation_space)
      .def_property_readonly("_single_action_space", &PyVecEnv::single_action_space)
      .def_property_readonly("_id", &PyVecEnv::id)
      .def("get_state", &PyVecEnv::get_state)
      .def("set_state", &PyVecEnv::set_state, py::arg("state"));

  m.def("_registry", [] {
    py::dict out;
    for (const auto& id : env::registered_ids()) {
      const env::EnvSpec& s = env::spec(id);
      py::list opts;
      if (s.options)
        for (const auto& o : *s.options)
          opts.append(py::dict(py::arg("key") = o.key, py::arg("type") = o.type, py::arg("help") = o.help));
      for (const auto& o : env::common_env_options())
        opts.append(py::dict(py::arg("key") = o.key, py::arg("type") = o.type, py::arg("help") = o.help));
      out[py::str(id)] = py::dict(
          py::arg("id") = id,
          py::arg("max_episode_steps") = s.max_episode_steps ? py::object(py::int_(*s.max_episode_steps)) : py::object(py::none()),
          py::arg("reward_threshold") = s.reward_threshold ? py::object(py::float_(*s.reward_threshold)) : py::object(py::none()),
          py::arg("options") = opts);
    }
    return out;
  });
}

}  // namespace seqrl::python
