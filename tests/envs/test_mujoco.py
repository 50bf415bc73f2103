"""Gymnasium MuJoCo tasks: the maker contract, action scaling and the reward changes."""

from __future__ import annotations

import numpy as np
import pytest

import envs  # first: it picks the headless MuJoCo GL backend before anything imports mujoco
from envs.registry import TASK_SETS, get_task
from tests.envs.helpers import library_env, random_steps

pytest.importorskip("gymnasium.envs.mujoco", reason="gymnasium[mujoco] is not installed")

MUJOCO_TASKS = TASK_SETS["mujoco"]


@pytest.mark.parametrize("name", MUJOCO_TASKS)
def test_success_is_always_zero(name):
    assert all(info["success"] == 0.0 for _, _, info in random_steps(name))


@pytest.mark.parametrize("name", MUJOCO_TASKS)
def test_construction_seed_fixes_the_first_reset(name):
    a, b = envs.make(name, seed=0), envs.make(name, seed=0)
    try:
        np.testing.assert_array_equal(a.reset()[0], b.reset(seed=0)[0])
    finally:
        a.close()
        b.close()


def test_pendulum_action_is_scaled_to_the_motor_range():
    env = envs.make("mujoco-inverted-pendulum", seed=0)
    try:
        env.reset()
        env.step(np.array([0.5], np.float32))
        assert library_env(env).data.ctrl[0] == pytest.approx(1.5)  # 0.5 of the +-3 range
    finally:
        env.close()


def test_pendulum_reward_stays_zero_after_the_first_fall():
    env = envs.make("mujoco-inverted-pendulum", seed=0)
    try:
        env.reset()
        rewards = [env.step(np.ones(1, np.float32))[1] for _ in range(40)]
        assert rewards[0] == 2.0 and rewards[-1] == 0.0  # upright at first, fallen by the end
        # Put the pole back upright: the library would pay 1 again, the task keeps paying 0.
        pend = library_env(env)
        pend.set_state(np.zeros(pend.model.nq), np.zeros(pend.model.nv))
        assert env.step(np.zeros(1, np.float32))[1] == 0.0
        env.reset()
        assert env.step(np.zeros(1, np.float32))[1] == 2.0  # the flag clears on reset
    finally:
        env.close()


@pytest.mark.parametrize("name", ["mujoco-hopper", "mujoco-walker"])
def test_fallen_body_costs_one_per_inner_step(name):
    env = envs.make(name, seed=0)
    spec = get_task(name)
    try:
        env.reset()
        # Healthy at the start: the clamped reward is never negative.
        assert env.step(np.zeros(spec.action_dim, np.float32))[1] >= 0.0
        rng = np.random.default_rng(0)
        for _ in range(500):  # strong random torques knock it over
            env.step(np.sign(rng.uniform(-1, 1, spec.action_dim)).astype(np.float32))
            if not library_env(env).is_healthy:
                break
        assert not library_env(env).is_healthy
        # Lying still on the ground: every inner step costs exactly 1.
        rewards = [env.step(np.zeros(spec.action_dim, np.float32))[1] for _ in range(20)]
        assert rewards[-5:] == [-2.0] * 5 and not library_env(env).is_healthy
    finally:
        env.close()


def test_ant_observation_leaves_out_contact_forces():
    env = envs.make("mujoco-ant", seed=0)
    try:
        obs, _ = env.reset()
        ant = library_env(env)
        assert obs.shape == (ant.model.nq - 2 + ant.model.nv,)  # qpos without x, y; qvel
    finally:
        env.close()


def test_render_is_a_224_frame():
    env = envs.make("mujoco-halfcheetah", seed=0, render_mode="rgb_array")
    try:
        env.reset()
        frame = env.render()
        assert frame.shape == (224, 224, 3) and frame.dtype == np.uint8 and frame.std() > 5
    finally:
        env.close()
