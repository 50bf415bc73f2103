"""OGBench locomotion tasks: point/ant goal reaching in mazes, directional ant, ant soccer.

Three families, chosen by `spec.params["env"]` (set in the task's row, `envs/tasks/ogbench.py`):

* ``maze`` (og-point-*, og-ant-* and the held-out og-point-var1/2): OGBench's point or ant maze
  env (`ogbench.locomaze`), with the wall map and the (start cell, goal cell) task list of
  `spec.params["layout"]`; see :class:`MazeNavigation`.
* ``ant`` (og-ant): OGBench's online ant running in a commanded direction; :class:`AntDirection`.
* ``antball`` (og-antball): OGBench's online ant pushing a ball to a goal; :class:`AntBall`.

Seeding: every random draw (task choice, start/goal noise, commanded direction, ant/ball/goal
placement, the library's reset noise) comes from a generator owned by the env, seeded by
`envs.make(name, seed)` or `reset(seed=...)`. OGBench itself draws some of these from the global
`np.random` (maze task sampling and `add_noise`, GymXYWrapper's direction, AntBallEnv's
placements); those draws are either bypassed (task chosen through reset options, `add_noise`
overridden) or overwritten right after the library's reset, so they never affect an episode
(they still advance the global RNG inside `AntBallEnv.reset`).
"""

from __future__ import annotations

import functools
import itertools
import os
import tempfile
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from envs.registry import TaskSpec

RENDER_SIZE = 224
OBS_SCALE = 20.0  # maze observations are divided by this
MAZE_REPEAT = {"point": 4, "ant": 2}  # inner steps per agent step (400 inner steps per episode)
VEL_PENALTY = {"point": 0.025, "ant": 0.001}  # weight of the speed term in the maze reward
DIRECTION_INTERVAL = 100  # og-ant: steps between redraws of the commanded direction
ANTBALL_GOAL_RANGE = 3.0  # og-antball: goal drawn from U(-3, 3)^2 (OGBench's own is U(-12, 12)^2)
ANTBALL_AGENT_RANGE = 1.0
ANTBALL_BALL_RANGE = 2.0
ANTBALL_CAMERA_DISTANCE = 8.0

# Wall maps ('#' wall, '.' free), 8x8; cell (i, j) is centred at world (4j - 4, 4i - 4).
# None means OGBench's own map for that maze type.
MAPS: dict[str, tuple[str, ...] | None] = {
    "arena": None,
    "medium": None,
    "bottleneck": ("########", "#..##..#", "#..##..#", "#......#", "#......#", "#..##..#", "#..##..#", "########"),
    "circle": ("########", "##....##", "#..##..#", "#.####.#", "#.####.#", "#..##..#", "##....##", "########"),
    "spiral": ("########", "#......#", "#.#.##.#", "#.#....#", "#....#.#", "#.##.#.#", "#......#", "########"),
    # Held-out variants (our own layouts: the spec names them but gives no map): pillars to avoid,
    # and a winding corridor.
    "var1": ("########", "#......#", "#.#..#.#", "#......#", "#..##..#", "#.#..#.#", "#......#", "########"),
    "var2": ("########", "#....#.#", "#.##.#.#", "#.#..#.#", "#.#.##.#", "#.#....#", "#...##.#", "########"),
}
_MAZE_TYPE = {"arena": "arena", "medium": "medium"}  # OGBench maze_type of the layouts it ships


