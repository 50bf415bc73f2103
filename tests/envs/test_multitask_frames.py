"""Frames of the multitask env (`render_frames=True`, for obs=rgb): each slot's 224x224 frame is
rendered in the process that steps it after every reset and step, and returned CHW uint8 beside the
observations; the pool gives the same frames as in-process stepping.

Cheap tasks only (pygame MiniArcade, dm_control cartpole), with their episodes shortened (a copy of
the TaskSpec with a smaller episode_length) so that auto-resets happen within a few steps.
"""

from __future__ import annotations

import dataclasses
import multiprocessing as mp
import os
import signal

import gymnasium as gym
import numpy as np
import pytest

import envs
from envs.multitask import FRAME_SHAPE, FrameShapeError, MultitaskEnv, StepResult, _layout
from envs.registry import MAX_ACTION_DIM, TASK_SETS, get_task

# Slot 0 ends its episodes every 5 steps, slot 1 every 7: two auto-resets each in 2 * 7 + 1 steps.
LENGTHS = {"pygame-landing": 5, "cartpole-balance": 7}
FRAME_BYTES = int(np.prod(FRAME_SHAPE))  # 150,528 per frame

needs_fork = pytest.mark.skipif("fork" not in mp.get_all_start_methods(), reason="needs the 'fork' start method")


def _short_specs() -> list:
    return [dataclasses.replace(get_task(t), episode_length=n) for t, n in LENGTHS.items()]


def _actions(specs, steps: int, seed: int = 1) -> np.ndarray:
    dims = np.array([s.action_dim for s in specs])
    act = np.random.default_rng(seed).uniform(-1, 1, (steps, len(specs), MAX_ACTION_DIM)).astype(np.float32)
    act[:, np.arange(MAX_ACTION_DIM)[None, :] >= dims[:, None]] = 0.0
    return act


def _rollout(env: MultitaskEnv, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[StepResult]]:
    obs0 = env.reset()
    frames0 = env.frames
    steps = []
    for a in actions:
        steps.append(env.step(a))
        np.testing.assert_array_equal(env.frames, steps[-1].frames)  # `frames` follows every step
    return obs0, frames0, steps


