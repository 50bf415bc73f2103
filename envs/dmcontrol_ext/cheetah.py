"""Cheetah variants: run backward, run on one leg, jump.

All reuse dm_control's `cheetah.Cheetah` (random limited joints, 200 settle steps; observation
qpos[1:] + qvel = 17-D) and `cheetah.Physics` (`speed()`: torso subtree x-velocity), on the stock
body with a longer ground. 10 s at the physics step of 0.01 s = 1000 control steps.
"""

from __future__ import annotations

import functools

from dm_control import mujoco
from dm_control.suite import cheetah
from dm_control.utils.rewards import tolerance

from envs.dmcontrol_ext import models
from envs.dmcontrol_ext.recipe import Recipe

TIME_LIMIT = 10
RUN_SPEED = 10.0  # stock cheetah run speed
UP_HEIGHT = 1.2  # height above which the torso/foot "up" terms are 1
FEET = ("bfoot", "ffoot")
INF = float("inf")


class Physics(cheetah.Physics):
    def height(self, body: str) -> float:
        """World z of a body's frame."""
        return float(self.named.data.xpos[body, "z"])


class DirectedRun(cheetah.Cheetah):
    """Run at `speed` or faster in `direction` (+1 forward, -1 backward).

    Reward: tol(direction * speed, [speed, inf), margin speed, linear, 0 at the margin).
    """

    def __init__(self, speed: float, direction: int, random=None):
        if direction not in (1, -1):
            raise ValueError(f"direction {direction!r} not accepted; accepted: 1, -1")
        self._speed, self._direction = speed, direction
        super().__init__(random=random)

    def get_reward(self, physics: Physics) -> float:
        return tolerance(
            self._direction * physics.speed(),
            bounds=(self._speed, INF),
            margin=self._speed,
            value_at_margin=0,
            sigmoid="linear",
        )


def _up(physics: Physics, lifted_foot: str) -> float:
    """How well the torso and the lifted foot are raised: (3 foot_up + 2 torso_up) / 5."""
    torso_up = tolerance(physics.height("torso"), bounds=(UP_HEIGHT, INF), margin=UP_HEIGHT / 2)
    foot_up = tolerance(physics.height(lifted_foot), bounds=(UP_HEIGHT, INF), margin=UP_HEIGHT / 2)
    return (3 * foot_up + 2 * torso_up) / 5


class OneLegRun(cheetah.Cheetah):
    """Run forward on one leg with the other foot (`lifted_foot`) held high.

    Reward: up (5 tol(speed, [speed, inf), margin speed, linear, 0) + 1) / 6, where
    up = (3 tol(lifted foot z, [1.2, inf), margin 0.6) + 2 tol(torso z, [1.2, inf), margin 0.6)) / 5.
    Running on the front leg lifts `bfoot`; running on the back leg lifts `ffoot`.
    """

    def __init__(self, lifted_foot: str, speed: float, random=None):
        if lifted_foot not in FEET:
            raise ValueError(f"lifted_foot {lifted_foot!r} not accepted; accepted: {FEET}")
        self._lifted_foot, self._speed = lifted_foot, speed
        super().__init__(random=random)

    def get_reward(self, physics: Physics) -> float:
        move = tolerance(
            physics.speed(),
            bounds=(self._speed, INF),
            margin=self._speed,
            value_at_margin=0,
            sigmoid="linear",
        )
        return _up(physics, self._lifted_foot) * (5 * move + 1) / 6


class Jump(cheetah.Cheetah):
    """Get high while staying in place: the mean of two 'stand on one foot' terms.

    Reward: for each foot f in (bfoot, ffoot), (5 tol((torso z + f z)/2, [1.2, inf), margin 0.6)
    + tol(speed, [-0.5, 0.5], margin 0.5, linear, 0)) / 6; the reward is their mean.
    """

    STILL_SPEED = 0.5

    def get_reward(self, physics: Physics) -> float:
        still = tolerance(
            physics.speed(),
            bounds=(-self.STILL_SPEED, self.STILL_SPEED),
            margin=self.STILL_SPEED,
            value_at_margin=0,
            sigmoid="linear",
        )
        terms = []
        for foot in FEET:
            high = tolerance(
                (physics.height("torso") + physics.height(foot)) / 2,
                bounds=(UP_HEIGHT, INF),
                margin=UP_HEIGHT / 2,
            )
            terms.append((5 * high + still) / 6)
        return sum(terms) / len(terms)


def _physics() -> mujoco.Physics:
    return Physics.from_xml_string(models.cheetah_long_ground(), models.ASSETS)


RECIPES: dict[str, Recipe] = {
    "run_backward": Recipe(_physics, functools.partial(DirectedRun, 0.8 * RUN_SPEED, -1), TIME_LIMIT),
    "run_front": Recipe(_physics, functools.partial(OneLegRun, "bfoot", 0.6 * RUN_SPEED), TIME_LIMIT),
    "run_back": Recipe(_physics, functools.partial(OneLegRun, "ffoot", 0.6 * RUN_SPEED), TIME_LIMIT),
    "jump": Recipe(_physics, Jump, TIME_LIMIT),
}
