"""The contract every MMBench task obeys, enforced in one wrapper.

Domain makers return a gymnasium env whose `step` gives a float32 vector observation, a float
reward, `terminated=False` and an info dict with a float `success`, or without the key where the
task defines no success criterion (DMControl, DMControl-ext). This wrapper adds what is common to
all tasks: the fixed episode length, the running episode return and the `score` in [0, 1] computed
by the task's score rule.

"No success defined" is the absence of the key: `"success" in info` is False. It is not a NaN
value, because NaN != NaN makes two identical infos unequal (gymnasium's `check_env` rejects the
step as non-deterministic). Read it with `success_of(info)`, which gives NaN for "none" (what
means over episodes skip, e.g. `np.nanmean`). For code written when the value was NaN, the info is
a `TaskInfo`, whose `info["success"]` still reads NaN where the key is absent.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np

from envs.registry import TaskSpec


def success_of(info: Mapping[str, Any]) -> float:
    """The info's success as a float, NaN where the task defines none (no `success` key)."""
    return float(info.get("success", math.nan))


class TaskInfo(dict):
    """A task's info dict. `success` is absent where the task defines no success criterion; reading
    `info["success"]` there gives NaN (the value it had before), any other missing key a KeyError.
    `in`, `get`, iteration, equality and copies see only the keys that are there."""

    __slots__ = ()

    def __missing__(self, key: str) -> float:
        if key == "success":
            return math.nan
        raise KeyError(key)


class GymnasiumBackedEnv(gym.Env):
    """Base of the makers that drive one gymnasium env in `self._env` (Box2D, MuJoCo): rendering
    only when built with render_mode="rgb_array", and closing, both handed to that env."""

    render_mode: str | None = None
    _env: gym.Env

    def render(self):
        if self.render_mode != "rgb_array":
            raise RuntimeError(f"render() needs render_mode='rgb_array', got {self.render_mode!r}")
        return self._env.render()

    def close(self):
        self._env.close()


class MMBenchTask(gym.Wrapper):
    """Fixed-length episode with `score` in every info dict, and `success` where the task has one."""

    def __init__(self, env: gym.Env, spec: TaskSpec):
        super().__init__(env)
        self.task = spec
        self.max_episode_steps = spec.episode_length
        self.action_space = gym.spaces.Box(-1.0, 1.0, (spec.action_dim,), np.float32)
        self._t = 0
        self._return = 0.0

    def _info(self, info: dict[str, Any], truncated: bool) -> TaskInfo:
        success = success_of(info)
        out = TaskInfo(info)
        if math.isnan(success):  # no success criterion (a maker's NaN means the same)
            out.pop("success", None)
        else:
            out["success"] = success
        out.update(score=self.task.score(self._return, success), terminated=False, truncated=truncated)
        return out

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        obs, info = self.env.reset(seed=seed, options=options)
        self._t, self._return = 0, 0.0
        return np.asarray(obs, dtype=np.float32), self._info(info, False)

    def step(self, action):
        action = np.asarray(action, dtype=np.float32)
        if action.shape != (self.task.action_dim,):
            raise ValueError(
                f"{self.task.name}: action shape {action.shape}, expected ({self.task.action_dim},)"
            )
        if not np.isfinite(action).all():  # simulators answer NaN in 4 different ways, or silently
            raise ValueError(f"{self.task.name}: action {action.tolist()} has non-finite entries (NaN or inf); "
                             f"actions must be finite (values outside [-1, 1] are clipped)")
        if self._t >= self.max_episode_steps:
            raise RuntimeError(f"{self.task.name}: step() after the episode ended; call reset()")
        obs, reward, terminated, _, info = self.env.step(np.clip(action, -1.0, 1.0))
        obs = np.asarray(obs, dtype=np.float32)
        if not (np.isfinite(obs).all() and math.isfinite(reward)):
            raise FloatingPointError(f"{self.task.name}: step {self._t + 1} returned a non-finite "
                                     f"{'observation' if not np.isfinite(obs).all() else 'reward'} "
                                     f"(reward {reward}) for the finite action {action.tolist()}")
        if terminated:
            raise RuntimeError(f"{self.task.name}: the maker returned terminated=True; MMBench tasks never terminate")
        self._t += 1
        self._return += float(reward)
        truncated = self._t >= self.max_episode_steps
        return obs, float(reward), False, truncated, self._info(info, truncated)
