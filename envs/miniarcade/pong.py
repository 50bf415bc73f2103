"""pygame-pong: the agent's left paddle against a delayed-reaction AI on the right."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from envs.miniarcade.base import CANVAS, Game, clip

LO, HI = 20.0, 204.0  # the 184x184 arena at offset 20
PW, PH = 6.0, 40.0  # paddle size
AGENT_X, OPP_X = 30.0, 188.0  # paddles' left edges
PADDLE_SPEED = 8.5
BALL = 7.0  # side of the ball square (centred on the ball position)
BALL_SPEED = 8.0
ZONE = 0.3  # the opponent reacts once the ball has crossed this fraction of the arena


class Pong(Game):
    """Return the ball past a delayed-reaction opponent.

    Observation (6): [bx/224, by/224, vx/8, vy/8, agent_y/224, opp_y/224] (paddle tops).
    Action (1): paddle velocity, y += 8.5*a (y down), clamped to the arena.
    Reward: +1 when the ball passes the opponent (x > 204), -1 when it passes the agent (x < 20);
        the ball then respawns at the centre with speed 8 in a random direction.
    Episode end: never terminates; the MMBench wrapper truncates at 500 steps.
    Success: none (reported as 0).
    Score: clip((R + 3) / 6, 0, 1).

    Deviation: the ball bounces off the top and bottom walls only while moving into them, so a
    ball that overshoots a wall cannot stick to it.
    """

    OBS_DIM = 6
    ACTION_DIM = 1

    def _reset_game(self) -> None:
        self.agent_y = self.opp_y = 92.0
        self.in_zone, self.delay = False, 0
        self._serve()

    def _serve(self) -> None:
        angle = self.np_random.uniform(-math.pi / 2, math.pi / 2)
        direction = 1.0 if self.np_random.random() < 0.5 else -1.0
        self.bx = self.by = 112.0
        self.vx, self.vy = direction * BALL_SPEED * math.cos(angle), BALL_SPEED * math.sin(angle)

    def _move_opponent(self) -> None:
        progress = (self.bx - LO) / (HI - LO)
        if progress > ZONE:
            if not self.in_zone:  # just entered: draw a reaction delay, shorter for fast balls
                self.in_zone = True
                fast = clip((math.hypot(self.vx, self.vy) - 3.0) / 5.0, 0.0, 1.0)
                lo, hi = round(6 - 4 * fast), round(9 - 3 * fast)
                self.delay = int(self.np_random.integers(lo, hi + 1))
            if self.delay > 0:
                self.delay -= 1
                return
            speed = PADDLE_SPEED * (0.5 + 0.35 * clip((progress - ZONE) / 0.65, 0.0, 1.0))
            dy = (self.by - PH / 2) - self.opp_y
            self.opp_y += clip(dy, -speed, speed)
        else:
            self.in_zone = False
        self.opp_y = clip(self.opp_y, LO, HI - PH)

    def _step_game(self, action: np.ndarray) -> tuple[float, dict[str, Any]]:
        self.agent_y = clip(self.agent_y + PADDLE_SPEED * float(action[0]), LO, HI - PH)
        self._move_opponent()
        self.bx += self.vx
        self.by += self.vy
        half = BALL / 2
        # Flip only when moving into a wall, so a ball that overshoots cannot stick to it.
        if (self.by - half < LO and self.vy < 0) or (self.by + half > HI and self.vy > 0):
            self.vy = -self.vy
        if (self.vx < 0 and self._hits(AGENT_X, self.agent_y)) or (
            self.vx > 0 and self._hits(OPP_X, self.opp_y)
        ):
            self.vx = -self.vx
        reward = 0.0
        if self.bx < LO:
            reward = -1.0
        elif self.bx > HI:
            reward = 1.0
        if reward:
            self._serve()
        return reward, {}

    def _hits(self, px: float, py: float) -> bool:
        half = BALL / 2
        return (
            self.bx - half < px + PW
            and px < self.bx + half
            and self.by - half < py + PH
            and py < self.by + half
        )

    def _observation(self) -> np.ndarray:
        return np.array(
            [
                self.bx / CANVAS,
                self.by / CANVAS,
                self.vx / BALL_SPEED,
                self.vy / BALL_SPEED,
                self.agent_y / CANVAS,
                self.opp_y / CANVAS,
            ],
            np.float32,
        )

    def scripted_action(self, obs: np.ndarray) -> np.ndarray:
        """A simple expert: keep the paddle centre on the ball's height."""
        dy = float(obs[1]) * CANVAS - (float(obs[4]) * CANVAS + PH / 2)
        return np.array([clip(dy / PADDLE_SPEED, -1.0, 1.0)], np.float32)

    def keyboard_action(self, keys: set[str]) -> np.ndarray:
        return np.array([float("down" in keys) - float("up" in keys)], np.float32)

    def draw(self, surface) -> None:
        import pygame

        surface.fill((15, 15, 15))
        pygame.draw.rect(surface, (90, 90, 90), (LO, LO, HI - LO, HI - LO), 1)
        pygame.draw.line(surface, (60, 60, 60), (112, LO), (112, HI))
        pygame.draw.rect(surface, (80, 200, 255), (AGENT_X, round(self.agent_y), PW, PH))
        pygame.draw.rect(surface, (255, 120, 80), (OPP_X, round(self.opp_y), PW, PH))
        pygame.draw.rect(
            surface, (240, 240, 240), (round(self.bx - BALL / 2), round(self.by - BALL / 2), BALL, BALL)
        )
