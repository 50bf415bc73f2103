"""pygame-coconut-dodge: slide left and right under a palm canopy, dodging falling coconuts."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from envs.miniarcade.base import Game, clip

AREA = 200.0  # side of the square play area
OFFSET = 12.0  # (224 - AREA) / 2
FLOOR = OFFSET + AREA  # y of the ground line
AGENT_R = 9.0
AGENT_Y = 200.0
AGENT_X0 = 112.0
ACCEL, FRICTION, MAX_SPEED = 0.85, 0.97, 5.0
COCONUT_R = 7  # +- 1 at random
MAX_COCONUTS = 6
CRACKED_STEPS = 10  # a coconut lies cracked (harmless) this long before respawning
HIT_FLAG_STEPS = 6  # the collision flag stays up this long after a hit
RAMP_STEPS = 500  # the difficulty reaches 1 after this many steps


class _Coconut:
    __slots__ = ("cracked", "r", "vx", "vy", "x", "y")

    def __init__(self) -> None:
        self.x = self.y = self.vx = self.vy = 0.0
        self.r = float(COCONUT_R)
        self.cracked = 0  # steps left lying cracked on the ground (0: falling)


class CoconutDodge(Game):
    """Dodge coconuts that fall faster and more often as the episode goes on.

    Observation (29): agent `(x - 12) / 200`, `vx / 5`; the nearest falling coconut's
        `dx / 200, dy / 200` from the agent (or `0, -1` if none falls); the collision flag (1 for
        6 steps after a hit); then 6 slots of all coconuts sorted by distance to the agent, each
        `((x - 12) / 200, (y - 12) / 200, vx / 5, vy / 5)`, zero-padded.
    Action (1): lateral acceleration `0.85 * a`; vx is damped by 0.97 and clipped to +-5, and the
        agent (a disc of radius 9 at y = 200) stays within x in [21, 203].
    Reward: -1 on every step a falling coconut overlaps the agent, else 0.
    Episode end: 500 steps (set by the registry), never terminates.
    Success: none (reported as 0).
    Score: clip((R + 15) / 15, 0, 1).

    With difficulty d = t / 500, 1 + floor(5 d) coconuts (up to 6) are in play. A coconut has radius
    7 + U{-1, 0, 1}, spawns just inside the top edge at a uniform x with vx = U(-0.5, 0.5)(1 + 0.6 d)
    and vy = U(1.4, 2.6)(1 + 0.8 d), bounces off the side walls, and on reaching the ground lies
    cracked and harmless for 10 steps before respawning.
    """

    OBS_DIM = 29
    ACTION_DIM = 1

    def __init__(self, render_mode: str | None = None):
        super().__init__(render_mode)
        self.x = AGENT_X0
        self.vx = 0.0
        self.hit_flag = 0
        self.coconuts: list[_Coconut] = []

    def _difficulty(self) -> float:
        return min(self.steps / RAMP_STEPS, 1.0)

    def _spawn(self, c: _Coconut) -> None:
        rng, d = self.np_random, self._difficulty()
        c.r = float(COCONUT_R + int(rng.integers(-1, 2)))
        c.x = float(rng.uniform(OFFSET + c.r, FLOOR - c.r))
        c.y = OFFSET + c.r
        c.vx = float(rng.uniform(-0.5, 0.5)) * (1.0 + 0.6 * d)
        c.vy = float(rng.uniform(1.4, 2.6)) * (1.0 + 0.8 * d)
        c.cracked = 0

    def _reset_game(self) -> None:
        self.x, self.vx, self.hit_flag = AGENT_X0, 0.0, 0
        self.coconuts = []
        self._top_up()

    def _top_up(self) -> None:
        """Add coconuts until the difficulty's count is in play."""
        wanted = min(1 + int(5 * self._difficulty()), MAX_COCONUTS)
        while len(self.coconuts) < wanted:
            c = _Coconut()
            self._spawn(c)
            self.coconuts.append(c)

    def _step_game(self, action: np.ndarray) -> tuple[float, dict[str, Any]]:
        self.vx = clip((self.vx + ACCEL * float(action[0])) * FRICTION, -MAX_SPEED, MAX_SPEED)
        self.x = clip(self.x + self.vx, OFFSET + AGENT_R, FLOOR - AGENT_R)
        self._top_up()
        hit = False
        for c in self.coconuts:
            if c.cracked:
                c.cracked -= 1
                if c.cracked == 0:
                    self._spawn(c)
                continue
            c.x += c.vx
            c.y += c.vy
            if c.x - c.r < OFFSET or c.x + c.r > FLOOR:  # bounce off the side walls
                c.x = clip(c.x, OFFSET + c.r, FLOOR - c.r)
                c.vx = -c.vx
            if c.y + c.r >= FLOOR:
                c.y, c.vx, c.vy, c.cracked = FLOOR - c.r, 0.0, 0.0, CRACKED_STEPS
                continue
            if math.hypot(c.x - self.x, c.y - AGENT_Y) < AGENT_R + c.r:
                hit = True
        if hit:
            self.hit_flag = HIT_FLAG_STEPS
        elif self.hit_flag:
            self.hit_flag -= 1
        return (-1.0 if hit else 0.0), {}

    def _observation(self) -> np.ndarray:
        obs = np.zeros(self.OBS_DIM, dtype=np.float32)
        obs[0] = (self.x - OFFSET) / AREA
        obs[1] = self.vx / MAX_SPEED
        ranked = sorted(self.coconuts, key=lambda c: math.hypot(c.x - self.x, c.y - AGENT_Y))
        falling = [c for c in ranked if not c.cracked]
        if falling:
            obs[2] = (falling[0].x - self.x) / AREA
            obs[3] = (falling[0].y - AGENT_Y) / AREA
        else:
            obs[3] = -1.0
        obs[4] = 1.0 if self.hit_flag else 0.0
        for i, c in enumerate(ranked[:MAX_COCONUTS]):
            obs[5 + 4 * i: 9 + 4 * i] = ((c.x - OFFSET) / AREA, (c.y - OFFSET) / AREA,
                                         c.vx / MAX_SPEED, c.vy / MAX_SPEED)
        return obs

    # -- play helpers ---------------------------------------------------------------------------
    def keyboard_action(self, keys: set[str]) -> np.ndarray:
        """Left/right arrows slide the agent."""
        return np.array([float("right" in keys) - float("left" in keys)], np.float32)

    def scripted_action(self, obs: np.ndarray) -> np.ndarray:
        """Run away from the horizontal position of the nearest falling coconut above."""
        dx, dy = float(obs[2]), float(obs[3])
        if dy < -0.6 or dy >= 0.0:
            target = 0.5  # nothing close above: drift back to the middle
            a = 4.0 * (target - float(obs[0])) - 0.5 * float(obs[1])
        else:
            away = -1.0 if dx > 0 else 1.0
            if float(obs[0]) < 0.1 or float(obs[0]) > 0.9:  # pinned at a wall: dash under it instead
                away = -away
            a = away
        return np.array([min(max(a, -1.0), 1.0)], dtype=np.float32)

    # -- drawing --------------------------------------------------------------------------------
    def draw(self, surface) -> None:
        import pygame

        surface.fill((120, 190, 235))
        pygame.draw.rect(surface, (240, 220, 160), (0, FLOOR, 224, 224 - FLOOR))
        pygame.draw.rect(surface, (40, 120, 50), (0, 0, 224, OFFSET + 2))  # the palm canopy
        for i in range(8):
            pygame.draw.circle(surface, (50, 140, 60), (14 + 28 * i, int(OFFSET)), 12)
        for c in self.coconuts:
            centre = (int(c.x), int(c.y))
            if c.cracked:
                pygame.draw.ellipse(surface, (110, 70, 30), (c.x - c.r, c.y, 2 * c.r, c.r))
                pygame.draw.ellipse(surface, (250, 250, 240), (c.x - c.r + 3, c.y + 2, 2 * c.r - 6, c.r - 4))
            else:
                pygame.draw.circle(surface, (110, 70, 30), centre, int(c.r))
                pygame.draw.circle(surface, (70, 40, 15), (centre[0] - 2, centre[1] - 2), 2)
        colour = (230, 60, 60) if self.hit_flag else (250, 200, 60)
        pygame.draw.circle(surface, colour, (int(self.x), int(AGENT_Y)), int(AGENT_R))
        pygame.draw.circle(surface, (30, 30, 30), (int(self.x) - 3, int(AGENT_Y) - 2), 1)
        pygame.draw.circle(surface, (30, 30, 30), (int(self.x) + 3, int(AGENT_Y) - 2), 1)
