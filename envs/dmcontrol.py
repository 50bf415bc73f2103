"""DeepMind Control Suite tasks (the 21 stock tasks; custom ones come from envs.dmcontrol_ext).

Observation: the task's observation dict flattened in its own key order, float32.
Action: the native bounds rescaled to [-1, 1] by dm_control's `action_scale` wrapper.
Reward: the native per-control-step reward (in [0, 1]) summed over an action repeat of 2,
so one agent step earns at most 2 and a 500-step episode at most 1000.
Episode: 1000 control steps = 500 agent steps; no termination. Success: none (no `success` key
in info; `envs.wrappers.success_of` reads it as NaN).
Score: return / 1000.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from envs.registry import TaskSpec

ACTION_REPEAT = 2
RENDER_SIZE = 224
DOMAIN_ALIASES = {"cup": "ball_in_cup"}  # task-name prefix -> dm_control domain name
CAMERA_IDS = {"quadruped": 2}  # the default camera 0 does not follow the quadruped


def split_name(task_name: str) -> tuple[str, str]:
    """'walker-walk-backward' -> ('walker', 'walk_backward'); 'cup-catch' -> ('ball_in_cup', 'catch')."""
    domain, task = task_name.replace("-", "_").split("_", 1)
    return DOMAIN_ALIASES.get(domain, domain), task


def load(domain: str, task: str, seed: int | None):
    """A dm_control environment with actions scaled to [-1, 1], stock or custom."""
    from dm_control import suite
    from dm_control.suite.wrappers import action_scale

    if (domain, task) in suite.ALL_TASKS:
        env = suite.load(domain, task, task_kwargs={"random": seed})
    else:
        from envs import dmcontrol_ext

        env = dmcontrol_ext.load(domain, task, seed)
    spec = env.action_spec()
    return action_scale.Wrapper(
        env, minimum=-np.ones(spec.shape, spec.dtype), maximum=np.ones(spec.shape, spec.dtype)
    )


class DMControlEnv(gym.Env):
    """A dm_control task as a gymnasium env with action repeat 2 and a flat float32 observation."""

    metadata = {"render_modes": ["rgb_array"]}  # noqa: RUF012 - gymnasium's class-attribute convention

    def __init__(self, spec: TaskSpec, seed: int | None = None, render_mode: str | None = None):
        self.task_spec = spec
        self.render_mode = render_mode
        self._domain, self._task = split_name(spec.name)
        self._env = load(self._domain, self._task, seed)
        obs_dim = sum(int(np.prod(s.shape)) for s in self._env.observation_spec().values())
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (obs_dim,), np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (spec.action_dim,), np.float32)
        self._camera_id = CAMERA_IDS.get(self._domain, 0)

    @staticmethod
    def _flatten(observation) -> np.ndarray:
        return np.concatenate([np.asarray(v, dtype=np.float32).ravel() for v in observation.values()])

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if seed is not None:  # dm_control seeds at construction: rebuild with the new seed
            self._env = load(self._domain, self._task, seed)
        timestep = self._env.reset()
        return self._flatten(timestep.observation), {}

    def step(self, action):
        reward = 0.0
        for _ in range(ACTION_REPEAT):
            timestep = self._env.step(action)
            reward += float(timestep.reward or 0.0)
        return self._flatten(timestep.observation), reward, False, False, {}

    def render(self):
        return self._env.physics.render(RENDER_SIZE, RENDER_SIZE, camera_id=self._camera_id)

    def close(self):
        self._env.close()


def make(spec: TaskSpec, seed: int | None = None, render_mode: str | None = None) -> gym.Env:
    return DMControlEnv(spec, seed=seed, render_mode=render_mode)