@pytest.mark.timeout(120)
def test_frames_follow_obs_through_auto_resets_and_pool_matches_in_process():
    specs = _short_specs()
    n, steps = len(specs), 2 * max(LENGTHS.values()) + 1
    acts = _actions(specs, steps)
    with MultitaskEnv(specs, seed=5, num_workers=0, render_frames=True) as env:
        obs0, frames0, ref = _rollout(env, acts)
    with MultitaskEnv(specs, seed=5, num_workers=2, render_frames=True) as env:
        assert env.num_workers == 2
        pool_obs0, pool_frames0, got = _rollout(env, acts)

    # Pool == in-process, frames included.
    np.testing.assert_array_equal(pool_obs0, obs0)
    np.testing.assert_array_equal(pool_frames0, frames0)
    for t, (a, b) in enumerate(zip(ref, got)):
        for field in a._fields:
            np.testing.assert_array_equal(getattr(b, field), getattr(a, field), err_msg=f"step {t}: {field}")

    assert frames0.shape == (n, *FRAME_SHAPE) and frames0.dtype == np.uint8
    for t, r in enumerate(ref):
        assert r.frames.shape == r.final_frames.shape == (n, *FRAME_SHAPE)
        assert r.frames.dtype == r.final_frames.dtype == np.uint8
        assert r.frames.any() and r.final_frames.any()
        # final_frames differ from frames exactly where the episode ended (the new one's first frame).
        differs = (r.frames != r.final_frames).reshape(n, -1).any(axis=1)
        np.testing.assert_array_equal(differs, r.done, err_msg=f"step {t}")
    done = np.stack([r.done for r in ref])
    np.testing.assert_array_equal(done.sum(axis=0), [steps // m for m in LENGTHS.values()])
    # Frames change from step to step (copies, not one buffer), in every slot.
    for i in range(n):
        seen = {r.frames[i].tobytes() for r in ref}
        assert len(seen) > steps // 2, f"slot {i}: only {len(seen)} distinct frames in {steps} steps"

    # Where done, `frames` is the next episode's first frame: what a reset of that episode renders.
    with MultitaskEnv(specs, seed=5, num_workers=0, render_frames=True) as env:
        env.episode_index = np.ones(n, np.int64)
        env.reset()
        second = env.frames
    for i, length in enumerate(LENGTHS.values()):
        np.testing.assert_array_equal(ref[length - 1].frames[i], second[i])
        assert ref[length - 1].done[i]


def test_state_only_pays_nothing_for_frames():
    specs = _short_specs()
    n = len(specs)
    # 2 frames per slot, and nothing else, when enabled.
    assert _layout(n, True)[1] - _layout(n)[1] == 2 * n * FRAME_BYTES
    with MultitaskEnv(specs, num_workers=0) as env:
        assert "frames" not in env._bufs and "final_frames" not in env._bufs
        assert all(e.render_mode is None for e in env._local._envs)  # made without rendering
        env.reset()
        r = env.step(np.zeros((n, MAX_ACTION_DIM), np.float32))
        assert r.frames is None and r.final_frames is None
        with pytest.raises(RuntimeError, match="render_frames=True"):
            _ = env.frames
    with MultitaskEnv(specs, num_workers=1) as env:
        assert "frames" not in env._bufs and len(env._pool._shared) == _layout(n)[1]
        env.reset()
        r = env.step(np.zeros((n, MAX_ACTION_DIM), np.float32))
        assert r.frames is None and r.final_frames is None


def test_step_result_built_by_callers_has_no_frames():
    r = StepResult(np.zeros((2, 3)), np.zeros(2), np.zeros(2, bool), np.zeros((2, 3)), np.zeros(2), np.zeros(2))
    assert r.frames is None and r.final_frames is None and not r.restarted.any()


def test_render_frames_needs_rgb_array():
    with pytest.raises(ValueError, match="render_frames=True needs render_mode"):
        MultitaskEnv(["pygame-landing"], num_workers=0, render_mode="human", render_frames=True)


@pytest.mark.timeout(120)
def test_restarted_slot_gets_its_fresh_episodes_frame():
    specs = _short_specs()
    n, before = len(specs), 3
    acts = _actions(specs, before + 2)
    with MultitaskEnv(specs, seed=2, num_workers=0, render_frames=True) as fresh:
        fresh.episode_index = np.ones(n, np.int64)
        fresh.reset()
        fresh_frames = fresh.frames
    with MultitaskEnv(specs, seed=2, num_workers=2, render_frames=True) as env:
        env.reset()
        for a in acts[:before]:
            env.step(a)
        victim = env.worker_slots.index((0,))
        os.kill(env.worker_pids[victim], signal.SIGKILL)
        r = env.step(acts[before])
        np.testing.assert_array_equal(r.restarted, [True, False])
        np.testing.assert_array_equal(r.frames[0], fresh_frames[0])  # the fresh episode's first frame
        np.testing.assert_array_equal(r.final_frames[0], r.frames[0])
        np.testing.assert_array_equal(env.frames, r.frames)
        assert (env.step(acts[before + 1]).frames[0] != r.frames[0]).any()


class _SmallFrames(gym.Wrapper):
    def render(self):
        return np.zeros((100, 120, 3), np.uint8)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("num_workers", [0, pytest.param(1, marks=needs_fork)])
def test_a_frame_of_the_wrong_shape_raises_naming_the_task(monkeypatch, num_workers):
    real_make = envs.make

    def make(spec, seed=None, render_mode=None):
        env = real_make(spec, seed=seed, render_mode=render_mode)
        return _SmallFrames(env) if spec.name == "pygame-landing" else env

    # Inherited by the 'fork' worker. pygame tasks only: a MuJoCo GL context does not survive a fork.
    monkeypatch.setattr(envs, "make", make)
    with pytest.raises(FrameShapeError, match=r"pygame-landing.*\(100, 120, 3\)") as info:
        with MultitaskEnv(["pygame-cowboy", "pygame-landing"], num_workers=num_workers, start_method="fork",
                          render_frames=True) as env:
            env.reset()
    assert isinstance(info.value, ValueError)


# One task per domain, through a one-worker pool. Two cheap domains run by default, the rest with -m slow.
DEFAULT_DOMAINS = ("pygame", "dmcontrol")
DOMAINS = ("dmcontrol", "dmcontrol-ext", "metaworld", "mujoco", "box2d", "pygame", "atari", "ogbench", "robodesk",
           "maniskill")


@pytest.mark.timeout(300)
@pytest.mark.parametrize("domain", [d if d in DEFAULT_DOMAINS else pytest.param(d, marks=pytest.mark.slow)
                                    for d in DOMAINS])
def test_each_domain_renders_224_frames_through_the_pool(domain):
    task = TASK_SETS[domain][0]
    reason = envs.unavailable_reason(task)
    if reason is not None:
        pytest.skip(f"{task} cannot be made here: {reason}")
    with MultitaskEnv([task], seed=0, num_workers=1, render_frames=True) as env:
        env.reset()
        first = env.frames
        r = env.step(np.zeros((1, MAX_ACTION_DIM), np.float32))
    for frames in (first, r.frames, r.final_frames):
        assert frames.shape == (1, *FRAME_SHAPE) and frames.dtype == np.uint8
        assert frames.any(), f"{task}: an all-black frame"
