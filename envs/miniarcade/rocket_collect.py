"""pygame-rocket-collect: fly a rocket to coins while asteroids drift across the screen."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from envs.miniarcade.base import CANVAS, Game, clip

ROCKET_R, COIN_R, AST_R = 10.0, 9.0, 14.0
THRUST, DAMPING, MAX_SPEED = 0.75, 0.98, 4.0
MARGIN = 15.0  # the rocket centre stays in [15, 209]
MAX_ASTEROIDS, ASTEROID_EVERY = 3, 150  # one more asteroid every 150 steps, up to 3
AST_SPEED = (1.0, 2.2)
SPAWN_OUT = 28.0  # asteroids appear this far outside a screen side
HIT_PENALTY, HIT_FLAG = 0.2, 6
DIAGONAL = CANVAS * math.sqrt(2.0)


class RocketCollect(Game):
    """Thrust a rocket to a coin, collect it, and avoid the (growing number of) asteroids.

    Observation (21): [x/224, y/224, vx/4, vy/4, coin x/224, coin y/224, (coin - rocket)/224
        (2 values), collision flag (1 for 6 steps after a hit), 3 asteroid slots (x/224, y/224,
        vx/4, vy/4), zero-padded].
    Action (2): thrust in x and y (y down): v += 0.75*a; v *= 0.98; speed capped at 4; p += v;
        the centre is clamped to [15, 209].
    Reward: +0.002*(1 - dist(rocket, coin)/diagonal) per step; +1 per coin (a new one appears
        at a random place); -0.2 per asteroid overlapping the rocket per step. Asteroids enter
        from outside the screen toward the centre, then bounce off the edges; their number
        grows to min(1 + t//150, 3).
    Episode end: never terminates; the MMBench wrapper truncates at 500 steps.
    Success: none (reported as 0).
    Score: clip(R / 25, 0, 1).
    """

    OBS_DIM = 9 + 4 * MAX_ASTEROIDS
    ACTION_DIM = 2

    def _reset_game(self) -> None:
        self.x, self.y, self.vx, self.vy = 112.0, 184.0, 0.0, 0.0
        self.hit = 0
        self.asteroids: list[list[float]] = []  # [x, y, vx, vy, inside]
        self._new_coin()

    def _new_coin(self) -> None:
        self.cx = float(self.np_random.integers(30, 194))
        self.cy = float(self.np_random.integers(40, 112))

    def _spawn_asteroid(self) -> None:
        rng = self.np_random
        side = int(rng.integers(4))
        along = float(rng.uniform(0, CANVAS))
        x, y = (
            (-SPAWN_OUT, along),
            (CANVAS + SPAWN_OUT, along),
            (along, -SPAWN_OUT),
            (along, CANVAS + SPAWN_OUT),
        )[side]
        tx, ty = (float(v) for v in rng.uniform(0.25 * CANVAS, 0.75 * CANVAS, 2))
        speed = float(rng.uniform(*AST_SPEED))
        dist = math.hypot(tx - x, ty - y)
        self.asteroids.append([x, y, speed * (tx - x) / dist, speed * (ty - y) / dist, 0.0])

    def _move_asteroids(self) -> None:
        lo, hi = AST_R, CANVAS - AST_R
        for a in self.asteroids:
            a[0] += a[2]
            a[1] += a[3]
            if not a[4]:
                a[4] = float(lo <= a[0] <= hi and lo <= a[1] <= hi)
                continue
            if (a[0] < lo and a[2] < 0) or (a[0] > hi and a[2] > 0):
                a[2] = -a[2]
            if (a[1] < lo and a[3] < 0) or (a[1] > hi and a[3] > 0):
                a[3] = -a[3]

    def _step_game(self, action: np.ndarray) -> tuple[float, dict[str, Any]]:
        if len(self.asteroids) < min(1 + self.steps // ASTEROID_EVERY, MAX_ASTEROIDS):
            self._spawn_asteroid()
        self.vx = (self.vx + THRUST * float(action[0])) * DAMPING
        self.vy = (self.vy + THRUST * float(action[1])) * DAMPING
        speed = math.hypot(self.vx, self.vy)
        if speed > MAX_SPEED:
            self.vx *= MAX_SPEED / speed
            self.vy *= MAX_SPEED / speed
        self.x = clip(self.x + self.vx, MARGIN, CANVAS - MARGIN)
        self.y = clip(self.y + self.vy, MARGIN, CANVAS - MARGIN)
        self._move_asteroids()
        reward = 0.002 * (1 - math.hypot(self.cx - self.x, self.cy - self.y) / DIAGONAL)
        if math.hypot(self.cx - self.x, self.cy - self.y) < ROCKET_R + COIN_R:
            reward += 1.0
            self._new_coin()
        self.hit = max(self.hit - 1, 0)
        for a in self.asteroids:
            if math.hypot(a[0] - self.x, a[1] - self.y) < ROCKET_R + AST_R:
                reward -= HIT_PENALTY
                self.hit = HIT_FLAG
        return reward, {}

    def _observation(self) -> np.ndarray:
        obs = np.zeros(self.OBS_DIM, np.float32)
        obs[:9] = (
            self.x / CANVAS,
            self.y / CANVAS,
            self.vx / MAX_SPEED,
            self.vy / MAX_SPEED,
            self.cx / CANVAS,
            self.cy / CANVAS,
            (self.cx - self.x) / CANVAS,
            (self.cy - self.y) / CANVAS,
            float(self.hit > 0),
        )
        for i, a in enumerate(self.asteroids):
            obs[9 + 4 * i : 13 + 4 * i] = a[0] / CANVAS, a[1] / CANVAS, a[2] / MAX_SPEED, a[3] / MAX_SPEED
        return obs

    def scripted_action(self, obs: np.ndarray) -> np.ndarray:
        """A simple expert: PD control toward the coin, pushed away from asteroids within 45 px."""
        action = 0.08 * obs[6:8] * CANVAS - 0.6 * obs[2:4] * MAX_SPEED
        for k in range(MAX_ASTEROIDS):
            ax, ay = obs[9 + 4 * k : 11 + 4 * k]
            if ax == 0 and ay == 0:
                continue  # empty slot
            away = (obs[:2] - (ax, ay)) * CANVAS
            dist = float(np.linalg.norm(away))
            if dist < 45:
                action = action + 2.0 * away / (dist + 1e-6)
        return np.clip(action, -1, 1).astype(np.float32)

    def draw(self, surface) -> None:
        import pygame

        surface.fill((8, 8, 30))
        for i in range(30):  # a fixed star field (deterministic, no RNG)
            pygame.draw.circle(surface, (180, 180, 210), ((i * 83) % CANVAS, (i * 47 + 11) % CANVAS), 1)
        pygame.draw.circle(surface, (250, 200, 30), (round(self.cx), round(self.cy)), int(COIN_R))
        for a in self.asteroids:
            pygame.draw.circle(surface, (140, 120, 100), (round(a[0]), round(a[1])), int(AST_R))
        x, y = round(self.x), round(self.y)
        pygame.draw.circle(surface, (255, 90, 90) if self.hit else (220, 220, 240), (x, y), int(ROCKET_R))
        # flame opposite to the velocity, so the picture shows where it is thrusting
        speed = math.hypot(self.vx, self.vy)
        if speed > 0.3:
            fx, fy = -self.vx / speed, -self.vy / speed
            pygame.draw.line(
                surface,
                (255, 160, 40),
                (x + round(10 * fx), y + round(10 * fy)),
                (x + round(16 * fx), y + round(16 * fy)),
                3,
            )
