"""OGBench point-maze experts: shortest path on the maze grid plus a waypoint controller.

The maze is an 8x8 grid of 4x4 world-unit cells (cell (i, j) centred at world (4j - 4, 4i - 4)).
At every step the expert finds the agent's and the goal's cells (from the observation: xy and goal
xy, both divided by 20), runs a breadth-first search over the free cells, and steers at full speed
toward the centre of the next cell on the path, or straight at the goal once in the goal's cell.
The wall map is the task's own (`envs.ogbench.MAPS`, or the library's map for arena and medium).
The ant mazes have no expert (walking needs a learned or hand-tuned gait controller).
"""

from __future__ import annotations

from collections import deque

import numpy as np

from envs.experts import Expert

OBS_SCALE = 20.0  # envs.ogbench.OBS_SCALE
UNIT = 4.0  # world units per maze cell
STEP = 0.8  # world units an action of 1 moves the point per agent step (0.2 per inner step x 4)


def _cell(xy: np.ndarray) -> tuple[int, int]:
    return int(np.rint((xy[1] + UNIT) / UNIT)), int(np.rint((xy[0] + UNIT) / UNIT))


def _centre(cell: tuple[int, int]) -> np.ndarray:
    return np.array([UNIT * cell[1] - UNIT, UNIT * cell[0] - UNIT])


def next_cell(walls: np.ndarray, start: tuple[int, int], goal: tuple[int, int]) -> tuple[int, int] | None:
    """The first cell after `start` on a shortest 4-connected path to `goal` (None: no path)."""
    parent = {start: start}
    queue = deque([start])
    while queue:
        cell = queue.popleft()
        if cell == goal:
            break
        i, j = cell
        for nxt in ((i + 1, j), (i - 1, j), (i, j + 1), (i, j - 1)):
            if (0 <= nxt[0] < walls.shape[0] and 0 <= nxt[1] < walls.shape[1] and not walls[nxt]
                    and nxt not in parent):
                parent[nxt] = cell
                queue.append(nxt)
    if goal not in parent:
        return None
    cell = goal
    while parent[cell] != start:
        cell = parent[cell]
    return cell


class PointMazeExpert(Expert):
    def __init__(self, env):
        super().__init__(env)
        # The wall map the maze was built with (1 = wall), as OGBench stores it on its env.
        self.walls = np.asarray(env.unwrapped._env.maze_map, dtype=bool)

    def act(self, obs, info):
        xy, goal = obs[0:2] * OBS_SCALE, obs[4:6] * OBS_SCALE
        here, there = _cell(xy), _cell(goal)
        target = goal
        if here != there:
            step = next_cell(self.walls, here, there)
            if step is not None:
                target = _centre(step)
        return np.clip((target - xy) / STEP, -1, 1).astype(np.float32)


def make(task: str, env) -> Expert:
    return PointMazeExpert(env)
