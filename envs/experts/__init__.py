"""Scripted experts: one module per domain, each acting in a task only through its public env API.

    env = envs.make("mw-reach", seed=0)
    expert = make_expert("mw-reach", env)
    obs, info = expert.reset(seed=0)
    while not done:
        obs, reward, _, done, info = env.step(expert.act(obs, info))

`EXPERTS` maps each task that has an expert to its factory (`module:function`, imported on first
use, so a machine without, say, ManiSkill can still list the experts). Which tasks have none,
and why, is in docs/demos.md.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

import gymnasium as gym
import numpy as np

from envs.registry import TASK_SETS, TASKS


class Expert:
    """Acts in one task env. `reset(seed)` resets the env (an expert may plan first) and returns
    its (obs, info); `act(obs, info)` returns the next action in [-1, 1]^action_dim."""

    def __init__(self, env: gym.Env):
        self.env = env
        self.task = env.task  # the TaskSpec (envs.make wraps every task in MMBenchTask)

    def reset(self, seed: int) -> tuple[np.ndarray, dict[str, Any]]:
        obs, info = self.env.reset(seed=seed)
        self.begin(obs, info)
        return obs, info

    def begin(self, obs: np.ndarray, info: dict[str, Any]) -> None:
        """Called with the reset observation; clears per-episode state."""

    def act(self, obs: np.ndarray, info: dict[str, Any]) -> np.ndarray:
        raise NotImplementedError


class PolicyExpert(Expert):
    """An expert that is a function of the observation alone."""

    def __init__(self, env: gym.Env, policy: Callable[[np.ndarray], Any]):
        super().__init__(env)
        self.policy = policy

    def act(self, obs, info):
        return np.clip(np.asarray(self.policy(obs), np.float64), -1, 1).astype(np.float32)


def _domain_experts() -> dict[str, str]:
    table: dict[str, str] = {}
    table.update({t: "envs.experts.metaworld:make" for t in TASK_SETS["metaworld"]})
    table.update({t: "envs.experts.miniarcade:make" for t in TASKS if TASKS[t].domain == "pygame"})
    from envs.experts.tables import BOX2D, MANISKILL, MUJOCO, OGBENCH, ROBODESK

    table.update({t: "envs.experts.maniskill:make" for t in MANISKILL})
    table.update({t: "envs.experts.mujoco:make" for t in MUJOCO})
    table.update({t: "envs.experts.box2d:make" for t in BOX2D})
    table.update({t: "envs.experts.ogbench:make" for t in OGBENCH})
    table.update({t: "envs.experts.robodesk:make" for t in ROBODESK})
    for t in table:
        if t not in TASKS:
            raise ValueError(f"expert for unknown task {t!r}")
    return table


EXPERTS: Mapping[str, str] = _domain_experts()


def has_expert(task: str) -> bool:
    return task in EXPERTS


def make_expert(task: str, env: gym.Env) -> Expert:
    """The scripted expert of `task`, acting in `env` (made with `envs.make(task)`)."""
    if task not in EXPERTS:
        raise ValueError(f"no scripted expert for task {task!r}; tasks with one: {len(EXPERTS)} "
                         f"(see envs.experts.EXPERTS and docs/demos.md)")
    module_name, fn_name = EXPERTS[task].split(":")
    return getattr(importlib.import_module(module_name), fn_name)(task, env)
