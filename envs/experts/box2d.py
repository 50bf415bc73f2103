"""Box2D experts: lunar-lander heuristics (land, hover, takeoff).

Landing uses gymnasium's own heuristic (a PD controller on angle and height toward the pad). Hover
and takeoff use the same controller with the goal in place of the pad: the goal offset the
observation carries (entries 8-9) replaces the position relative to the pad. The bipedal walkers
have no expert here: gymnasium's walker heuristic needs every physics frame (our action repeat
of 2 hides half of them) and does not cope with the rugged, hills and obstacle terrains.
"""

from __future__ import annotations

import numpy as np

from envs.experts import Expert


def _pd(s: np.ndarray, hover_target: float) -> np.ndarray:
    """Gymnasium's lunar-lander heuristic on state s (x, y relative to the target, vx, vy, angle,
    angular velocity, legs), continuous actions."""
    angle_target = np.clip(s[0] * 0.5 + s[2] * 1.0, -0.4, 0.4)
    angle_todo = (angle_target - s[4]) * 0.5 - s[5] * 1.0
    hover_todo = (hover_target - s[1]) * 0.5 - s[3] * 0.5
    if s[6] or s[7]:  # a leg touches: stop turning, only fall gently
        angle_todo, hover_todo = 0.0, -s[3] * 0.5
    return np.clip(np.array([hover_todo * 20 - 1, -angle_todo * 20]), -1, 1).astype(np.float32)


class LanderExpert(Expert):
    def act(self, obs, info):
        s = np.asarray(obs, np.float64)
        if self.task.name == "lunarlander-land":
            return _pd(s, 0.55 * abs(s[0]))
        goal = s.copy()
        goal[0], goal[1] = -s[8], -s[9]  # position relative to the goal, in the pad-relative scale
        goal[6] = goal[7] = 0.0  # legs on the pad are not a reason to stop at a goal in the air
        return _pd(goal, 0.0)


def make(task: str, env) -> Expert:
    return LanderExpert(env)
