"""Every MMBench task as a Gymnasium id: ``MMBench/<task>-v0``.

    import envs  # registers the ids
    import gymnasium
    env = gymnasium.make("MMBench/walker-walk-v0")
    vec = gymnasium.make_vec("MMBench/walker-walk-v0", num_envs=4, vectorization_mode="sync")

The ids are built from the task rows and point at the string entry point ``envs:make`` with the
task name as keyword argument, so registering them imports no simulator: the domain's library is
imported by the first ``gymnasium.make`` of one of its tasks. ``max_episode_steps`` is the task's
episode length (the MMBench wrapper ends the episode at the same step). ``gymnasium.make(id,
seed=...)`` passes the seed on to `envs.make`.
"""

from __future__ import annotations

from envs.registry import TASKS

NAMESPACE = "MMBench"
VERSION = 0
ENTRY_POINT = "envs:make"


def gym_id(task: str) -> str:
    """'walker-walk' -> 'MMBench/walker-walk-v0'."""
    return f"{NAMESPACE}/{task}-v{VERSION}"


def register_all() -> None:
    """Register every task with gymnasium (again only where an id is not registered yet)."""
    from gymnasium.envs.registration import register, registry

    for name, spec in TASKS.items():
        if gym_id(name) not in registry:
            register(id=gym_id(name), entry_point=ENTRY_POINT, kwargs={"task": name},
                     max_episode_steps=spec.episode_length)
