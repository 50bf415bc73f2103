"""How a custom task is assembled: a physics factory, a task factory and its time limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from dm_control import mujoco
from dm_control.rl import control
from dm_control.suite import base


class Recipe(NamedTuple):
    """Everything `load` needs to build one custom task's `control.Environment`.

    `task(random=...)` makes the task; `time_limit / control_timestep` must be 1000 control steps
    so that, with action repeat 2, a native episode is exactly the 500 agent steps of MMBench.
    `control_timestep=None` means one physics step per control step.
    """

    physics: Callable[[], mujoco.Physics]
    task: Callable[..., base.Task]
    time_limit: float
    control_timestep: float | None = None

    def build(self, random: Any = None) -> control.Environment:
        kwargs = {} if self.control_timestep is None else {"control_timestep": self.control_timestep}
        return control.Environment(
            self.physics(), self.task(random=random), time_limit=self.time_limit, **kwargs
        )
