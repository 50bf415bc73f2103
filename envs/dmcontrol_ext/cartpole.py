"""Cartpole variants (held-out): sparse balance with two poles, or with one long heavy pole.

Both use dm_control's `cartpole.Balance` unchanged (swing_up=False: the cart starts near the
centre and the poles near upright; sparse reward 1 while the cart is within +-0.25 and every
pole's cosine is >= 0.995). Observation: cart position, each pole's (cos, sin), velocities:
8-D with two poles, 5-D with one. 10 s at the physics step of 0.01 s = 1000 control steps.
"""

from __future__ import annotations

import functools

from dm_control.suite import cartpole

from envs.dmcontrol_ext import models
from envs.dmcontrol_ext.recipe import Recipe

TIME_LIMIT = 10


def _two_poles() -> cartpole.Physics:
    # dm_control's own generator chains a second pole onto the first.
    return cartpole.Physics.from_xml_string(*cartpole.get_model_and_assets(num_poles=2))


def _long_pole() -> cartpole.Physics:
    return cartpole.Physics.from_xml_string(models.cartpole_long_pole(), models.ASSETS)


_SPARSE_BALANCE = functools.partial(cartpole.Balance, swing_up=False, sparse=True)

RECIPES: dict[str, Recipe] = {
    "balance_two_poles_sparse": Recipe(_two_poles, _SPARSE_BALANCE, TIME_LIMIT),
    "balance_long_sparse": Recipe(_long_pole, _SPARSE_BALANCE, TIME_LIMIT),
}
