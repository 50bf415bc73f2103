"""RoboDesk experts: inverse-kinematics waypoint scripts (the env solves IK for an end-effector
delta, so an expert only steers the end effector through a few points).

Button tasks: close the gripper, go above the button, press straight down onto it, and stay
there. The buttons are fixed parts of the desk (`BUTTONS`, world xyz of the button bodies); the
end effector's position is the observation's first three entries. The slide, drawer and block
tasks have no expert: a few fixed waypoints do not solve them (the handle and block positions are
randomised and a grasp needs orientation control).
"""

from __future__ import annotations

import numpy as np

from envs.experts import Expert

BUTTONS = {  # button body positions in the world frame (m), from RoboDesk's desk model
    "rd-push-red": (-0.45, 0.625, 0.76),
    "rd-push-green": (-0.25, 0.625, 0.76),
    "rd-push-blue": (-0.05, 0.625, 0.76),
}
ABOVE = 0.10  # m above the button to approach from
PRESS = -0.06  # m: target below the button top, so the press goes through
MAX_STEP = 0.10  # m the end effector moves per agent step at |action| = 1 (0.01 m x 10 sub-steps)
REACHED = 0.02  # m


class ButtonExpert(Expert):
    def __init__(self, env):
        super().__init__(env)
        button = np.array(BUTTONS[self.task.name])
        self.waypoints = [button + np.array([0.0, 0.0, ABOVE]), button + np.array([0.0, 0.0, PRESS])]

    def begin(self, obs, info):
        self._index = 0

    def act(self, obs, info):
        ee = np.asarray(obs[:3], np.float64)
        target = self.waypoints[self._index]
        if self._index + 1 < len(self.waypoints) and np.linalg.norm(target - ee) < REACHED:
            self._index += 1
            target = self.waypoints[self._index]
        move = np.clip((target - ee) / MAX_STEP, -1, 1)
        return np.array([*move, 0.0, 1.0], np.float32)


def make(task: str, env) -> Expert:
    return ButtonExpert(env)
