"""Walker variants: backward walking/running, inclined floor, and the 'yoga' poses.

All reuse dm_control's planar walker (`Physics`, `PlanarWalker`: random joint init, the 24-D
observation of orientations, torso height and velocities) and its timing: 25 s at a control
step of 0.025 s = 1000 control steps.
"""

from __future__ import annotations

import functools

import numpy as np
from dm_control.suite import walker
from dm_control.utils.rewards import tolerance

from envs.dmcontrol_ext import models
from envs.dmcontrol_ext.recipe import Recipe

TIME_LIMIT = 25
CONTROL_TIMESTEP = 0.025
STAND_HEIGHT = 1.2  # torso height above which the stock stand term is 1
WALK_SPEED = 1.0
RUN_SPEED = 8.0
INF = float("inf")


class Physics(walker.Physics):
    """Stock walker physics plus body heights used by the pose rewards (body frame origins)."""

    def body_height(self, *names: str) -> float:
        """Mean world z of the named bodies' frames."""
        return float(np.mean([self.named.data.xpos[name, "z"] for name in names]))


class DirectedWalker(walker.PlanarWalker):
    """Walk or run at `move_speed` in `direction` (+1 forward, -1 backward).

    Reward: stand = (3 tol(torso height, [1.2, inf), margin 0.6) + (1 + upright)/2) / 4;
    move = tol(direction * x-velocity, [speed, inf), margin speed/2, linear, 0.5 at the margin);
    reward = stand (5 move + 1) / 6, which for direction +1 is the stock walk/run reward.
    """

    def __init__(self, move_speed: float, direction: int, random=None):
        if direction not in (1, -1):
            raise ValueError(f"direction {direction!r} not accepted; accepted: 1, -1")
        self._direction = direction
        super().__init__(move_speed=move_speed, random=random)

    def get_reward(self, physics: Physics) -> float:
        standing = tolerance(physics.torso_height(), bounds=(STAND_HEIGHT, INF), margin=STAND_HEIGHT / 2)
        stand = (3 * standing + (1 + physics.torso_upright()) / 2) / 4
        move = tolerance(
            self._direction * physics.horizontal_velocity(),
            bounds=(self._move_speed, INF),
            margin=self._move_speed / 2,
            value_at_margin=0.5,
            sigmoid="linear",
        )
        return stand * (5 * move + 1) / 6


def _lying(physics: Physics) -> tuple[float, float, float]:
    """(torso down, thighs down, tilt): the terms shared by lie-down and legs-up."""
    torso_down = tolerance(physics.torso_height(), bounds=(-INF, 0.08), margin=0.04)
    thigh_down = tolerance(physics.body_height("left_thigh", "right_thigh"), bounds=(-INF, 0.08), margin=0.04)
    return torso_down, thigh_down, (1 - physics.torso_upright()) / 2


def _legs_up(physics: Physics) -> float:
    return tolerance(physics.body_height("left_foot", "right_foot"), bounds=(1.1, INF), margin=0.55)


class Arabesque(walker.PlanarWalker):
    """Stand on the left leg with the right foot raised high and the torso leaning.

    Reward: (3 tol(torso height, [1, inf), margin 0.5) + tol(left foot z, (-inf, 0.08], margin 0.5)
    + tol(right foot z, [1, inf), margin 0.5) + (1 - upright)/2) / 6 (gaussian tolerances).
    """

    def __init__(self, random=None):
        super().__init__(move_speed=0, random=random)

    def get_reward(self, physics: Physics) -> float:
        standing = tolerance(physics.torso_height(), bounds=(1.0, INF), margin=0.5)
        left_down = tolerance(physics.body_height("left_foot"), bounds=(-INF, 0.08), margin=0.5)
        right_up = tolerance(physics.body_height("right_foot"), bounds=(1.0, INF), margin=0.5)
        tilt = (1 - physics.torso_upright()) / 2
        return (3 * standing + left_down + right_up + tilt) / 6


class LieDown(walker.PlanarWalker):
    """Lie flat: torso and thighs within 0.08 of the floor.

    Reward: (3 torso_down + thigh_down + (1 - upright)/2) / 5, with torso_down and thigh_down =
    tol(height, (-inf, 0.08], margin 0.04) (gaussian) of the torso and of the mean thigh.
    """

    def __init__(self, random=None):
        super().__init__(move_speed=0, random=random)

    def get_reward(self, physics: Physics) -> float:
        torso_down, thigh_down, tilt = _lying(physics)
        return (3 * torso_down + thigh_down + tilt) / 5


class LegsUp(walker.PlanarWalker):
    """Lie on the back with both feet raised.

    Reward: (3 torso_down + 2 legs_up + thigh_down + (1 - upright)/2) / 7, where legs_up =
    tol(mean foot z, [1.1, inf), margin 0.55) and the other terms are those of LieDown.
    """

    def __init__(self, random=None):
        super().__init__(move_speed=0, random=random)

    def get_reward(self, physics: Physics) -> float:
        torso_down, thigh_down, tilt = _lying(physics)
        return (3 * torso_down + 2 * _legs_up(physics) + thigh_down + tilt) / 7


class Headstand(walker.PlanarWalker):
    """Stand on the head: feet and thighs high.

    Reward: (3 legs_up + 2 tol(mean thigh z, [1, inf), margin 0.5)) / 5 (gaussian tolerances).
    """

    def __init__(self, random=None):
        super().__init__(move_speed=0, random=random)

    def get_reward(self, physics: Physics) -> float:
        thigh_up = tolerance(physics.body_height("left_thigh", "right_thigh"), bounds=(1.0, INF), margin=0.5)
        return (3 * _legs_up(physics) + 2 * thigh_up) / 5


def _long_floor() -> Physics:
    return Physics.from_xml_string(models.walker_long_floor(), models.ASSETS)


def _incline() -> Physics:
    return Physics.from_xml_string(models.walker_incline(), models.ASSETS)


def _recipe(physics, task) -> Recipe:
    return Recipe(physics, task, TIME_LIMIT, CONTROL_TIMESTEP)


RECIPES: dict[str, Recipe] = {
    "walk_backward": _recipe(_long_floor, functools.partial(DirectedWalker, WALK_SPEED, -1)),
    "run_backward": _recipe(_long_floor, functools.partial(DirectedWalker, RUN_SPEED, -1)),
    # Stock stand/walk/run rewards on the inclined floor (torso height is the world z, as stock).
    "stand_incline": _recipe(_incline, functools.partial(walker.PlanarWalker, 0)),
    "walk_incline": _recipe(_incline, functools.partial(walker.PlanarWalker, WALK_SPEED)),
    "run_incline": _recipe(_incline, functools.partial(walker.PlanarWalker, RUN_SPEED)),
    "arabesque": _recipe(_long_floor, Arabesque),
    "lie_down": _recipe(_long_floor, LieDown),
    "legs_up": _recipe(_long_floor, LegsUp),
    "headstand": _recipe(_long_floor, Headstand),
}
