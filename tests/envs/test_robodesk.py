"""RoboDesk: state-only stepping (no rendering), observation layout, success, seeding."""

from __future__ import annotations

import numpy as np
import pytest

import envs  # first: it selects the headless MuJoCo GL backend (EGL) before dm_control loads
from envs.registry import TASK_SETS
from tests.envs.helpers import random_steps

pytest.importorskip("robodesk", reason="robodesk is not installed")

SLICES = {"end_effector": slice(0, 3), "qpos_objects": slice(3, 29), "qpos_robot": slice(29, 38),
          "qvel_objects": slice(38, 64), "qvel_robot": slice(64, 73)}


@pytest.fixture
def no_camera(monkeypatch):
    """Any camera render during the test fails it."""
    from dm_control.mujoco import engine

    def forbidden(*args, **kwargs):
        raise AssertionError("a camera image was rendered in state mode")

    monkeypatch.setattr(engine.Camera, "render", forbidden)


@pytest.mark.parametrize("name", TASK_SETS["robodesk"])
def test_every_task_steps_without_rendering(name, no_camera):
    steps = random_steps(name)
    assert all(0.0 <= reward <= 10.0 for _, reward, _ in steps)  # 10 sub-steps of a reward clipped to [0, 1]
    first, last = steps[0][0], steps[-1][0]
    assert not np.array_equal(last[SLICES["qpos_robot"]], first[SLICES["qpos_robot"]])


def test_observation_holds_object_positions_not_velocities(no_camera):
    env = envs.make("rd-flat-block-in-bin", seed=1)
    try:
        env.reset()
        obs, *_ = env.step(np.array([1, 0, -1, 0, 1], np.float32))
        physics = env.unwrapped.desk.physics
        qpos_objects = obs[SLICES["qpos_objects"]]
        np.testing.assert_allclose(qpos_objects[:8], physics.data.qpos[9:17], atol=1e-6)
        for k, body in enumerate(("ball", "upright_block", "flat_block")):
            np.testing.assert_allclose(qpos_objects[8 + 6 * k: 11 + 6 * k], physics.named.data.qpos[body][:3],
                                       atol=1e-6)
        np.testing.assert_allclose(obs[SLICES["qvel_objects"]], physics.data.qvel[9:], atol=1e-5)
        np.testing.assert_allclose(obs[SLICES["end_effector"]], physics.named.data.site_xpos["end_effector"],
                                   atol=1e-6)
        assert not np.allclose(qpos_objects, obs[SLICES["qvel_objects"]])
    finally:
        env.close()


def test_open_slide_success_when_the_door_is_open(no_camera):
    env = envs.make("rd-open-slide", seed=0)
    try:
        env.reset()
        _, _, _, _, info = env.step(np.zeros(5, np.float32))
        assert info["success"] == 0.0
        env.unwrapped.desk.physics.named.data.qpos["slide_joint"] = 0.6
        _, _, _, _, info = env.step(np.zeros(5, np.float32))
        assert info["success"] == 1.0
    finally:
        env.close()


def test_same_seed_same_reset():
    def reset_obs(seed):
        env = envs.make("rd-push-green", seed=seed)
        obs = env.reset()[0], env.reset(seed=seed)[0]
        env.close()
        return obs

    (a, a2), (b, _), (c, _) = reset_obs(3), reset_obs(3), reset_obs(4)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, a2)
    assert not np.array_equal(a, c)


def test_render_only_when_asked():
    env = envs.make("rd-push-blue", seed=0, render_mode="rgb_array")
    try:
        env.reset()
        frame = env.render()
        assert frame.shape == (224, 224, 3) and frame.dtype == np.uint8 and frame.std() > 0
    finally:
        env.close()


