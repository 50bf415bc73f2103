"""Constrained planning (Newt): MPPI starts from the policy trajectories' mean and std."""

import pytest
import torch

import config as C
from newt.math import constraint_weight
from tests.newt.helpers import make_agent


def test_constraint_weight_follows_the_originals_formula():
    # 1 until start, then 1 - (step - start) / final: zero at start + final, never negative
    assert [constraint_weight(s, 100, 50) for s in (0, 99, 100, 125, 150, 10_000)] == [1, 1, 1, 0.5, 0, 0]
    assert constraint_weight(7, 0, 0) == 0.0  # no annealing length: off at once


def _first_samples(constraint, noise_value):
    """The non-policy samples MPPI scores in its first iteration, with the noise fixed."""
    agent, _ = make_agent("cartpole-balance", iterations=1, num_samples=16, num_elites=2, num_pi_trajs=4)
    agent.model.eval()
    planner = agent.planner(1)
    z = agent.model.encode(torch.randn(1, 128), torch.zeros(1, dtype=torch.long))
    seen = {}
    real_estimate, real_randn, real_pi = planner.estimate_value, torch.randn, planner.policy_trajectories

    def estimate(z_, actions, task, ctx=None):
        seen.setdefault("actions", actions.clone())
        return real_estimate(z_, actions, task, ctx)

    def trajectories(z_, task, num):
        seen["pi"] = real_pi(z_, task, num)
        return seen["pi"]

    planner.estimate_value, planner.policy_trajectories = estimate, trajectories
    def fixed_noise(*shape, **kw):
        return torch.full(shape, noise_value, **{k: v for k, v in kw.items() if k != "generator"})

    torch.randn = fixed_noise
    try:
        planner.plan(z, torch.zeros(1, dtype=torch.long), eval_mode=True, constraint=constraint)
    finally:
        torch.randn = real_randn
    return seen["actions"][:, 4:], seen["pi"]


def test_full_constraint_starts_from_the_policy_mean_and_std():
    samples, pi = _first_samples(1.0, noise_value=0.1)  # unconstrained, this would be 0 + 2.0 * 0.1
    pi_mean, pi_std = pi.mean(1), pi.std(1).clamp(0.05, 2.0)
    expected = (pi_mean + 0.1 * pi_std).clamp(-1, 1)[:, None]
    assert not torch.allclose(expected[..., :1], torch.tensor(0.2))
    assert torch.allclose(samples[..., :1], expected.expand_as(samples)[..., :1], atol=1e-6)


def test_no_constraint_starts_from_the_warm_start_and_max_std():
    samples, _ = _first_samples(0.0, noise_value=0.0)
    assert torch.all(samples == 0)  # first step: zero mean, and the noise was fixed to 0


@pytest.mark.parametrize("task,expected", [("cartpole-balance", False), ("dmcontrol", True)])
def test_constrained_planning_defaults_on_for_task_sets(task, expected):
    d = C.derive(C.Config(task=task))
    assert d.constrained_planning is expected and d.constraint_start_step == d.seed_steps
