"""The multitask env's worker pool against in-process stepping, and its failure handling with
restarts off (restarts: test_multitask_faults.py)."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal

import numpy as np
import pytest

from envs.multitask import MultitaskEnv, assign_slots, resolve_num_workers
from envs.registry import MAX_ACTION_DIM, get_task

DMC_MIX = ["cartpole-balance", "reacher-easy", "walker-walk"]  # action dims 1, 2, 6; obs 5, 6, 24
# Tasks of other lengths from other domains, tried when their maker exists and works here.
OTHER_LENGTHS = ["pygame-landing", "mujoco-reacher", "lunarlander-land"]  # 200, 50, 250 steps


def _actions(tasks: list[str], steps: int, junk: float) -> np.ndarray:
    """Random actions with `junk` beyond each task's action dim (0 or NaN)."""
    dims = np.array([get_task(t).action_dim for t in tasks])
    act = np.random.default_rng(1).uniform(-1, 1, (steps, len(tasks), MAX_ACTION_DIM)).astype(np.float32)
    act[:, np.arange(MAX_ACTION_DIM)[None, :] >= dims[:, None]] = junk
    return act


def _rollout(env: MultitaskEnv, actions: np.ndarray) -> tuple[np.ndarray, list]:
    return env.reset(), [env.step(a) for a in actions]


def _assert_same_as_in_process(tasks: list[str], steps: int, num_workers: int) -> list:
    clean, junk = _actions(tasks, steps, 0.0), _actions(tasks, steps, np.nan)
    with MultitaskEnv(tasks, seed=7, num_workers=0) as env:
        obs0, ref = _rollout(env, clean)
    # NaN beyond each action dim: a task that read past its dim would turn its state into NaN.
    with MultitaskEnv(tasks, seed=7, num_workers=num_workers) as env:
        assert env.num_workers == num_workers and len(env.worker_pids) == num_workers
        pool_obs0, got = _rollout(env, junk)
    np.testing.assert_array_equal(pool_obs0, obs0)
    for t, (a, b) in enumerate(zip(ref, got)):
        for field in a._fields:
            np.testing.assert_array_equal(getattr(b, field), getattr(a, field), err_msg=f"step {t}: {field}")
    return got


@pytest.mark.timeout(120)
def test_pool_matches_in_process_over_auto_resets():
    lengths = np.array([get_task(t).episode_length for t in DMC_MIX])
    steps = 2 * int(lengths.max()) + 1
    got = _assert_same_as_in_process(DMC_MIX, steps, num_workers=2)

    done = np.stack([r.done for r in got])
    expected = (np.arange(1, steps + 1)[:, None] % lengths[None, :]) == 0
    np.testing.assert_array_equal(done, expected)  # every episode runs exactly its length
    for r in got:
        # Zero padding beyond each native obs dim, in both the next and the final observations.
        for i, t in enumerate(DMC_MIX):
            dim = get_task(t).obs_dim
            assert not r.obs[i, dim:].any() and not r.final_obs[i, dim:].any()
        assert np.isnan(r.score[~r.done]).all() and np.isfinite(r.score[r.done]).all()
        # Auto-reset: a finished slot returns the new episode's first obs, the old last one apart.
        assert (r.obs[r.done] != r.final_obs[r.done]).any(axis=1).all()
        np.testing.assert_array_equal(r.obs[~r.done], r.final_obs[~r.done])


@pytest.mark.timeout(120)
@pytest.mark.parametrize("task", OTHER_LENGTHS)
def test_pool_matches_in_process_other_domains(task):
    tasks = [task, "cartpole-balance", task]
    got = _assert_same_as_in_process(tasks, 2 * get_task(task).episode_length + 1, num_workers=2)
    assert sum(r.done[0] for r in got) == 2


@pytest.mark.parametrize("bad", [-1, 1.5, "2", True])
def test_bad_num_workers_fail_clearly(bad):
    with pytest.raises((TypeError, ValueError), match=rf"num_workers={bad!r}.*accepted"):
        MultitaskEnv(DMC_MIX, num_workers=bad)


def test_num_workers_resolution():
    assert resolve_num_workers(0, 3) == 0
    assert resolve_num_workers(7, 3) == 3  # capped at the number of envs
    assert 1 <= resolve_num_workers(None, 3) <= 3


def test_assign_slots_balances_cost():
    costs = [5.0, 4.0, 3.0, 3.0, 3.0, 1.0]
    groups = assign_slots(costs, 2)
    assert sorted(i for g in groups for i in g) == list(range(len(costs)))
    loads = [sum(costs[i] for i in g) for g in groups]
    assert max(loads) - min(loads) <= 1.0  # LPT: 5+3+1 against 4+3+3 here
    assert assign_slots(costs, 2) == groups  # deterministic