def _pairs(cells: list[tuple[int, int]], min_dist: int) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Every ordered (start, goal) pair of distinct cells at Manhattan distance >= min_dist."""
    return [(a, b) for a, b in itertools.permutations(cells, 2)
            if abs(a[0] - b[0]) + abs(a[1] - b[1]) >= min_dist]


def _free_cells(name: str) -> list[tuple[int, int]]:
    rows = MAPS[name]
    return [(i, j) for i, row in enumerate(rows) for j, c in enumerate(row) if c == "."]


def _block(rows: range, cols: range) -> list[tuple[int, int]]:
    return [(i, j) for i in rows for j in cols]


# (start cell, goal cell) task lists per layout.
LAYOUT_TASKS: dict[str, list[tuple[tuple[int, int], tuple[int, int]]]] = {
    # the 3x3 centre block, pairs at least 2 apart (48 tasks)
    "arena": _pairs(_block(range(2, 5), range(2, 5)), 2),
    # OGBench's 5 medium tasks (task 3's goal and task 4's start moved), plus 5 more
    "medium": [((1, 1), (6, 6)), ((6, 1), (1, 6)), ((5, 3), (2, 4)), ((2, 2), (6, 1)), ((2, 6), (1, 1)),
               ((2, 1), (4, 5)), ((6, 5), (4, 6)), ((2, 2), (4, 4)), ((6, 1), (2, 1)), ((6, 3), (3, 3))],
    # the four 2x2 corner rooms and the 2x2 centre
    "bottleneck": _pairs([c for r in (range(1, 3), range(5, 7)) for k in (range(1, 3), range(5, 7))
                          for c in _block(r, k)] + _block(range(3, 5), range(3, 5)), 3),
    "circle": _pairs([(2, 1), (1, 2), (2, 2), (3, 1), (1, 3), (4, 1), (5, 1), (5, 2), (6, 2), (6, 3),
                      (6, 4), (6, 5), (5, 5), (5, 6), (4, 6), (1, 4), (1, 5), (2, 5), (2, 6), (3, 6)], 3),
    "spiral": _pairs([(1, 1), (1, 2), (2, 1), (1, 6), (2, 6), (1, 5), (6, 1), (6, 2), (5, 1), (6, 6),
                      (5, 6), (6, 5), (3, 3), (3, 4), (4, 3), (4, 4)], 3),
    "var1": _pairs(_free_cells("var1"), 3),
    "var2": _pairs(_free_cells("var2"), 3),
}


@functools.cache
def _drop_temp_model_file(env: gym.Env) -> gym.Env:
    """Delete the XML file that OGBench's maze and ant-ball envs write with tempfile.mkstemp and
    never remove (one per env built; a long run with worker restarts would pile them up). MuJoCo
    has read it in full by then."""
    path = getattr(env.unwrapped, "fullpath", None)
    if path and os.path.dirname(os.path.abspath(path)) == os.path.abspath(tempfile.gettempdir()) \
            and os.path.basename(path).startswith("tmp") and path.endswith(".xml") and os.path.isfile(path):
        os.remove(path)
    return env


def _layout_maze_class(loco: str) -> type:
    """OGBench's maze env class for `loco`, extended to take any wall map, task list and RNG.

    OGBench builds its maze class inside a factory function, so the class is taken from one
    throwaway instance; the subclass swaps the wall map just before the walls are written into
    the MuJoCo XML, and replaces the task list and the start/goal noise source.
    """
    from ogbench.locomaze.maze import make_maze_env

    probe = _drop_temp_model_file(make_maze_env(loco, "maze", maze_type="arena"))
    base = type(probe)
    probe.close()

    class LayoutMaze(base):  # type: ignore[misc, valid-type]
        def __init__(self, maze_map, tasks, rng: np.random.Generator, maze_type: str, **kwargs):
            self._layout = None if maze_map is None else np.array([[c == "#" for c in r] for r in maze_map], int)
            self._task_pairs = list(tasks)
            self._noise_rng = rng
            super().__init__(maze_type=maze_type, **kwargs)

        def update_tree(self, tree):
            if self._layout is not None:
                self.maze_map = self._layout
            super().update_tree(tree)

        def set_tasks(self):
            self.task_infos = [
                {"task_name": f"task{k + 1}", "init_ij": a, "init_xy": self.ij_to_xy(a),
                 "goal_ij": b, "goal_xy": self.ij_to_xy(b)}
                for k, (a, b) in enumerate(self._task_pairs)
            ]

        def add_noise(self, xy):
            dx, dy = self._noise_rng.uniform(-self._noise, self._noise, 2) * self._maze_unit / 4
            return xy[0] + dx, xy[1] + dy

    LayoutMaze.__name__ = LayoutMaze.__qualname__ = f"LayoutMaze_{loco}"
    return LayoutMaze


class _SeededMujocoTask(gym.Env):
    """Shared plumbing: an env-owned RNG and 224x224 rendering of an OGBench MuJoCo env."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array"]}

    def __init__(self, spec: TaskSpec, seed: int | None, render_mode: str | None):
        self.task_spec = spec
        self.render_mode = render_mode
        self._rng = np.random.default_rng(seed)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (spec.action_dim,), np.float32)
        self._env = None

    def _reseed(self, seed: int | None) -> int:
        """Reseed from `seed` if given; return a fresh seed for the library's own RNGs."""
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        lib_seed = int(self._rng.integers(2**31 - 1))
        self._env.action_space.seed(lib_seed)
        return lib_seed

    def render(self):
        return self._env.render()

    def close(self):
        if self._env is not None:
            self._env.close()


