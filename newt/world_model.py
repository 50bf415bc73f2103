"""The world model: encoder, latent dynamics, reward, policy prior and Q-ensemble.

Every component takes the task embedding concatenated to its input (multitask runs; single-task
runs have none). Latents live on a product of simplices (SimNorm). Rewards and values are
predicted as two-hot distributions in symlog space. Per-task action masks zero the action
dimensions a task does not use, everywhere an action is produced or consumed.
"""

from __future__ import annotations

import copy

import torch
import torch.nn as nn

from common.math import TwoHot, squashed_gaussian
from newt.layers import QEnsemble, SimNorm, mlp


class WorldModel(nn.Module):
    def __init__(self, cfg, derived, task_embeddings: torch.Tensor | None = None):
        super().__init__()
        d = derived
        self.latent_dim, self.num_q = d.latent_dim, d.num_q
        self.log_std_min, self.log_std_max = cfg.log_std_min, cfg.log_std_max
        # Task tables, indexed by the run's task index (position in derived.tasks).
        masks = torch.zeros(len(d.tasks), d.action_dim)
        for i, a in enumerate(d.action_dims):
            masks[i, :a] = 1.0
        self.register_buffer("action_masks", masks)
        self.register_buffer("discounts", torch.tensor(d.discounts, dtype=torch.float32))
        if d.task_dim:
            if task_embeddings is None or tuple(task_embeddings.shape) != (len(d.tasks), d.task_dim):
                raise ValueError(f"task_embeddings must have shape ({len(d.tasks)}, {d.task_dim}), got "
                                 f"{None if task_embeddings is None else tuple(task_embeddings.shape)}")
            self.register_buffer("task_embeddings", task_embeddings.float())
        else:
            self.task_embeddings = None
        t, a, z = d.task_dim, d.action_dim, d.latent_dim
        simnorm = SimNorm(cfg.simnorm_dim)
        self.encoder = mlp(d.obs_dim + t, [d.enc_dim] * (d.num_enc_layers - 1), z, out_act=simnorm)
        self.dynamics_net = mlp(z + a + t, [d.mlp_dim] * 2, z, out_act=SimNorm(cfg.simnorm_dim))
        self.reward_net = mlp(z + a + t, [d.mlp_dim] * 2, cfg.num_bins)
        self.pi_net = mlp(z + t, [d.mlp_dim] * 2, 2 * a)
        self.qs = QEnsemble(d.num_q, z + a + t, [d.mlp_dim] * 2, cfg.num_bins, dropout=cfg.dropout)
        # Zero-init the last layers of reward and Q: predictions start at exactly 0.
        for w in (self.reward_net[-1].weight, self.reward_net[-1].bias, self.qs.out.weight, self.qs.out.bias):
            nn.init.zeros_(w)
        self.target_qs = copy.deepcopy(self.qs).requires_grad_(False)
        self.two_hot = TwoHot(cfg.num_bins, cfg.vmin, cfg.vmax)

    def _apply(self, fn, *args, **kwargs):
        out = super()._apply(fn, *args, **kwargs)
        self.two_hot.to(self.action_masks.device)
        return out

    # --- task conditioning -------------------------------------------------------------------
    def with_task(self, x: torch.Tensor, task: torch.Tensor) -> torch.Tensor:
        """Concatenate the task embedding of `task` (run task indices, shape x.shape[:-1] or
        broadcastable from the left) to x; identity for single-task models."""
        if self.task_embeddings is None:
            return x
        emb = self.task_embeddings[task]
        return torch.cat([x, emb.expand(*x.shape[:-1], emb.shape[-1])], dim=-1)

    def mask(self, task: torch.Tensor) -> torch.Tensor:
        return self.action_masks[task]

    # --- components --------------------------------------------------------------------------
    def encode(self, obs: torch.Tensor, task: torch.Tensor) -> torch.Tensor:
        return self.encoder(self.with_task(obs, task))

    def next(self, z: torch.Tensor, action: torch.Tensor, task: torch.Tensor) -> torch.Tensor:
        return self.dynamics_net(self.with_task(torch.cat([z, action], -1), task))

    def reward(self, z: torch.Tensor, action: torch.Tensor, task: torch.Tensor) -> torch.Tensor:
        """Reward logits [..., num_bins]."""
        return self.reward_net(self.with_task(torch.cat([z, action], -1), task))

    def pi(self, z: torch.Tensor, task: torch.Tensor, sample: bool = True):
        """Policy prior: (action, mean action, log_prob [..., 1], number of valid dims [..., 1])."""
        mean, log_std = self.pi_net(self.with_task(z, task)).chunk(2, dim=-1)
        log_std = self.log_std_min + 0.5 * (self.log_std_max - self.log_std_min) * (torch.tanh(log_std) + 1)
        mask = self.mask(task).expand_as(mean)
        action, mean_action, log_prob = squashed_gaussian(mean, log_std, mask, sample=sample)
        return action, mean_action, log_prob, mask.sum(-1, keepdim=True)

    def q_logits(self, z: torch.Tensor, action: torch.Tensor, task: torch.Tensor, target: bool = False,
                 members: torch.Tensor | None = None) -> torch.Tensor:
        """Q logits of the chosen ensemble members: [E, ..., num_bins]."""
        net = self.target_qs if target else self.qs
        return net(self.with_task(torch.cat([z, action], -1), task), members)

    def q(self, z: torch.Tensor, action: torch.Tensor, task: torch.Tensor, reduce: str = "min",
          target: bool = False) -> torch.Tensor:
        """Q value [..., 1] from two random members: their min (for TD targets) or mean (for the policy)."""
        members = torch.randperm(self.num_q, device=z.device)[:2]
        values = self.two_hot.decode(self.q_logits(z, action, task, target=target, members=members))
        return values.min(0).values if reduce == "min" else values.mean(0)

    @torch.no_grad()
    def update_targets(self, tau: float) -> None:
        for p, tp in zip(self.qs.parameters(), self.target_qs.parameters()):
            tp.lerp_(p, tau)