@pytest.mark.timeout(60)
def test_killed_worker_raises_naming_its_tasks_when_restarts_are_off():
    tasks = ["pendulum-swingup", "cartpole-balance", "reacher-easy"]
    env = MultitaskEnv(tasks, seed=0, num_workers=2, max_restarts=None)
    try:
        env.reset()
        env.step(np.zeros((3, MAX_ACTION_DIM), np.float32))
        victim = 1
        held = [tasks[i] for i in env.worker_slots[victim]]
        os.kill(env.worker_pids[victim], signal.SIGKILL)
        with pytest.raises(RuntimeError, match="SIGKILL") as err:
            env.step(np.zeros((3, MAX_ACTION_DIM), np.float32))
        assert all(t in str(err.value) for t in held)
        assert not any(p.is_alive() for p in env._pool._procs)  # the others were closed too
        assert env._pool._shared is None  # the shared arrays were let go
        with pytest.raises(RuntimeError, match="closed"):
            env.step(np.zeros((3, MAX_ACTION_DIM), np.float32))
    finally:
        env.close()


@pytest.mark.timeout(60)
def test_hung_worker_times_out_and_close_does_not_hang_when_restarts_are_off():
    tasks = ["pendulum-swingup", "cartpole-balance"]
    env = MultitaskEnv(tasks, seed=0, num_workers=2, timeout=1.0, max_restarts=0)
    try:
        env.reset()
        os.kill(env.worker_pids[0], signal.SIGSTOP)  # alive but never answers
        with pytest.raises(RuntimeError, match=rf"no answer to step within 1.0 s.*{tasks[env.worker_slots[0][0]]}"):
            env.step(np.zeros((2, MAX_ACTION_DIM), np.float32))
        assert not any(p.is_alive() for p in env._pool._procs)
    finally:
        env.close()


@pytest.mark.timeout(60)
def test_render_is_forwarded_to_the_worker():
    tasks = ["pendulum-swingup", "cartpole-balance"]
    with MultitaskEnv(tasks, seed=0, num_workers=0) as env:
        env.reset()
        try:
            expected = [env.render(i) for i in range(2)]
        except Exception as e:  # no offscreen GL on this machine
            pytest.skip(f"MuJoCo cannot render here: {type(e).__name__}: {e}")
    with MultitaskEnv(tasks, seed=0, num_workers=2) as env:
        env.reset()
        for i in range(2):
            np.testing.assert_array_equal(env.render(i), expected[i])
        with pytest.raises(ValueError, match="slot 2 out of range"):
            env.render(2)


@pytest.mark.timeout(120)
def test_worker_error_keeps_missing_assets_type_and_names_the_task():
    from envs.errors import MissingAssetsError

    tasks = ["pendulum-swingup", "ms-pick-apple"]  # needs the YCB asset pack, absent by default
    try:
        env = MultitaskEnv(tasks, seed=0, num_workers=2)
    except MissingAssetsError as e:
        assert "ms-pick-apple" in str(e) and "Worker traceback" in str(e)
        assert isinstance(e.__cause__, MissingAssetsError)  # the worker's own exception, chained
        assert not [p for p in mp.active_children() if p.name.startswith("mmbench-worker")]
    else:
        env.close()
        pytest.skip("the ManiSkill YCB assets are installed here, so ms-pick-apple can be made")


def test_episode_index_makes_every_episode_startable_on_its_own():
    """Episode k of slot i is seeded from (seed, i, k) alone: a reset restarts the current episode,
    an ended episode moves to the next index, and setting the index starts any episode directly
    (how a resumed run continues), in-process and in the pool alike."""
    tasks = ["mujoco-reacher", "mujoco-reacher"]
    length = 50
    with MultitaskEnv(tasks, seed=4, num_workers=0) as env:
        first = env.reset()
        np.testing.assert_array_equal(env.reset(), first)  # the same episode again
        assert (first[0] != first[1]).any()  # the two copies see different episodes
        for _ in range(length):
            res = env.step(np.zeros((2, 16), np.float32))
        assert res.done.all()
        np.testing.assert_array_equal(env.episode_index, [1, 1])
        second = res.obs
    for workers in (0, 2):
        with MultitaskEnv(tasks, seed=4, num_workers=workers) as other:
            other.episode_index = np.array([1, 1])
            np.testing.assert_array_equal(other.reset(), second)
    with MultitaskEnv(tasks, seed=4, num_workers=0) as env, pytest.raises(ValueError, match="non-negative"):
        env.episode_index = np.array([0, -1])
