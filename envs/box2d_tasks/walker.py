"""Gymnasium's BipedalWalker on five parameterised terrains.

Only the terrain differs from the stock walker (`hardcore=False`): physics, the 24-D observation
and the reward are gymnasium's, at gymnasium's scale (30 px per metre). The original MMBench set
the module-wide SCALE to 15 to get a 224-px view, which also halved the velocity observation
scale and doubled the forward reward per metre [quirk]; here the scale stays stock and only the
rendered frame is made 224x224 (a 400x400 crop of the stock view, resized).

Terrains (200 points, 14/30 m apart, heights clamped to [1, 5.5] m):
    flat       constant height.
    uneven     a damped random walk: v = 0.8 v + 0.011 sign(h0 - y) (+ U(-1, 1)/15 past the start
               pad), y += v.
    rugged     the same with v = 0.75 v + 0.015 sign(h0 - y) and noise 2.25 U(-1, 1)/15.
    hills      a sine, y = y0 + A sin(2 pi x / L) with y0 = h0 + U(-1, -0.8), A = U(0.4, 0.8),
               L = U(7, 14).
    obstacles  grass stretches (the uneven walk with gain 0.01 and a 1.5 m floor) of 5-9 points,
               each followed by a pit (2-3 steps wide, 3 steps deep, walled) or a stump (a box 2-3
               steps wide, 0.75 of that high), chosen uniformly.
The terrain noise amplitudes are the original's (it divided by its run-time scale of 15).
Every random draw comes from the env's own seeded generator (`np_random`), never the global one.
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
from gymnasium.envs.box2d import bipedal_walker as stock
from gymnasium.envs.box2d.bipedal_walker import BipedalWalker

from envs.box2d_tasks.frames import square_resize

TERRAINS = ("flat", "uneven", "rugged", "hills", "obstacles")
MAX_HEIGHT = 5.5  # m; terrain heights are clamped to [floor, MAX_HEIGHT]
OBSTACLE_COLORS = ((255, 255, 255), (153, 153, 153))  # as gymnasium's hardcore obstacles
RENDER_SIZE = 224
RENDER_CROP = 400  # px of the stock 600x400 view kept (the walker sits 120 px from its left)


@dataclasses.dataclass(frozen=True)
class RandomWalkGround:
    """A damped random walk of the terrain height around the start height."""

    decay: float  # velocity kept from the previous point
    gain: float  # pull back toward the start height
    noise: float  # amplitude of the uniform noise added past the start pad
    floor: float = 1.0  # lowest height (m)


UNEVEN = RandomWalkGround(decay=0.8, gain=0.011, noise=1 / 15)
RUGGED = RandomWalkGround(decay=0.75, gain=0.015, noise=2.25 / 15)
OBSTACLE_GRASS = RandomWalkGround(decay=0.8, gain=0.01, noise=1 / 15, floor=1.5)
PIT_WIDTHS = (2, 3)  # in terrain steps
PIT_DEPTH = 3  # in terrain steps
STUMP_SIDES = (2, 3)  # in terrain steps; the stump is 0.75 times as high as wide
STUMP_ASPECT = 0.75


class TerrainWalker(BipedalWalker):
    """The stock bipedal walker on a flat, uneven, rugged, hilly or obstacle terrain."""

    def __init__(self, terrain: str, render_mode: str | None = None):
        if terrain not in TERRAINS:
            raise ValueError(f"unknown terrain {terrain!r}; accepted: {', '.join(TERRAINS)}")
        super().__init__(render_mode=render_mode, hardcore=False)
        self.terrain_kind = terrain

    # gymnasium's reset() calls this to build the ground; `hardcore` is unused (obstacles replace it)
    def _generate_terrain(self, hardcore: bool) -> None:
        self.terrain = []
        self.terrain_x = [i * stock.TERRAIN_STEP for i in range(stock.TERRAIN_LENGTH)]
        self.terrain_y = self._heights()
        self._add_ground()

    def _heights(self) -> list[float]:
        n, h0 = stock.TERRAIN_LENGTH, stock.TERRAIN_HEIGHT
        if self.terrain_kind == "flat":
            return [h0] * n
        if self.terrain_kind == "hills":
            rng = self.np_random
            y0, amplitude, wavelength = h0 + rng.uniform(-1, -0.8), rng.uniform(0.4, 0.8), rng.uniform(7, 14)
            return [float(np.clip(y0 + amplitude * math.sin(2 * math.pi * x / wavelength), 1.0, MAX_HEIGHT))
                    for x in self.terrain_x]
        if self.terrain_kind == "obstacles":
            return self._obstacle_course()
        ground = UNEVEN if self.terrain_kind == "uneven" else RUGGED
        ys, y, v = [], h0, 0.0
        for i in range(n):
            y, v = self._walk(ground, i, y, v)
            ys.append(y)
        return ys

    def _walk(self, ground: RandomWalkGround, i: int, y: float, v: float) -> tuple[float, float]:
        """One point of a random-walk terrain: the new (height, velocity)."""
        v = ground.decay * v + ground.gain * np.sign(stock.TERRAIN_HEIGHT - y)
        if i > stock.TERRAIN_STARTPAD:
            v += ground.noise * self.np_random.uniform(-1, 1)
        return float(np.clip(y + v, ground.floor, MAX_HEIGHT)), v

    def _obstacle_course(self) -> list[float]:
        n, step = stock.TERRAIN_LENGTH, stock.TERRAIN_STEP
        ys: list[float] = []
        y, v, grass_left = stock.TERRAIN_HEIGHT, 0.0, stock.TERRAIN_STARTPAD
        while len(ys) < n:
            if grass_left > 0:
                y, v = self._walk(OBSTACLE_GRASS, len(ys), y, v)
                ys.append(y)
                grass_left -= 1
                continue
            x = len(ys) * step
            if self.np_random.integers(2) == 0:  # pit: rim, floor points, rim; walls hide the slopes
                width, depth = int(self.np_random.choice(PIT_WIDTHS)), PIT_DEPTH * step
                self._add_block([(x, y), (x + step, y), (x + step, y - depth), (x, y - depth)])
                x_right = x + (width + 1) * step
                self._add_block([(x_right, y), (x_right + step, y), (x_right + step, y - depth),
                                 (x_right, y - depth)])
                ys += [y] + [y - depth] * (width + 1) + [y]
            else:  # stump: a box standing on flat ground
                side = int(self.np_random.choice(STUMP_SIDES))
                w, h = side * step, STUMP_ASPECT * side * step
                self._add_block([(x, y), (x + w, y), (x + w, y + h), (x, y + h)])
                ys += [y] * (side + 1)
            grass_left = int(self.np_random.integers(stock.TERRAIN_GRASS // 2, stock.TERRAIN_GRASS))
        return ys[:n]

    def _add_block(self, vertices: list[tuple[float, float]]) -> None:
        self.fd_polygon.shape.vertices = vertices
        body = self.world.CreateStaticBody(fixtures=self.fd_polygon)
        body.color1, body.color2 = OBSTACLE_COLORS
        self.terrain.append(body)

    def _add_ground(self) -> None:
        """Edge bodies along the height profile, and the filled polygons the renderer draws."""
        self.terrain_poly = []
        points = list(zip(self.terrain_x, self.terrain_y))
        for i, (a, b) in enumerate(itertools.pairwise(points)):
            self.fd_edge.shape.vertices = [a, b]
            body = self.world.CreateStaticBody(fixtures=self.fd_edge)
            body.color1 = body.color2 = (76, 255 if i % 2 == 0 else 204, 76)
            self.terrain.append(body)
            self.terrain_poly.append(([a, b, (b[0], 0), (a[0], 0)], (102, 153, 76)))
        self.terrain.reverse()  # as gymnasium: ground edges are drawn before the obstacles

    def render(self):
        frame = super().render()
        return square_resize(frame[:, :RENDER_CROP], RENDER_SIZE)
