"""The fast paths (SimNorm, Mish, the planner's split first layers, the update) compute the same
numbers as the straightforward computation (`WorldModel.set_fast(False)`), on fixed inputs."""

import copy

import pytest
import torch
import torch.nn.functional as F

import newt.layers
from newt.layers import group_softmax, mish
from tests.newt.helpers import make_agent, random_batch, randomise_heads

SMALL_PLAN = {"num_samples": 64, "num_elites": 8, "num_pi_trajs": 8, "iterations": 3}
TOL = {"rtol": 1e-4, "atol": 1e-5}


def _pair(**kwargs):
    torch.manual_seed(0)
    fast, d = make_agent(**kwargs)
    randomise_heads(fast)
    ref = copy.deepcopy(fast)
    ref.model.set_fast(False)
    assert fast.model.fast and not ref.model.fast
    return fast, ref, d


@pytest.mark.parametrize("grad", [False, True])
def test_group_softmax_and_mish_match_torch(grad):
    gen = torch.Generator().manual_seed(0)
    x = (torch.randn(64, 384, generator=gen) * 15).requires_grad_(grad)
    assert x.abs().max() > 20  # also the range where Mish's exp is clamped
    x2 = x.detach().clone().requires_grad_(grad)
    y, y_ref = group_softmax(x, 8), F.softmax(x2.view(64, -1, 8), -1).view(64, 384)
    torch.testing.assert_close(y, y_ref, **TOL)
    h, h_ref = mish(x), F.mish(x2)
    torch.testing.assert_close(h, h_ref, **TOL)
    if grad:
        g = torch.randn(64, 384, generator=gen)
        ((y * g).sum() + (h * g).sum()).backward()
        ((y_ref * g).sum() + (h_ref * g).sum()).backward()
        torch.testing.assert_close(x.grad, x2.grad, **TOL)


@pytest.mark.parametrize("task,chunk_rows",
                         [("cartpole-balance", 2048), ("dmcontrol", 2048), ("dmcontrol", 64), ("dmcontrol", 320)])
def test_estimate_value_matches_reference(task, chunk_rows):
    """Also with env groups of 1 (chunk_rows < samples) and of several envs (uneven last group)."""
    fast, ref, d = _pair(task=task, **SMALL_PLAN)
    n = len(d.tasks)
    gen = torch.Generator().manual_seed(1)
    obs = torch.randn(n, 128, generator=gen)
    task_idx = torch.arange(n).view(n, 1)
    actions = (torch.rand(n, 64, 3, 16, generator=gen) * 2 - 1) * fast.model.mask(task_idx).unsqueeze(2)
    values = []
    for agent in (fast, ref):
        agent.model.eval()
        z = agent.model.encode(obs, task_idx.view(-1))
        torch.manual_seed(5)  # same policy noise and Q members in both
        planner = agent.planner(n)
        planner.chunk_rows = chunk_rows
        values.append(planner.estimate_value(z, actions, task_idx))
    assert values[0].shape == (n, 64)
    assert values[0].std() > 1e-3  # the samples' values differ, so the comparison means something
    torch.testing.assert_close(values[0], values[1], **TOL)


@pytest.mark.parametrize("task", ["cartpole-balance", "dmcontrol"])
def test_plan_matches_reference(task):
    fast, ref, d = _pair(task=task, **SMALL_PLAN)
    n = len(d.tasks)
    gen = torch.Generator().manual_seed(2)
    obs, task_idx = torch.randn(n, 128, generator=gen), torch.arange(n)
    for step in range(2):  # the second step is warm-started
        out = []
        for agent in (fast, ref):
            torch.manual_seed(10 + step)
            out.append((agent.act(obs, task_idx), agent.planner(n).prev_mean.clone()))
        torch.testing.assert_close(out[0][0], out[1][0], **TOL)
        torch.testing.assert_close(out[0][1], out[1][1], **TOL)


@pytest.mark.parametrize("task", ["cartpole-balance", "dmcontrol"])
def test_update_losses_and_gradients_match_reference(task, monkeypatch):
    # The fast dropout draws its masks from another random stream (its distribution is tested in
    # test_kernels.py); here both agents use F.dropout so that they drop the same elements.
    monkeypatch.setattr(newt.layers, "dropout", F.dropout)
    fast, ref, d = _pair(task=task, batch_size=32)
    batch = random_batch(d, batch_size=32)
    metrics = []
    for agent in (fast, ref):
        torch.manual_seed(3)  # same dropout masks, policy noise and Q members
        metrics.append(agent.update(batch))
    for k in metrics[1]:
        assert metrics[0][k] == pytest.approx(metrics[1][k], rel=1e-4, abs=1e-6), k
    named_ref = dict(ref.model.named_parameters())
    compared = 0
    for name, p in fast.model.named_parameters():
        if p.grad is not None:
            torch.testing.assert_close(p.grad, named_ref[name].grad, rtol=1e-3, atol=1e-6, msg=name)
            compared += 1
    assert compared > 20


def test_compile_on_cpu_is_rejected_with_a_clear_message():
    """compile=true is the CUDA-graph path; on CPU the eager fast paths run and compile is refused."""
    with pytest.raises(ValueError, match=r"compile=true needs a CUDA device.*'cpu'.*compile=false"):
        make_agent(compile=True)


def test_compiled_functions_capture_as_one_graph():
    """What compile=true hands to torch.compile (the model losses, the policy loss, MPPI and the
    policy's acting) traces without graph breaks (fullgraph; the eager backend, so it runs on CPU)
    and gives the same results as the uncompiled calls."""
    agent, d = make_agent(task="dmcontrol", **SMALL_PLAN)
    randomise_heads(agent)
    n = len(d.tasks)
    planner = agent.planner(n)
    planner.chunk_rows = 1 << 30  # one group, as on a GPU

    def trace(fn):
        return torch.compile(fn, backend="eager", fullgraph=True)

    def same(fn, *args):
        torch.manual_seed(4)
        compiled = trace(fn)(*args)
        torch.manual_seed(4)
        return compiled, fn(*args)

    agent.model.eval()
    gen = torch.Generator().manual_seed(0)
    obs, idx = torch.randn(n, 128, generator=gen), torch.arange(n)
    with torch.no_grad():
        z = agent.model.encode(obs, idx)
        first = torch.tensor([True] + [False] * (n - 1))
        prev = torch.rand(n, 3, 16, generator=gen)
        for weight in (0.0, 0.4):  # the constraint weight is a tensor: one graph for every value
            (a_c, mean_c), (a_p, mean_p) = same(planner.plan_core, z, idx.view(n, 1), prev, first,
                                               torch.tensor(weight), False)
            torch.testing.assert_close(a_c, a_p, **TOL)
            torch.testing.assert_close(mean_c, mean_p, **TOL)
        for eval_mode in (True, False):
            torch.testing.assert_close(*same(agent.policy_act, obs, idx, eval_mode), **TOL)
    obs_b, act, reward, task = random_batch(d, batch_size=16)
    agent.model.train()
    compiled, plain = same(agent.model_loss, obs_b, act, reward, task)
    for name in ("total", "consistency", "reward", "value"):
        torch.testing.assert_close(getattr(compiled, name), getattr(plain, name), **TOL, msg=name)
    zs = plain.zs.detach()
    agent.model.qs.requires_grad_(False)
    compiled, plain = same(agent.pi_loss, zs, act, task)
    agent.model.qs.requires_grad_(True)
    for name in ("total", "q", "bc", "scaled_entropy", "q_term"):
        torch.testing.assert_close(getattr(compiled, name), getattr(plain, name), **TOL, msg=name)
