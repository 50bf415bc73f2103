"""Making and stepping a task prints nothing the project did not say: third-party banners and
warnings (gym's deprecation notice under RoboDesk, ALE's banner, ManiSkill's scene-build notices)
are silenced where those libraries are imported or build their scenes. One task per domain plus
the ManiSkill tasks whose scenes used to log notices, each in a fresh interpreter (so that no
earlier import has already printed), with a headless user's environment (no DISPLAY: glfw would
warn if anything initialised it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.envs.helpers import FAST_TASKS

ROOT = Path(__file__).resolve().parents[2]
MISSING_ASSETS_RC = 3
SCRIPT = f"""
import sys
import numpy as np
import envs
from envs.errors import MissingAssetsError
try:
    env = envs.make(sys.argv[1], seed=0)
except MissingAssetsError as e:
    sys.stderr.write(str(e))
    sys.exit({MISSING_ASSETS_RC})
env.reset(seed=0)
env.step(np.zeros(env.action_space.shape, np.float32))
env.close()
"""
# ManiSkill builds these scenes with builders that have no initial pose (and float64 passive
# controller bounds), which it logs and warns about on every build.
QUIET_TASKS = [*FAST_TASKS.values(), "ms-cartpole-balance", "ms-place-sphere"]
# What the test suite's conftest sets; a user's shell usually has none of them.
UNSET = ("MUJOCO_GL", "PYOPENGL_PLATFORM", "SDL_VIDEODRIVER", "PYGAME_HIDE_SUPPORT_PROMPT", "DISPLAY",
         "PYTHONWARNINGS")


@pytest.mark.timeout(300)
@pytest.mark.parametrize("task", QUIET_TASKS)
def test_making_a_task_prints_nothing(task):
    env = {k: v for k, v in os.environ.items() if k not in UNSET}
    out = subprocess.run([sys.executable, "-c", SCRIPT, task], capture_output=True, text=True,
                         cwd=ROOT, env=env, timeout=280)
    if out.returncode == MISSING_ASSETS_RC:
        pytest.skip(f"{task}: assets not installed: {out.stderr}")
    assert out.returncode == 0, out.stderr
    assert out.stdout == "" and out.stderr == "", (
        f"{task} printed:\nstdout: {out.stdout!r}\nstderr: {out.stderr!r}")
