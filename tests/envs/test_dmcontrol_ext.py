"""dmcontrol-ext and the held-out DMC variants: task contract, seeding, and scripted reward checks.

Reward checks put the simulator in a chosen state and compare the task's reward across states
(e.g. a backward task must pay more for moving backward than forward).
"""

from __future__ import annotations

import math

import mujoco
import numpy as np
import pytest

import envs
from envs import dmcontrol_ext
from envs.dmcontrol import split_name
from envs.registry import TASK_SETS, TASKS
from envs.wrappers import success_of
from tests.envs.helpers import random_steps

EXT_TASKS = tuple(TASK_SETS["dmcontrol-ext"]) + tuple(
    n for n in TASK_SETS["held-out"] if TASKS[n].domain == "dmcontrol-ext"
)


def _load(name: str, seed: int = 0):
    """The raw dm_control environment of a task, reset, so tests can set its state."""
    env = dmcontrol_ext.load(*split_name(name), seed=seed)
    env.reset()
    return env


def _reward(env, qpos: dict | None = None, qvel: dict | None = None, fresh: bool = True) -> float:
    """The task's reward after overwriting some joints of the default pose (`fresh`: every joint
    at 0, standing upright for the legged bodies) or of the current state (`fresh=False`)."""
    physics = env.physics
    if fresh:
        physics.reset()
    for joint, value in (qpos or {}).items():
        physics.named.data.qpos[joint] = value
    for joint, value in (qvel or {}).items():
        physics.named.data.qvel[joint] = value
    physics.forward()  # recompute positions and sensors
    return float(env.task.get_reward(physics))


def test_task_lists_cover_every_custom_task():
    assert len(TASK_SETS["dmcontrol-ext"]) == 16
    assert len(EXT_TASKS) == 28
    assert {split_name(n) for n in EXT_TASKS} == set(dmcontrol_ext.RECIPES)


@pytest.mark.parametrize("name", EXT_TASKS)
def test_reward_is_two_control_steps_in_0_1_and_no_success(name):
    for _, reward, info in random_steps(name):
        assert 0.0 <= reward <= 2.0  # two control steps of reward in [0, 1]
        assert "success" not in info and math.isnan(success_of(info))  # no success criterion: no key


@pytest.mark.parametrize("name", EXT_TASKS)
def test_native_episode_is_1000_control_steps(name):
    # With the action repeat of 2 this is exactly the registered 500 agent steps.
    domain, task = split_name(name)
    recipe = dmcontrol_ext.RECIPES[(domain, task)]
    env = dmcontrol_ext.load(domain, task, seed=0)
    assert round(recipe.time_limit / env.control_timestep()) == 2 * TASKS[name].episode_length
    spec = env.action_spec()
    assert np.all(spec.minimum == -1) and np.all(spec.maximum == 1)


@pytest.mark.parametrize("name", ["walker-walk-backward", "cup-spin", "spinner-spin", "reacher-three-hard"])
def test_seeding(name):
    first = [envs.make(name, seed=s).reset()[0] for s in (3, 3, 4)]
    np.testing.assert_array_equal(first[0], first[1])
    assert not np.array_equal(first[0], first[2])


def test_unknown_task_names_the_accepted_ones():
    with pytest.raises(ValueError, match="walker-walk_backward"):
        dmcontrol_ext.load("walker", "moonwalk", seed=0)


@pytest.mark.parametrize(
    "name", ["walker-walk-backward", "walker-run-backward", "cheetah-run-backward", "hopper-hop-backward"]
)
def test_backward_tasks_reward_negative_velocity(name):
    env = _load(name)
    upright = {"walker": {"rootz": 0.0, "rooty": 0.0}, "cheetah": {"rooty": 0.0}, "hopper": {"rooty": 0.0}}
    domain = split_name(name)[0]
    pose = {**upright[domain], **({"rootz": 0.0} if domain != "cheetah" else {})}
    speed = 10.0
    backward = _reward(env, pose, {"rootx": -speed})
    forward = _reward(env, pose, {"rootx": speed})
    assert backward > 0.5 and forward < 0.2 * backward


