"""Meta-World tasks (49 Sawyer manipulation tasks, Meta-World v3 goal-observable envs).

One maker serves every `mw-<name>` task: `mw-reach` runs Meta-World's `reach-v3`.

Observation: the 39-D Meta-World vector (hand xyz, gripper opening, two object pose slots of
    7 entries each, the previous frame's 18 values, goal xyz), float32.
Action: 4-D in [-1, 1] (end-effector delta xyz, gripper), passed to Meta-World unchanged; it
    scales the xyz part itself (1 cm per unit per inner step).
Reward: Meta-World's dense reward (in [0, 10] per inner step), summed over an action repeat
    of 2, so at most 20 per agent step.
Episode end: never terminates; 100 agent steps (the wrapper's limit) = 1 reset step + 200
    inner steps, well inside Meta-World's own 500-step path limit, which therefore never
    truncates an episode.
Success: Meta-World's `success` flag of the last inner step (0/1).
Score: success at the last step of the episode.

Object and goal positions are re-drawn on every reset from the env's own seeded generator
(Meta-World's `seeded_rand_vec` mode), so the same seed gives the same sequence of episodes and
the global numpy RNG is never touched.
"""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from envs.registry import TaskSpec

ACTION_REPEAT = 2
RENDER_SIZE = 224
CAMERA = "corner2"
CAMERA_POS = (0.75, 0.075, 0.7)  # the original moves corner2 here for a wider view of the table
PREFIX = "mw-"


def env_name(task_name: str) -> str:
    """'mw-reach' -> 'reach-v3' (the Meta-World v3 env name)."""
    if not task_name.startswith(PREFIX):
        raise ValueError(f"Meta-World task names start with {PREFIX!r}, got {task_name!r}")
    return f"{task_name[len(PREFIX):]}-v3"


def _new_seed() -> int:
    """A fresh seed from OS entropy (used when no seed is given), not from the global numpy RNG."""
    return int(np.random.SeedSequence().generate_state(1)[0])


class MetaWorldEnv(gym.Env):
    """A Meta-World v3 goal-observable env with action repeat 2 and random resets."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array"]}

    def __init__(self, spec: TaskSpec, seed: int | None = None, render_mode: str | None = None):
        from metaworld.env_dict import ALL_V3_ENVIRONMENTS_GOAL_OBSERVABLE

        key = f"{env_name(spec.name)}-goal-observable"
        if key not in ALL_V3_ENVIRONMENTS_GOAL_OBSERVABLE:
            known = sorted(PREFIX + k[: -len("-v3-goal-observable")] for k in ALL_V3_ENVIRONMENTS_GOAL_OBSERVABLE)
            raise ValueError(f"no Meta-World env for task {spec.name!r}; accepted: {', '.join(known)}")
        self.task_spec = spec
        self.render_mode = render_mode
        # The goal-observable class seeds its own generator when given a seed (it only borrows
        # the global RNG temporarily and restores it), so always pass one.
        self._env = ALL_V3_ENVIRONMENTS_GOAL_OBSERVABLE[key](seed=_new_seed() if seed is None else seed)
        # Re-draw object/goal positions at every reset, from the env's own seeded generator.
        self._env._freeze_rand_vec = False
        self._env.seeded_rand_vec = True
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, self._env.observation_space.shape, np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (spec.action_dim,), np.float32)
        self._renderer = None

    @property
    def unwrapped_env(self):
        """The Meta-World env itself (e.g. for its scripted expert policies)."""
        return self._env

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if seed is not None:
            self._env.seed(seed)
        self._env.reset()
        # As in the original: one zero-action step after the reset; its obs/info start the episode.
        obs, _, _, _, info = self._env.step(np.zeros(4, np.float32))
        return obs.astype(np.float32), {"success": float(info["success"])}

    def step(self, action):
        reward = 0.0
        for _ in range(ACTION_REPEAT):
            obs, r, terminated, truncated, info = self._env.step(action)
            reward += float(r)
            if terminated or truncated:  # never happens within 100 agent steps; kept as a guard
                break
        return obs.astype(np.float32), reward, False, False, {"success": float(info["success"])}

    def render(self):
        if self.render_mode != "rgb_array":
            raise RuntimeError(f"render() needs render_mode='rgb_array', got {self.render_mode!r}")
        if self._renderer is None:
            import mujoco

            model = self._env.model
            model.cam_pos[model.camera(CAMERA).id] = CAMERA_POS
            self._renderer = mujoco.Renderer(model, RENDER_SIZE, RENDER_SIZE)
        self._renderer.update_scene(self._env.data, camera=CAMERA)
        return self._renderer.render()[::-1].copy()  # corner2 is mounted upside down

    def close(self):
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
        self._env.close()


def make(spec: TaskSpec, seed: int | None = None, render_mode: str | None = None) -> gym.Env:
    return MetaWorldEnv(spec, seed=seed, render_mode=render_mode)
