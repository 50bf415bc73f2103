"""Three-link reacher: dm_control's `reacher.Reacher` task on our three-link arm.

The stock task logic applies unchanged: joints random (the free shoulder uniform in (-pi, pi),
the two limited joints uniform in +-80 deg), target at angle U(0, 2 pi) and radius U(0.05, 0.2),
reward 1 while the finger touches the target, observation joint angles (3) + finger-to-target
(2) + joint velocities (3) = 8-D. 20 s at the physics step of 0.02 s = 1000 control steps.
"""

from __future__ import annotations

import functools

from dm_control.suite import reacher

from envs.dmcontrol_ext import models
from envs.dmcontrol_ext.recipe import Recipe

TIME_LIMIT = 20
BIG_TARGET = 0.05  # target radius of the easy task (stock)
SMALL_TARGET = 0.015  # target radius of the hard task (stock)


def _three_links() -> reacher.Physics:
    return reacher.Physics.from_xml_string(models.own("reacher_three_links.xml"), models.ASSETS)


RECIPES: dict[str, Recipe] = {
    "three_easy": Recipe(_three_links, functools.partial(reacher.Reacher, BIG_TARGET), TIME_LIMIT),
    "three_hard": Recipe(_three_links, functools.partial(reacher.Reacher, SMALL_TARGET), TIME_LIMIT),
}