class MazeNavigation(_SeededMujocoTask):
    """Point or ant goal reaching in an 8x8 maze (OGBench locomaze).

    Observation (all divided by 20, float32): point, 9-D: [xy, xy - xy before the last inner
        step (0 at reset), goal xy, xy - goal, |xy - goal|]; ant, 36-D: [OGBench's ant state
        (qpos 15 + qvel 14), xy, goal xy, xy - goal, |xy - goal|].
    Action: point 2-D (x/y displacement, 0.2 per inner step); ant 8-D joint torques; in [-1, 1].
        Repeated 4 (point) or 2 (ant) inner steps per agent step.
    Reward: once per agent step, at its final state: success - (0.5 L1 + 0.5 L2 + v) / 20 with
        L1, L2 the 1- and 2-norm of xy - goal and v = 0.025 |xy - xy before the last inner step|
        (point) or 0.001 |qvel| (ant).
    Episode end: 100 (point) or 200 (ant) agent steps = 400 inner steps; reaching the goal or the
        ant falling over does not end it.
    Success: |xy - goal| <= 1.0 (point) or 0.5 (ant) at the current step.
    Score: success at the last step.

    Start and goal: a (start cell, goal cell) pair drawn uniformly from the layout's task list,
    each with uniform noise of +-1 world unit per axis.
    """

    def __init__(self, spec: TaskSpec, seed: int | None = None, render_mode: str | None = None):
        super().__init__(spec, seed, render_mode)
        loco, layout = spec.params["loco"], spec.params["layout"]
        if loco not in MAZE_REPEAT:
            raise ValueError(f"{spec.name}: unknown maze body {loco!r}; accepted: {sorted(MAZE_REPEAT)}")
        if layout not in MAPS:
            raise ValueError(f"{spec.name}: unknown maze layout {layout!r}; accepted: {sorted(MAPS)}")
        self._loco = loco
        self._env = _drop_temp_model_file(_layout_maze_class(loco)(
            MAPS[layout], LAYOUT_TASKS[layout], self._rng, maze_type=_MAZE_TYPE.get(layout, "arena"),
            render_mode="rgb_array", width=RENDER_SIZE, height=RENDER_SIZE,
        ))
        self._repeat = MAZE_REPEAT[loco]
        self._prev_xy = np.zeros(2)
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (spec.obs_dim,), np.float32)

    @property
    def goal_xy(self) -> np.ndarray:
        return np.asarray(self._env.cur_goal_xy, dtype=np.float64)

    def _obs(self) -> np.ndarray:
        xy = self._env.get_xy()[:2]
        diff = xy - self.goal_xy
        head = [xy, xy - self._prev_xy] if self._loco == "point" else [self._env.get_ob(), xy]
        return (np.concatenate([*head, self.goal_xy, diff, [np.linalg.norm(diff)]]) / OBS_SCALE).astype(np.float32)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        lib_seed = self._reseed(seed)
        self._env._noise_rng = self._rng  # a reseed replaces the generator the noise is drawn from
        task_id = int(self._rng.integers(self._env.num_tasks)) + 1
        self._env.reset(seed=lib_seed, options={"task_id": task_id})
        self._prev_xy = self._env.get_xy()[:2].copy()
        return self._obs(), {"success": float(self._env.compute_success()), "task_id": task_id}

    def step(self, action):
        a = np.asarray(action, dtype=np.float32)
        for _ in range(self._repeat):
            self._prev_xy = self._env.get_xy()[:2].copy()
            self._env.step(a)  # the library's reward/termination are replaced below
        xy = self._env.get_xy()[:2]
        diff = xy - self.goal_xy
        success = float(self._env.compute_success())
        if self._loco == "point":
            speed = VEL_PENALTY["point"] * np.linalg.norm(xy - self._prev_xy)
        else:
            speed = VEL_PENALTY["ant"] * np.linalg.norm(self._env.data.qvel)
        reward = success - (0.5 * np.abs(diff).sum() + 0.5 * np.linalg.norm(diff) + speed) / OBS_SCALE
        return self._obs(), float(reward), False, False, {"success": success}


