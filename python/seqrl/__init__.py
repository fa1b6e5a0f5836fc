"""seqrl for Python: seqrl's C++ environments, spaces and text metrics behind Gymnasium's API.

    import seqrl
    env = seqrl.make("CartPole-v1")
    obs, info = env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step(env.action_space.sample())

    envs = seqrl.make_vec("CartPole-v1", 64)          # next-step autoreset, batched numpy arrays
    obs, infos = envs.reset(seed=0)
    obs, rewards, terminated, truncated, infos = envs.step(np.zeros(64, dtype=np.int64))

    text = seqrl.make("TextGrammar-v0")               # the state is the token prefix, the action
    text.vocabulary()                                 # the next token; the grammar is the reward
    seqrl.score("selfbleu", ["a man riding a horse", "a dog on a beach"], n=2)

When the gymnasium package is importable, the classes also derive from gymnasium.Env and
gymnasium.vector.VectorEnv, their spaces are gymnasium.spaces objects, and every id is registered
as "seqrl/<id>" (gymnasium.make("seqrl/CartPole-v1") after `import seqrl`). Without it the module
works alone, with seqrl's own spaces under Gymnasium's attribute names.
"""
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import numpy as np

from . import _seqrl
from ._seqrl import (Box, CheckpointError, ConfigError, Discrete, Error, InvalidAction, MultiDiscrete,
                     NumericError, ResetNeeded, ShapeError, Space, TokenSequence, score)

# seqrl's ValueError, KeyError and IOError (subclasses of the built-ins of those names) are
# seqrl.ValueError etc.; they are left out of __all__ so that `from seqrl import *` does not
# shadow the built-ins.
ValueError = _seqrl.ValueError  # noqa: A001
KeyError = _seqrl.KeyError  # noqa: A001
IOError = _seqrl.IOError  # noqa: A001

try:  # optional: seqrl works without gymnasium
    import gymnasium as _gym
    import gymnasium.vector as _gym_vector
except ImportError:  # pragma: no cover - depends on the machine
    _gym = None

__all__ = ["make", "make_vec", "registry", "spec", "score", "Env", "VectorEnv", "EnvSpec", "Space", "Discrete",
           "Box", "MultiDiscrete", "TokenSequence", "Error", "InvalidAction", "ResetNeeded", "ConfigError",
           "CheckpointError", "NumericError", "ShapeError", "gymnasium_available"]

gymnasium_available = _gym is not None


@dataclass
class EnvSpec:
    """A registered id with Gymnasium's EnvSpec fields (id, max_episode_steps, reward_threshold,
    kwargs) and the options the id takes (key, type, help)."""
    id: str
    max_episode_steps: Optional[int] = None
    reward_threshold: Optional[float] = None
    kwargs: Dict[str, Any] = field(default_factory=dict)
    options: List[Dict[str, str]] = field(default_factory=list)
    entry_point: str = "seqrl:make"
    # the rest of Gymnasium's EnvSpec fields, with its defaults (its checker and wrappers read them)
    nondeterministic: bool = False
    order_enforce: bool = True
    disable_env_checker: bool = False
    additional_wrappers: tuple = ()
    vector_entry_point: Optional[str] = None

    def make(self, **kwargs) -> "Env":
        """A new env of this spec (Gymnasium's EnvSpec.make)."""
        return make(self.id, **{**self.kwargs, **kwargs})


def registry() -> Dict[str, EnvSpec]:
    """Every registered id with its spec, sorted by id."""
    return {k: EnvSpec(id=v["id"], max_episode_steps=v["max_episode_steps"], reward_threshold=v["reward_threshold"],
                       options=list(v["options"])) for k, v in _seqrl._registry().items()}


def spec(id: str) -> EnvSpec:  # noqa: A002 - Gymnasium's name
    """The spec of a registered id (seqrl.KeyError naming close matches otherwise)."""
    specs = registry()
    if id not in specs:
        _seqrl._Env(id, {})  # raises seqrl's KeyError with its suggestions
    return specs[id]


