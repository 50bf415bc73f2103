"""pygame-cowboy: an endless runner; jump over the cacti."""

from __future__ import annotations

from typing import Any

import numpy as np

from envs.miniarcade.base import CANVAS, Game, rects_overlap
from envs.miniarcade.runner import GROUND, GROUND_TOP, SCROLL, H, W, X, jump_step

SPAWN_X = 264.0  # where a new obstacle group appears (off screen, right)
PIN_OVERLAP = 2.0  # how far a pinned obstacle reaches into the cowboy while it blocks him
# Obstacle group variants: cacti as (dx, width, height), left to right.
VARIANTS = (
    ((0.0, 15.0, 25.0),),  # short
    ((0.0, 20.0, 40.0),),  # tall
    ((0.0, 15.0, 25.0), (35.0, 20.0, 40.0)),  # short, then tall 20 px to its right
    ((0.0, 20.0, 40.0), (45.0, 15.0, 25.0)),  # tall, then short 25 px to its right
)


def _bbox(variant: int) -> tuple[float, float]:
    """Width and height of a variant's union bounding box."""
    cacti = VARIANTS[variant]
    return max(dx + w for dx, w, _ in cacti), max(h for _, _, h in cacti)


BBOXES = tuple(_bbox(v) for v in range(len(VARIANTS)))


class Cowboy(Game):
    """Jump over cacti scrolling toward a cowboy standing at a fixed x.

    Observation (3): [(y - ground_top)/224 (<= 0 when airborne), vy/10, obstacle_left/224].
    Action (1): a > 0 on the ground jumps with vertical speed 12*a; otherwise nothing.
    Reward: +1 per step when not blocked by a cactus, -1 per step while blocked. A cactus hit
        (that is not a landing on its top) pins the cactus in front of the cowboy and stops the
        world until he jumps clear. Landing on top while falling with > 50% horizontal overlap
        snaps him onto the cactus.
    Episode end: never terminates; the MMBench wrapper truncates at 500 steps.
    Success: none (reported as 0).
    Score: clip(R / 500, 0, 1).
    """

    OBS_DIM = 3
    ACTION_DIM = 1

    def _reset_game(self) -> None:
        self.y, self.vy = GROUND_TOP, 0.0
        self.collided = False
        self._spawn(SPAWN_X)

    def _spawn(self, x: float) -> None:
        self.variant = int(self.np_random.integers(len(VARIANTS)))
        self.ox = x
        self.ow, self.oh = BBOXES[self.variant]

    def _step_game(self, action: np.ndarray) -> tuple[float, dict[str, Any]]:
        self.y, self.vy = jump_step(self.y, self.vy, float(action[0]))
        if not self.collided:  # a blocked cowboy stops the world
            self.ox -= SCROLL
        if self.ox + self.ow < 0:
            self._spawn(SPAWN_X)
        top = GROUND - self.oh
        self.collided = False
        if rects_overlap((X, self.y, W, H), (self.ox, top, self.ow, self.oh)):
            overlap_x = min(X + W, self.ox + self.ow) - max(X, self.ox)
            if self.vy > 0 and overlap_x > 0.5 * W:
                self.y, self.vy = top - H, 0.0  # landed on the cactus
            else:
                self.collided = True
                self.ox = X + W - PIN_OVERLAP
        return (-1.0 if self.collided else 1.0), {}

    def _observation(self) -> np.ndarray:
        return np.array([(self.y - GROUND_TOP) / CANVAS, self.vy / 10.0, self.ox / CANVAS], np.float32)

    def scripted_action(self, obs: np.ndarray) -> np.ndarray:
        """A simple expert: full jump when the obstacle is 0-50 px ahead."""
        gap = float(obs[2]) * CANVAS - (X + W)
        return np.array([1.0 if 0 < gap < 50 else 0.0], np.float32)

    def draw(self, surface) -> None:
        import pygame

        surface.fill((250, 214, 160))
        pygame.draw.rect(surface, (196, 150, 90), (0, GROUND, CANVAS, CANVAS - GROUND))
        for dx, w, h in VARIANTS[self.variant]:
            pygame.draw.rect(surface, (40, 140, 60), (round(self.ox + dx), round(GROUND - h), int(w), int(h)))
        body = (200, 40, 40) if self.collided else (120, 70, 30)
        pygame.draw.rect(surface, body, (round(X), round(self.y) + 6, int(W), int(H) - 6))
        pygame.draw.rect(surface, (60, 40, 20), (round(X) - 3, round(self.y), int(W) + 6, 6))  # the hat