class AntDirection(_SeededMujocoTask):
    """og-ant: OGBench's online ant (restricted joints, 10 Hz) running along a commanded direction.

    Observation (29-D): qpos without the torso xy (13), qvel (14), commanded unit direction z (2).
    Action: 8 joint torques in [-1, 1]; no action repeat.
    Reward: displacement of the torso xy along z during the step.
    Episode end: 1000 steps; falling over ("unhealthy") does not end it.
    Success: none (0). Score: clip(return, 0, 250) / 250.

    z is drawn (a normalised Gaussian) at reset and every 100 steps, the rule of OGBench's
    GymXYWrapper, here from the env's own RNG instead of the global one.
    """

    def __init__(self, spec: TaskSpec, seed: int | None = None, render_mode: str | None = None):
        super().__init__(spec, seed, render_mode)
        from ogbench.online_locomotion.ant import AntEnv

        self._env = AntEnv(render_mode="rgb_array", width=RENDER_SIZE, height=RENDER_SIZE)
        self._z = np.array([1.0, 0.0])
        self._t = 0
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (spec.obs_dim,), np.float32)

    def _draw_direction(self) -> None:
        z = self._rng.standard_normal(2)
        self._z = z / np.linalg.norm(z)

    def _obs(self, ant_obs: np.ndarray) -> np.ndarray:
        return np.concatenate([ant_obs, self._z]).astype(np.float32)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        ob, _ = self._env.reset(seed=self._reseed(seed))
        self._draw_direction()
        self._t = 0
        return self._obs(ob), {"success": 0.0}

    def step(self, action):
        before = self._env.data.qpos[:2].copy()
        ob, *_ = self._env.step(np.asarray(action, dtype=np.float32))
        reward = float((self._env.data.qpos[:2] - before) @ self._z)
        self._t += 1
        if self._t % DIRECTION_INTERVAL == 0:  # the observation shows the direction of the next reward
            self._draw_direction()
        return self._obs(ob), reward, False, False, {"success": 0.0}


class AntBall(_SeededMujocoTask):
    """og-antball: OGBench's online ant pushing a ball (radius 0.25) onto a goal disc.

    Observation (42-D): ant qpos without the torso xy (13), ball z and quaternion (5), all qvel
        (20), ball - agent xy (2), goal - ball xy (2).
    Action: 8 joint torques in [-1, 1]; no action repeat.
    Reward: 10 * (2.5 * decrease of the ball-goal distance + decrease of the agent-ball distance).
    Episode end: 200 steps; falling over does not end it.
    Success: ball within 0.5 of the goal. Score: success at the last step.

    Reset: agent at U(-1, 1)^2, ball at U(-2, 2)^2, goal at U(-3, 3)^2 (closer than OGBench's
    U(-12, 12)^2), drawn from the env's own RNG after the library's reset.
    """

    def __init__(self, spec: TaskSpec, seed: int | None = None, render_mode: str | None = None):
        super().__init__(spec, seed, render_mode)
        from ogbench.online_locomotion.ant_ball import AntBallEnv

        # AntBallEnv renders once while it is built, so it needs a render mode even in state mode.
        self._env = _drop_temp_model_file(AntBallEnv(render_mode="rgb_array", width=RENDER_SIZE, height=RENDER_SIZE))
        self._env.mujoco_renderer.viewer.cam.distance = ANTBALL_CAMERA_DISTANCE
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (spec.obs_dim,), np.float32)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self._env.reset(seed=self._reseed(seed))
        agent = self._rng.uniform(-ANTBALL_AGENT_RANGE, ANTBALL_AGENT_RANGE, 2)
        ball = self._rng.uniform(-ANTBALL_BALL_RANGE, ANTBALL_BALL_RANGE, 2)
        goal = self._rng.uniform(-ANTBALL_GOAL_RANGE, ANTBALL_GOAL_RANGE, 2)
        self._env.set_agent_ball_xy(agent, ball)
        self._env.set_goal(goal)
        return self._env._get_obs().astype(np.float32), {"success": 0.0}

    def step(self, action):
        ob, reward, _, _, info = self._env.step(np.asarray(action, dtype=np.float32))
        return ob.astype(np.float32), float(reward), False, False, {"success": float(info["success"])}


_FAMILIES = {"maze": MazeNavigation, "ant": AntDirection, "antball": AntBall}


def make(spec: TaskSpec, seed: int | None = None, render_mode: str | None = None) -> gym.Env:
    family = spec.params.get("env")
    if family not in _FAMILIES:
        raise ValueError(f"{spec.name}: unknown OGBench family {family!r}; accepted: {sorted(_FAMILIES)}")
    return _FAMILIES[family](spec, seed=seed, render_mode=render_mode)
