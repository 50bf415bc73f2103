"""OGBench: layouts and task lists, goal success, observation layout, seeding, every task stepped."""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest

import envs  # first: it selects the headless MuJoCo GL backend (EGL) before any simulator loads
from envs.registry import TASKS

pytest.importorskip("ogbench", reason="ogbench is not installed")

from envs import ogbench as og
from tests.envs.helpers import domain_tasks, random_steps

OG_TASKS = domain_tasks("ogbench")


def _connected(rows: tuple[str, ...]) -> bool:
    free = {(i, j) for i, r in enumerate(rows) for j, c in enumerate(r) if c == "."}
    start = next(iter(free))
    seen, queue = {start}, deque([start])
    while queue:
        i, j = queue.popleft()
        for n in ((i + 1, j), (i - 1, j), (i, j + 1), (i, j - 1)):
            if n in free and n not in seen:
                seen.add(n)
                queue.append(n)
    return seen == free


def test_task_lists_match_the_spec_and_use_free_cells():
    assert len(og.LAYOUT_TASKS["arena"]) == 48
    assert len(og.LAYOUT_TASKS["medium"]) == 10
    for layout, rows in og.MAPS.items():
        if rows is None:
            continue
        assert len(rows) == 8 and all(len(r) == 8 for r in rows), layout
        assert _connected(rows), f"{layout}: free cells are not all connected"
        assert all(c == "#" for c in rows[0] + rows[-1]), f"{layout}: outer wall open"
        for start, goal in og.LAYOUT_TASKS[layout]:
            assert rows[start[0]][start[1]] == "." and rows[goal[0]][goal[1]] == ".", (layout, start, goal)
            assert abs(start[0] - goal[0]) + abs(start[1] - goal[1]) >= 3


@pytest.mark.parametrize("name", OG_TASKS)
def test_random_actions_move_the_body(name):
    steps = random_steps(name, steps=5)
    assert not np.array_equal(steps[0][0], steps[-1][0])


@pytest.mark.parametrize("name", ["og-point-spiral", "og-ant-maze"])
def test_reaching_the_goal_gives_success_and_top_reward(name):
    env = envs.make(name, seed=2)
    try:
        env.reset()
        inner = env.unwrapped
        act = np.zeros(TASKS[name].action_dim, np.float32)
        _, r_far, _, _, info = env.step(act)
        assert info["success"] == 0.0 and r_far < 0
        inner._env.set_xy(inner.goal_xy)  # teleport onto the goal
        obs, reward, _, _, info = env.step(act)
        assert info["success"] == 1.0
        assert reward > 0.9 > r_far  # success minus a small distance/speed penalty
        assert obs[-1] * og.OBS_SCALE <= inner._env._goal_tol
    finally:
        env.close()


def test_point_observation_layout_and_scale():
    env = envs.make("og-point-arena", seed=4)
    try:
        obs, _ = env.reset()
        inner = env.unwrapped
        xy, goal = inner._env.get_xy(), inner.goal_xy
        np.testing.assert_allclose(obs * og.OBS_SCALE, np.r_[xy, 0, 0, goal, xy - goal, np.linalg.norm(xy - goal)],
                                   rtol=1e-5, atol=1e-5)
        obs, *_ = env.step(np.array([1.0, 0.0], np.float32))
        # kinematic point: +0.2 per inner step, the last inner step's displacement is in the obs
        assert obs[2] * og.OBS_SCALE == pytest.approx(0.2, abs=0.02)
        assert obs[0] * og.OBS_SCALE == pytest.approx(xy[0] + 0.8, abs=0.05)
    finally:
        env.close()


def test_same_seed_same_episode_start_different_seed_differs():
    def first_obs(seed):
        env = envs.make("og-point-maze", seed=seed)
        obs = env.reset()[0]
        obs2 = env.reset(seed=seed)[0]
        env.close()
        return obs, obs2

    a, a2 = first_obs(7)
    b, _ = first_obs(7)
    c, _ = first_obs(8)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, a2)
    assert not np.array_equal(a, c)


def test_og_ant_reward_is_displacement_along_the_commanded_direction():
    env = envs.make("og-ant", seed=1)
    try:
        obs, _ = env.reset()
        inner = env.unwrapped._env
        rng = np.random.default_rng(0)
        directions = [obs[-2:].copy()]
        for _ in range(1, 101):
            before = inner.data.qpos[:2].copy()
            z = obs[-2:].astype(np.float64)
            obs, reward, *_ = env.step(rng.uniform(-1, 1, 8).astype(np.float32))
            assert reward == pytest.approx(float((inner.data.qpos[:2] - before) @ z), rel=1e-4, abs=1e-6)
            directions.append(obs[-2:].copy())
        assert np.linalg.norm(directions[0]) == pytest.approx(1.0, abs=1e-5)
        assert all(np.array_equal(d, directions[0]) for d in directions[:100])
        assert not np.array_equal(directions[100], directions[0])  # redrawn after 100 steps
    finally:
        env.close()


def test_antball_goal_range_and_success():
    env = envs.make("og-antball", seed=3)
    try:
        inner = env.unwrapped._env
        goals = []
        for _ in range(5):
            env.reset()
            goals.append(np.array(inner.cur_goal_xy))
        assert np.abs(goals).max() <= og.ANTBALL_GOAL_RANGE
        agent, _ = inner.get_agent_ball_xy()
        inner.set_agent_ball_xy(agent, inner.cur_goal_xy)  # put the ball on the goal
        _, _, _, _, info = env.step(np.zeros(8, np.float32))
        assert info["success"] == 1.0
    finally:
        env.close()


@pytest.mark.parametrize("name", ["og-point-circle", "og-ant-arena", "og-ant", "og-antball"])
def test_same_seed_same_rollout(name):
    def rollout():
        env = envs.make(name, seed=11)
        out = [env.reset()[0]]
        rng = np.random.default_rng(0)
        out += [env.step(rng.uniform(-1, 1, TASKS[name].action_dim).astype(np.float32))[0] for _ in range(10)]
        env.close()
        return np.array(out)

    np.testing.assert_array_equal(rollout(), rollout())


def test_making_tasks_leaves_no_temporary_model_files(tmp_path, monkeypatch):
    """OGBench writes each maze's and the ant-ball's MuJoCo XML to a tempfile.mkstemp file and never
    deletes it; our makers remove it once MuJoCo has read it (a long run would pile them up)."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    for name in ("og-point-arena", "og-ant-maze", "og-antball"):
        env = envs.make(name, seed=0)
        env.reset(seed=0)
        env.step(env.action_space.sample())
        env.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == []
