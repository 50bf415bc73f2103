"""New bodies: jumper (a ball on two legs), spinner (a ball with n limbs) and giraffe.

Their tasks subclass dm_control's `cheetah.Cheetah`, which suits any planar body with a root
x/z slide and hinge: limited joints uniformly random, 200 settle steps, clock reset; observation
qpos[1:] (all but the root x) followed by qvel. Dims: jumper 4 + 5 = 9, spinner with n limbs
(n + 2) + (n + 3) (15 for five limbs, 13 for four), giraffe 9 + 10 = 19. All run 10 s at the
physics step of 0.01 s = 1000 control steps.
"""

from __future__ import annotations

import functools

from dm_control.suite import cheetah
from dm_control.utils.rewards import tolerance

from envs.dmcontrol_ext import models
from envs.dmcontrol_ext.recipe import Recipe

TIME_LIMIT = 10
JUMP_HEIGHT = 1.5  # torso height above which the jump reward is 1
SPIN_SPEED = 8.0  # 0.8 x the stock cheetah run speed; also the angular-momentum target
GIRAFFE_SPEED = 10.0  # the stock cheetah run speed
HEAD_HEIGHT = 0.5  # giraffe head height above which the head term is 1
JUMPER_LEGS = (144.0, 216.0)  # limb angles about +y (0 = up): two legs, 36 deg either side of down
INF = float("inf")


def spinner_limbs(n: int) -> tuple[float, ...]:
    """Evenly spaced limb angles starting straight up (five limbs: 0, 72, ..., 288 deg)."""
    if n < 2:
        raise ValueError(f"a spinner needs at least 2 limbs, got {n}")
    return tuple(360.0 * i / n for i in range(n))


class Physics(cheetah.Physics):
    """Cheetah physics (`speed()` = torso subtree x-velocity) plus heights and angular momentum."""

    def height(self, body: str) -> float:
        """World z of a body's frame."""
        return float(self.named.data.xpos[body, "z"])

    def angular_momentum(self) -> float:
        """y-component of the torso subtree's angular momentum; positive rolls toward +x."""
        return float(self.named.data.subtree_angmom["torso"][1])


class Jump(cheetah.Cheetah):
    """Jump: reward tol(torso z, [1.5, inf), margin 0.75) (gaussian)."""

    def get_reward(self, physics: Physics) -> float:
        return tolerance(physics.height("torso"), bounds=(JUMP_HEIGHT, INF), margin=JUMP_HEIGHT / 2)


class Spin(cheetah.Cheetah):
    """Roll in `direction` (+1 forward toward +x, -1 backward).

    Reward: (2 tol(direction * angular momentum, [8, inf), margin 8, linear, 0)
    + 3 tol(direction * speed, [8, inf), margin 8, linear, 0)) / 5.
    """

    def __init__(self, direction: int, random=None):
        if direction not in (1, -1):
            raise ValueError(f"direction {direction!r} not accepted; accepted: 1, -1")
        self._direction = direction
        super().__init__(random=random)

    def get_reward(self, physics: Physics) -> float:
        turning = tolerance(
            self._direction * physics.angular_momentum(),
            bounds=(SPIN_SPEED, INF),
            margin=SPIN_SPEED,
            value_at_margin=0,
            sigmoid="linear",
        )
        moving = tolerance(
            self._direction * physics.speed(),
            bounds=(SPIN_SPEED, INF),
            margin=SPIN_SPEED,
            value_at_margin=0,
            sigmoid="linear",
        )
        return (2 * turning + 3 * moving) / 5


class GiraffeRun(cheetah.Cheetah):
    """Run forward with the head up.

    Reward: head_up (3 tol(speed, [10, inf), margin 10, linear, 0) + 1) / 4 with
    head_up = tol(head z, [0.5, inf), margin 0.25) (gaussian).
    """

    def get_reward(self, physics: Physics) -> float:
        head_up = tolerance(physics.height("head"), bounds=(HEAD_HEIGHT, INF), margin=HEAD_HEIGHT / 2)
        move = tolerance(
            physics.speed(),
            bounds=(GIRAFFE_SPEED, INF),
            margin=GIRAFFE_SPEED,
            value_at_margin=0,
            sigmoid="linear",
        )
        return head_up * (3 * move + 1) / 4


def _limbed(angles: tuple[float, ...]) -> Physics:
    return Physics.from_xml_string(models.limbed_ball(angles), models.ASSETS)


def _giraffe() -> Physics:
    return Physics.from_xml_string(models.own("giraffe.xml"), models.ASSETS)


def _spinner_recipes(limbs: int, suffix: str) -> dict[str, Recipe]:
    physics = functools.partial(_limbed, spinner_limbs(limbs))
    return {
        f"spin{suffix}": Recipe(physics, functools.partial(Spin, 1), TIME_LIMIT),
        f"spin_backward{suffix}": Recipe(physics, functools.partial(Spin, -1), TIME_LIMIT),
        f"jump{suffix}": Recipe(physics, Jump, TIME_LIMIT),
    }


JUMPER_RECIPES: dict[str, Recipe] = {"jump": Recipe(functools.partial(_limbed, JUMPER_LEGS), Jump, TIME_LIMIT)}
SPINNER_RECIPES: dict[str, Recipe] = {**_spinner_recipes(5, ""), **_spinner_recipes(4, "_four")}
GIRAFFE_RECIPES: dict[str, Recipe] = {"run": Recipe(_giraffe, GiraffeRun, TIME_LIMIT)}
