"""Box2D tasks: the maker contract, the walker terrains and rewards, the lander goals and rewards."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("Box2D", reason="gymnasium[box2d] is not installed")

import envs
from envs.registry import TASK_SETS, get_task
from tests.envs.helpers import library_env, random_steps

BOX2D_TASKS = TASK_SETS["box2d"]
WALKERS = [t for t in BOX2D_TASKS if t.startswith("bipedal-walker-")]


def run(env, policy, steps: int) -> list[float]:
    obs, _ = env.reset()
    rewards = []
    for _ in range(steps):
        obs, reward, *_ = env.step(np.asarray(policy(obs), np.float32))
        rewards.append(reward)
    return rewards


@pytest.mark.parametrize("name", BOX2D_TASKS)
def test_success_is_always_zero_and_nan_actions_are_rejected(name):
    assert all(info["success"] == 0.0 for _, _, info in random_steps(name))
    spec = get_task(name)
    env, again = envs.make(name, seed=0), envs.make(name, seed=0)
    try:
        np.testing.assert_array_equal(again.reset()[0], env.reset(seed=0)[0])  # construction seed
        with pytest.raises(ValueError, match="NaN"):
            env.step(np.full(spec.action_dim, np.nan, np.float32))
    finally:
        env.close()
        again.close()


# -- walker ---------------------------------------------------------------------------------

def terrain(name: str, seed: int) -> np.ndarray:
    env = envs.make(name, seed=seed)
    env.reset()
    heights = np.array(library_env(env).terrain_y)
    env.close()
    return heights


def test_terrains_have_their_shapes():
    flat, uneven, rugged, hills = (terrain(f"bipedal-walker-{t}", 0) for t in ("flat", "uneven", "rugged", "hills"))
    assert np.ptp(flat) == 0.0
    for heights in (uneven, rugged, hills):
        assert heights.shape == (200,) and 1.0 <= heights.min() and heights.max() <= 5.5 and np.ptp(heights) > 0.1
    assert np.abs(np.diff(rugged)).mean() > np.abs(np.diff(uneven)).mean()  # rugged is rougher
    assert 0.4 <= np.ptp(hills) / 2 <= 0.8  # the sine's amplitude
    np.testing.assert_array_equal(terrain("bipedal-walker-rugged", 3), terrain("bipedal-walker-rugged", 3))
    assert not np.array_equal(terrain("bipedal-walker-rugged", 3), terrain("bipedal-walker-rugged", 4))


def test_obstacle_course_has_pits_and_stumps():
    env = envs.make("bipedal-walker-obstacles", seed=0)
    try:
        env.reset()
        walker = library_env(env)
        step = 14 / 30  # the terrain step (m)
        widths = [round(float(np.ptp([v[0] for v in b.fixtures[0].shape.vertices])) / step, 3)
                  for b in walker.terrain if b.fixtures[0].shape.type == b.fixtures[0].shape.e_polygon]
        assert widths.count(1.0) >= 2 and widths.count(1.0) % 2 == 0  # pit walls come in pairs
        assert any(w in (2.0, 3.0) for w in widths)  # stumps, 2 or 3 steps wide
        drops = np.diff(walker.terrain_y)
        assert np.isclose(drops, -3 * step, atol=1e-6).sum() == widths.count(1.0) // 2  # one 3-step drop per pit
    finally:
        env.close()


def test_forward_reward_is_gymnasium_scale():
    """130/30 reward per metre, as stock gymnasium (the original's SCALE patch made it 130/15)."""
    from gymnasium.envs.box2d.bipedal_walker import BipedalWalkerHeuristics

    env = envs.make("bipedal-walker-flat", seed=0)
    try:
        env.reset()
        walker = library_env(env)
        expert = BipedalWalkerHeuristics()
        expert.a = np.zeros(4)  # the class shares this array between instances
        obs = walker.step(np.zeros(4))[0]
        x0, angle0, gross = walker.hull.position[0], abs(walker.hull.angle), 0.0
        for _ in range(200):  # the heuristic needs every frame: drive the walker itself
            action = np.clip(expert.step_heuristic(obs), -1, 1)
            obs, reward, *_ = walker.step(action)
            gross += reward + 0.00035 * 80 * np.abs(action).sum()  # add the torque cost back
        distance = walker.hull.position[0] - x0
        assert distance > 5.0 and not walker.game_over
        assert gross == pytest.approx(130 / 30 * distance - 5 * (abs(walker.hull.angle) - angle0), abs=1e-3)
    finally:
        env.close()


@pytest.mark.parametrize("name", WALKERS)
def test_a_fall_costs_one_per_inner_step_for_the_rest_of_the_episode(name):
    env = envs.make(name, seed=0)
    try:
        rng = np.random.default_rng(0)
        rewards = run(env, lambda _: rng.choice([-1.0, 1.0], 4), 120)  # flailing knocks it over
        assert library_env(env).game_over
        first = rewards.index(-2.0)
        assert rewards[first:] == [-2.0] * (len(rewards) - first)
    finally:
        env.close()


# -- lander ---------------------------------------------------------------------------------

def test_land_heuristic_rests_and_free_fall_crashes():
    from gymnasium.envs.box2d.lunar_lander import heuristic

    env = envs.make("lunarlander-land", seed=0)
    try:
        landed = run(env, lambda obs: np.clip(heuristic(library_env(env), obs), -1, 1), 250)
        assert sum(landed) > 50 and landed[-1] == 1.0  # asleep on the ground: +100 -> +0.5 per inner step
        crashed = run(env, lambda _: np.zeros(2), 250)
        assert sum(crashed) < 0 and crashed[-1] == -0.5  # crash: -100 -> -0.25 per inner step, latched
    finally:
        env.close()


def test_hover_pays_more_near_the_target():
    env = envs.make("lunarlander-hover", seed=0)
    try:
        obs, _ = env.reset()
        lander = library_env(env)
        gx, gy = lander.target
        lander.place_lander(gx, gy, (0.0, 0.0))
        obs, near, *_ = env.step(np.zeros(2, np.float32))
        assert np.abs(obs[8:]).max() < 0.05  # the goal offset entries say "at the target"
        lander.place_lander(gx + 4.0, gy, (0.0, 0.0))
        obs, far, *_ = env.step(np.zeros(2, np.float32))
        assert obs[8] == pytest.approx(-4.0 / (20 / 3), abs=0.05)  # (gx - x) / (W / 2)
        assert near > 1.9 and far == pytest.approx(2 * (1 - 4 / 6), abs=0.05)
    finally:
        env.close()


def test_takeoff_starts_on_the_pad_and_pays_only_in_the_air():
    env = envs.make("lunarlander-takeoff", seed=0)
    try:
        obs, _ = env.reset()
        lander = library_env(env)
        assert lander.helipad_x1 < lander.lander.position[0] < lander.helipad_x2
        assert obs[6] == obs[7] == 1.0  # both legs on the pad
        assert run(env, lambda _: np.zeros(2), 20) == [0.0] * 20  # sitting still earns nothing
        climb = run(env, lambda _: np.array([1.0, 0.0]), 40)  # full main engine lifts off
        assert lander.lander.position[1] > lander.helipad_y + 1.0 and sum(climb) > 5.0
    finally:
        env.close()


@pytest.mark.parametrize("name", ["bipedal-walker-obstacles", "lunarlander-hover"])
def test_render_is_a_224_frame(name):
    env = envs.make(name, seed=0, render_mode="rgb_array")
    try:
        env.reset()
        frame = env.render()
        assert frame.shape == (224, 224, 3) and frame.dtype == np.uint8 and frame.std() > 10
        green = (frame[..., 1] > 200) & (frame[..., 0] < 60) & (frame[..., 2] < 60)
        assert green.any() == (name == "lunarlander-hover")  # only goal tasks draw their goal
    finally:
        env.close()
