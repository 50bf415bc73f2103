"""Atari: the joystick mapping (pure function), and every game made, reset and stepped."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from envs.atari import DEAD_ZONE, joystick_action
from envs.registry import TASK_SETS, TASKS

ale_py = pytest.importorskip("ale_py", reason="ale-py is not installed")


def _grid(n: int = 41) -> np.ndarray:
    lin = np.linspace(-1.0, 1.0, n)
    return np.array(list(itertools.product(lin, lin, [-1.0, -0.01, 0.01, 1.0])))


def test_mapping_covers_all_18_joystick_actions():
    names = {joystick_action(a) for a in _grid()}
    assert names == {a.name for a in ale_py.Action if a.value < 18}


def test_neutral_zone_centres_the_stick_for_every_angle():
    r_edge = 2 * DEAD_ZONE - 1  # a0 at the dead-zone radius
    for a0 in np.linspace(-1.0, r_edge - 1e-6, 5):
        for a1 in np.linspace(-1.0, 1.0, 17):
            assert joystick_action(np.array([a0, a1, -1.0])) == "NOOP"
            assert joystick_action(np.array([a0, a1, 1.0])) == "FIRE"
    # Just outside the dead zone, the stick points somewhere.
    assert joystick_action(np.array([r_edge + 1e-3, 0.0, -1.0])) == "RIGHT"


@pytest.mark.parametrize("a1, expected", [
    (0.0, "RIGHT"), (0.25, "UPRIGHT"), (0.5, "UP"), (0.75, "UPLEFT"), (1.0, "LEFT"), (-1.0, "LEFT"),
    (-0.75, "DOWNLEFT"), (-0.5, "DOWN"), (-0.25, "DOWNRIGHT"), (0.12, "RIGHT"), (0.13, "UPRIGHT"),
])
def test_angle_picks_equal_sectors(a1, expected):
    assert joystick_action(np.array([1.0, a1, -1.0])) == expected
    assert joystick_action(np.array([1.0, a1, 0.5])) == expected + "FIRE"


def test_mapping_rejects_wrong_shape():
    with pytest.raises(ValueError, match="shape"):
        joystick_action(np.zeros(4))


def test_score_bounds_come_from_the_game_table():
    assert len(TASK_SETS["atari"]) == 27
    assert TASKS["atari-pong"].score(0.0, 0.0) == pytest.approx(0.5)
    assert TASKS["atari-boxing"].score(-100.0, 0.0) == 0.0
    assert TASKS["atari-alien"].score(500.0, 0.0) == pytest.approx(0.5)
    assert all(TASKS[n].params.get("game") for n in TASK_SETS["atari"])


@pytest.mark.parametrize("name", TASK_SETS["atari"])
def test_every_game_makes_resets_and_steps(name):
    import envs

    env = envs.make(name, seed=1)
    try:
        obs, info = env.reset()
        assert obs.shape == (128,) and obs.dtype == np.float32
        assert 0.0 <= obs.min() and obs.max() <= 1.0
        rng = np.random.default_rng(0)
        changed = False
        for _ in range(20):
            nxt, _, terminated, truncated, info = env.step(rng.uniform(-1, 1, 3).astype(np.float32))
            changed |= not np.array_equal(nxt, obs)
            obs = nxt
            assert not terminated and not truncated and info["success"] == 0.0
        assert changed, "RAM never changed: the emulator is not running"
    finally:
        env.close()


def test_same_seed_same_rollout():
    import envs

    def rollout():
        env = envs.make("atari-space-invaders", seed=3)
        env.reset()
        rng = np.random.default_rng(5)
        out = [env.step(rng.uniform(-1, 1, 3).astype(np.float32))[0] for _ in range(50)]
        env.close()
        return np.array(out)

    np.testing.assert_array_equal(rollout(), rollout())


def test_game_over_freezes_but_never_ends_the_episode():
    import envs

    env = envs.make("atari-asterix", seed=0)  # random play loses all lives in a few hundred steps
    env.reset()
    rng = np.random.default_rng(0)
    steps, frozen_obs, after = 0, None, []
    truncated = False
    while not truncated:
        obs, reward, terminated, truncated, _ = env.step(rng.uniform(-1, 1, 3).astype(np.float32))
        steps += 1
        assert not terminated
        if env.unwrapped._game_over:
            frozen_obs = obs if frozen_obs is None else frozen_obs
            after.append((obs, reward))
    env.close()
    assert steps == 1000
    assert len(after) > 10, "the game did not end within the episode; pick another game for this test"
    assert all(np.array_equal(o, frozen_obs) and r == 0.0 for o, r in after)
