"""Small shared builders for the agent tests."""

from __future__ import annotations

import torch

import config as C
from newt.agent import Agent
from newt.buffer import Batch


def make_agent(task: str = "cartpole-balance", embeddings: bool = False, **overrides) -> tuple[Agent, C.Derived]:
    overrides.setdefault("model_size", "S")  # small and fast; the run default is B (one task) or L (a set)
    overrides.setdefault("device", "cpu")
    cfg = C.Config(task=task, **overrides)
    derived = C.derive(cfg)
    emb = None
    if derived.task_dim:
        gen = torch.Generator().manual_seed(0)
        emb = torch.randn(len(derived.tasks), derived.task_dim, generator=gen)
    return Agent(cfg, derived, emb), derived


def random_batch(derived: C.Derived, batch_size: int = 32, horizon: int = 3, seed: int = 0) -> Batch:
    gen = torch.Generator().manual_seed(seed)
    task = torch.randint(0, len(derived.tasks), (batch_size,), generator=gen)
    masks = torch.zeros(len(derived.tasks), 16)
    for i, a in enumerate(derived.action_dims):
        masks[i, :a] = 1
    action = (torch.rand(horizon, batch_size, 16, generator=gen) * 2 - 1) * masks[task]
    return Batch(
        obs=torch.randn(horizon + 1, batch_size, 128, generator=gen),
        action=action,
        reward=torch.rand(horizon, batch_size, 1, generator=gen),
        task=task,
    )


def randomise_heads(agent: Agent, seed: int = 0) -> None:
    """Give the zero-initialised reward and Q heads random weights, so values differ per sample."""
    gen = torch.Generator().manual_seed(seed)
    m = agent.model
    with torch.no_grad():
        for p in (m.reward_net[-1].weight, m.reward_net[-1].bias, m.qs.out.weight, m.qs.out.bias):
            p.copy_(torch.randn(p.shape, generator=gen) * 0.05)
        m.target_qs.load_state_dict(m.qs.state_dict())
