"""The agent on a CUDA GPU: the same numbers as on CPU, and the compile=true path (CUDA graphs) equal to
the eager one. Skipped without a GPU; scripts/gpu_check.sh runs them (`pytest -m cuda`)."""

import copy

import pytest
import torch

from tests.newt.helpers import make_agent, random_batch, randomise_heads

pytestmark = [pytest.mark.cuda,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (torch sees none)")]

SMALL_PLAN = {"num_samples": 64, "num_elites": 8, "num_pi_trajs": 8, "iterations": 3}


def _pair(**kwargs):
    torch.manual_seed(0)
    cpu, d = make_agent(**kwargs)
    randomise_heads(cpu)
    torch.manual_seed(0)
    gpu, _ = make_agent(device="cuda", **kwargs)
    gpu.model.load_state_dict(cpu.model.state_dict())
    return cpu, gpu, d


@pytest.mark.parametrize("task", ["cartpole-balance", "dmcontrol"])
def test_model_losses_match_cpu(task):
    """The deterministic parts of the model loss (no dropout, Q-member or policy draws) on the same
    weights and batch: GPU (TF32 off) equals CPU to float32 noise."""
    torch.backends.cuda.matmul.allow_tf32 = False
    try:
        cpu, gpu, d = _pair(task=task, **SMALL_PLAN)
        batch = random_batch(d, batch_size=32)
        for agent in (cpu, gpu):
            agent.model.train()
        lc, lg = cpu.model_loss(*batch), gpu.model_loss(*[x.cuda() for x in batch])
        for name in ("consistency", "reward"):
            torch.testing.assert_close(getattr(lg, name).cpu(), getattr(lc, name), rtol=1e-4, atol=1e-5, msg=name)
    finally:
        torch.backends.cuda.matmul.allow_tf32 = True


def test_compiled_path_runs_and_matches_eager():
    torch.manual_seed(0)
    eager, d = make_agent(task="dmcontrol", device="cuda", **SMALL_PLAN)
    randomise_heads(eager)
    compiled, _ = make_agent(task="dmcontrol", device="cuda", compile=True, **SMALL_PLAN)
    compiled.model.load_state_dict(eager.model.state_dict())
    n = len(d.tasks)
    obs, idx = torch.randn(n, 128), torch.arange(n)
    for _ in range(3):  # warm-up, capture, replay
        actions = compiled.act(obs, idx, eval_mode=True)
        assert actions.shape == (n, 16) and torch.isfinite(actions).all()
        policy = compiled.act(obs, idx, eval_mode=True, mpc=False)
        torch.testing.assert_close(policy, eager.act(obs, idx, eval_mode=True, mpc=False), rtol=1e-3, atol=1e-3)
    batch = random_batch(d, batch_size=32)
    before = copy.deepcopy(compiled.model.state_dict())
    for _ in range(3):
        metrics = compiled.update(batch)
        assert all(torch.isfinite(torch.tensor(v)) for v in metrics.values())
    changed = [k for k, v in compiled.model.state_dict().items() if not torch.equal(v, before[k])]
    assert changed  # the compiled update trains
