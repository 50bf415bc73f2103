"""Pendulum variant: spin fast (stock body; 20 s at the physics step 0.02 s = 1000 steps)."""

from __future__ import annotations

from dm_control.suite import pendulum
from dm_control.utils.rewards import tolerance

from envs.dmcontrol_ext.recipe import Recipe

TIME_LIMIT = 20
SPIN_SPEED = 9.0  # |angular velocity| (rad/s) above which the reward is 1


class Spin(pendulum.SwingUp):
    """Spin the pendulum in either direction.

    Init and observation are the stock swing-up ones (random angle; pole orientation (2) +
    angular velocity (1) = 3-D). Reward: tol(|angular velocity|, [9, inf), margin 4.5, linear,
    0.5 at the margin).
    """

    def get_reward(self, physics: pendulum.Physics) -> float:
        return tolerance(
            abs(physics.angular_velocity()[0]),
            bounds=(SPIN_SPEED, float("inf")),
            margin=SPIN_SPEED / 2,
            value_at_margin=0.5,
            sigmoid="linear",
        )


def _physics() -> pendulum.Physics:
    return pendulum.Physics.from_xml_string(*pendulum.get_model_and_assets())


RECIPES: dict[str, Recipe] = {"spin": Recipe(_physics, Spin, TIME_LIMIT)}
