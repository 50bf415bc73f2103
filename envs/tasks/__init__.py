"""Every MMBench task as one keyword row, in one data-only module per domain.

A domain module (``envs/tasks/<domain>.py``) imports no simulator. It holds:

* ``DOMAIN``: the domain (task set) name, e.g. ``"dmcontrol-ext"``;
* ``MAKER``: the ``module:function`` that makes its tasks, imported on first use by `envs.make`;
* ``SCORE``: the domain's score rule, for rows that give none (optional: Atari rows each give one);
* ``STEP_COST_US``: the typical cost of one agent step in microseconds on one core, for rows that
  give none. Only the pool's load balancing reads it (only ratios matter); the figures are means
  over the domain's soup tasks from ``python -m bench.envs --tasks soup`` on the 2-core dev box;
* ``ROWS``: its tasks as :class:`Row` s, soup tasks in canonical order, held-out ones (``soup=False``)
  after them.

`envs.registry` turns the rows into `TaskSpec` s; adding a task is adding a row.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from envs.scoring import ScoreRule

# The domain modules, in canonical soup order.
DOMAIN_MODULES = ("dmcontrol", "dmcontrol_ext", "metaworld", "maniskill", "mujoco", "box2d", "robodesk",
                  "ogbench", "miniarcade", "atari")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Row:
    """One task, as written in its domain module (see `envs.registry.TaskSpec` for the fields)."""

    name: str
    action_dim: int  # leading entries of the 16-D action the task reads
    episode_length: int  # agent steps per episode
    obs_dim: int | None  # native state dim before padding (None: decided by the library version)
    embodiment: str  # what the agent controls; first half of the embedding text
    instruction: str  # what it must do; second half of the embedding text
    score: ScoreRule | None = None  # None: the domain's SCORE
    discount: float | None = None  # None: the length heuristic (`TaskSpec.gamma`)
    soup: bool = True  # False: a held-out variant, outside the 200-task benchmark
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)  # read by the domain's maker
    step_cost_us: float | None = None  # None: the domain's STEP_COST_US


def domain_modules() -> tuple[ModuleType, ...]:
    """The domain modules, imported, in canonical soup order."""
    return tuple(importlib.import_module(f"envs.tasks.{name}") for name in DOMAIN_MODULES)
