"""RoboDesk (robodesk 1.0.0): a Franka arm at a desk with buttons, a sliding door, a drawer and blocks.

The stock env renders a camera image inside every observation (about 0.27 s per agent step);
here the observation is state only and nothing is rendered unless `render()` is asked for, so a
step costs only the IK and the physics (the IK itself runs on a contact-free model copy).

Observation (73-D, float32): the state entries of RoboDesk's observation dict in sorted key order:
    end_effector (3), qpos_objects (26), qpos_robot (9), qvel_objects (26), qvel_robot (9).
    qpos_objects holds the 8 hinge/slide joints (drawer, slide, 3 buttons, 3 lights), then for the
    ball, upright block and flat block: xyz position (3) and orientation as a rotation vector (3).
Action: 5-D in [-1, 1]: end-effector xyz delta (x 0.01 m, solved by IK), wrist rotation, gripper.
Reward: RoboDesk's dense task reward, clipped to [0, 1] per sub-step and summed over the 10
    sub-steps (RoboDesk's internal action repeat) of one agent step: in [0, 10].
Episode end: 100 agent steps (RoboDesk's own step limit is disabled); never terminates.
Success: RoboDesk's success test for the task after the step (button light pressed, slide > 0.55,
    drawer < -0.2, flat block inside the bin). Score: success at the last step.

Reset: RoboDesk's randomisation (drawer, slide, object and arm-pose noise) drawn from the env's
own seeded RNG, then one zero-action step whose observation is returned.

Deviations from the original ([quirk]s of robodesk 1.0.0 fixed here):
* `qpos_objects` is filled with the object *velocities* in robodesk 1.0.0; here it holds the
  object positions (26 numbers: a rotation vector instead of a quaternion keeps the size).
* RoboDesk stores live views of the objects' positions as their "original" positions, so its
  "did not move" terms never change; here copies are stored at reset (affects open_slide's
  10 % stay-put bonus).
* Reset noise comes from the env's RNG instead of the global `np.random`.
"""

from __future__ import annotations

import contextlib
import functools
import io
import sys
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from envs.registry import TaskSpec

SUBSTEPS = 10  # RoboDesk's internal action repeat: control sub-steps per agent step
RENDER_SIZE = 224
_GYM_NOTICE = "Gym has been unmaintained"  # first words of the notice `import gym` prints
FREE_BODIES = ("ball", "upright_block", "flat_block")  # objects on free joints, in qpos order
N_ROBOT_JOINTS = 9
# dm_control's qpos_from_site_pose defaults, which RoboDesk's IK uses.
_IK_TOL, _IK_MAX_STEPS, _IK_PROGRESS_THRESH, _IK_MAX_UPDATE_NORM = 1e-14, 100, 20.0, 2.0
_IK_REG_THRESHOLD, _IK_REG_STRENGTH = 0.1, 3e-2
# The render camera: free camera looking at the desk (rendered directly at 224x224, no crop).
CAMERA = {"distance": 1.4, "azimuth": 90.0, "elevation": -60.0, "lookat": (0.0, 0.535, 1.1)}


def _import_robodesk():
    """Import robodesk, first restoring `PIL.Image.ANTIALIAS` (removed in Pillow 10; robodesk uses it)."""
    import PIL.Image

    if not hasattr(PIL.Image, "ANTIALIAS"):
        PIL.Image.ANTIALIAS = PIL.Image.LANCZOS
    # robodesk imports the old `gym`, whose __init__ prints a four-line deprecation notice to
    # stderr; drop that notice (only it) while importing.
    captured = io.StringIO()
    with contextlib.redirect_stderr(captured):
        import robodesk
    if captured.getvalue() and not captured.getvalue().startswith(_GYM_NOTICE):
        sys.stderr.write(captured.getvalue())
    return robodesk


