"""The vectorised multitask env: many tasks behind one padded 128-D / 16-D interface.

Each env slot i runs task `tasks[i]`. Observations are right-padded with zeros to 128 entries,
actions are 16-D and slot i passes only its task's first `action_dim` entries on. Episodes have
fixed per-task lengths; a slot that finishes is reset in the same `step` call (auto-reset), and
the step returns the new episode's first observation while the finished episode's last
observation, success and score are reported in `StepResult.final_obs`, `.success`, `.score`.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np

import envs
from envs.registry import MAX_ACTION_DIM, MAX_OBS_DIM, get_task, task_id


class StepResult(NamedTuple):
    obs: np.ndarray  # [N, 128] float32: next observation (the new episode's first where done)
    reward: np.ndarray  # [N] float32
    done: np.ndarray  # [N] bool: the slot's episode ended at this step (time limit; never termination)
    final_obs: np.ndarray  # [N, 128] float32: the last observation of ended episodes, else equal to obs
    success: np.ndarray  # [N] float32: success at the last step of ended episodes, NaN elsewhere
    score: np.ndarray  # [N] float32: score at the last step of ended episodes, NaN elsewhere


def pad_obs(obs: np.ndarray) -> np.ndarray:
    out = np.zeros(MAX_OBS_DIM, dtype=np.float32)
    out[: obs.shape[0]] = obs
    return out


class MultitaskEnv:
    """`len(tasks)` task envs stepped together in this process.

    seed: slot i is seeded with `seed + i`, so copies of one task see different episodes and a
    run is reproducible for the domains whose libraries take a seed.
    """

    def __init__(self, tasks: Sequence[str], seed: int = 0):
        if len(tasks) == 0:
            raise ValueError("MultitaskEnv needs at least one task")
        self.tasks = tuple(tasks)
        self.specs = [get_task(t) for t in self.tasks]
        self.num_envs = len(self.tasks)
        self.task_ids = np.array([task_id(t) for t in self.tasks], dtype=np.int64)
        self.action_dims = np.array([s.action_dim for s in self.specs], dtype=np.int64)
        self.episode_lengths = np.array([s.episode_length for s in self.specs], dtype=np.int64)
        self.seed = seed
        self._envs = [envs.make(t, seed=seed + i) for i, t in enumerate(self.tasks)]
        self._first_reset = True

    def _reset_slot(self, i: int) -> np.ndarray:
        # Seed only the first reset: later resets continue the env's own RNG stream.
        seed = self.seed + i if self._first_reset else None
        obs, _ = self._envs[i].reset(seed=seed)
        return pad_obs(obs)

    def reset(self) -> np.ndarray:
        obs = np.stack([self._reset_slot(i) for i in range(self.num_envs)])
        self._first_reset = False
        return obs

    def rand_act(self, rng: np.random.Generator) -> np.ndarray:
        """Uniform random actions in [-1, 1], zero beyond each slot's action dim."""
        act = rng.uniform(-1, 1, (self.num_envs, MAX_ACTION_DIM)).astype(np.float32)
        act[np.arange(MAX_ACTION_DIM)[None, :] >= self.action_dims[:, None]] = 0.0
        return act

    def step(self, actions: np.ndarray) -> StepResult:
        actions = np.asarray(actions, dtype=np.float32)
        if actions.shape != (self.num_envs, MAX_ACTION_DIM):
            raise ValueError(f"actions shape {actions.shape}, expected ({self.num_envs}, {MAX_ACTION_DIM})")
        n = self.num_envs
        obs = np.zeros((n, MAX_OBS_DIM), np.float32)
        final_obs = np.zeros((n, MAX_OBS_DIM), np.float32)
        reward = np.zeros(n, np.float32)
        done = np.zeros(n, bool)
        success = np.full(n, np.nan, np.float32)
        score = np.full(n, np.nan, np.float32)
        for i, env in enumerate(self._envs):
            o, r, _, truncated, info = env.step(actions[i, : self.action_dims[i]])
            reward[i] = r
            final_obs[i] = pad_obs(o)
            if truncated:
                done[i] = True
                success[i], score[i] = info["success"], info["score"]
                obs[i] = self._reset_slot(i)
            else:
                obs[i] = final_obs[i]
        return StepResult(obs, reward, done, final_obs, success, score)

    def render(self, i: int = 0):
        return self._envs[i].render()

    def close(self) -> None:
        for env in self._envs:
            env.close()
        self._envs = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