def _to_gym_space(s):
    """seqrl's space as the gymnasium.spaces object with the same values."""
    sp = _gym.spaces
    if isinstance(s, Discrete):
        return sp.Discrete(s.n, start=s.start)
    if isinstance(s, Box):
        return sp.Box(s.low, s.high, dtype=np.float32)
    if isinstance(s, MultiDiscrete):
        return sp.MultiDiscrete(s.nvec)
    if isinstance(s, TokenSequence):  # a prefix padded with -1: the closest Gymnasium space
        return sp.Box(low=min(s.pad, 0), high=s.vocab - 1, shape=s.shape, dtype=np.int64)
    raise TypeError(f"no gymnasium space for {s!r}")


class BatchSpace:
    """num_envs values of one space stacked along a first axis (a vector env's observation or
    action space when neither Box nor Discrete): shape, dtype, sample, contains, seed."""

    def __init__(self, single, n: int):
        self.single, self.n = single, n
        self.shape = (n,) + tuple(single.shape)
        self.dtype = single.dtype

    def seed(self, seed=None):
        return self.single.seed(seed)

    def sample(self, mask=None):
        return np.stack([np.asarray(self.single.sample()) for _ in range(self.n)])

    def contains(self, x) -> bool:
        x = np.asarray(x)
        return x.shape == self.shape and all(self.single.contains(x[i]) for i in range(self.n))

    __contains__ = contains

    def __repr__(self):
        return f"BatchSpace({self.single!r}, {self.n})"


def _batch_space(s, n: int):
    if isinstance(s, Box):
        return Box(np.broadcast_to(s.low, (n,) + s.shape).copy(), np.broadcast_to(s.high, (n,) + s.shape).copy())
    if isinstance(s, Discrete) and s.start == 0:
        return MultiDiscrete([s.n] * n)
    return BatchSpace(s, n)


class _Closable:
    """What an env and a vector env share: render() draws nothing, close(), the context manager."""

    render_mode = None
    closed = False

    def render(self):
        """Nothing to draw: None (Gymnasium's render_mode=None)."""
        return None

    def close(self, **kwargs):
        self.closed = True

    @property
    def unwrapped(self):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


_EnvBases = (_Closable, _seqrl._Env) + ((_gym.Env,) if _gym else ())
_VectorBases = (_Closable, _seqrl._VectorEnv) + ((_gym_vector.VectorEnv,) if _gym else ())


class Env(*_EnvBases):
    """One environment, Gymnasium's API shape: reset(seed=None, options=None) -> (obs, info) and
    step(action) -> (obs, reward, terminated, truncated, info). Observations: float32 arrays (Box),
    int (Discrete), int64 arrays (token prefixes padded with -1, MultiDiscrete). Also clone(),
    get_state()/set_state() (search, checkpoints) and vocabulary() for text envs."""

    metadata = {"render_modes": []}

    def __init__(self, id: str, options: Optional[Dict[str, Any]] = None):  # noqa: A002
        _seqrl._Env.__init__(self, id, dict(options or {}))
        s = spec(id)
        if options and "max_episode_steps" in options:
            s.max_episode_steps = options["max_episode_steps"]
        s.kwargs = dict(options or {})
        self.spec = s
        self._set_spaces()

    def _set_spaces(self):
        obs, act = self._observation_space, self._action_space
        self.observation_space = _to_gym_space(obs) if _gym else obs
        self.action_space = _to_gym_space(act) if _gym else act

    def reset(self, *, seed: Optional[int] = None, options: Optional[Dict[str, Any]] = None):
        """Starts an episode: (observation, info). With a seed, the env's RNG is re-seeded first."""
        # (a Python method so that inspect.signature, which Gymnasium's checker calls, sees it;
        # step stays the compiled method)
        result = _seqrl._Env.reset(self, seed=seed, options=options)  # checks the seed first
        if _gym is not None:
            # Gymnasium's own bookkeeping: np_random seeded as gymnasium.Env.reset does. The
            # env's dynamics draw from seqrl's RNG, which the same seed re-seeds.
            _gym.Env.reset(self, seed=seed)
        return result

    def clone(self) -> "Env":
        """A full copy, RNG included: it continues exactly as this env would (tree search)."""
        c = type(self).__new__(type(self))
        _seqrl._Env.__init__(c, self)
        c.spec = self.spec
        c._set_spaces()
        return c

    def __repr__(self):
        return f"<seqrl.Env {self._id}>"


