"""pygame-coinrun: the cowboy runner with coins to jump for instead of cacti."""

from __future__ import annotations

from typing import Any

import numpy as np

from envs.miniarcade.base import CANVAS, Game
from envs.miniarcade.runner import GROUND, GROUND_TOP, SCROLL, H, W, X, jump_step

COIN_R = 9.0  # coin radius; a coin is collected when the runner overlaps its 18x18 square
SLOTS = 5  # coins listed in the observation
LOWEST = GROUND - COIN_R - 2  # lowest coin centre (173)
HIGHEST = LOWEST - 90  # highest coin centre
SPACING, STEP_Y = 27.0, 18.0  # x spacing of a sequence and its vertical step


class CoinRun(Game):
    """Jump to collect sequences of coins scrolling toward the runner.

    Observation (12): [(y - ground_top)/224, vy/10, then for 5 slots (x/224, y/224) of each
        uncollected coin of the current sequence, in order, or (-1, -1)].
    Action (1): a > 0 on the ground jumps with vertical speed 12*a; otherwise nothing.
    Reward: +1 per coin collected; nothing else.
    Episode end: never terminates; the MMBench wrapper truncates at 500 steps.
    Success: none (reported as 0).
    Score: clip(R / 50, 0, 1).

    Deviation: drawing uses no random numbers (the original drew its grass from the game's RNG,
    so rendering changed the random stream).
    """

    OBS_DIM = 2 + 2 * SLOTS
    ACTION_DIM = 1

    def _reset_game(self) -> None:
        self.y, self.vy = GROUND_TOP, 0.0
        self._spawn()

    def _spawn(self) -> None:
        rng = self.np_random
        n = int(rng.integers(2, 6))
        x = CANVAS + float(rng.integers(20, 60))
        y = LOWEST - STEP_Y * float(rng.integers(1, 5))
        self.coins: list[list[float]] = []  # [x, y, collected]
        for i in range(n):
            if i > 0 and rng.random() < 0.6:
                y = min(max(y + STEP_Y * (1.0 if rng.random() < 0.5 else -1.0), HIGHEST), LOWEST)
            self.coins.append([x + SPACING * i, y, 0.0])

    def _step_game(self, action: np.ndarray) -> tuple[float, dict[str, Any]]:
        self.y, self.vy = jump_step(self.y, self.vy, float(action[0]))
        for c in self.coins:
            c[0] -= SCROLL
        if all(c[2] or c[0] < -COIN_R for c in self.coins):  # checked before collection
            self._spawn()
        reward = 0.0
        for c in self.coins:
            if not c[2] and (
                X < c[0] + COIN_R
                and c[0] - COIN_R < X + W
                and self.y < c[1] + COIN_R
                and c[1] - COIN_R < self.y + H
            ):
                c[2] = 1.0
                reward += 1.0
        return reward, {}

    def _observation(self) -> np.ndarray:
        obs = np.full(self.OBS_DIM, -1.0, np.float32)
        obs[0], obs[1] = (self.y - GROUND_TOP) / CANVAS, self.vy / 10.0
        left = [c for c in self.coins if not c[2]][:SLOTS]
        for i, c in enumerate(left):
            obs[2 + 2 * i], obs[3 + 2 * i] = c[0] / CANVAS, c[1] / CANVAS
        return obs

    def scripted_action(self, obs: np.ndarray) -> np.ndarray:
        """A simple expert: jump when the next coin is just ahead and too high to reach standing."""
        x, y = float(obs[2]) * CANVAS, float(obs[3]) * CANVAS
        reach = GROUND_TOP - COIN_R  # coin centres below this are collected on the ground
        return np.array([1.0 if obs[2] > -1 and X < x < X + 60 and y < reach else 0.0], np.float32)

    def draw(self, surface) -> None:
        import pygame

        surface.fill((150, 200, 250))
        pygame.draw.rect(surface, (90, 170, 70), (0, GROUND, CANVAS, CANVAS - GROUND))
        for c in self.coins:
            if not c[2]:
                pygame.draw.circle(surface, (250, 200, 30), (round(c[0]), round(c[1])), int(COIN_R))
        pygame.draw.rect(surface, (60, 80, 200), (round(X), round(self.y), int(W), int(H)))
