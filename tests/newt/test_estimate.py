"""train.py's start-up cost estimate (newt/estimate.py): it leaves the run untouched, and says when a
busy machine inflates it."""

import torch

import newt.estimate as estimate_module
from envs.multitask import MultitaskEnv
from newt.estimate import CostEstimate, estimate_costs
from tests.newt.helpers import make_agent, random_batch


def _tensors(tree, prefix=""):
    """Every tensor in a nested state dict, by its path."""
    if isinstance(tree, torch.Tensor):
        return {prefix: tree.clone()}
    items = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(tree, (list, tuple)) else ()
    return {k: v for key, sub in items for k, v in _tensors(sub, f"{prefix}/{key}").items()}


def _estimate(**kwargs):
    return CostEstimate(act_s=0.1, update_s=0.2, env_s=0.01, per_env_step_s=0.3, per_eval_s=60.0, **kwargs)


def test_the_summary_warns_only_when_other_processes_held_every_core():
    busy, idle = _estimate(load=2.4, cores=2).summary(1000), _estimate(load=1.2, cores=2).summary(1000)
    assert "load average was 2.4 on 2 cores" in busy and "run high" in busy
    assert "load average" not in idle and "load average" not in _estimate().summary(1000)
    assert idle.startswith("estimated on this machine: 300.0 ms per env step")


def test_estimating_leaves_the_agent_and_its_planner_untouched(monkeypatch):
    monkeypatch.setattr(estimate_module.os, "getloadavg", lambda: (3.0, 2.0, 1.0))
    monkeypatch.setattr(estimate_module.os, "cpu_count", lambda: 2)
    agent, derived = make_agent("cartpole-balance", num_samples=16, num_elites=2, num_pi_trajs=2, iterations=1,
                                batch_size=8)
    agent.update(random_batch(derived, batch_size=8))  # optimiser moments exist, as in a running agent
    before = _tensors(agent.state_dict())
    env = MultitaskEnv(["cartpole-balance"], seed=0, num_workers=0)
    try:
        est = estimate_costs(agent, derived, env_tasks=2, eval_env=env, mpc_eval=True)
    finally:
        env.close()
    after = _tensors(agent.state_dict())
    assert len(before) > 50 and before.keys() == after.keys()
    assert all(torch.equal(before[k], after[k]) for k in before)  # weights, optimisers' moments, Q scale
    assert agent.planners == {}  # the probe planned on a copy: no warm start was made here
    assert (est.load, est.cores) == (3.0, 2) and "load average was 3.0 on 2 cores" in est.summary(100)
    assert est.per_env_step_s > derived.utd * est.update_s > 0 and est.per_eval_s > 0
