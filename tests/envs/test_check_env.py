"""Gymnasium's own env checker (`gymnasium.utils.env_checker.check_env`) over every task.

Each task is checked as a user gets it from Gymnasium, ``gymnasium.make("MMBench/<task>-v0")``: the
MMBench wrapper (its action space, its info with `success` and `score`) over the domain's env, with
the spec that makes the checker assert reset determinism too (it only does so when `env.spec` is
set). One test per task, so a failing task is listed by name; tasks whose assets are not installed
are skipped with the reason. One cheap task per domain runs by default, the rest are `slow`; the
whole sweep (about 1.5 min on 1 core) is ``pytest -m "slow or not slow" tests/envs/test_check_env.py``.

Besides its assertions the checker reports problems as Gymnasium warnings ("WARN: ..."): an
observation outside its space or of the wrong dtype, a reset that does not seed the env's RNG...
Those fail the test too, except the ones in BENIGN, which are by design.

`skip_render_check=True`: the render check makes one more env per declared render mode and renders
a 224x224 frame (about 30 s for a ManiSkill task on the CPU Vulkan driver); rendering has its own
per-domain tests (`tests/envs/test_*.py`, `python -m envs record`). The close check (a second
`close()` must not raise) runs.
"""

from __future__ import annotations

import warnings

import gymnasium
import pytest
from gymnasium.utils.env_checker import check_env

import envs
from envs.registry import TASKS
from tests.envs.helpers import FAST_TASKS

FAST = set(FAST_TASKS.values())

# Checker warnings that are by design, each with the reason.
BENIGN = {
    # We check the wrapped env on purpose: the MMBench wrapper is part of every task's interface.
    "different from the unwrapped version": "the MMBench wrapper is what users get",
    # Proprioceptive observations have no finite bounds (as in Gymnasium's own MuJoCo envs).
    "observation space minimum value is -infinity": "unbounded observations",
    "observation space maximum value is infinity": "unbounded observations",
}

# Tasks that cannot pass for a reason outside this project: task -> the library behaviour.
XFAIL: dict[str, str] = {}


def _param(name: str):
    marks = [] if name in FAST else [pytest.mark.slow]
    if name in XFAIL:
        marks.append(pytest.mark.xfail(reason=XFAIL[name], strict=True))
    return pytest.param(name, marks=marks, id=name)


def checker_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    """The Gymnasium checker's warnings ("WARN: ..."), less the benign ones, without colour codes."""
    out = []
    for w in caught:
        text = str(w.message)
        if "WARN: " not in text or any(b in text for b in BENIGN):
            continue
        out.append(text.split("WARN: ", 1)[1].replace("\x1b[0m", "").strip())
    return list(dict.fromkeys(out))


@pytest.mark.parametrize("name", [_param(n) for n in TASKS])
def test_gymnasium_check_env(name):
    reason = envs.unavailable_reason(name)
    if reason is not None:
        pytest.skip(f"assets not installed: {reason.splitlines()[0]}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        env = gymnasium.make(envs.gym_id(name))
        try:
            check_env(env, skip_render_check=True)
        finally:
            env.close()
    found = checker_warnings(caught)
    assert not found, f"{name}: gymnasium's checker warned:\n" + "\n".join(found)
