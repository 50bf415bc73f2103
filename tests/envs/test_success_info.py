"""How a task without a success criterion reports it: no `success` key in its info.

A NaN value would make two identical infos unequal (NaN != NaN), which gymnasium's `check_env`
rejects as a non-deterministic step. `envs.wrappers.success_of(info)` reads the absence as NaN, and
so does `info["success"]` on the wrapper's `TaskInfo`, for the code (the multitask pool among it)
written when the value was NaN. Means over episodes (`np.nanmean`) skip those NaNs as before.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from gymnasium.utils.env_checker import data_equivalence

import envs
from envs.multitask import MultitaskEnv
from envs.registry import TASKS
from envs.wrappers import TaskInfo, success_of

NO_SUCCESS = "cartpole-balance"  # DMControl: no success criterion
WITH_SUCCESS = "pygame-point-maze-var1"  # success-scored


def _first_infos(name: str) -> list[dict]:
    env = envs.make(name, seed=0)
    try:
        _, info_reset = env.reset(seed=0)
        info_step = env.step(np.zeros(TASKS[name].action_dim, np.float32))[-1]
        return [info_reset, info_step]
    finally:
        env.close()


def test_no_success_criterion_is_an_absent_key_read_as_nan():
    for info in _first_infos(NO_SUCCESS):
        assert isinstance(info, TaskInfo) and "success" not in info and "success" not in dict(info)
        assert math.isnan(info["success"]) and math.isnan(success_of(info))  # the old NaN, for old readers
        assert info.get("success") is None
        assert 0.0 <= info["score"] <= 1.0
        with pytest.raises(KeyError):
            info["no-such-key"]  # only `success` has a default


def test_identical_infos_are_equal_for_gymnasiums_checker():
    first, second = _first_infos(NO_SUCCESS), _first_infos(NO_SUCCESS)
    assert all(data_equivalence(a, b, exact=True) for a, b in zip(first, second))


def test_a_task_with_success_reports_a_float():
    assert TASKS[WITH_SUCCESS].score.kind == "success"
    for info in _first_infos(WITH_SUCCESS):
        assert "success" in info and info["success"] in (0.0, 1.0) and success_of(info) == info["success"]


def test_a_makers_nan_success_is_dropped_like_a_missing_one():
    # A maker that still reports "none" as NaN gets the same info as one that leaves the key out.
    from envs.wrappers import MMBenchTask

    inner = envs.maker_for("dmcontrol")(TASKS[NO_SUCCESS])
    env = MMBenchTask(inner, TASKS[NO_SUCCESS])
    try:
        assert "success" not in env._info({"success": math.nan}, False)
        assert env._info({"success": 1.0}, False)["success"] == 1.0
    finally:
        env.close()


def test_the_pool_reports_nan_success_and_a_score_for_such_tasks():
    spec = TASKS[NO_SUCCESS]
    env = MultitaskEnv([NO_SUCCESS], seed=0, num_workers=0)
    try:
        env.reset()
        for _ in range(spec.episode_length):
            res = env.step(np.zeros((1, 16), np.float32))
        assert res.done[0] and math.isnan(res.success[0]) and 0.0 <= res.score[0] <= 1.0
    finally:
        env.close()
