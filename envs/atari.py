"""Atari 2600 games (ale-py) behind a continuous 3-D action: one parameterised maker, 27 games.

The game of each task is data: `spec.params["game"]` (the ALE id, e.g. "MsPacman"), set with
the per-game score bounds in the game's row, `envs/tasks/atari.py`.

Observation: the 128-byte console RAM as float32 in [0, 1] (bytes / 255).
Action: 3-D in [-1, 1]: (radius, angle, fire) of a virtual joystick, mapped to one of the 18
    joystick actions by :func:`joystick_action`: radius r = (a0 + 1) / 2, angle theta = pi * a1,
    fire pressed when a2 > 0. If r < DEAD_ZONE the stick is centred (NOOP or FIRE); otherwise
    theta picks one of 8 equal 45-degree sectors (RIGHT, UPRIGHT, UP, ... DOWNRIGHT).
Reward: the raw game score gained over the 4 emulator frames of one agent step (frameskip 4,
    no sticky actions: repeat_action_probability = 0); no clipping.
Episode end: 1000 agent steps (4000 frames). Game over does not end the episode: the console
    is frozen at its game-over state (ALE itself stops advancing there), so the remaining steps
    repeat the last observation with zero reward.
Success: none (always 0, as in the original).
Score: clip((R - low) / (high - low), 0, 1) with the game's bounds from the spec's table.

Deviation from the original ([quirk] of ALE 0.10): there each signed joystick component was
compared with 0.5 (x < 0.5 -> LEFT), so the stick was never centred and the agent could not
stand still; here a neutral zone of radius DEAD_ZONE centres it, and the 8 directions get equal
angular sectors.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from envs.registry import TaskSpec

FRAMESKIP = 4  # emulator frames per agent step (ALE v5 default)
DEAD_ZONE = 0.1  # joystick radius below which the stick is centred (a0 < -0.8)
RAM_SIZE = 128
RENDER_SIZE = 224
_SCREEN_OFFSET = (7, 32)  # (row, col) of the 210x160 ALE frame inside the 224x224 canvas
# Joystick directions by 45-degree sector, counter-clockwise from theta = 0 (pointing right).
_DIRECTIONS = ("RIGHT", "UPRIGHT", "UP", "UPLEFT", "LEFT", "DOWNLEFT", "DOWN", "DOWNRIGHT")


def joystick_action(action: np.ndarray, dead_zone: float = DEAD_ZONE) -> str:
    """The ALE joystick action name (e.g. "UPLEFTFIRE", "NOOP") for a continuous action in [-1, 1]^3."""
    a = np.asarray(action, dtype=np.float64)
    if a.shape != (3,):
        raise ValueError(f"Atari action must have shape (3,), got {a.shape}")
    radius = (a[0] + 1.0) / 2.0
    fire = "FIRE" if a[2] > 0.0 else ""
    if radius < dead_zone:
        return fire or "NOOP"
    sector = int(np.round(math.pi * a[1] / (math.pi / 4))) % 8
    return _DIRECTIONS[sector] + fire


class AtariTask(gym.Env):
    """One ALE game with RAM observations and the continuous joystick action (see module doc)."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array"]}

    def __init__(self, spec: TaskSpec, seed: int | None = None, render_mode: str | None = None):
        import ale_py

        game = spec.params.get("game")
        if game is None:
            raise ValueError(f"{spec.name}: no ALE game id in its row's params (got {dict(spec.params)})")
        # ALE logs its banner ("A.L.E: Arcade Learning Environment ...") at Info level from C++ on
        # every new console; keep its warnings and errors only.
        ale_py.ALEInterface.setLoggerMode(ale_py.LoggerMode.Warning)
        gym.register_envs(ale_py)
        self.task_spec = spec
        self.render_mode = render_mode
        self._env = gym.make(
            f"ALE/{game}-v5", obs_type="ram", frameskip=FRAMESKIP, repeat_action_probability=0.0,
            full_action_space=True, render_mode="rgb_array" if render_mode else None,
        ).unwrapped
        self._ale = self._env.ale
        # Action name -> index into the env's (full, 18-action) action set.
        self._index = {a.name: i for i, a in enumerate(self._env._action_set)}
        self.observation_space = gym.spaces.Box(0.0, 1.0, (RAM_SIZE,), np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (spec.action_dim,), np.float32)
        self._seed = seed
        self._obs = np.zeros(RAM_SIZE, np.float32)
        self._game_over = False
        self._canvas = np.zeros((RENDER_SIZE, RENDER_SIZE, 3), np.uint8)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if seed is None:  # the construction seed applies to the first reset only
            seed, self._seed = self._seed, None
        ram, _ = self._env.reset(seed=seed)
        self._obs = ram.astype(np.float32) / 255.0
        self._game_over = False
        return self._obs.copy(), {"success": 0.0}

    def step(self, action):
        reward = 0.0
        if not self._game_over:  # after game over the console stays frozen (see module doc)
            idx = self._index[joystick_action(action)]
            ram, reward, terminated, truncated, _ = self._env.step(idx)
            self._obs = ram.astype(np.float32) / 255.0
            self._game_over = bool(terminated or truncated)
        return self._obs.copy(), float(reward), False, False, {"success": 0.0}

    def render(self):
        frame = self._ale.getScreenRGB()
        r, c = _SCREEN_OFFSET
        self._canvas[r:r + frame.shape[0], c:c + frame.shape[1]] = frame
        return self._canvas.copy()

    def close(self):
        self._env.close()


def make(spec: TaskSpec, seed: int | None = None, render_mode: str | None = None) -> gym.Env:
    return AtariTask(spec, seed=seed, render_mode=render_mode)
