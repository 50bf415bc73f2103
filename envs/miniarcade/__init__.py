"""MiniArcade: MMBench's 19 arcade-style games (+ held-out variants), one module per game.

`GAMES` maps each task name to its game class (``module:Class``) and the class parameters;
variants of one game are parameters of one class, not copies.
"""

from __future__ import annotations

import importlib
from typing import Any, Mapping

from envs.registry import TaskSpec

GAMES: Mapping[str, tuple[str, Mapping[str, Any]]] = {
    "pygame-cowboy": ("cowboy:Cowboy", {}),
    "pygame-coinrun": ("coinrun:CoinRun", {}),
    "pygame-spaceship": ("spaceship:Spaceship", {}),
    "pygame-pong": ("pong:Pong", {}),
    "pygame-bird-attack": ("bird_attack:BirdAttack", {}),
    "pygame-highway": ("highway:Highway", {}),
    "pygame-landing": ("landing:Landing", {}),
    "pygame-air-hockey": ("air_hockey:AirHockey", {}),
    "pygame-rocket-collect": ("rocket_collect:RocketCollect", {}),
    "pygame-chase-evade": ("chase_evade:ChaseEvade", {}),
    "pygame-coconut-dodge": ("coconut_dodge:CoconutDodge", {}),
    "pygame-cartpole-balance": ("cartpole:CartPole", {"swingup": False, "sparse": False}),
    "pygame-cartpole-swingup": ("cartpole:CartPole", {"swingup": True, "sparse": False}),
    "pygame-cartpole-balance-sparse": ("cartpole:CartPole", {"swingup": False, "sparse": True}),
    "pygame-cartpole-swingup-sparse": ("cartpole:CartPole", {"swingup": True, "sparse": True}),
    "pygame-cartpole-tremor": ("cartpole:CartPole", {"swingup": False, "sparse": False, "tremor": True}),
    **{f"pygame-point-maze-var{i}": ("point_maze:PointMaze", {"layout": i}) for i in range(1, 9)},
    "pygame-reacher-easy": ("reacher:Reacher", {"variant": "easy"}),
    "pygame-reacher-hard": ("reacher:Reacher", {"variant": "hard"}),
    "pygame-reacher-var1": ("reacher:Reacher", {"variant": "var1"}),
    "pygame-reacher-var2": ("reacher:Reacher", {"variant": "var2"}),
}


def game_class(task_name: str):
    target, params = GAMES[task_name]
    module_name, cls_name = target.split(":")
    cls = getattr(importlib.import_module(f"envs.miniarcade.{module_name}"), cls_name)
    return cls, dict(params)


def make(spec: TaskSpec, seed: int | None = None, render_mode: str | None = None):
    """Make a MiniArcade game (seeded at the first reset with `seed`)."""
    cls, params = game_class(spec.name)
    env = cls(render_mode=render_mode, **params)
    if seed is not None:
        env.reset(seed=seed)  # seed the game's own RNG; later resets continue its stream
    return env
