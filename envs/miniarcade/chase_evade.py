"""pygame-chase-evade: tag in a circular arena with orbiting obstacles; roles swap on a catch."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from envs.miniarcade.base import CANVAS, Game

CX, CY, ARENA_R = 112.0, 118.0, 90.0
BODY_R, OBST_R = 8.0, 12.0
LIMIT = ARENA_R - BODY_R - 4.0  # bodies' centres stay within this radius
ORBIT_R, ORBIT_SPEED, N_OBST = 40.0, 0.01, 3
SPEED, EVADER_FACTOR = 3.5, 0.95
CATCH = 2 * BODY_R  # distance below which the pursuer catches the evader
START_R = 75.0  # the agent's starting radius
AVOID = 36.0  # the AI pursuer steers away from obstacles closer than this
EDGE = 72.0  # beyond this radius the AI evader is biased inward
ZIGZAG_DIST, ZIGZAG = 36.0, 0.2
PULL = 0.02  # the AI evader's pull toward an obstacle between the players
SWAP_MIN_STEPS, SWAP_EVADER_R, SWAP_CENTRE_TOL = 5, 67.0, 2.0


def _unit(x: float, y: float) -> tuple[float, float]:
    n = math.hypot(x, y)
    return (x / n, y / n) if n > 1e-9 else (0.0, 0.0)


class ChaseEvade(Game):
    """Tag: chase the AI when you are the pursuer, run from it when you are the evader.

    Observation (15): [agent x/224, y/224, vx/3.5, vy/3.5, opponent x/224, y/224, vx/3.5, vy/3.5,
        is_agent_evader, 3 obstacles (x/224, y/224)].
    Action (2): the agent's velocity, a*3.5 (x0.95 when evading), y down; bodies stay inside
        the arena and bounce off the three obstacles orbiting the centre.
    Reward per step: +0.1*d/90 as evader, -0.1*d/90 as pursuer (d: the players' distance). A
        catch (d < 16) swaps the roles; then, for at least 5 steps and until the new pursuer
        reaches the centre, both walk apart (pursuer to the centre, evader out to radius 67) and
        actions are ignored.
    Episode end: never terminates; the MMBench wrapper truncates at 500 steps.
    Success: none (reported as 0).
    Score: clip((R + 50) / 100, 0, 1).
    """

    OBS_DIM = 9 + 2 * N_OBST
    ACTION_DIM = 2

    def _reset_game(self) -> None:
        rng = self.np_random
        angle = float(rng.uniform(0, 2 * math.pi))
        self.ax, self.ay = CX + START_R * math.cos(angle), CY + START_R * math.sin(angle)
        self.ox, self.oy = CX, CY
        self.avx = self.avy = self.ovx = self.ovy = 0.0
        self.agent_evader = bool(rng.random() < 0.5)
        self.phase = float(rng.uniform(0, 2 * math.pi))
        self.spin = 1.0 if rng.random() < 0.5 else -1.0
        self.swap_steps = -1  # >= 0 while the roles are being swapped
        self._place_obstacles()

    def _place_obstacles(self) -> None:
        base = self.phase + self.spin * ORBIT_SPEED * self.steps
        self.obstacles = [
            (
                CX + ORBIT_R * math.cos(base + 2 * math.pi * k / N_OBST),
                CY + ORBIT_R * math.sin(base + 2 * math.pi * k / N_OBST),
            )
            for k in range(N_OBST)
        ]

    def _move(self, x: float, y: float, vx: float, vy: float, collide: bool = True):
        """Advance one body: bounce off the obstacles, stay inside the arena."""
        x, y = x + vx, y + vy
        if collide:
            for px, py in self.obstacles:
                dx, dy = x - px, y - py
                d = math.hypot(dx, dy)
                if d < BODY_R + OBST_R and d > 1e-9:
                    nx, ny = dx / d, dy / d
                    x, y = px + nx * (BODY_R + OBST_R), py + ny * (BODY_R + OBST_R)
                    vn = vx * nx + vy * ny
                    if vn < 0:
                        vx, vy = vx - 2 * vn * nx, vy - 2 * vn * ny
        r = math.hypot(x - CX, y - CY)
        if r > LIMIT:
            x, y = CX + (x - CX) * LIMIT / r, CY + (y - CY) * LIMIT / r
        return x, y, vx, vy

    def _opponent_direction(self) -> tuple[float, float]:
        ox, oy, ax, ay = self.ox, self.oy, self.ax, self.ay
        if not self.agent_evader:  # the AI evades
            dx, dy = _unit(ox - ax, oy - ay)
            if math.hypot(ox - CX, oy - CY) > EDGE:
                ix, iy = _unit(CX - ox, CY - oy)
                dx, dy = dx + 0.5 * ix, dy + 0.5 * iy
            sx, sy = ox - ax, oy - ay
            seg = sx * sx + sy * sy
            for px, py in self.obstacles:  # hide behind an obstacle between the players
                t = ((px - ax) * sx + (py - ay) * sy) / seg if seg > 1e-9 else -1.0
                if 0 < t < 1 and math.hypot(ax + t * sx - px, ay + t * sy - py) < OBST_R + 2 * BODY_R:
                    dx, dy = dx + PULL * (px - ox), dy + PULL * (py - oy)
            if math.hypot(sx, sy) < ZIGZAG_DIST:
                ux, uy = _unit(sx, sy)
                side = ZIGZAG if self.np_random.random() < 0.5 else -ZIGZAG
                dx, dy = dx - side * uy, dy + side * ux
        else:  # the AI pursues, steering around close obstacles
            dx, dy = _unit(ax - ox, ay - oy)
            for px, py in self.obstacles:
                d = math.hypot(ox - px, oy - py)
                if d < AVOID:
                    ux, uy = _unit(ox - px, oy - py)
                    dx, dy = dx + (AVOID - d) / AVOID * ux, dy + (AVOID - d) / AVOID * uy
        return _unit(dx, dy)

    def _step_swap(self) -> None:
        """Role change: the new pursuer walks to the centre, the new evader outward."""
        evader_speed = SPEED * EVADER_FACTOR
        if self.agent_evader:
            (ex, ey), (px, py) = (self.ax, self.ay), (self.ox, self.oy)
        else:
            (ex, ey), (px, py) = (self.ox, self.oy), (self.ax, self.ay)
        d = math.hypot(CX - px, CY - py)
        pvx, pvy = (CX - px, CY - py) if d <= SPEED else (SPEED * (CX - px) / d, SPEED * (CY - py) / d)
        r = math.hypot(ex - CX, ey - CY)
        ux, uy = _unit(ex - CX, ey - CY) if r > 1e-9 else (1.0, 0.0)
        out = min(evader_speed, max(SWAP_EVADER_R - r, 0.0))
        evx, evy = out * ux, out * uy
        # no obstacle bounces here: the walk is scripted and must not get stuck behind one
        pursuer = self._move(px, py, pvx, pvy, collide=False)
        evader = self._move(ex, ey, evx, evy, collide=False)
        agent, opponent = (evader, pursuer) if self.agent_evader else (pursuer, evader)
        self.ax, self.ay, self.avx, self.avy = agent
        self.ox, self.oy, self.ovx, self.ovy = opponent
        self.swap_steps += 1
        if (
            self.swap_steps >= SWAP_MIN_STEPS
            and math.hypot(CX - pursuer[0], CY - pursuer[1]) <= SWAP_CENTRE_TOL
        ):
            self.swap_steps = -1

    def _step_game(self, action: np.ndarray) -> tuple[float, dict[str, Any]]:
        self._place_obstacles()
        if self.swap_steps >= 0:
            self._step_swap()
        else:
            agent_speed = SPEED * (EVADER_FACTOR if self.agent_evader else 1.0)
            opp_speed = SPEED * (1.0 if self.agent_evader else EVADER_FACTOR)
            dx, dy = self._opponent_direction()
            self.ax, self.ay, self.avx, self.avy = self._move(
                self.ax, self.ay, agent_speed * float(action[0]), agent_speed * float(action[1])
            )
            self.ox, self.oy, self.ovx, self.ovy = self._move(
                self.ox, self.oy, opp_speed * dx, opp_speed * dy
            )
            if math.hypot(self.ax - self.ox, self.ay - self.oy) < CATCH:
                self.agent_evader = not self.agent_evader
                self.swap_steps = 0
        d = math.hypot(self.ax - self.ox, self.ay - self.oy)
        return (0.1 if self.agent_evader else -0.1) * d / ARENA_R, {}

    def _observation(self) -> np.ndarray:
        obs = [
            self.ax / CANVAS,
            self.ay / CANVAS,
            self.avx / SPEED,
            self.avy / SPEED,
            self.ox / CANVAS,
            self.oy / CANVAS,
            self.ovx / SPEED,
            self.ovy / SPEED,
            float(self.agent_evader),
        ]
        for px, py in self.obstacles:
            obs += [px / CANVAS, py / CANVAS]
        return np.array(obs, np.float32)

    def scripted_action(self, obs: np.ndarray) -> np.ndarray:
        """A simple expert: run at the opponent; as evader run away along the wall."""
        me, them = obs[0:2] * CANVAS, obs[4:6] * CANVAS
        if obs[8] > 0.5:
            d = (me - them) / (np.linalg.norm(me - them) + 1e-9)
            r = me - (CX, CY)
            if np.linalg.norm(r) > 60:  # near the wall: slide along it, away from the opponent
                t = np.array([-r[1], r[0]]) / np.linalg.norm(r)
                d = d + 1.5 * t * (np.sign(t @ d) or 1.0) - 0.5 * r / np.linalg.norm(r)
        else:
            d = them - me
        return np.clip(d / (np.linalg.norm(d) + 1e-9), -1, 1).astype(np.float32)

    def draw(self, surface) -> None:
        import pygame

        surface.fill((25, 30, 25))
        pygame.draw.circle(surface, (70, 110, 70), (round(CX), round(CY)), round(ARENA_R))
        pygame.draw.circle(surface, (200, 220, 200), (round(CX), round(CY)), round(ARENA_R), 2)
        for px, py in self.obstacles:
            pygame.draw.circle(surface, (110, 90, 60), (round(px), round(py)), round(OBST_R))
        # the pursuer is red, the evader blue; the agent has a white ring
        agent_colour, opp_colour = (
            ((60, 120, 240), (230, 60, 50)) if self.agent_evader else ((230, 60, 50), (60, 120, 240))
        )
        pygame.draw.circle(surface, opp_colour, (round(self.ox), round(self.oy)), round(BODY_R))
        pygame.draw.circle(surface, agent_colour, (round(self.ax), round(self.ay)), round(BODY_R))
        pygame.draw.circle(surface, (255, 255, 255), (round(self.ax), round(self.ay)), round(BODY_R), 2)