@functools.cache
def state_robodesk_class() -> type:
    """RoboDesk with a state-only observation, real object positions and a seedable reset."""
    import mujoco
    from dm_control.rl.control import PhysicsError

    robodesk = _import_robodesk()
    _NO_CONTACT_FLAGS = int(mujoco.mjtDisableBit.mjDSBL_CONTACT) | int(mujoco.mjtDisableBit.mjDSBL_CONSTRAINT)

    class StateRoboDesk(robodesk.RoboDesk):
        def __init__(self, task: str, seed: int | None = None):
            # episode_length=0 disables RoboDesk's own step limit; image_size is unused (no image).
            super().__init__(task=task, reward="dense", action_repeat=SUBSTEPS, episode_length=0, image_size=1)
            self.rng = np.random.default_rng(seed)
            # RoboDesk solves IK on a copy of the physics that shares the model, so each IK
            # iteration also runs collision detection. IK needs only kinematics: a copy with its
            # own model, contacts and constraints disabled gives the same solution at half the cost.
            self.physics_copy = self.physics.copy(share_model=False)
            self.physics_copy.model.opt.disableflags |= _NO_CONTACT_FLAGS
            model = self.physics.model
            self._ee_site = int(model.name2id("end_effector", "site"))
            self._ik_dofs = np.array([model.jnt_dofadr[model.name2id(f"panda0_joint{i}", "joint")]
                                      for i in range(1, 7)])
            self._free_qpos = [int(self.physics.model.jnt_qposadr[self.physics.model.name2id(b, "joint")])
                               for b in FREE_BODIES]

        def _ik(self, pos: np.ndarray) -> np.ndarray:
            """RoboDesk's IK (dm_control's `qpos_from_site_pose` with its defaults: position
            target, 6 arm joints, in place on the copy), the same arithmetic without dm_control's
            per-call name lookups and copies: about 3x cheaper, bitwise the same result."""
            return site_position_ik(self.physics_copy.model.ptr, self.physics_copy.data.ptr,
                                    self._ee_site, self._ik_dofs, pos)

        def step(self, action):
            """RoboDesk's step (10 control sub-steps, each an IK solve and 10 physics steps with
            gravity compensation), with MuJoCo called directly: dm_control's `Physics.step` costs
            about 20 us of Python per physics step, a third of the physics itself. Same update
            order as dm_control's legacy step (mj_step2 then mj_step1), so bitwise the same."""
            model, data = self.physics.model.ptr, self.physics.data.ptr
            warnings_before = data.warning.number.copy()
            total_reward = 0.0
            for _ in range(self.action_repeat):
                joint_position = self._convert_action(action)
                for _ in range(10):
                    data.ctrl[:N_ROBOT_JOINTS] = joint_position[:N_ROBOT_JOINTS]
                    data.qfrc_applied[:N_ROBOT_JOINTS] = data.qfrc_bias[:N_ROBOT_JOINTS]
                    mujoco.mj_step2(model, data)
                    mujoco.mj_step1(model, data)
                self.physics_copy.data.qpos[:] = data.qpos
                total_reward += self._get_task_reward(self.task, "dense_reward")
            new_warnings = data.warning.number > warnings_before
            if new_warnings.any():  # what dm_control's check_invalid_state raises on
                names = [n for n, new in zip(mujoco.mjtWarning.__members__, new_warnings) if new]
                raise PhysicsError(f"RoboDesk physics became invalid: {', '.join(names)}")
            self.num_steps += self.action_repeat
            return self._get_obs(), total_reward, False, {"discount": 1.0}

        def _object_positions(self) -> np.ndarray:
            qpos = self.physics.data.qpos
            joints = qpos[N_ROBOT_JOINTS:min(self._free_qpos)]
            parts = [joints]
            for adr in self._free_qpos:
                rotvec = np.zeros(3)
                mujoco.mju_quat2Vel(rotvec, qpos[adr + 3:adr + 7], 1.0)
                parts += [qpos[adr:adr + 3], rotvec]
            return np.concatenate(parts)

        def _get_obs(self) -> np.ndarray:  # called by RoboDesk's step and by reset below
            data = self.physics.data
            return np.concatenate([
                self.physics.named.data.site_xpos["end_effector"],
                self._object_positions(),
                data.qpos[:N_ROBOT_JOINTS],
                data.qvel[N_ROBOT_JOINTS:],
                data.qvel[:N_ROBOT_JOINTS],
            ]).astype(np.float32)

        def reset(self):
            """RoboDesk's reset randomisation, drawn from `self.rng`; returns the state vector."""
            self.success, self.num_steps, self.drawer_opened = False, 0, False
            physics, named, rng = self.physics, self.physics.named.data.qpos, self.rng
            physics.reset()
            named["drawer_joint"] -= 0.10 * rng.random()
            named["slide_joint"] += 0.20 * rng.random()
            named["flat_block"][:2] += (0.3 * rng.random(), 0.07 * rng.random())
            named["ball"][:2] += (0.48 * rng.random(), 0.08 * rng.random())
            named["upright_block"][:2] += (0.3 * rng.random() + 0.05, 0.05 * rng.random())
            # Arm: a fixed pose plus 15 % of a uniform draw over each actuator's control range.
            ctrl_range = physics.model.actuator_ctrlrange[:N_ROBOT_JOINTS]
            home = np.array([-0.30, -0.4, 0.28, -2.5, 0.13, 1.87, 0.91, 0.01, 0.01])
            physics.data.qpos[:N_ROBOT_JOINTS] = home + 0.15 * rng.uniform(ctrl_range[:, 0], ctrl_range[:, 1])
            physics.data.qvel[:N_ROBOT_JOINTS] = 0.0
            physics.forward()
            self.physics_copy.data.qpos[:] = physics.data.qpos[:]
            for body in FREE_BODIES:  # copies: RoboDesk keeps live views here (see module doc)
                self.original_pos[body] = physics.named.data.xpos[body].copy()
            return self._get_obs()

        def render(self, mode="rgb_array", resize=True):
            raise RuntimeError("StateRoboDesk never renders inside a step; use RoboDeskTask.render()")

    return StateRoboDesk


