"""Gymnasium MuJoCo locomotion tasks (v5 envs): ant, halfcheetah, hopper, inverted pendulum,
reacher, walker.

Observation: the env's native vector, float32: Ant 27 (v4-style: contact forces left out),
    HalfCheetah 17, Hopper 11, InvertedPendulum 4, Reacher 10 (v5 dropped v4's constant z of the
    fingertip-to-target vector), Walker2d 17.
Action: [-1, 1]^k, multiplied by the env's symmetric bound (3 for the pendulum, 1 otherwise).
Reward (per inner step, summed over the action repeat: 1 for reacher and halfcheetah, 2 else):
    - hopper, walker: max(0, r) while healthy, -1 while unhealthy;
    - inverted pendulum: 1 per step until the pole first passes 0.2 rad, then 0 for the rest of
      the episode (the original's sticky "fallen" flag);
    - ant: forward velocity + 1 while healthy - 0.5 |a|^2 (the v4 defaults: no contact cost);
    - halfcheetah, reacher: native.
Episode end: never terminates (`terminate_when_unhealthy=False`; the pendulum's termination is
    only a flag); the wrapper's limit is 50 (reacher), 1000 (halfcheetah) or 500 agent steps.
    The env is built without gymnasium's TimeLimit, so nothing truncates earlier.
Success: none; always 0, as in the original.
Score: pendulum R/1000; reacher 1 + clip(R, -50, 0)/50; halfcheetah R/15000; ant, hopper,
    walker R/5000 (each clipped to [0, 1]).

Each task's row (`envs/tasks/mujoco.py`) gives the gymnasium id, the action repeat, the reward
rule and the env's keyword arguments as `spec.params`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from envs.registry import TaskSpec
from envs.wrappers import GymnasiumBackedEnv

RENDER_SIZE = 224
REWARDS = ("native", "healthy", "sticky_fall")  # hopper/walker clamp: healthy; pendulum: sticky_fall


def build_env(env_id: str, render_mode: str | None, **kwargs: Any) -> gym.Env:
    """The bare gymnasium env class of `env_id` (no TimeLimit, order or checker wrappers)."""
    from gymnasium.envs.registration import load_env_creator

    creator = load_env_creator(gym.spec(env_id).entry_point)
    return creator(render_mode=render_mode, width=RENDER_SIZE, height=RENDER_SIZE, **kwargs)


class MujocoEnv(GymnasiumBackedEnv):
    """A gymnasium MuJoCo env with MMBench's action scale, repeat and reward changes."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array"]}

    def __init__(self, spec: TaskSpec, seed: int | None = None, render_mode: str | None = None):
        params = spec.params
        if params.get("reward") not in REWARDS or "env_id" not in params:
            raise ValueError(f"MuJoCo task {spec.name!r} needs params env_id, action_repeat and a reward in "
                             f"{REWARDS}; got {dict(params)}")
        self.task_spec = spec
        self.render_mode = render_mode
        self._reward = params["reward"]
        self._action_repeat = int(params["action_repeat"])
        self._env = build_env(params["env_id"], render_mode, **dict(params.get("env_kwargs", {})))
        self._scale = np.asarray(self._env.action_space.high, np.float64)
        if self._scale.shape != (spec.action_dim,):
            raise ValueError(f"{spec.name}: env action shape {self._scale.shape}, registry says {spec.action_dim}")
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, self._env.observation_space.shape, np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (spec.action_dim,), np.float32)
        self._seed = seed  # used by the first reset that is not given a seed
        self._fallen = False

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if seed is None:
            seed, self._seed = self._seed, None
        obs, _ = self._env.reset(seed=seed)
        self._fallen = False
        return obs.astype(np.float32), {"success": 0.0}

    def _transform(self, reward: float, terminated: bool) -> float:
        kind = self._reward
        if kind == "healthy":
            return max(0.0, reward) if self._env.unwrapped.is_healthy else -1.0
        if kind == "sticky_fall":
            self._fallen = self._fallen or terminated
            return 0.0 if self._fallen else reward
        return reward

    def step(self, action):
        action = np.asarray(action, np.float64) * self._scale
        total = 0.0
        for _ in range(self._action_repeat):
            obs, reward, terminated, _, _ = self._env.step(action)
            total += self._transform(float(reward), bool(terminated))
        return obs.astype(np.float32), total, False, False, {"success": 0.0}


def make(spec: TaskSpec, seed: int | None = None, render_mode: str | None = None) -> gym.Env:
    return MujocoEnv(spec, seed=seed, render_mode=render_mode)
