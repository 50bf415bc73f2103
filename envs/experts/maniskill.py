"""ManiSkill experts: the library's motion-planning solutions (see envs.maniskill_expert), for the
Panda tasks that ship one. The expert plans on a private copy of the scene at reset, so reset is
slow (seconds); actions then come from the task's own end-effector controller."""

from __future__ import annotations

from envs.experts import Expert


class PlannedExpert(Expert):
    def __init__(self, env):
        super().__init__(env)
        from envs.maniskill_expert import MotionPlanningExpert

        self.planner = MotionPlanningExpert(env)

    def reset(self, seed: int):
        return self.planner.reset(seed=seed)

    def act(self, obs, info):
        return self.planner.act()


def make(task: str, env) -> Expert:
    return PlannedExpert(env)
