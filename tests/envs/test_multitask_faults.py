"""Worker faults in the multitask env's pool: a worker that dies, raises or hangs is restarted with
the same slots and seeds, its slots are marked `restarted`, and too many restarts stop the run.

The envs that fail on purpose are made by a patched `envs.make` that the workers inherit, so those
tests start the pool with 'fork' (the patch lives only in this process's memory).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time

import gymnasium as gym
import numpy as np
import pytest

import envs
from envs.multitask import MultitaskEnv
from envs.registry import MAX_ACTION_DIM, get_task

# Cartpole-balance earns about 1 per step: a restarted slot's reward of 0 is then not the old one.
TASKS = ["pendulum-swingup", "reacher-easy", "cartpole-balance", "cartpole-balance"]  # workers: (1, 2), (0, 3)
FAULTY = "cartpole-balance"  # the task whose env fails on purpose, alone on its worker in PAIR
PAIR = ["pendulum-swingup", FAULTY]
FAIL_AT = 3  # the faulty env fails at this step of each episode

needs_fork = pytest.mark.skipif("fork" not in mp.get_all_start_methods(), reason="needs the 'fork' start method")


def _actions(tasks: list[str], steps: int, seed: int = 1) -> np.ndarray:
    dims = np.array([get_task(t).action_dim for t in tasks])
    act = np.random.default_rng(seed).uniform(-1, 1, (steps, len(tasks), MAX_ACTION_DIM)).astype(np.float32)
    act[:, np.arange(MAX_ACTION_DIM)[None, :] >= dims[:, None]] = 0.0
    return act


class _Unpicklable(ValueError):
    def __reduce__(self):
        raise TypeError("this exception does not pickle")


class _Faulty(gym.Wrapper):
    """Fails at step FAIL_AT of every episode: raises ValueError ("raise"), an exception that does
    not pickle ("raise-unpicklable") or sleeps 60 s ("hang"). With a `marker` file it fails only
    while the file does not exist, and makes it (so: once, across processes)."""

    def __init__(self, env: gym.Env, how: str, marker: str | None):
        super().__init__(env)
        self.how, self.marker, self.t = how, marker, 0

    def reset(self, **kwargs):
        self.t = 0
        return self.env.reset(**kwargs)

    def step(self, action):
        self.t += 1
        if self.t == FAIL_AT and (self.marker is None or not os.path.exists(self.marker)):
            if self.marker is not None:
                open(self.marker, "w").close()
            if self.how == "raise":
                raise ValueError("boom from the faulty env")
            if self.how == "raise-unpicklable":
                raise _Unpicklable("boom from the faulty env")
            time.sleep(60)
        return self.env.step(action)


@pytest.fixture
def faulty(monkeypatch, tmp_path):
    """faulty(how, once): make FAULTY's env fail (`how`: see _Faulty) once or every episode."""

    def patch(how: str, once: bool) -> None:
        real_make = envs.make
        marker = str(tmp_path / "failed") if once else None

        def make(spec, seed=None, render_mode=None):
            env = real_make(spec, seed=seed, render_mode=render_mode)
            return _Faulty(env, how, marker) if spec.name == FAULTY else env

        monkeypatch.setattr(envs, "make", make)

    return patch


def _assert_restart_outputs(r, mask: np.ndarray) -> None:
    """A restarted slot returns its fresh episode's first step: reward 0, not done, final_obs = obs."""
    np.testing.assert_array_equal(r.restarted, mask)
    assert (r.reward[mask] == 0).all() and not r.done[mask].any()
    np.testing.assert_array_equal(r.final_obs[mask], r.obs[mask])
    assert np.isnan(r.success[mask]).all() and np.isnan(r.score[mask]).all()


