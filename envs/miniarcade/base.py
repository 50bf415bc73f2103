"""The shared base of the MiniArcade games.

A game is a fixed-step simulation in pure Python/numpy on a 224x224 canvas (origin top-left,
y down, units are pixels and agent steps). It owns one seeded RNG (`self.np_random`, from
gymnasium's `reset(seed=...)`) and never touches the global numpy RNG. Drawing is separate from
simulation: `render()` draws the current state on a headless pygame surface and must not change
the state or draw from `self.np_random`, so trajectories are identical with and without frames.

A subclass implements:
    _reset_game()          set up a new episode (draw randomness from self.np_random only)
    _step_game(action)     advance one step; return (reward, info) with info possibly holding 'success'
    _observation()         the float32 observation vector (length OBS_DIM)
    draw(surface)          paint the current state on a 224x224 pygame.Surface
"""

from __future__ import annotations

import math
import os
from typing import Any

import gymnasium as gym
import numpy as np

CANVAS = 224  # side of the square canvas in pixels


class Game(gym.Env):
    """Base class: seeding, action clipping, step counting, and headless rendering."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 30}  # noqa: RUF012 - gymnasium's convention
    OBS_DIM: int = 0  # length of the observation vector
    ACTION_DIM: int = 1  # number of action entries in [-1, 1]
    HAS_SUCCESS: bool = False  # whether `success` is meaningful (else reported as 0)

    def __init__(self, render_mode: str | None = None, **params: Any):
        if params:
            raise TypeError(f"{type(self).__name__} takes no parameters {sorted(params)}")
        self.render_mode = render_mode
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (self.OBS_DIM,), np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (self.ACTION_DIM,), np.float32)
        self.steps = 0
        self._surface = None

    # -- to implement ---------------------------------------------------------------------------
    def _reset_game(self) -> None:
        raise NotImplementedError

    def _step_game(self, action: np.ndarray) -> tuple[float, dict[str, Any]]:
        raise NotImplementedError

    def _observation(self) -> np.ndarray:
        raise NotImplementedError

    def draw(self, surface) -> None:
        raise NotImplementedError

    def keyboard_action(self, keys: set[str]) -> np.ndarray:
        """Action for the keys held down ({'left', 'right', 'up', 'down', 'space'}), for `play`.

        Default: 1-D games read up/space as +1 and down as -1; 2-D games read the arrows as
        (x, y) with y pointing down, like the canvas. Games with other meanings override this.
        """
        if self.ACTION_DIM == 1:
            return np.array([float("up" in keys or "space" in keys) - float("down" in keys)], np.float32)
        return np.array([float("right" in keys) - float("left" in keys),
                         float("down" in keys) - float("up" in keys)], np.float32)

    # -- gymnasium API ------------------------------------------------------------------------
    def _info(self, info: dict[str, Any]) -> dict[str, Any]:
        success = float(info.get("success", 0.0)) if self.HAS_SUCCESS else 0.0
        return {**info, "success": success}

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self.steps = 0
        self._reset_game()
        return self._observation().astype(np.float32), self._info({})

    def step(self, action):
        action = np.clip(np.asarray(action, dtype=np.float64).reshape(self.ACTION_DIM), -1.0, 1.0)
        reward, info = self._step_game(action)
        self.steps += 1
        obs = self._observation().astype(np.float32)
        return obs, float(reward), False, False, self._info(info)

    def render(self) -> np.ndarray:
        """The current frame as a (224, 224, 3) uint8 array, drawn on a headless surface."""
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # no window is ever opened here
        import pygame

        if self._surface is None:
            self._surface = pygame.Surface((CANVAS, CANVAS))
        self.draw(self._surface)
        return np.ascontiguousarray(pygame.surfarray.pixels3d(self._surface).transpose(1, 0, 2))

    def close(self) -> None:
        self._surface = None


def clip(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


def rects_overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Axis-aligned overlap of (x, y, w, h) rectangles."""
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def distance(ax: float, ay: float, bx: float, by: float) -> float:
    return math.hypot(ax - bx, ay - by)
