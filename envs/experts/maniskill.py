"""ManiSkill experts.

* The library's motion-planning solutions (see envs.maniskill_expert), for the Panda tasks that
  ship one. The expert plans on a private copy of the scene at reset (about a second); actions
  then come from the task's own end-effector controller.
* The reach tasks (our MMBench-Reach env): a proportional controller on the observation's last
  three entries, the TCP-to-goal vector, through the end-effector delta-position controller
  (the rotation part of a delta-pose action stays 0).
* The cartpoles (dense and sparse): a linear balance controller on (cart x, pole angle, their
  velocities: observation entries 0-3, angle 0 upright), and for swing-up an energy-pumping
  controller until the pole is within 0.5 rad of upright (as the MiniArcade cartpole experts).
"""

from __future__ import annotations

import math

import numpy as np

from envs.experts import Expert

REACH_TASKS = ("ms-reach", "ms-reach-eepose", "ms-reach-xarm6")
CARTPOLE_TASKS = ("ms-cartpole-balance", "ms-cartpole-swingup", "ms-cartpole-balance-sparse",
                  "ms-cartpole-swingup-sparse")
BALANCE_GAINS = (0.3, 3.0, 0.3, 0.3)  # on x, angle, x velocity, angular velocity (measured: 1000/1000)
SWING_ENERGY_KE = 0.4  # kinetic-energy weight of the pumped energy estimate (per unit angular speed^2)
SWING_GAIN = 0.5
UPRIGHT = 0.5  # rad: switch from pumping to balancing
EE_STEP = 0.1  # m: the delta-position controllers move the TCP target at most this far per step


class PlannedExpert(Expert):
    def __init__(self, env):
        super().__init__(env)
        from envs.maniskill_expert import MotionPlanningExpert

        self.planner = MotionPlanningExpert(env)

    def reset(self, seed: int):
        return self.planner.reset(seed=seed)

    def act(self, obs, info):
        return self.planner.act()


class ReachExpert(Expert):
    def act(self, obs, info):
        to_goal = np.asarray(obs[-3:], np.float64)
        action = np.zeros(self.task.action_dim, np.float32)
        action[:3] = np.clip(to_goal / EE_STEP, -1, 1)
        return action


def cartpole_action(obs: np.ndarray) -> np.ndarray:
    x, x_dot, theta_dot = float(obs[0]), float(obs[2]), float(obs[3])
    theta = (float(obs[1]) + math.pi) % (2 * math.pi) - math.pi  # 0 upright
    if abs(theta) < UPRIGHT:
        u = float(np.dot(BALANCE_GAINS, (x, theta, x_dot, theta_dot)))
    else:  # pump energy toward that of the upright pole at rest (0), keep the cart near the centre
        energy = SWING_ENERGY_KE * theta_dot ** 2 + 9.81 * (math.cos(theta) - 1)
        u = SWING_GAIN * energy * theta_dot * math.cos(theta) - 0.1 * (x + x_dot)
    return np.clip([u], -1, 1).astype(np.float32)


class CartpoleExpert(Expert):
    def act(self, obs, info):
        return cartpole_action(obs)


def make(task: str, env) -> Expert:
    if task in REACH_TASKS:
        return ReachExpert(env)
    if task in CARTPOLE_TASKS:
        return CartpoleExpert(env)
    return PlannedExpert(env)