def test_contact_free_ik_copy_gives_robodesks_joint_targets():
    env = envs.make("rd-open-drawer", seed=5)
    try:
        env.reset()
        desk = env.unwrapped.desk
        shared = desk.physics.copy(share_model=True)  # what RoboDesk itself uses for IK
        ours = desk.physics_copy
        rng = np.random.default_rng(0)
        for _ in range(5):
            action = rng.uniform(-1, 1, 5)
            shared.data.qpos[:] = ours.data.qpos[:] = desk.physics.data.qpos[:]
            target_ours = desk._convert_action(action)
            desk.physics_copy = shared
            target_shared = desk._convert_action(action)
            desk.physics_copy = ours
            np.testing.assert_allclose(target_ours, target_shared, atol=1e-9)
            env.step(action.astype(np.float32))
    finally:
        env.close()


def test_same_seed_same_rollout():
    def rollout():
        env = envs.make("rd-flat-block-in-bin", seed=2)
        out = [env.reset()[0]]
        rng = np.random.default_rng(0)
        out += [env.step(rng.uniform(-1, 1, 5).astype(np.float32))[0] for _ in range(3)]
        env.close()
        return np.array(out)

    np.testing.assert_array_equal(rollout(), rollout())


def test_lean_ik_matches_dm_control_bitwise():
    from dm_control.utils import inverse_kinematics

    from envs.robodesk import site_position_ik

    env = envs.make("rd-push-red", seed=3)
    try:
        env.reset()
        desk = env.unwrapped.desk
        ours, reference = desk.physics_copy, desk.physics_copy.copy(share_model=True)
        rng = np.random.default_rng(1)
        joints = tuple(f"panda0_joint{i}" for i in range(1, 7))
        for _ in range(20):  # small deltas (RoboDesk's) and large ones (damped branch, many steps)
            start = desk.physics.data.qpos.copy()
            target = ours.named.data.site_xpos["end_effector"] + rng.normal(0, rng.choice([0.01, 0.3]), 3)
            ours.data.qpos[:] = reference.data.qpos[:] = start
            got = site_position_ik(ours.model.ptr, ours.data.ptr, desk._ee_site, desk._ik_dofs, target).copy()
            want = inverse_kinematics.qpos_from_site_pose(reference, "end_effector", target, joint_names=joints,
                                                          inplace=True).qpos.copy()
            np.testing.assert_array_equal(got, want)
            assert not np.array_equal(got, start)
    finally:
        env.close()


def test_direct_mujoco_step_matches_robodesks_step_bitwise(no_camera):
    """Our step against RoboDesk's own (dm_control Physics.step, dm_control IK) from one state."""
    import robodesk

    from envs.robodesk import _import_robodesk

    _import_robodesk()
    ours, stock = envs.make("rd-open-drawer", seed=7).unwrapped, envs.make("rd-open-drawer", seed=7).unwrapped
    try:
        ours.reset(), stock.reset()
        stock_desk = stock.desk
        stock_desk._ik = lambda pos: robodesk.RoboDesk._ik(stock_desk, pos)  # dm_control's IK
        rng = np.random.default_rng(0)
        for _ in range(15):
            action = rng.uniform(-1, 1, 5)
            obs, reward, *_ = ours.desk.step(action)
            want_obs, want_reward, *_ = robodesk.RoboDesk.step(stock_desk, action)
            np.testing.assert_array_equal(obs, want_obs)
            assert reward == want_reward
        np.testing.assert_array_equal(ours.desk.physics.data.qpos, stock_desk.physics.data.qpos)
        assert ours.desk.num_steps == stock_desk.num_steps
    finally:
        ours.close(), stock.close()


def test_invalid_physics_state_raises_like_dm_control():
    from dm_control.rl.control import PhysicsError

    env = envs.make("rd-push-blue", seed=0)
    try:
        env.reset()
        env.unwrapped.desk.physics.data.qvel[12] = np.nan
        with pytest.raises(PhysicsError, match="mjWARN_BAD"):
            env.step(np.zeros(5, np.float32))
    finally:
        env.close()
