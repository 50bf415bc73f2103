"""ManiSkill experts.

* The library's motion-planning solutions (see envs.maniskill_expert), for the Panda tasks that
  ship one. The expert plans on a private copy of the scene at reset (about a second); actions
  then come from the task's own end-effector controller.
* The reach tasks (our MMBench-Reach env): a proportional controller on the observation's last
  three entries, the TCP-to-goal vector, through the end-effector delta-position controller
  (the rotation part of a delta-pose action stays 0).
"""

from __future__ import annotations

import numpy as np

from envs.experts import Expert

REACH_TASKS = ("ms-reach", "ms-reach-eepose", "ms-reach-xarm6")
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


def make(task: str, env) -> Expert:
    return ReachExpert(env) if task in REACH_TASKS else PlannedExpert(env)
