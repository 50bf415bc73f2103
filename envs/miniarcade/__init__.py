"""MiniArcade: MMBench's 19 arcade-style games (+ held-out variants), one module per game.

Each task's row (`envs/tasks/miniarcade.py`) names its game class in `spec.params["game"]`
(``module:Class`` inside this package); the row's other params are the class's keyword arguments,
so variants of one game are parameters of one class, not copies.
"""

from __future__ import annotations

import importlib
from typing import Any

from envs.registry import TaskSpec


def game_class(spec: TaskSpec) -> tuple[type, dict[str, Any]]:
    """The task's game class and the keyword arguments its row gives it."""
    params = dict(spec.params)
    target = params.pop("game", None)
    if target is None:
        raise ValueError(f"MiniArcade task {spec.name!r} has no 'game' in its params {dict(spec.params)}")
    module_name, cls_name = target.split(":")
    cls = getattr(importlib.import_module(f"envs.miniarcade.{module_name}"), cls_name)
    return cls, params


def make(spec: TaskSpec, seed: int | None = None, render_mode: str | None = None):
    """Make a MiniArcade game (seeded at the first reset with `seed`)."""
    cls, params = game_class(spec)
    env = cls(render_mode=render_mode, **params)
    if seed is not None:
        env.reset(seed=seed)  # seed the game's own RNG; later resets continue its stream
    return env
