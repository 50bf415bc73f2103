"""Custom DeepMind Control tasks of MMBench (dmcontrol-ext and the held-out DMC variants).

    from envs.dmcontrol_ext import load
    env = load("walker", "walk_backward", seed=0)  # a dm_control control.Environment

Tasks are small subclasses of dm_control's stock task classes, parameterised (direction,
speed, lifted foot, number of limbs); models are our XML files in `xml/` or in-memory edits of
the stock ones (`models.py`). Nothing is registered into dm_control's own suite tables: `load`
builds the `control.Environment` directly. Every task runs 1000 control steps per episode,
i.e. 500 agent steps with the action repeat of 2 applied by `envs.dmcontrol`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from dm_control.rl import control

from envs.dmcontrol_ext import ball_in_cup, bodies, cartpole, cheetah, hopper, pendulum, reacher, walker
from envs.dmcontrol_ext.recipe import Recipe

__all__ = ["RECIPES", "Recipe", "load"]

# (dm_control domain, task) -> recipe. Names follow envs.dmcontrol.split_name.
RECIPES: Mapping[tuple[str, str], Recipe] = MappingProxyType(
    {
        (domain, task): recipe
        for domain, tasks in {
            "walker": walker.RECIPES,
            "cheetah": cheetah.RECIPES,
            "hopper": hopper.RECIPES,
            "reacher": reacher.RECIPES,
            "ball_in_cup": ball_in_cup.RECIPES,
            "pendulum": pendulum.RECIPES,
            "cartpole": cartpole.RECIPES,
            "jumper": bodies.JUMPER_RECIPES,
            "spinner": bodies.SPINNER_RECIPES,
            "giraffe": bodies.GIRAFFE_RECIPES,
        }.items()
        for task, recipe in tasks.items()
    }
)


def load(domain: str, task: str, seed: int | None = None) -> control.Environment:
    """The custom task's dm_control environment; `seed` seeds the task's own RandomState."""
    try:
        recipe = RECIPES[(domain, task)]
    except KeyError:
        accepted = ", ".join(f"{d}-{t}" for d, t in RECIPES)
        raise ValueError(f"no custom DMC task ({domain!r}, {task!r}); accepted: {accepted}") from None
    return recipe.build(random=seed)
