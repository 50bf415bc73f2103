"""Gymnasium ids: every task is `MMBench/<task>-v0`, registered at `import envs` without importing
a simulator, and works through `gymnasium.make` and `gymnasium.make_vec`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import gymnasium
import numpy as np

import envs
from envs.registry import TASKS

ROOT = Path(__file__).resolve().parents[2]
# Modules that only a maker may import (each is a simulator or pulls one in).
SIMULATORS = ("mujoco", "dm_control", "metaworld", "mani_skill", "sapien", "ogbench", "robodesk", "gym",
              "ale_py", "Box2D", "pygame", "torch", "gymnasium.envs.box2d", "gymnasium.envs.mujoco")


def test_import_envs_registers_every_id_and_imports_no_simulator():
    code = ("import json, sys, envs, gymnasium\n"
            "ids = [i for i in gymnasium.registry if i.startswith('MMBench/')]\n"
            "print(json.dumps({'ids': ids, 'modules': sorted(sys.modules)}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         timeout=120, cwd=ROOT)
    result = json.loads(out.stdout)
    assert result["ids"] == [envs.gym_id(n) for n in TASKS]
    prefixes = tuple(s + "." for s in SIMULATORS)
    loaded = [m for m in result["modules"] if m in SIMULATORS or m.startswith(prefixes)]
    assert loaded == [], f"`import envs` imported simulator modules: {loaded}"


def test_ids_point_at_the_lazy_entry_point_with_the_task_length():
    for name, spec in TASKS.items():
        gym_spec = gymnasium.spec(envs.gym_id(name))
        assert gym_spec.entry_point == "envs:make" and gym_spec.kwargs == {"task": name}
        assert gym_spec.max_episode_steps == spec.episode_length


def test_gymnasium_make_steps_a_task():
    env = gymnasium.make("MMBench/walker-walk-v0", seed=0)
    try:
        obs, info = env.reset(seed=0)
        assert obs.shape == (24,) == env.observation_space.shape and obs.dtype == np.float32
        assert env.action_space.shape == (6,)
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        assert obs.shape == (24,) and np.isfinite(reward) and not terminated and not truncated
        assert 0.0 <= info["score"] <= 1.0
    finally:
        env.close()


def test_gymnasium_make_matches_envs_make():
    ours, theirs = envs.make("pygame-pong", seed=3), gymnasium.make("MMBench/pygame-pong-v0", seed=3)
    try:
        np.testing.assert_array_equal(ours.reset(seed=3)[0], theirs.reset(seed=3)[0])
        action = np.full(1, 0.5, np.float32)
        for _ in range(5):
            np.testing.assert_array_equal(ours.step(action)[0], theirs.step(action)[0])
    finally:
        ours.close()
        theirs.close()


def test_gymnasium_make_vec_sync():
    vec = gymnasium.make_vec("MMBench/walker-walk-v0", num_envs=2, vectorization_mode="sync")
    try:
        obs, _ = vec.reset(seed=0)
        assert obs.shape == (2, 24) and obs.dtype == np.float32
        obs, reward, terminated, truncated, info = vec.step(vec.action_space.sample())
        assert obs.shape == (2, 24) and reward.shape == (2,)
        assert not terminated.any() and not truncated.any() and info["score"].shape == (2,)
    finally:
        vec.close()


def test_gymnasium_make_passes_the_render_mode():
    env = gymnasium.make("MMBench/pygame-pong-v0", render_mode="rgb_array")
    try:
        env.reset(seed=0)
        assert env.render_mode == "rgb_array" and env.render().shape == (224, 224, 3)
    finally:
        env.close()