def test_walker_pose_rewards():
    standing = {"rootz": 0.0, "rooty": 0.0, "right_hip": 0.0, "left_hip": 0.0}
    # On the back, torso capsule flat on the floor; hip flexion then lifts the legs.
    lying = {"rootz": -1.23, "rooty": -math.pi / 2}
    lie_down = _load("walker-lie-down")
    assert _reward(lie_down, lying) > 0.6 > _reward(lie_down, standing)
    legs_up = _load("walker-legs-up")
    raised = _reward(
        legs_up, {**lying, "left_hip": 1.5, "right_hip": 1.5, "left_knee": 0.0, "right_knee": 0.0}
    )
    assert raised > _reward(legs_up, lying) + 0.1
    headstand = _load("walker-headstand")
    # Standing already has the hips (thigh frames) at 1.0, so it earns the thigh term but not the feet.
    assert _reward(headstand, {"rootz": 0.0, "rooty": math.pi}) > 0.9
    assert _reward(headstand, standing) < 0.5
    arabesque = _load("walker-arabesque")
    # Raising the right leg (hip flexion brings the foot forward and up) beats raising the left.
    assert _reward(arabesque, {**standing, "right_hip": 1.7}) > _reward(
        arabesque, {**standing, "left_hip": 1.7}
    )


def test_cheetah_one_leg_and_jump_rewards():
    front, back = _load("cheetah-run-front"), _load("cheetah-run-back")
    # Pitch nose-down (positive rotation about +y lowers +x): the back foot goes up.
    nose_down = {"rootz": 0.6, "rooty": 1.2}
    assert _reward(front, nose_down, {"rootx": 6.0}) > _reward(back, nose_down, {"rootx": 6.0}) + 0.3
    assert _reward(back, {"rootz": 0.6, "rooty": -1.2}, {"rootx": 6.0}) > 0.5
    jump = _load("cheetah-jump")
    assert _reward(jump, {"rootz": 1.0}, {"rootx": 0.0}) > 0.8
    assert _reward(jump, {"rootz": 1.0}, {"rootx": 3.0}) < _reward(jump, {"rootz": 1.0}, {"rootx": 0.0})
    assert _reward(jump, {"rootz": 0.0}, {"rootx": 0.0}) < 0.3


@pytest.mark.parametrize("name", ["jumper-jump", "spinner-jump", "spinner-jump-four"])
def test_jump_rewards_height(name):
    env = _load(name)
    assert _reward(env, {"rootz": 0.7}) > 0.99  # torso body starts at 0.9: 1.6 is above 1.5
    assert _reward(env, {"rootz": -0.4}) < 0.05


def test_pendulum_spin_rewards_speed_either_way():
    env = _load("pendulum-spin")
    assert _reward(env, qvel={"hinge": 10.0}) == pytest.approx(1.0)
    assert _reward(env, qvel={"hinge": -10.0}) == pytest.approx(1.0)
    assert _reward(env, qvel={"hinge": 4.5}) == pytest.approx(0.5)  # 0.5 at one margin below 9
    assert _reward(env, qvel={"hinge": 0.0}) == pytest.approx(0.0)


@pytest.mark.parametrize("limbs", ["", "-four"])
def test_spinner_spin_direction(limbs):
    forward, backward = _load(f"spinner-spin{limbs}"), _load(f"spinner-spin-backward{limbs}")
    rolling_forward = {"rooty": 60.0, "rootx": 9.0}  # about 10 units of angular momentum
    assert _reward(forward, qvel=rolling_forward) > 0.9 and _reward(backward, qvel=rolling_forward) == 0.0
    rolling_backward = {k: -v for k, v in rolling_forward.items()}
    assert _reward(backward, qvel=rolling_backward) > 0.9 and _reward(forward, qvel=rolling_backward) == 0.0