class VectorEnv(*_VectorBases):
    """num_envs copies of an env stepping together (Gymnasium's SyncVectorEnv semantics, next-step
    autoreset): step(actions[num_envs]) -> (obs[num_envs, ...], rewards float64, terminated bool,
    truncated bool, infos dict of arrays with "_key" masks). Sub-env i is seeded seed + i.
    copy=False returns the same float observation array every step (overwritten by the next
    step); threaded=True steps the sub-envs on seqrl's thread pool (SEQRL_NUM_THREADS)."""

    metadata = {"autoreset_mode": "NextStep", "render_modes": []}

    def __init__(self, id: str, num_envs: int, options: Optional[Dict[str, Any]] = None, copy: bool = True,
                 threaded: bool = False):  # noqa: A002
        # (a negative count reached pybind11 as an "incompatible constructor arguments" TypeError)
        if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)) or num_envs < 1:
            raise ValueError(f"make_vec({id!r}): num_envs must be a positive int, got {num_envs!r}")
        _seqrl._VectorEnv.__init__(self, id, int(num_envs), dict(options or {}), copy, threaded)
        self.spec = spec(id)
        self.spec.kwargs = dict(options or {})
        if _gym:
            self.metadata = {"autoreset_mode": _gym_vector.AutoresetMode.NEXT_STEP, "render_modes": []}
            self.single_observation_space = _to_gym_space(self._single_observation_space)
            self.single_action_space = _to_gym_space(self._single_action_space)
            self.observation_space = _gym_vector.utils.batch_space(self.single_observation_space, num_envs)
            self.action_space = _gym_vector.utils.batch_space(self.single_action_space, num_envs)
        else:
            self.single_observation_space = self._single_observation_space
            self.single_action_space = self._single_action_space
            self.observation_space = _batch_space(self.single_observation_space, num_envs)
            self.action_space = _batch_space(self.single_action_space, num_envs)

    def reset(self, *, seed: Optional[int] = None, options: Optional[Dict[str, Any]] = None):
        """Resets every sub-env (sub-env i gets seed + i): (observations, infos)."""
        return _seqrl._VectorEnv.reset(self, seed=seed, options=options)

    def __repr__(self):
        return f"<seqrl.VectorEnv {self._id} x{self.num_envs}>"


def make(id: str, **options) -> Env:  # noqa: A002 - Gymnasium's name
    """A registered environment (seqrl.registry() lists them) with its options, for example
    make("TextOracle-v0", seq_len=20, vocab=5000) or make("FrozenLake-v1", is_slippery=False).
    An unknown id, option or a value of the wrong type raises seqrl's error naming it."""
    return Env(id, options)


def make_vec(id: str, num_envs: int = 1, *, copy: bool = True, threaded: bool = False, **options) -> VectorEnv:  # noqa: A002
    """num_envs copies of an environment stepping together (see VectorEnv)."""
    return VectorEnv(id, num_envs, options, copy=copy, threaded=threaded)


def _register_with_gymnasium():
    import functools

    def entry(env_id, render_mode=None, **kwargs):
        return make(env_id, **kwargs)

    for env_id, s in registry().items():
        full = "seqrl/" + env_id
        if full not in _gym.registry:
            _gym.register(id=full, entry_point=functools.partial(entry, env_id),
                          max_episode_steps=s.max_episode_steps, reward_threshold=s.reward_threshold)


if _gym:
    _register_with_gymnasium()
