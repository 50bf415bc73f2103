"""Bad actions get one behaviour in every domain: NaN/inf and wrong shapes raise a ValueError naming
the task; out-of-range values are clipped to [-1, 1] (the same step as the clipped action)."""

import numpy as np
import pytest

import envs
from envs.errors import MissingAssetsError
from envs.registry import TASKS
from tests.envs.helpers import FAST_TASKS


def _env(name):
    try:
        return envs.make(name, seed=0)
    except MissingAssetsError as e:
        pytest.skip(f"{name}: assets not installed here ({e})")


@pytest.mark.parametrize("name", sorted(FAST_TASKS.values()))
def test_non_finite_and_misshaped_actions_raise_naming_the_task(name):
    env = _env(name)
    try:
        env.reset(seed=0)
        a = np.zeros(TASKS[name].action_dim, np.float32)
        for bad in (np.nan, np.inf):
            a[0] = bad
            with pytest.raises(ValueError, match=f"{name}: action .* non-finite"):
                env.step(a)
        with pytest.raises(ValueError, match=rf"{name}: action shape \(\d+,\), expected"):
            env.step(np.zeros(TASKS[name].action_dim + 1, np.float32))
        obs, reward, _, _, _ = env.step(np.zeros(TASKS[name].action_dim, np.float32))  # still usable
        assert np.isfinite(obs).all() and np.isfinite(reward)
    finally:
        env.close()


@pytest.mark.parametrize("name", ["cartpole-balance", "pygame-pong", "mw-reach"])
def test_out_of_range_actions_are_clipped(name):
    dim = TASKS[name].action_dim
    big = np.full(dim, 5.0, np.float32)
    results = []
    for action in (big, np.ones(dim, np.float32)):
        env = _env(name)
        env.reset(seed=3)
        results.append(env.step(action)[0])
        env.close()
    np.testing.assert_array_equal(results[0], results[1])
