"""MMBench: 200 continuous-control tasks behind one interface.

    import envs
    env = envs.make("walker-walk", seed=0)
    obs, info = env.reset()

Every task has a fixed episode length, never terminates, reports `success` and `score` in its
info, and takes actions in [-1, 1]^action_dim. See `envs/tasks/` for the task rows and
`envs.gym_ids` for the Gymnasium ids (``gymnasium.make("MMBench/walker-walk-v0")``).
"""

from __future__ import annotations

import importlib
import os

# Headless machines have no display for GLFW; EGL renders offscreen. A user's own choice wins.
os.environ.setdefault("MUJOCO_GL", "egl")
from collections.abc import Callable

from envs.gym_ids import gym_id, register_all
from envs.registry import MAKERS, TASK_SETS, TASKS, TaskSpec, get_task, resolve_tasks

__all__ = [
    "TASKS",
    "TASK_SETS",
    "TaskSpec",
    "get_task",
    "gym_id",
    "make",
    "maker_for",
    "resolve_tasks",
    "unavailable_reason",
]

RENDER_MODES = (None, "rgb_array")

register_all()  # MMBench/<task>-v0 for gymnasium.make and make_vec (lazy entry points, see envs.gym_ids)


def maker_for(domain: str) -> Callable:
    """The domain's maker function, imported on first use."""
    module_name, fn_name = MAKERS[domain].split(":")
    return getattr(importlib.import_module(module_name), fn_name)


def unavailable_reason(task: str | TaskSpec) -> str | None:
    """Why a task cannot be made on this machine (assets that are not installed), or None. Only
    ManiSkill tasks need downloaded assets; every other domain ships what it needs."""
    spec = get_task(task) if isinstance(task, str) else task
    if spec.domain != "maniskill":
        return None
    from envs.errors import MissingAssetsError
    from envs.maniskill import check_assets

    try:
        check_assets(spec)
    except MissingAssetsError as e:
        return str(e)
    return None


def make(task: str | TaskSpec, seed: int | None = None, render_mode: str | None = None):
    """Make one task: a gymnasium env with fixed-length episodes, `success` and `score` in info.

    `task` is a registered task's name or its `TaskSpec` (looked up here, once; the maker gets the
    spec). `seed` seeds the task's own RNG (for the libraries that take one); `render_mode="rgb_array"`
    enables `render()` (224x224 RGB frames); by default nothing is rendered.
    """
    spec = task if isinstance(task, TaskSpec) else get_task(task)
    if render_mode not in RENDER_MODES:
        raise ValueError(f"render_mode {render_mode!r} not accepted; accepted: {RENDER_MODES}")
    from envs.wrappers import MMBenchTask

    env = maker_for(spec.domain)(spec, seed=seed, render_mode=render_mode)
    return MMBenchTask(env, spec)