def test_spinner_positive_angular_momentum_rolls_forward():
    for sign in (1, -1):
        env = _load("spinner-spin")  # settled on the ground
        assert sign * _reward(env, qvel={"rooty": sign * 40.0}, fresh=False) >= 0
        assert sign * env.physics.angular_momentum() > 5
        x0 = env.physics.named.data.qpos["rootx"][0]
        for _ in range(100):
            env.step(np.zeros(5))
        assert sign * (env.physics.named.data.qpos["rootx"][0] - x0) > 1.0


def test_four_arm_spinner_is_evenly_spaced():
    # [quirk fixed] the original four-arm model drops one limb of the five-arm star (72 deg gaps).
    physics = _load("spinner-spin-four").physics
    quats = [physics.named.model.body_quat[f"limb_{i}"] for i in range(4)]
    assert all(abs(q[1]) < 1e-9 and abs(q[3]) < 1e-9 for q in quats)  # rotations about y only
    angles = np.degrees([2 * math.atan2(q[2], q[0]) for q in quats]) % 360
    np.testing.assert_allclose(np.diff(np.sort(angles)), 90.0, atol=1e-6)


def test_walker_incline_slope():
    physics = _load("walker-walk-incline").physics
    normal_z = physics.named.data.geom_xmat["floor", "zz"]
    assert math.degrees(math.acos(normal_z)) == pytest.approx(dmcontrol_ext.models.INCLINE_DEGREES, abs=1e-3)


def test_cup_spin_starts_mostly_in_the_cup_and_pays_nothing_there():
    inside = []
    for seed in range(10):
        env = _load("cup-spin", seed)
        inside.append(env.physics.in_target())
        if inside[-1]:
            assert _reward(env, qvel={"ball_x": 8.0}, fresh=False) == 0.0
    assert sum(inside) >= 6  # 90% of episodes start inside
    env = _load("cup-spin")
    assert _reward(env, {"ball_x": 0.25, "ball_z": 0.0}, {"ball_x": 8.0}) > _reward(
        env, {"ball_x": 0.25, "ball_z": 0.0}, {"ball_x": 1.0}
    )


def test_reacher_three_links():
    env = _load("reacher-three-easy")
    physics = env.physics
    assert physics.model.nu == 3
    finger = physics.named.data.geom_xpos["finger", :2].copy()
    assert float(env.task.get_reward(physics)) in (0.0, 1.0)
    physics.named.model.geom_pos["target", :2] = finger
    assert _reward(env, fresh=False) == 1.0
    physics.named.model.geom_pos["target", :2] = -finger
    assert _reward(env, fresh=False) == 0.0


def test_giraffe_run_rewards_speed_with_head_up():
    env = _load("giraffe-run")
    fast, slow = _reward(env, qvel={"rootx": 10.0}), _reward(env, qvel={"rootx": 0.0})
    assert fast > 0.9 and slow < 0.3
    assert _reward(env, {"rootz": -0.7, "rooty": math.pi / 2}, {"rootx": 10.0}) < fast


@pytest.mark.slow
@pytest.mark.parametrize("name", EXT_TASKS)
def test_full_episode(name):
    env = envs.make(name, seed=0)
    env.reset()
    zero = np.zeros(TASKS[name].action_dim, np.float32)
    for t in range(TASKS[name].episode_length):
        _, _, terminated, truncated, info = env.step(zero)
        assert not terminated and truncated == (t == TASKS[name].episode_length - 1)
    assert 0.0 <= info["score"] <= 1.0


def test_render_own_models():
    """Our own XML bodies render a 224x224 RGB frame from camera 0 (skipped without OpenGL)."""
    for name in ("jumper-jump", "spinner-spin-four", "giraffe-run", "reacher-three-easy"):
        env = envs.make(name, seed=0, render_mode="rgb_array")
        env.reset()
        try:
            frame = env.render()
        except (ImportError, RuntimeError, mujoco.FatalError) as e:  # no EGL/OSMesa on this machine
            pytest.skip(f"MuJoCo cannot render here: {type(e).__name__}: {e}")
        assert frame.shape == (224, 224, 3) and frame.dtype == np.uint8
        assert frame.std() > 5  # not a blank image: the body and floor are in view
        env.close()
