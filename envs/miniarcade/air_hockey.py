"""pygame-air-hockey: the agent's mallet (bottom half) against an AI mallet (top half)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from envs.miniarcade.base import CANVAS, Game, clip

LEFT, TOP, WIDTH, HEIGHT = 33.0, 24.0, 158.0, 176.0  # the rink
RIGHT, BOTTOM = LEFT + WIDTH, TOP + HEIGHT
MID = 112.0  # the midline y
GOAL_LO, GOAL_HI = 84.0, 140.0  # goal mouths (top: opponent's goal, bottom: the agent's)
GOAL_DEPTH = 10.0  # the puck centre must be this far past the end line to score
PUCK_R, MALLET_R = 6.0, 10.0
AGENT_SPEED, OPP_SPEED, OPP_NOISE = 7.5, 6.375, 0.25
OPP_HOME = (112.0, 52.0)
AGENT_SPAWN, OPP_SPAWN = (112.0, 170.0), (112.0, 54.0)
RESTITUTION, FRICTION, MAX_SPEED, LAUNCH_SPEED = 0.9, 0.002, 12.0, 6.0
BOUNCE, CARRY = 1.9, 0.35  # mallet hit: normal bounce factor and share of the mallet's velocity


class AirHockey(Game):
    """Hit the puck into the opponent's goal at the top; defend the goal at the bottom.

    Observation (12): [puck x/224, y/224, vx/12, vy/12, agent x/224, y/224, vx/7.5, vy/7.5,
        opponent x/224, y/224, vx/7.5, vy/7.5].
    Action (2): the agent mallet's velocity, 7.5*a (y down), clamped to the bottom half.
    Reward: +1 when the agent scores (the puck relaunches toward the top), -1 when the opponent
        scores (it relaunches toward the bottom). The opponent waits a speed-dependent reaction
        delay when the puck comes up into its half, then attacks it; otherwise it returns home.
    Episode end: never terminates; the MMBench wrapper truncates at 500 steps.
    Success: none (reported as 0).
    Score: clip(R / 10, 0, 1).
    """

    OBS_DIM = 12
    ACTION_DIM = 2

    def _reset_game(self) -> None:
        self._kickoff(toward_top=self.np_random.random() < 0.5)

    def _kickoff(self, toward_top: bool) -> None:
        rng = self.np_random
        self.ax, self.ay = AGENT_SPAWN
        self.ox, self.oy = OPP_SPAWN
        self.avx = self.avy = self.ovx = self.ovy = 0.0
        self.px, self.py = 112.0, MID
        theta = float(rng.uniform(-0.35 * math.pi, 0.35 * math.pi))
        side = 1.0 if rng.random() < 0.5 else -1.0
        self.pvx = LAUNCH_SPEED * math.cos(theta) * side
        self.pvy = LAUNCH_SPEED * abs(0.7 * math.sin(theta) + 0.3) * (-1.0 if toward_top else 1.0)
        self.attacking, self.delay = False, 0

    def _move_opponent(self) -> None:
        rng = self.np_random
        tx, ty = OPP_HOME
        if self.py < MID + 8 and self.pvy < 0:
            if not self.attacking:  # the puck just came up: react after a delay, shorter when fast
                self.attacking = True
                fast = clip((math.hypot(self.pvx, self.pvy) - 2.0) / 8.0, 0.0, 1.0)
                lo, hi = round(5 - 4 * fast), round(10 - 6 * fast)
                self.delay = int(rng.integers(lo, hi + 1))
            if self.delay > 0:
                self.delay -= 1
            else:
                tx, ty = self.px, min(self.py + 12.0, 83.0)
        else:
            self.attacking = False
        dx, dy = tx - self.ox, ty - self.oy
        dist = math.hypot(dx, dy)
        step = min(OPP_SPEED, dist) / dist if dist > 1e-9 else 0.0
        noise = rng.normal(0.0, OPP_NOISE, 2)
        nx = clip(self.ox + dx * step + float(noise[0]), LEFT + MALLET_R, RIGHT - MALLET_R)
        ny = clip(self.oy + dy * step + float(noise[1]), TOP + MALLET_R, MID - MALLET_R)
        self.ovx, self.ovy, self.ox, self.oy = nx - self.ox, ny - self.oy, nx, ny

    def _collide(self, mx: float, my: float, mvx: float, mvy: float) -> None:
        dx, dy = self.px - mx, self.py - my
        dist = math.hypot(dx, dy)
        if dist >= PUCK_R + MALLET_R or dist < 1e-9:
            return
        nx, ny = dx / dist, dy / dist
        push = PUCK_R + MALLET_R - dist + 0.5
        self.px += nx * push
        self.py += ny * push
        v_rel = (self.pvx - mvx) * nx + (self.pvy - mvy) * ny
        if v_rel < 0:
            self.pvx += -BOUNCE * v_rel * nx + CARRY * mvx
            self.pvy += -BOUNCE * v_rel * ny + CARRY * mvy

    def _walls(self) -> None:
        if (self.px < LEFT + PUCK_R and self.pvx < 0) or (self.px > RIGHT - PUCK_R and self.pvx > 0):
            self.pvx = -RESTITUTION * self.pvx
        self.px = clip(self.px, LEFT + PUCK_R, RIGHT - PUCK_R)
        if GOAL_LO < self.px < GOAL_HI:
            return  # in front of a goal mouth the end lines are open
        if (self.py < TOP + PUCK_R and self.pvy < 0) or (self.py > BOTTOM - PUCK_R and self.pvy > 0):
            self.pvy = -RESTITUTION * self.pvy
        self.py = clip(self.py, TOP + PUCK_R, BOTTOM - PUCK_R)

    def _step_game(self, action: np.ndarray) -> tuple[float, dict[str, Any]]:
        nx = clip(self.ax + AGENT_SPEED * float(action[0]), LEFT + MALLET_R, RIGHT - MALLET_R)
        ny = clip(self.ay + AGENT_SPEED * float(action[1]), MID + MALLET_R, BOTTOM - MALLET_R)
        self.avx, self.avy, self.ax, self.ay = nx - self.ax, ny - self.ay, nx, ny
        self._move_opponent()
        self.px += self.pvx
        self.py += self.pvy
        self._collide(self.ax, self.ay, self.avx, self.avy)
        self._collide(self.ox, self.oy, self.ovx, self.ovy)
        self._walls()
        self.pvx *= 1 - FRICTION
        self.pvy *= 1 - FRICTION
        speed = math.hypot(self.pvx, self.pvy)
        if speed > MAX_SPEED:
            self.pvx *= MAX_SPEED / speed
            self.pvy *= MAX_SPEED / speed
        if GOAL_LO < self.px < GOAL_HI:
            if self.py < TOP - GOAL_DEPTH:
                self._kickoff(toward_top=True)
                return 1.0, {}
            if self.py > BOTTOM + GOAL_DEPTH:
                self._kickoff(toward_top=False)
                return -1.0, {}
        return 0.0, {}

    def _observation(self) -> np.ndarray:
        return np.array(
            [
                self.px / CANVAS,
                self.py / CANVAS,
                self.pvx / MAX_SPEED,
                self.pvy / MAX_SPEED,
                self.ax / CANVAS,
                self.ay / CANVAS,
                self.avx / AGENT_SPEED,
                self.avy / AGENT_SPEED,
                self.ox / CANVAS,
                self.oy / CANVAS,
                self.ovx / AGENT_SPEED,
                self.ovy / AGENT_SPEED,
            ],
            np.float32,
        )

    def scripted_action(self, obs: np.ndarray) -> np.ndarray:
        """A simple expert: get behind the puck and strike it toward the top goal; else defend."""
        px, py, pvx, pvy = (float(v) for v in obs[:4] * np.array([CANVAS, CANVAS, MAX_SPEED, MAX_SPEED]))
        mx, my = float(obs[4]) * CANVAS, float(obs[5]) * CANVAS
        tx, ty = 112.0, BOTTOM - 20.0
        if py > MID - 12:
            ux, uy = px - 112.0, py - (TOP - GOAL_DEPTH)
            norm = math.hypot(ux, uy) or 1.0
            k = -20.0 if math.hypot(px - mx, py - my) < 22 else 8.0  # strike through, else line up
            tx, ty = px + pvx + k * ux / norm, py + pvy + k * uy / norm
            if my < py - 4:  # on the wrong side: go around the puck first
                tx, ty = px + (14.0 if mx > px else -14.0), py + 16.0
        return np.clip([(tx - mx) / AGENT_SPEED, (ty - my) / AGENT_SPEED], -1, 1).astype(np.float32)

    def draw(self, surface) -> None:
        import pygame

        surface.fill((30, 30, 40))
        pygame.draw.rect(surface, (235, 240, 250), (LEFT, TOP, WIDTH, HEIGHT))
        pygame.draw.line(surface, (200, 60, 60), (LEFT, MID), (RIGHT, MID), 2)
        pygame.draw.circle(surface, (200, 60, 60), (112, round(MID)), 20, 1)
        for y in (TOP - 4, BOTTOM):
            pygame.draw.rect(surface, (60, 60, 70), (GOAL_LO, y, GOAL_HI - GOAL_LO, 4))
        pygame.draw.circle(surface, (230, 80, 60), (round(self.ox), round(self.oy)), int(MALLET_R))
        pygame.draw.circle(surface, (50, 120, 230), (round(self.ax), round(self.ay)), int(MALLET_R))
        pygame.draw.circle(surface, (20, 20, 20), (round(self.px), round(self.py)), int(PUCK_R))
