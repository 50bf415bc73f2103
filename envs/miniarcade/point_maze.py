"""pygame-point-maze-var1..8: steer a point to a goal through a 5x5 grid maze with a wind cell."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from envs.miniarcade.base import Game, clip

AREA = 184.0  # side of the maze area
OFFSET = 20.0  # (224 - AREA) / 2
GRID = 5
CELL = AREA / GRID  # 36.8 px
RADIUS = 6.0  # agent and goal radius
SPEED = 5.0  # px per step at |a| = 1
WIND_SPEED = 2.0  # px per step added inside the wind cell
GOAL_TOLERANCE = 12.0  # success when the agent centre is this close to the goal
GOAL_DISTANCE = (CELL, CELL + 92.0)  # the goal spawns this far (36.8 to 128.8 px) from the agent
WIND_DIRS = ((0.0, -1.0), (1.0, 0.0), (0.0, 1.0), (-1.0, 0.0))  # up, right, down, left (y down)
MAX_TRIES = 10_000  # rejection-sampling budget for spawn positions

# Wall layouts (1 = wall), rows top to bottom. 1-4 are the original's; 5-8 are ours (the original
# lists var5-8 as tasks without defining them): every free cell of each is reachable.
LAYOUTS: dict[int, tuple[str, ...]] = {
    1: ("10110", "00100", "10001", "00100", "01101"),
    2: ("01100", "00001", "01100", "00110", "10000"),
    3: ("01110", "00100", "00100", "10001", "11111"),  # a U
    4: ("11011", "10001", "00000", "10001", "11011"),  # a diamond
    5: ("00000", "11110", "00000", "01111", "00000"),  # a serpentine corridor
    6: ("00100", "00000", "11011", "00000", "00100"),  # two halves joined by one door
    7: ("00000", "01110", "01010", "01010", "00010"),  # a spiral with a pocket in the middle
    8: ("00000", "01010", "00000", "01010", "00000"),  # an open field with four pillars
}


class PointMaze(Game):
    """Move a point mass to a green goal in a 5x5 maze; one random free cell blows wind.

    Observation (44): agent x/224, y/224, goal x/224, y/224, velocity (incl. wind) / 5 (2); the 25
        grid cells row-major (1 wall, 0 free, -1 the wind cell); the wind direction one-hot (up,
        right, down, left); goal offset dx/184, dy/184, its norm, in-goal flag, in-wind flag, the
        wind acting on the agent / 5 (2); the agent's grid row/4 and column/4.
    Action (2): velocity `5 * a` in px per step (no inertia); inside the wind cell 2 px per step
        are added in its direction. Motion is resolved x first, then y: each axis move is kept
        only if the new centre (clamped to the area) is outside every wall inflated by radius 6.
    Reward: `1 - clip(dist(agent, goal) / 184, 0, 1)` every step.
    Episode end: 200 steps (set by the registry), never terminates (also not at the goal).
    Success: 1 while the agent centre is within 12 px of the goal, else 0.
    Score: success at the last step.

    `layout` picks the wall grid (see LAYOUTS): 1-3 are the soup tasks var1-3, 4 the original's
    held-out diamond, 5-8 held-out layouts designed here. At reset the wind cell and its direction,
    the agent (anywhere free) and the goal (free, 36.8 to 128.8 px from the agent) are drawn from
    the game's RNG.
    """

    OBS_DIM = 44
    ACTION_DIM = 2
    HAS_SUCCESS = True

    def __init__(self, render_mode: str | None = None, layout: int = 1):
        super().__init__(render_mode)
        if layout not in LAYOUTS:
            raise ValueError(f"unknown point-maze layout {layout!r}; accepted: {sorted(LAYOUTS)}")
        self.layout = layout
        self.grid = np.array([[int(ch) for ch in row] for row in LAYOUTS[layout]], dtype=np.int8)
        self.free_cells = [(r, c) for r in range(GRID) for c in range(GRID) if not self.grid[r, c]]
        # Walls as (left, top, right, bottom), already inflated by the agent radius.
        self.walls = [(OFFSET + c * CELL - RADIUS, OFFSET + r * CELL - RADIUS,
                       OFFSET + (c + 1) * CELL + RADIUS, OFFSET + (r + 1) * CELL + RADIUS)
                      for r in range(GRID) for c in range(GRID) if self.grid[r, c]]
        self.agent = [0.0, 0.0]
        self.goal = [0.0, 0.0]
        self.velocity = (0.0, 0.0)
        self.wind_cell = self.free_cells[0]
        self.wind_dir = 0

    # -- geometry -------------------------------------------------------------------------------
    def _collides(self, x: float, y: float) -> bool:
        return any(left < x < right and top < y < bottom for left, top, right, bottom in self.walls)

    def _cell_of(self, x: float, y: float) -> tuple[int, int]:
        row = min(max(int((y - OFFSET) // CELL), 0), GRID - 1)
        col = min(max(int((x - OFFSET) // CELL), 0), GRID - 1)
        return row, col

    def _wind_at(self, x: float, y: float) -> tuple[float, float]:
        if self._cell_of(x, y) != self.wind_cell:
            return 0.0, 0.0
        dx, dy = WIND_DIRS[self.wind_dir]
        return WIND_SPEED * dx, WIND_SPEED * dy

    def _sample_free(self) -> tuple[float, float]:
        lo, hi = OFFSET + RADIUS, OFFSET + AREA - RADIUS
        for _ in range(MAX_TRIES):
            x, y = (float(v) for v in self.np_random.uniform(lo, hi, 2))
            if not self._collides(x, y):
                return x, y
        raise RuntimeError(f"point-maze layout {self.layout}: no free position found in {MAX_TRIES} tries")

    # -- game -----------------------------------------------------------------------------------
    def _reset_game(self) -> None:
        rng = self.np_random
        self.wind_cell = self.free_cells[int(rng.integers(len(self.free_cells)))]
        self.wind_dir = int(rng.integers(len(WIND_DIRS)))
        self.agent = list(self._sample_free())
        for _ in range(MAX_TRIES):
            gx, gy = self._sample_free()
            if GOAL_DISTANCE[0] <= math.hypot(gx - self.agent[0], gy - self.agent[1]) <= GOAL_DISTANCE[1]:
                break
        else:
            raise RuntimeError(f"point-maze layout {self.layout}: no goal found at distance {GOAL_DISTANCE}")
        self.goal = [gx, gy]
        self.velocity = (0.0, 0.0)

    def _goal_distance(self) -> float:
        return math.hypot(self.goal[0] - self.agent[0], self.goal[1] - self.agent[1])

    def _step_game(self, action: np.ndarray) -> tuple[float, dict[str, Any]]:
        x, y = self.agent
        wx, wy = self._wind_at(x, y)
        vx, vy = SPEED * float(action[0]) + wx, SPEED * float(action[1]) + wy
        lo, hi = OFFSET + RADIUS, OFFSET + AREA - RADIUS
        new_x = clip(x + vx, lo, hi)
        if not self._collides(new_x, y):
            x = new_x
        new_y = clip(y + vy, lo, hi)
        if not self._collides(x, new_y):
            y = new_y
        self.agent = [x, y]
        self.velocity = (vx, vy)
        dist = self._goal_distance()
        reward = 1.0 - clip(dist / AREA, 0.0, 1.0)
        return reward, {"success": 1.0 if dist <= GOAL_TOLERANCE else 0.0}

    def _observation(self) -> np.ndarray:
        x, y = self.agent
        gx, gy = self.goal
        cells = self.grid.astype(np.float32).reshape(-1)
        cells[self.wind_cell[0] * GRID + self.wind_cell[1]] = -1.0
        wind_onehot = np.zeros(4, dtype=np.float32)
        wind_onehot[self.wind_dir] = 1.0
        wx, wy = self._wind_at(x, y)
        dx, dy = (gx - x) / AREA, (gy - y) / AREA
        row, col = self._cell_of(x, y)
        head = (x / 224.0, y / 224.0, gx / 224.0, gy / 224.0,
                self.velocity[0] / SPEED, self.velocity[1] / SPEED)
        tail = (dx, dy, math.hypot(dx, dy), 1.0 if self._goal_distance() <= GOAL_TOLERANCE else 0.0,
                1.0 if (wx or wy) else 0.0, wx / SPEED, wy / SPEED, row / (GRID - 1), col / (GRID - 1))
        return np.concatenate([np.array(head, np.float32), cells, wind_onehot, np.array(tail, np.float32)])

    # -- play helpers ---------------------------------------------------------------------------
    def scripted_action(self, obs: np.ndarray) -> np.ndarray:
        """Head for the next cell on a shortest grid path to the goal (breadth-first search)."""
        x, y, gx, gy = (float(v) * 224.0 for v in obs[:4])
        start, goal = self._cell_of(x, y), self._cell_of(gx, gy)
        parent = {start: start}
        frontier = [start]
        while frontier and goal not in parent:
            nxt = []
            for r, c in frontier:
                for nr, nc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
                    if 0 <= nr < GRID and 0 <= nc < GRID and not self.grid[nr, nc] and (nr, nc) not in parent:
                        parent[(nr, nc)] = (r, c)
                        nxt.append((nr, nc))
            frontier = nxt
        target = (gx, gy)
        if goal in parent and goal != start:
            cell = goal
            while parent[cell] != start:
                cell = parent[cell]
            target = (OFFSET + (cell[1] + 0.5) * CELL, OFFSET + (cell[0] + 0.5) * CELL)
        dx, dy = target[0] - x, target[1] - y
        return np.clip(np.array([dx, dy], dtype=np.float32) / SPEED, -1.0, 1.0)

    # -- drawing --------------------------------------------------------------------------------
    def draw(self, surface) -> None:
        import pygame

        surface.fill((30, 30, 40))
        pygame.draw.rect(surface, (235, 235, 225), (OFFSET, OFFSET, AREA, AREA))
        for r in range(GRID):
            for c in range(GRID):
                side = math.ceil(CELL)
                rect = pygame.Rect(round(OFFSET + c * CELL), round(OFFSET + r * CELL), side, side)
                if self.grid[r, c]:
                    pygame.draw.rect(surface, (70, 70, 90), rect)
                elif (r, c) == self.wind_cell:
                    pygame.draw.rect(surface, (190, 220, 250), rect)
                    cx, cy = rect.center
                    dx, dy = WIND_DIRS[self.wind_dir]
                    for k in (-8, 0, 8):  # three arrows across the cell
                        ox, oy = -dy * k, dx * k
                        tail = (cx - 10 * dx + ox, cy - 10 * dy + oy)
                        tip = (cx + 10 * dx + ox, cy + 10 * dy + oy)
                        pygame.draw.line(surface, (70, 120, 200), tail, tip, 2)
                        pygame.draw.circle(surface, (70, 120, 200), (int(tip[0]), int(tip[1])), 3)
        goal = (int(self.goal[0]), int(self.goal[1]))
        pygame.draw.circle(surface, (60, 190, 80), goal, int(RADIUS))
        pygame.draw.circle(surface, (60, 190, 80), goal, int(GOAL_TOLERANCE), 1)
        pygame.draw.circle(surface, (40, 80, 200), (int(self.agent[0]), int(self.agent[1])), int(RADIUS))
