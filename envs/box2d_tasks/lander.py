"""Gymnasium's continuous LunarLander on MMBench's square scene, with three goals.

The physics (engines, impulses, dispersion, legs, FPS 50, 30 px per metre) is gymnasium's: the
subclass lets the stock `step` fly the lander and then computes its own observation and reward,
and rebuilds the scene after the stock `reset`:

Scene: a square world of 400x400 px (W = H = 13.33 m; stock is 600x400) whose ground has 7 or
    9 chunks (stock 11); the helipad spans the three middle chunk points at height H/4.
Start: land and hover spawn at x = W/2 U(0.95, 1.05), y = 0.8 H U(0.95, 1.05) with a random
    push U(-600, 600) on each axis; takeoff starts resting on the pad (x in the middle half of
    the pad), pushed by (0.5 U(-600, 600), -1200), and lets it settle for 5 zero-action steps.
    Every reset ends with one zero-action step, as stock.
Observation: the stock 8 entries at this scene's scale (position relative to the pad, velocity,
    angle, angular velocity, leg contacts); hover and takeoff append the goal offset
    ((gx - x)/(W/2), (gy - y)/(H/2)) for 10 entries.
Reward (per step):
    land     the stock reward: change of -100 dist - 100 speed - 100 |angle| + 10 per leg contact,
             minus fuel (0.3 main, 0.03 side); -100 while crashed (body touching the ground, or
             |x_obs| >= 1), +100 while the body sleeps at rest.
    hover    clip(1 - d/6 - 0.03 main - 0.003 side, 0, 1) for the world distance d to the goal,
             0 while the lander is below the pad's rest height; goal = (pad centre, 2 pad height)
             + U(-1, 1) per axis.
    takeoff  as hover, with the goal at x = U(0.2, 0.8) W, y = U(0.6, 0.8) H.
`terminated` reports a crash (and, for land, rest), as stock; MMBench ignores it.
Rendering: the 400x400 scene resized to 224x224; hover/takeoff mark the goal with a green square.
Every random draw comes from the env's own seeded generator (`np_random`).
"""

from __future__ import annotations

import math

import numpy as np
from gymnasium import spaces
from gymnasium.envs.box2d import lunar_lander as stock
from gymnasium.envs.box2d.lunar_lander import LunarLander

from envs.box2d_tasks.frames import square_resize

GOALS = ("land", "hover", "takeoff")
VIEW = 400  # px; the scene is VIEW x VIEW
W = H = VIEW / stock.SCALE  # world size in metres
CHUNK_CHOICES = (7, 9)
SPAWN_PUSH = 600.0  # N; random initial force per axis for land/hover
TAKEOFF_PUSH = (0.5 * SPAWN_PUSH, -1200.0)  # max |x| force and the fixed downward force
TAKEOFF_SETTLE_STEPS = 5
LEG_DOWN = stock.LEG_DOWN / stock.SCALE  # body height above the pad when resting (m)
HOVER_REWARD_RANGE = 6.0  # m; hover reward falls to 0 at this distance
RENDER_SIZE = 224
GOAL_MARK = 5  # px; half-size of the square drawn at the hover/takeoff goal
GOAL_COLOR = (0, 230, 0)


def engine_powers(action: np.ndarray) -> tuple[float, float]:
    """(main, side) throttle that gymnasium's continuous lander applies for this action."""
    a = np.clip(np.asarray(action, np.float64), -1.0, 1.0)
    main = (float(np.clip(a[0], 0.0, 1.0)) + 1.0) / 2.0 if a[0] > 0.0 else 0.0
    side = float(np.clip(abs(a[1]), 0.5, 1.0)) if abs(a[1]) > 0.5 else 0.0
    return main, side