@pytest.mark.timeout(120)
def test_killed_worker_is_restarted_with_the_same_seeds():
    seed, before, after = 3, 5, 8
    acts = _actions(TASKS, before + after)
    with MultitaskEnv(TASKS, seed=seed, num_workers=0) as ref:  # the same run without the kill
        ref_obs0 = ref.reset()
        ref_steps = [ref.step(a) for a in acts]
    with MultitaskEnv(TASKS, seed=seed, num_workers=0) as fresh:  # the first episodes, from reset
        fresh_obs0 = fresh.reset()
    with MultitaskEnv(TASKS, seed=seed, num_workers=0) as fresh:  # the second episodes, with the post-kill actions
        fresh.episode_index = np.ones(len(TASKS), np.int64)
        fresh_obs1 = fresh.reset()
        fresh_steps = [fresh.step(a) for a in acts[before + 1:]]

    env = MultitaskEnv(TASKS, seed=seed, num_workers=2)
    try:
        victim = 1
        mask = np.isin(np.arange(len(TASKS)), env.worker_slots[victim])
        assert env.worker_slots == [(1, 2), (0, 3)]  # the victim holds a cartpole and a pendulum
        np.testing.assert_array_equal(env.reset(), ref_obs0)
        got = [env.step(a) for a in acts[:before]]
        pids = env.worker_pids
        os.kill(pids[victim], signal.SIGKILL)
        got += [env.step(a) for a in acts[before:]]

        assert env.env_restarts == 1 and env.episodes_dropped == 2
        assert env.worker_pids[1 - victim] == pids[1 - victim] and env.worker_pids[victim] != pids[victim]
        for t, r in enumerate(got):
            np.testing.assert_array_equal(r.restarted, mask & (t == before), err_msg=f"step {t}")
        # The other worker's slot is unaffected: it follows the run without the kill throughout.
        for t, (r, q) in enumerate(zip(got, ref_steps)):
            for field in ("obs", "reward", "done", "final_obs", "score"):
                np.testing.assert_array_equal(getattr(r, field)[~mask], getattr(q, field)[~mask], f"{t} {field}")
        # The restarted slots drop their episode and start their next one, as a fresh env with the same
        # seed set to that episode would, then follow it.
        assert (got[before - 1].reward[mask] > 0.5).any()  # so reward 0 below is written, not left over
        _assert_restart_outputs(got[before], mask)
        np.testing.assert_array_equal(got[before].obs[mask], fresh_obs1[mask])
        np.testing.assert_array_equal(env.episode_index, mask.astype(np.int64))
        assert (got[before].obs[mask] != ref_steps[before].obs[mask]).any()  # not just the old episode going on
        for t, (r, q) in enumerate(zip(got[before + 1:], fresh_steps)):
            for field in ("obs", "reward", "done", "final_obs"):
                np.testing.assert_array_equal(getattr(r, field)[mask], getattr(q, field)[mask], err_msg=f"{t} {field}")

        # A death during reset: restarted too; no running episode is dropped (reset drops them all anyway).
        os.kill(env.worker_pids[0], signal.SIGKILL)
        obs0 = env.reset()
        slots0 = list(env.worker_slots[0])
        np.testing.assert_array_equal(obs0[slots0], fresh_obs0[slots0])
        assert env.env_restarts == 2 and env.episodes_dropped == 2
        assert not env.step(acts[0]).restarted.any()
    finally:
        env.close()


@needs_fork
@pytest.mark.timeout(120)
def test_env_exception_in_a_worker_is_restarted(faulty):
    with MultitaskEnv(PAIR, seed=0, num_workers=0) as fresh:  # made before the patch
        fresh.episode_index = np.ones(len(PAIR), np.int64)  # the episodes after the first
        fresh_obs1 = fresh.reset()
    faulty("raise", once=True)
    acts = _actions(PAIR, FAIL_AT + 4)
    with MultitaskEnv(PAIR, seed=0, num_workers=2, start_method="fork") as env:
        assert env.worker_slots == [(1,), (0,)]  # the faulty slot 1 alone on worker 0
        env.reset()
        got = [env.step(a) for a in acts]
        mask = np.array([False, True])
        for t, r in enumerate(got, start=1):
            if t == FAIL_AT:
                assert got[t - 2].reward[1] > 0.5  # the step before: so reward 0 is written, not left over
                _assert_restart_outputs(r, mask)
                np.testing.assert_array_equal(r.obs[1], fresh_obs1[1])  # the dropped episode's successor
            else:
                assert not r.restarted.any(), f"step {t}"
        assert env.env_restarts == 1 and env.episodes_dropped == 1


