"""Where demo actions come from: `scripted` (the task's expert in envs.experts) or
`checkpoint=PATH` (a trained single-task agent, see newt.demos.agent_source)."""

from __future__ import annotations

SOURCES = ("scripted", "checkpoint=PATH")


def make_source(spec: str, task: str, env):
    """An object with `reset(seed) -> (obs, info)` and `act(obs, info) -> action` for `task` in `env`."""
    if spec == "scripted":
        from envs.experts import make_expert

        return make_expert(task, env)
    if spec.startswith("checkpoint="):
        from newt.demos.agent_source import AgentSource

        return AgentSource(spec[len("checkpoint="):], task, env)
    raise ValueError(f"unknown demo source {spec!r}; accepted: {', '.join(SOURCES)}")


def has_source(spec: str, task: str) -> bool:
    """Whether `spec` can act in `task` (a checkpoint is checked when it is loaded)."""
    if spec == "scripted":
        from envs.experts import has_expert

        return has_expert(task)
    return True