def site_position_ik(model, data, site_id: int, dofs: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Move `data.qpos` (only the `dofs`) so that site `site_id` reaches `target`; returns qpos.

    The iteration of dm_control's `inverse_kinematics.qpos_from_site_pose` for a position target
    with its default settings, written against the raw MuJoCo structs: Gauss-Newton steps with
    damping while the error is large, stopping at tolerance, on lack of progress or after 100
    steps. Same numpy calls in the same order, so the same floating-point result."""
    import mujoco

    jac = np.empty((3, model.nv))
    update_nv = np.zeros(model.nv)
    mujoco.mj_fwdPosition(model, data)
    site_xpos = data.site_xpos[site_id]
    for _ in range(_IK_MAX_STEPS):
        err = target - site_xpos
        err_norm = np.linalg.norm(err)
        if err_norm < _IK_TOL:
            break
        mujoco.mj_jacSite(model, data, jac, None, site_id)
        jac_joints = jac[:, dofs]
        hess = jac_joints.T.dot(jac_joints)
        joint_delta = jac_joints.T.dot(err)
        if err_norm > _IK_REG_THRESHOLD:
            hess += np.eye(hess.shape[0]) * _IK_REG_STRENGTH
            update = np.linalg.solve(hess, joint_delta)
        else:
            update = np.linalg.lstsq(hess, joint_delta, rcond=-1)[0]
        update_norm = np.linalg.norm(update)
        if err_norm / update_norm > _IK_PROGRESS_THRESH:
            break
        if update_norm > _IK_MAX_UPDATE_NORM:
            update *= _IK_MAX_UPDATE_NORM / update_norm
        update_nv[dofs] = update
        mujoco.mj_integratePos(model, data.qpos, update_nv, 1)
        mujoco.mj_fwdPosition(model, data)
    return data.qpos


class RoboDeskTask(gym.Env):
    """One RoboDesk task with state observations (see the module doc for the task sections)."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array"]}

    def __init__(self, spec: TaskSpec, seed: int | None = None, render_mode: str | None = None):
        task = spec.params.get("task")  # RoboDesk's own task name, from the row
        if task is None:
            raise ValueError(f"RoboDesk task {spec.name!r} has no 'task' in its params {dict(spec.params)}")
        self.task_spec = spec
        self.render_mode = render_mode
        self.desk = state_robodesk_class()(task, seed=seed)
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (spec.obs_dim,), np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (spec.action_dim,), np.float32)
        self._camera = None

    def _success(self) -> float:
        return float(self.desk._get_task_reward(self.desk.task, "success"))

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if seed is not None:
            self.desk.rng = np.random.default_rng(seed)
        self.desk.reset()
        obs, _, _, _ = self.desk.step(np.zeros(self.action_space.shape, np.float32))
        return obs, {"success": self._success()}

    def step(self, action):
        obs, reward, _, _ = self.desk.step(np.asarray(action, dtype=np.float64))
        return obs, float(reward), False, False, {"success": self._success()}

    def render(self):
        from dm_control import mujoco as dm_mujoco

        if self._camera is None:
            self._camera = dm_mujoco.MovableCamera(self.desk.physics, RENDER_SIZE, RENDER_SIZE)
            self._camera.set_pose(np.array(CAMERA["lookat"]), CAMERA["distance"], CAMERA["azimuth"],
                                  CAMERA["elevation"])
        return self._camera.render()

    def close(self):
        self._camera = None


def make(spec: TaskSpec, seed: int | None = None, render_mode: str | None = None) -> gym.Env:
    return RoboDeskTask(spec, seed=seed, render_mode=render_mode)