class TaskLander(LunarLander):
    """Continuous lunar lander on a 13.33 m square scene; the goal is land, hover or takeoff."""

    def __init__(self, goal: str, render_mode: str | None = None):
        if goal not in GOALS:
            raise ValueError(f"unknown lander goal {goal!r}; accepted: {', '.join(GOALS)}")
        super().__init__(render_mode=render_mode, continuous=True)
        self.goal_kind = goal
        self.obs_dim = 8 if goal == "land" else 10
        self.observation_space = spaces.Box(-np.inf, np.inf, (self.obs_dim,), np.float32)
        self.target = np.zeros(2)  # hover/takeoff goal position (m)
        self._shaping: float | None = None

    # -- episode start ---------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)  # stock world, lander and legs; then reshape the scene
        self._build_ground()
        rng = self.np_random
        if self.goal_kind == "takeoff":
            pad_mid, quarter = (self.helipad_x1 + self.helipad_x2) / 2, (self.helipad_x2 - self.helipad_x1) / 4
            self.place_lander(rng.uniform(pad_mid - quarter, pad_mid + quarter), self.helipad_y + LEG_DOWN,
                               (rng.uniform(-TAKEOFF_PUSH[0], TAKEOFF_PUSH[0]), TAKEOFF_PUSH[1]))
            self.target = np.array([rng.uniform(0.2, 0.8) * W, rng.uniform(0.6, 0.8) * H])
        else:
            self.place_lander(W / 2 * rng.uniform(0.95, 1.05), 0.8 * H * rng.uniform(0.95, 1.05),
                               tuple(rng.uniform(-SPAWN_PUSH, SPAWN_PUSH, 2)))
            pad_centre = (self.helipad_x1 + self.helipad_x2) / 2
            self.target = np.array([pad_centre, 2 * self.helipad_y]) + rng.uniform(-1, 1, 2)
        self.game_over = False
        self._shaping = None
        settle = TAKEOFF_SETTLE_STEPS if self.goal_kind == "takeoff" else 0
        for _ in range(settle + 1):
            obs = self.step(np.zeros(2, np.float32))[0]
        return obs, {}

    def _build_ground(self) -> None:
        """Replace the stock ground by a W-wide one with 7 or 9 chunks and the pad at H/4."""
        self.world.DestroyBody(self.moon)
        chunks = int(self.np_random.choice(CHUNK_CHOICES))
        height = self.np_random.uniform(0, H / 2, size=chunks + 1)
        chunk_x = [W / (chunks - 1) * i for i in range(chunks)]
        mid = chunks // 2
        self.helipad_x1, self.helipad_x2, self.helipad_y = chunk_x[mid - 1], chunk_x[mid + 1], H / 4
        height[mid - 2: mid + 3] = self.helipad_y
        smooth_y = [(height[i - 1] + height[i] + height[i + 1]) * 0.33 for i in range(chunks)]
        self.moon = self.world.CreateStaticBody(shapes=stock.edgeShape(vertices=[(0, 0), (W, 0)]))
        self.sky_polys = []
        for i in range(chunks - 1):
            p1, p2 = (chunk_x[i], smooth_y[i]), (chunk_x[i + 1], smooth_y[i + 1])
            self.moon.CreateEdgeFixture(vertices=[p1, p2], density=0, friction=0.1)
            self.sky_polys.append([p1, p2, (p2[0], H), (p1[0], H)])
        self.moon.color1 = self.moon.color2 = (0.0, 0.0, 0.0)

    def place_lander(self, x: float, y: float, push: tuple[float, float]) -> None:
        """Move the lander (legs keep their offsets) to (x, y), at rest, and queue a push."""
        offset = (x - self.lander.position[0], y - self.lander.position[1])
        for body in [self.lander, *self.legs]:
            body.position = (body.position[0] + offset[0], body.position[1] + offset[1])
            body.linearVelocity, body.angularVelocity = (0.0, 0.0), 0.0
            body.awake = True
        for leg in self.legs:
            leg.ground_contact = False
        self.lander.ApplyForceToCenter((float(push[0]), float(push[1])), True)

    # -- one step --------------------------------------------------------------------------
    def step(self, action):
        super().step(action)  # engines and physics (its own observation and reward are unused)
        obs = self._observe()
        main, side = engine_powers(action)
        crashed = bool(self.game_over or abs(obs[0]) >= 1.0)
        if self.goal_kind == "land":
            reward, terminated = self._land_reward(obs, main, side, crashed)
        else:
            reward, terminated = self._goal_reward(main, side), crashed
        return obs, reward, terminated, False, {}

    def _observe(self) -> np.ndarray:
        pos, vel = self.lander.position, self.lander.linearVelocity
        obs = [
            (pos.x - W / 2) / (W / 2),
            (pos.y - (self.helipad_y + LEG_DOWN)) / (H / 2),
            vel.x * (W / 2) / stock.FPS,
            vel.y * (H / 2) / stock.FPS,
            self.lander.angle,
            20.0 * self.lander.angularVelocity / stock.FPS,
            float(self.legs[0].ground_contact),
            float(self.legs[1].ground_contact),
        ]
        if self.goal_kind != "land":
            obs += [(self.target[0] - pos.x) / (W / 2), (self.target[1] - pos.y) / (H / 2)]
        return np.array(obs, np.float32)

    def _land_reward(self, obs: np.ndarray, main: float, side: float, crashed: bool) -> tuple[float, bool]:
        shaping = (-100 * math.hypot(obs[0], obs[1]) - 100 * math.hypot(obs[2], obs[3]) - 100 * abs(obs[4])
                   + 10 * obs[6] + 10 * obs[7])
        reward = 0.0 if self._shaping is None else shaping - self._shaping
        self._shaping = shaping
        reward -= 0.3 * main + 0.03 * side
        if crashed:  # checked first: a crashed lander lying still earns no rest bonus
            return -100.0, True
        if not self.lander.awake:
            return 100.0, True
        return float(reward), False

    def _goal_reward(self, main: float, side: float) -> float:
        pos = self.lander.position
        if pos.y < self.helipad_y + LEG_DOWN:  # on or near the ground: no reward
            return 0.0
        distance = math.hypot(self.target[0] - pos.x, self.target[1] - pos.y)
        return float(np.clip(1 - distance / HOVER_REWARD_RANGE - 0.03 * main - 0.003 * side, 0.0, 1.0))

    def render(self):
        frame = super().render()[:, :VIEW].copy()
        if self.goal_kind != "land":  # mark the goal: a frame alone should show where to fly
            col, row = (int(np.rint(c)) for c in (self.target[0] * stock.SCALE, VIEW - self.target[1] * stock.SCALE))
            frame[max(row - GOAL_MARK, 0): row + GOAL_MARK, max(col - GOAL_MARK, 0): col + GOAL_MARK] = GOAL_COLOR
        return square_resize(frame, RENDER_SIZE)
