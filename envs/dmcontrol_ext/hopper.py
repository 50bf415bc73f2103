"""Hopper variant: hop backward.

Reuses dm_control's `hopper.Hopper` (random joint init; observation qpos[1:], qvel and the two
log touch sensors = 15-D) and `hopper.Physics`; stock body. 20 s at 0.02 s = 1000 control steps.
"""

from __future__ import annotations

import functools

from dm_control.suite import hopper
from dm_control.utils.rewards import tolerance

from envs.dmcontrol_ext.recipe import Recipe

TIME_LIMIT = 20
CONTROL_TIMESTEP = 0.02
STAND_HEIGHT = 0.6  # stock: torso-over-foot height range (0.6, 2) counts as standing
INF = float("inf")


class DirectedHop(hopper.Hopper):
    """Hop at `speed` or faster in `direction` (+1 forward, -1 backward).

    Reward: standing * hopping with standing = 1 if 0.6 <= torso z - foot z <= 2 else 0 and
    hopping = tol(direction * speed, [speed, inf), margin speed/2, linear, 0.5 at the margin).
    """

    def __init__(self, speed: float, direction: int, random=None):
        if direction not in (1, -1):
            raise ValueError(f"direction {direction!r} not accepted; accepted: 1, -1")
        self._speed, self._direction = speed, direction
        super().__init__(hopping=True, random=random)

    def get_reward(self, physics: hopper.Physics) -> float:
        standing = tolerance(physics.height(), (STAND_HEIGHT, 2))
        hopping = tolerance(
            self._direction * physics.speed(),
            bounds=(self._speed, INF),
            margin=self._speed / 2,
            value_at_margin=0.5,
            sigmoid="linear",
        )
        return standing * hopping


def _physics() -> hopper.Physics:
    return hopper.Physics.from_xml_string(*hopper.get_model_and_assets())


RECIPES: dict[str, Recipe] = {
    "hop_backward": Recipe(_physics, functools.partial(DirectedHop, 1.0, -1), TIME_LIMIT, CONTROL_TIMESTEP),
}
