"""Box2D tasks: the bipedal walker on five terrains and the lunar lander with three goals.

The variants are `envs.box2d_tasks.walker.TerrainWalker(terrain)` and
`envs.box2d_tasks.lander.TaskLander(goal)` (see their docstrings); the registry passes
`terrain=` or `goal=` as the task's parameters.

Observation: walker 24-D (stock); lander 8-D (land) or 10-D (hover, takeoff: + goal offset).
Action: [-1, 1]^4 (walker hip/knee torques) or [-1, 1]^2 (lander main and side engines).
    Actions containing NaN are rejected.
Reward (per inner step, summed over an action repeat of 2):
    bipedal-walker-*     clip(r, -1, 10): a fall (hull touching the ground) costs -1 per inner
                         step for the rest of the episode, since the fall flag stays set.
    lunarlander-land     clip(r, -5, 10) / 20: a crash costs -0.25 per inner step, resting on the
                         ground earns +0.5 per inner step.
    lunarlander-hover    unchanged, in [0, 1].
    lunarlander-takeoff  unchanged, in [0, 1].
Episode end: never terminates (the simulation goes on after a fall, crash or the end of the
    terrain); 250 agent steps = 500 inner steps.
Success: none; always 0, as in the original.
Score: bipedal-walker-* clip(R / 125, 0, 1) (the original's 250 divided a return whose forward
    term it had doubled by accident, see `walker`); lunarlander-* clip(R / 500, 0, 1).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from envs.registry import TaskSpec
from envs.wrappers import GymnasiumBackedEnv

ACTION_REPEAT = 2


def _walker_reward(r: float) -> float:
    return float(np.clip(r, -1.0, 10.0))


def _land_reward(r: float) -> float:
    return float(np.clip(r, -5.0, 10.0)) / 20.0


def _identity(r: float) -> float:
    return float(r)


class Box2DEnv(GymnasiumBackedEnv):
    """A Box2D variant with action repeat 2, the per-task reward transform, and no termination."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array"]}

    def __init__(self, spec: TaskSpec, seed: int | None = None, render_mode: str | None = None):
        params = dict(spec.params)
        self._transform: Callable[[float], float]
        if "terrain" in params:
            from envs.box2d_tasks.walker import TerrainWalker

            self._env = TerrainWalker(params["terrain"], render_mode=render_mode)
            self._transform = _walker_reward
        elif "goal" in params:
            from envs.box2d_tasks.lander import TaskLander

            self._env = TaskLander(params["goal"], render_mode=render_mode)
            self._transform = _land_reward if params["goal"] == "land" else _identity
        else:
            raise ValueError(f"Box2D task {spec.name!r} needs a 'terrain' or 'goal' parameter, got {params}")
        self.task_spec = spec
        self.render_mode = render_mode
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, self._env.observation_space.shape, np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (spec.action_dim,), np.float32)
        self._seed = seed  # used by the first reset that is not given a seed

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if seed is None:
            seed, self._seed = self._seed, None
        obs, _ = self._env.reset(seed=seed)
        return np.asarray(obs, np.float32), {"success": 0.0}

    def step(self, action):
        action = np.asarray(action, np.float32)
        if np.isnan(action).any():
            raise ValueError(f"{self.task_spec.name}: action contains NaN: {action}")
        action = np.clip(action, -1.0, 1.0)
        reward = 0.0
        for _ in range(ACTION_REPEAT):
            obs, r, _, _, _ = self._env.step(action)
            reward += self._transform(float(r))
        return np.asarray(obs, np.float32), reward, False, False, {"success": 0.0}


def make(spec: TaskSpec, seed: int | None = None, render_mode: str | None = None) -> gym.Env:
    return Box2DEnv(spec, seed=seed, render_mode=render_mode)
