"""Scripted experts for ManiSkill Panda tasks, built on the motion planners shipped with ManiSkill.

ManiSkill's solutions (`mani_skill.examples.motionplanning.panda.solutions`) plan collision-free
joint-space paths and execute them with joint-position control, at a pace that does not fit our
25-step episodes and in a control mode our tasks do not use. So the expert runs the library's
solution once on a private copy of the task (same env id, same seed, joint-position control),
keeps the gripper pose at every point where the plan stops (the end of each planned motion) with
the gripper command held there, and then drives the task itself, through its own end-effector
delta controller, from one such waypoint to the next as fast as the controller allows, holding still
for a few steps wherever the gripper opens or closes.

    expert = MotionPlanningExpert(envs.make("ms-pick-cube"))
    obs, info = expert.reset(seed=0)
    while not done: obs, reward, _, done, info = env.step(expert.act())

Used by the tests and for demonstrations; it only knows the tasks in `SOLUTIONS`.
"""

from __future__ import annotations

import dataclasses
import importlib

import gymnasium as gym
import numpy as np

from envs.maniskill import SIM_BACKEND

SOLUTIONS = {  # task -> solver in mani_skill.examples.motionplanning.panda.solutions
    "ms-pick-cube": "solvePickCube",
    "ms-pick-cube-eepose": "solvePickCube",
    "ms-push-cube": "solvePushCube",
    "ms-pull-cube": "solvePullCube",
    "ms-stack-cube": "solveStackCube",
    "ms-lift-peg": "solveLiftPegUpright",
    "ms-place-sphere": "solvePlaceSphere",
    "ms-pull-cube-tool": "solvePullCubeTool",
}
SLOW_FRACTION = 0.2  # a motion ends at a speed minimum below this fraction of the plan's top speed
SAME_POSITION, SAME_ANGLE = 0.003, 0.03  # m, rad: consecutive stops closer than this are one waypoint
REACHED_POSITION = 0.005  # m: close enough to a waypoint to move on to the next
REACHED_ANGLE = 0.05  # rad
PASS_THROUGH = 3.0  # tolerance multiplier at waypoints where the gripper command does not change
GRIPPER_STEPS = 3  # agent steps spent still while the gripper opens or closes (the planner uses 6 sim steps)


@dataclasses.dataclass(frozen=True)
class Waypoint:
    """A gripper (TCP) pose in the world frame and the gripper command to hold on the way to it."""

    position: np.ndarray  # (3,)
    quaternion: np.ndarray  # (4,) wxyz
    gripper: float


class _Recorder(gym.Wrapper):
    """Records each joint-position action the planner sends and the TCP pose that action targets."""

    def reset(self, **kwargs):
        self.actions: list[np.ndarray] = []
        self.targets: list[tuple[np.ndarray, np.ndarray]] = []
        obs, info = self.env.reset(**kwargs)
        self.first_state = self.env.unwrapped.get_state()[0].cpu().numpy()  # every actor's pose and velocity
        return obs, info

    def step(self, action):
        agent = self.env.unwrapped.agent
        arm = agent.controller.controllers["arm"]
        qpos = agent.robot.get_qpos()[0].cpu().numpy().copy()
        qpos[arm.active_joint_indices.cpu().numpy()] = np.asarray(action)[: len(arm.active_joint_indices)]
        model = self._pinocchio()
        model.compute_forward_kinematics(qpos)
        tcp = agent.robot.pose.sp * model.get_link_pose(int(agent.tcp.index))
        self.actions.append(np.asarray(action, dtype=np.float64).copy())
        self.targets.append((np.asarray(tcp.p, np.float64), np.asarray(tcp.q, np.float64)))
        return self.env.step(action)

    def _pinocchio(self):
        if not hasattr(self, "_model"):
            self._model = self.env.unwrapped.agent.robot.create_pinocchio_model()
        return self._model


def _waypoints(actions: list[np.ndarray], targets: list[tuple[np.ndarray, np.ndarray]]) -> list[Waypoint]:
    """The targeted TCP pose where each planned motion ends (the joint targets slow to a local
    minimum of speed) and wherever the gripper command is about to change."""
    arm = np.stack(actions)[:, :-1]
    gripper = np.stack(actions)[:, -1]
    speed = np.abs(np.diff(arm, axis=0, prepend=arm[:1])).max(axis=1)  # joint-target change per step
    slow = SLOW_FRACTION * speed.max()
    points: list[Waypoint] = []
    for t in range(len(actions)):
        last = t == len(actions) - 1
        at_rest = speed[t] <= slow and speed[t] <= speed[max(t - 1, 0)] and (last or speed[t] <= speed[t + 1])
        gripper_changes = not last and gripper[t + 1] != gripper[t]
        if not (last or at_rest or gripper_changes):
            continue
        point = Waypoint(targets[t][0], targets[t][1], float(gripper[t]))
        if points and points[-1].gripper == point.gripper and max(
                a / b for a, b in zip(_distance(points[-1], point), (SAME_POSITION, SAME_ANGLE))) < 1:
            points[-1] = point  # the same stop, a step later
            continue
        points.append(point)
    return points