@needs_fork
@pytest.mark.timeout(120)
@pytest.mark.parametrize("how", ["raise", "raise-unpicklable"])
def test_env_failing_every_time_stops_after_max_restarts(faulty, how):
    faulty(how, once=False)
    acts = _actions(PAIR, 1)[0]
    env = MultitaskEnv(PAIR, seed=0, num_workers=2, start_method="fork", max_restarts=2, restart_window=100)
    try:
        env.reset()
        steps = 0
        error = "ValueError" if how == "raise" else "_Unpicklable"
        with pytest.raises(RuntimeError, match=rf"{FAULTY} \(slot 1\): {error}: boom from the faulty env") as err:
            while steps < 20:
                steps += 1
                env.step(acts)
        assert steps == 3 * FAIL_AT  # restarted after the first two failures, stopped at the third
        assert "max_restarts=2" in str(err.value) and "Worker traceback" in str(err.value)
        # The worker's exception is chained when it pickles; otherwise its traceback text is all there is.
        assert isinstance(err.value.__cause__, ValueError) if how == "raise" else err.value.__cause__ is None
        assert env.env_restarts == 2 and env.episodes_dropped == 2
        assert not any(p.is_alive() for p in env._pool._procs)  # the pool was closed
        with pytest.raises(RuntimeError, match="closed"):
            env.step(acts)
    finally:
        env.close()


@needs_fork
@pytest.mark.timeout(120)
@pytest.mark.parametrize("window", [FAIL_AT, FAIL_AT + 1])
def test_restart_window_counts_only_recent_restarts(faulty, window):
    """Failures every FAIL_AT steps with max_restarts=1: two restarts FAIL_AT steps apart fall within
    a window of FAIL_AT + 1 step calls (stop), but not within one of FAIL_AT (go on)."""
    faulty("raise", once=False)
    acts = _actions(PAIR, 1)[0]
    with MultitaskEnv(PAIR, seed=0, num_workers=2, start_method="fork", max_restarts=1, restart_window=window) as env:
        env.reset()
        if window == FAIL_AT:
            flags = [env.step(acts).restarted[1] for _ in range(4 * FAIL_AT)]
            assert flags == [t % FAIL_AT == 0 for t in range(1, 4 * FAIL_AT + 1)]
            assert env.env_restarts == 4 and env.episodes_dropped == 4
        else:
            for _ in range(FAIL_AT):
                env.step(acts)
            assert env.env_restarts == 1
            with pytest.raises(RuntimeError, match=rf"{FAULTY}.*restarted 1 times within the last {window} steps"):
                for _ in range(FAIL_AT):
                    env.step(acts)


@needs_fork
@pytest.mark.timeout(120)
def test_hung_worker_is_restarted_after_the_timeout(faulty):
    faulty("hang", once=True)
    acts = _actions(PAIR, FAIL_AT + 3)
    with MultitaskEnv(PAIR, seed=0, num_workers=2, start_method="fork", timeout=2.0) as env:
        env.reset()
        assert env.worker_slots == [(1,), (0,)]
        hung = env._pool._procs[0]
        got = [env.step(a) for a in acts]
        assert not hung.is_alive()  # killed, not left sleeping
        _assert_restart_outputs(got[FAIL_AT - 1], np.array([False, True]))
        assert sum(r.restarted.any() for r in got) == 1
        assert env.env_restarts == 1 and env.episodes_dropped == 1


def test_in_process_env_exception_propagates(faulty):
    faulty("raise", once=False)
    acts = _actions(PAIR, 1)[0]
    with MultitaskEnv(PAIR, seed=0, num_workers=0) as env:
        env.reset()
        for _ in range(FAIL_AT - 1):
            env.step(acts)
        with pytest.raises(ValueError, match="boom"):
            env.step(acts)
        assert env.env_restarts == 0 and env.episodes_dropped == 0


@pytest.mark.parametrize(("name", "bad"), [("max_restarts", -1), ("max_restarts", 1.5), ("max_restarts", True),
                                           ("restart_window", 0), ("restart_window", "10")])
def test_bad_restart_settings_fail_clearly(name, bad):
    with pytest.raises(ValueError, match=rf"{name}={bad!r} not accepted; accepted"):
        MultitaskEnv(PAIR, num_workers=0, **{name: bad})
