"""Ball-in-cup variant: spin the ball around the cup (stock body; 20 s at 0.02 s = 1000 steps)."""

from __future__ import annotations

import numpy as np
from dm_control.suite import ball_in_cup, base
from dm_control.utils.rewards import tolerance

from envs.dmcontrol_ext.recipe import Recipe

TIME_LIMIT = 20
CONTROL_TIMESTEP = 0.02
SPIN_DISTANCE = 0.5  # ball-to-target distance above which the distance term is 1
SPIN_SPEED = 6.0  # ball speed above which the speed term is 1
P_START_ANYWHERE = 0.1  # chance per episode that the ball may start outside the cup
MAX_INIT_TRIES = 100_000


class Spin(ball_in_cup.BallInCup):
    """Swing the ball fast and far from the cup.

    Init: the ball's slide joints are drawn (x in U(-0.2, 0.2), z in U(0.2, 0.5)) until the ball
    touches nothing and lies inside the cup; in 10% of episodes (one draw per episode) any
    non-touching position is accepted. Observation (stock): positions (4) + velocities (4).
    Reward: (1 - in_cup) (tol(dist, [0.5, inf), margin 0.25, linear, 0.5)
    + 2 tol(speed, [6, inf), margin 3, linear, 0.5)) / 3, where dist is the ball-to-target distance
    in the x-z plane and speed the norm of the ball's two slide-joint velocities.
    """

    def initialize_episode(self, physics: ball_in_cup.Physics) -> None:
        anywhere = self.random.uniform() < P_START_ANYWHERE
        for _ in range(MAX_INIT_TRIES):
            physics.named.data.qpos["ball_x"] = self.random.uniform(-0.2, 0.2)
            physics.named.data.qpos["ball_z"] = self.random.uniform(0.2, 0.5)
            physics.after_reset()  # recompute contacts for the new position
            if physics.data.ncon == 0 and (anywhere or physics.in_target()):
                break
        else:
            raise RuntimeError(f"no valid ball position in {MAX_INIT_TRIES} draws")
        # Skip BallInCup's own placement: it would redraw the ball anywhere.
        base.Task.initialize_episode(self, physics)

    def get_reward(self, physics: ball_in_cup.Physics) -> float:
        dist = np.linalg.norm(physics.ball_to_target())
        speed = np.linalg.norm(physics.named.data.qvel[["ball_x", "ball_z"]])
        far = tolerance(
            dist,
            bounds=(SPIN_DISTANCE, float("inf")),
            margin=SPIN_DISTANCE / 2,
            value_at_margin=0.5,
            sigmoid="linear",
        )
        fast = tolerance(
            speed,
            bounds=(SPIN_SPEED, float("inf")),
            margin=SPIN_SPEED / 2,
            value_at_margin=0.5,
            sigmoid="linear",
        )
        return (1 - physics.in_target()) * (far + 2 * fast) / 3


def _physics() -> ball_in_cup.Physics:
    return ball_in_cup.Physics.from_xml_string(*ball_in_cup.get_model_and_assets())


RECIPES: dict[str, Recipe] = {"spin": Recipe(_physics, Spin, TIME_LIMIT, CONTROL_TIMESTEP)}