def _distance(a: Waypoint, b: Waypoint) -> tuple[float, float]:
    """Position (m) and rotation angle (rad) between two waypoints."""
    dot = min(abs(float(np.dot(a.quaternion, b.quaternion))), 1.0)
    return float(np.linalg.norm(a.position - b.position)), 2.0 * float(np.arccos(dot))


class MotionPlanningExpert:
    """Solves a Panda ManiSkill task (see `SOLUTIONS`) through the task env's own action space."""

    def __init__(self, env: gym.Env):
        self.env = env
        self.task = env.unwrapped.task_spec
        if self.task.name not in SOLUTIONS:
            raise ValueError(f"no motion-planning solution for {self.task.name!r}; accepted: {sorted(SOLUTIONS)}")
        solutions = importlib.import_module("mani_skill.examples.motionplanning.panda.solutions")
        self._solve = getattr(solutions, SOLUTIONS[self.task.name])
        self.waypoints: list[Waypoint] = []
        self._index = 0
        self._hold = 0

    def plan(self, seed: int) -> tuple[list[Waypoint], np.ndarray]:
        """Run ManiSkill's planner on a joint-position copy of the task reset with `seed`; return the
        waypoints and the copy's initial simulator state."""
        params = self.task.params
        shadow = _Recorder(gym.make(params["env_id"], obs_mode="state", control_mode="pd_joint_pos",
                                    robot_uids=params.get("robot", "panda"), num_envs=1, sim_backend=SIM_BACKEND,
                                    render_backend="none", max_episode_steps=10_000))
        try:
            self._solve(shadow, seed=seed, debug=False, vis=False)
            return _waypoints(shadow.actions, shadow.targets), shadow.first_state
        finally:
            shadow.close()

    def reset(self, seed: int):
        """Plan for `seed`, then reset the task with the same seed (the same initial scene)."""
        self.waypoints, planned_state = self.plan(seed)
        self._index, self._hold = 0, 0
        obs, info = self.env.reset(seed=seed)
        state = self.env.unwrapped.unwrapped_maniskill.get_state()[0].cpu().numpy()
        if not np.allclose(state, planned_state, atol=1e-6):
            raise RuntimeError(f"{self.task.name}: seed {seed} gave the planner a different scene than the task; "
                               f"max state difference {np.abs(state - planned_state).max():.3g}")
        return obs, info

    def act(self) -> np.ndarray:
        """The next action: toward the current waypoint at full controller speed, or hold still."""
        import sapien
        from mani_skill.trajectory.utils.actions.conversion import delta_pose_to_pd_ee_delta

        ms = self.env.unwrapped.unwrapped_maniskill
        arm = ms.agent.controller.controllers["arm"]
        tcp = ms.agent.tcp.pose.sp
        here = Waypoint(np.asarray(tcp.p), np.asarray(tcp.q), 0.0)
        target = self.waypoints[self._index]
        position_error, angle_error = _distance(here, target)
        pos_only = arm.config.frame == "root_translation"
        if self._index + 1 < len(self.waypoints):
            following = self.waypoints[self._index + 1]
            gripper_acts = following.gripper != target.gripper
            # Pass through a waypoint loosely unless the gripper acts there (grasps need precision).
            scale = 1.0 if gripper_acts else PASS_THROUGH
            reached = position_error < scale * REACHED_POSITION and (pos_only or angle_error < scale * REACHED_ANGLE)
            if gripper_acts and (reached or self._hold) and self._hold < GRIPPER_STEPS:
                self._hold += 1  # stay put while the gripper moves to its next command
                target = Waypoint(target.position, target.quaternion, following.gripper)
            elif reached or self._hold:
                self._hold = 0
                self._index += 1
                target = following
        # The delta as ManiSkill's own trajectory converter computes it for this controller frame
        # (translation in the base frame, rotation composed with the current orientation).
        rotation = sapien.Pose(q=tcp.q) * sapien.Pose(q=target.quaternion).inv()
        delta = sapien.Pose(target.position - tcp.p, rotation.q)
        arm_action = np.asarray(delta_pose_to_pd_ee_delta(arm, delta, pos_only=pos_only), dtype=np.float64)
        action = np.clip(np.r_[arm_action, target.gripper], -1.0, 1.0)
        return action.astype(np.float32)
