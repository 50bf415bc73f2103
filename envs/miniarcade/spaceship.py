"""pygame-spaceship: a side-scrolling ship collecting coins and avoiding an asteroid."""

from __future__ import annotations

from typing import Any

import numpy as np

from envs.miniarcade.base import CANVAS, Game, rects_overlap

SW, SH = 28.0, 18.0  # ship size
THRUST, DAMPING = 0.65, 0.95
SCROLL = 12.0
COIN_R, AST_R = 9.0, 18.0
SPACING, STEP_Y = 27.0, 18.0
SLOTS = 4  # coins listed in the observation


class Spaceship(Game):
    """Steer a ship with momentum to collect coin sequences and dodge an asteroid.

    Observation (14): [x/224, y/224, vx/10, vy/10, 4 uncollected coin slots (x/224, y/224) or
        (-1, -1), asteroid (x/224, y/224) or (-1, -1)].
    Action (2): thrust in x and y (y down): v += 0.65*a; p += v; v *= 0.95; p is clamped to the
        screen, the velocity is kept.
    Reward: +1 per coin collected; -2 for every step the ship overlaps the asteroid.
    Episode end: never terminates; the MMBench wrapper truncates at 500 steps.
    Success: none (reported as 0).
    Score: clip(R / 60, 0, 1).
    """

    OBS_DIM = 4 + 2 * SLOTS + 2
    ACTION_DIM = 2

    def _reset_game(self) -> None:
        self.x, self.y, self.vx, self.vy = 40.0, 112.0, 0.0, 0.0
        self.asteroid: list[float] | None = None  # [x, y] of the active asteroid
        self._spawn()

    def _spawn(self) -> None:
        rng = self.np_random
        n = int(rng.integers(2, 5))
        x0 = CANVAS + float(rng.integers(20, 60))
        y = float(rng.integers(30, 194))
        self.coins: list[list[float]] = []  # [x, y, collected]
        for i in range(n):
            if i > 0 and rng.random() < 0.6:
                y = min(max(y + STEP_Y * (1.0 if rng.random() < 0.5 else -1.0), 20.0), 204.0)
            self.coins.append([x0 + SPACING * i, y, 0.0])
        if self.asteroid is None and rng.random() < 0.5:
            for _ in range(5):  # place it behind the coins, clear of every coin square
                ax = x0 + (n + 2) * SPACING + rng.uniform(-30, 30)
                ay = float(rng.integers(40, 184))
                square = (ax - AST_R, ay - AST_R, 2 * AST_R, 2 * AST_R)
                if not any(
                    rects_overlap(square, (c[0] - COIN_R, c[1] - COIN_R, 2 * COIN_R, 2 * COIN_R))
                    for c in self.coins
                ):
                    self.asteroid = [ax, ay]
                    break

    def _step_game(self, action: np.ndarray) -> tuple[float, dict[str, Any]]:
        self.vx += THRUST * float(action[0])
        self.vy += THRUST * float(action[1])
        self.x = min(max(self.x + self.vx, 0.0), CANVAS - SW)
        self.y = min(max(self.y + self.vy, 0.0), CANVAS - SH)
        self.vx *= DAMPING
        self.vy *= DAMPING
        for c in self.coins:
            c[0] -= SCROLL
        if self.asteroid is not None:
            self.asteroid[0] -= SCROLL
            if self.asteroid[0] < -AST_R:
                self.asteroid = None
        if all(c[2] or c[0] < -COIN_R for c in self.coins):
            self._spawn()
        reward = 0.0
        ship = (self.x, self.y, SW, SH)
        for c in self.coins:
            if not c[2] and rects_overlap(ship, (c[0] - COIN_R, c[1] - COIN_R, 2 * COIN_R, 2 * COIN_R)):
                c[2] = 1.0
                reward += 1.0
        a = self.asteroid
        if a is not None and rects_overlap(ship, (a[0] - AST_R, a[1] - AST_R, 2 * AST_R, 2 * AST_R)):
            reward -= 2.0
        return reward, {}

    def _observation(self) -> np.ndarray:
        obs = np.full(self.OBS_DIM, -1.0, np.float32)
        obs[:4] = self.x / CANVAS, self.y / CANVAS, self.vx / 10.0, self.vy / 10.0
        for i, c in enumerate([c for c in self.coins if not c[2]][:SLOTS]):
            obs[4 + 2 * i], obs[5 + 2 * i] = c[0] / CANVAS, c[1] / CANVAS
        if self.asteroid is not None:
            obs[-2], obs[-1] = self.asteroid[0] / CANVAS, self.asteroid[1] / CANVAS
        return obs

    def scripted_action(self, obs: np.ndarray) -> np.ndarray:
        """A simple expert: PD control to the next coin's height, sidestepping the asteroid."""
        x, y = float(obs[0]) * CANVAS, float(obs[1]) * CANVAS + SH / 2
        vx, vy = float(obs[2]) * 10, float(obs[3]) * 10
        ty = float(obs[5]) * CANVAS if obs[4] > -1 else CANVAS / 2
        ax, ay = float(obs[-2]) * CANVAS, float(obs[-1]) * CANVAS
        if obs[-2] > -1 and x - 30 < ax < x + 110 and abs(ay - ty) < 40:
            ty = ay + (45 if ty > ay else -45)
        return np.clip([0.05 * (40 - x) - 0.5 * vx, 0.15 * (ty - y) - vy], -1, 1).astype(np.float32)

    def draw(self, surface) -> None:
        import pygame

        surface.fill((10, 10, 35))
        for i in range(24):  # fixed star field, scrolled by the step count (no RNG)
            sx = (i * 97 - 3 * self.steps) % CANVAS
            pygame.draw.circle(surface, (200, 200, 230), (sx, (i * 61) % CANVAS), 1)
        for c in self.coins:
            if not c[2]:
                pygame.draw.circle(surface, (250, 200, 30), (round(c[0]), round(c[1])), int(COIN_R))
        if self.asteroid is not None:
            pygame.draw.circle(
                surface, (130, 110, 100), (round(self.asteroid[0]), round(self.asteroid[1])), int(AST_R)
            )
        x, y = round(self.x), round(self.y)
        pygame.draw.polygon(
            surface, (220, 220, 240), [(x, y), (x + int(SW), y + int(SH) // 2), (x, y + int(SH))]
        )
