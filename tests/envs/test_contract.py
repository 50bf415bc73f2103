"""The maker contract, over every registered task whose domain module exists.

Each task is made the way `envs.make` makes it, with a probe between the domain's env and the
`MMBenchTask` wrapper, so what the maker itself returns is checked (the wrapper would hide, say, a
float64 observation). One representative per domain runs by default; the full sweep is `slow`
(`pytest -m slow tests/envs/test_contract.py`). Tasks whose assets are not installed are skipped.
The per-domain test files add only what this contract cannot know (reward ranges, success rules,
the library's own state); they use `tests/envs/helpers.py` rather than a copy of this loop.
"""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest

import envs  # first: it picks the headless MuJoCo GL backend before anything imports mujoco
from envs.errors import MissingAssetsError
from envs.registry import MAKERS, MAX_OBS_DIM, TASKS, TaskSpec
from envs.wrappers import MMBenchTask, TaskInfo
from tests.envs.helpers import FAST_TASKS

FAST = set(FAST_TASKS.values())  # one cheap task per domain runs in the default (fast) test run
N_STEPS = 3


class MakerProbe(gym.Wrapper):
    """Asserts, at every reset and step, what the maker contract asks of the domain's own env."""

    def __init__(self, env: gym.Env, spec: TaskSpec):
        super().__init__(env)
        self.spec_ = spec

    def _check(self, obs, info) -> None:
        name = self.spec_.name
        assert isinstance(obs, np.ndarray) and obs.dtype == np.float32 and obs.ndim == 1, (
            f"{name}: maker obs must be a 1-D float32 ndarray, got {type(obs).__name__} "
            f"{getattr(obs, 'dtype', None)} {getattr(obs, 'shape', None)}")
        assert obs.shape[0] <= MAX_OBS_DIM, f"{name}: obs dim {obs.shape[0]} > {MAX_OBS_DIM}"
        if self.spec_.obs_dim is not None:
            assert obs.shape == (self.spec_.obs_dim,), (
                f"{name}: obs {obs.shape}, registered {self.spec_.obs_dim}")
        assert np.all(np.isfinite(obs)), f"{name}: non-finite observation {obs}"
        # A task without a success criterion leaves the key out (a NaN would make equal infos unequal).
        if "success" in info:
            assert isinstance(info["success"], float) and info["success"] in (0.0, 1.0), (
                f"{name}: info['success'] must be the float 0.0 or 1.0, got {info['success']!r}")
        else:
            assert self.spec_.score.kind != "success", f"{name}: success-scored task reports no success"

    def reset(self, **kwargs):
        obs, info = self.env.reset(**kwargs)
        self._check(obs, info)
        self.last_info = info
        return obs, info

    def step(self, action):
        assert action.dtype == np.float32 and action.shape == (self.spec_.action_dim,)
        obs, reward, terminated, truncated, info = self.env.step(action)
        self._check(obs, info)
        assert terminated is False, f"{self.spec_.name}: maker terminated"
        assert truncated is False, f"{self.spec_.name}: maker truncated on its own within {N_STEPS} steps"
        assert np.isscalar(reward) and math.isfinite(float(reward)), f"{self.spec_.name}: reward {reward!r}"
        self.last_info = info
        return obs, reward, terminated, truncated, info


def make_probed(spec: TaskSpec, seed: int) -> MMBenchTask:
    try:
        inner = envs.maker_for(spec.domain)(spec, seed=seed, render_mode=None)
    except MissingAssetsError as e:
        pytest.skip(f"assets not installed: {e}")
    return MMBenchTask(MakerProbe(inner, spec), spec)


def rollout(spec: TaskSpec, seed: int) -> list[np.ndarray]:
    env = make_probed(spec, seed)
    try:
        obs, info = env.reset(seed=seed)
        assert 0.0 <= info["score"] <= 1.0
        seen = [obs]
        rng = np.random.default_rng(seed)
        for _ in range(N_STEPS):
            obs, _, terminated, truncated, info = env.step(
                rng.uniform(-1, 1, spec.action_dim).astype(np.float32))
            assert terminated is False and truncated is False
            assert isinstance(info, TaskInfo) and 0.0 <= info["score"] <= 1.0
            assert ("success" in info) == ("success" in env.env.last_info), (
                f"{spec.name}: the wrapper must report success exactly where the maker does")
            seen.append(obs)
        return seen
    finally:
        env.close()


TASK_PARAMS = [pytest.param(n, marks=() if n in FAST else pytest.mark.slow) for n in TASKS]


def test_one_fast_task_per_domain():
    assert {TASKS[n].domain for n in FAST} == set(MAKERS) and len(FAST) == len(MAKERS)
    assert all(TASKS[name].domain == domain for domain, name in FAST_TASKS.items())


@pytest.mark.parametrize("name", TASK_PARAMS)
def test_maker_contract(name):
    rollout(TASKS[name], seed=0)


@pytest.mark.parametrize("name", TASK_PARAMS)
def test_same_seed_same_rollout(name):
    spec = TASKS[name]
    first, second = rollout(spec, seed=7), rollout(spec, seed=7)
    for t, (a, b) in enumerate(zip(first, second)):
        np.testing.assert_array_equal(a, b, err_msg=f"{name}: two envs seeded 7 differ at step {t}")
