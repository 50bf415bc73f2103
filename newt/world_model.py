"""The world model: encoder, latent dynamics, reward, policy prior and Q-ensemble.

Every component takes the task embedding concatenated to its input (multitask runs; single-task
runs have none). Latents live on a product of simplices (SimNorm). Rewards and values are
predicted as two-hot distributions in symlog space. Per-task action masks zero the action
dimensions a task does not use, everywhere an action is produced or consumed.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from newt import precision
from newt.kernels import fused_available, layernorm_mish
from newt.layers import QEnsemble, SimNorm, init_weights, mlp
from newt.math import TwoHot, squashed_gaussian

if TYPE_CHECKING:  # config.py lives at the repository root, outside the installed packages
    from config import Config, Derived


class PolicySample(NamedTuple):
    """What the policy prior returns for latents [..., Z]; masked action dims are exactly 0."""

    action: torch.Tensor  # [..., A] sampled (or the mean, when not sampling), tanh-squashed
    mean: torch.Tensor  # [..., A] tanh of the Gaussian mean
    log_prob: torch.Tensor  # [..., 1] log-probability of `action` (valid dims, tanh included)
    num_valid: torch.Tensor  # [..., 1] number of valid action dims of each row's task
    scaled_entropy: torch.Tensor  # [..., 1] Newt's entropy term: -(valid dims) x pre-tanh log-prob over all dims


class PlanContext(NamedTuple):
    """First-layer pieces for planning, computed once per `plan` call for fixed envs' tasks.

    The first Linear of every component sees [z, a, task]; W [z, a, task] + b is split into
    W_z z + W_a a + (W_task task + b), the last term computed once per env instead of once per
    sample and step. Reward and dynamics share their input, so their first layers are one matmul.
    """

    task: torch.Tensor  # [N, 1] run task indices
    rd_wz: torch.Tensor  # [Z, 2*mlp] reward|dynamics first layer, latent part (transposed)
    rd_wa: torch.Tensor  # [2*mlp, A] action part
    rd_bias: torch.Tensor  # [N, 1, 1, 2*mlp] bias + task part
    rd_ln_w: torch.Tensor  # [2, mlp] LayerNorm affine of the two first layers
    rd_ln_b: torch.Tensor
    pi_wz: torch.Tensor  # [Z, mlp]
    pi_bias: torch.Tensor  # [N, 1, mlp]
    q_wza: torch.Tensor  # [E, Z+A, mlp]
    q_bias: torch.Tensor  # [E, N, 1, mlp]

    def envs(self, idx: slice) -> PlanContext:
        """The context of a contiguous group of envs."""
        return self._replace(task=self.task[idx], rd_bias=self.rd_bias[idx], pi_bias=self.pi_bias[idx],
                             q_bias=self.q_bias[:, idx])


def _norm(layer: nn.Sequential) -> nn.LayerNorm:
    """The LayerNorm of a NormedLinear."""
    return next(m for m in layer if isinstance(m, nn.LayerNorm))


class WorldModel(nn.Module):
    def __init__(self, cfg: Config, derived: Derived, task_embeddings: torch.Tensor | None = None):
        super().__init__()
        d, size = derived, derived.size
        self.latent_dim, self.num_q = size.latent_dim, size.num_q
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
        t, a, z, h = d.task_dim, d.action_dim, size.latent_dim, size.mlp_dim
        self.encoder = mlp(d.obs_dim + t, [size.enc_dim] * (size.num_enc_layers - 1), z,
                           out_act=SimNorm(cfg.simnorm_dim))
        self.dynamics_net = mlp(z + a + t, [h] * 2, z, out_act=SimNorm(cfg.simnorm_dim))
        self.reward_net = mlp(z + a + t, [h] * 2, cfg.num_bins)
        self.pi_net = mlp(z + t, [h] * 2, 2 * a)
        self.qs = QEnsemble(size.num_q, z + a + t, [h] * 2, cfg.num_bins, dropout=d.dropout)
        # Init as the references: truncated normal (std 0.02) weights, zero biases; the last layers
        # of reward and Q are zero, so predictions start at exactly 0.
        self.apply(init_weights)
        for w in (self.reward_net[-1].weight, self.reward_net[-1].bias, self.qs.out.weight, self.qs.out.bias):
            nn.init.zeros_(w)
        self.target_qs = copy.deepcopy(self.qs).requires_grad_(False)
        self.two_hot = TwoHot(cfg.num_bins, cfg.vmin, cfg.vmax)
        self.fast = True

    def train(self, mode: bool = True) -> WorldModel:
        """Train/eval mode for every module except the target Qs, which stay in eval mode (no
        dropout in TD targets), as in both references."""
        super().train(mode)
        self.target_qs.train(False)
        return self

    def set_fast(self, enabled: bool) -> WorldModel:
        """Switch every fast path (SimNorm, Mish, the planner's hoisted first layers) on or off;
        off is the straightforward computation, kept as the reference for tests and benchmarks."""
        for module in self.modules():
            if hasattr(module, "fast"):
                module.fast = enabled
        return self

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

    def pi(self, z: torch.Tensor, task: torch.Tensor, sample: bool = True) -> PolicySample:
        """The policy prior's squashed Gaussian at latents z: a sampled action, the mean action, the
        sample's log-probability and the number of valid action dims (see `PolicySample`)."""
        return self._pi_head(self.pi_net(self.with_task(z, task)), task, sample)

    def _pi_head(self, out: torch.Tensor, task: torch.Tensor, sample: bool = True) -> PolicySample:
        mean, log_std = out.chunk(2, dim=-1)
        log_std = self.log_std_min + 0.5 * (self.log_std_max - self.log_std_min) * (torch.tanh(log_std) + 1)
        mask = self.mask(task).expand_as(mean)
        action, mean_action, log_prob, gaussian_log_prob = squashed_gaussian(mean, log_std, mask, sample=sample)
        num_valid = mask.sum(-1, keepdim=True)
        return PolicySample(action, mean_action, log_prob, num_valid, -num_valid * gaussian_log_prob)

    def q_logits(self, z: torch.Tensor, action: torch.Tensor, task: torch.Tensor, target: bool = False,
                 members: torch.Tensor | None = None) -> torch.Tensor:
        """Q logits of the chosen ensemble members: [E, ..., num_bins]."""
        net = self.target_qs if target else self.qs
        x = self.with_task(torch.cat([z, action], -1), task)
        if torch.is_grad_enabled() and action.requires_grad and not z.requires_grad \
                and not net.linears[0].weight.requires_grad:  # the policy step: a gradient for the action only
            return net(x, members, grad_columns=slice(z.shape[-1], z.shape[-1] + action.shape[-1]))
        return net(x, members)

    def q(self, z: torch.Tensor, action: torch.Tensor, task: torch.Tensor, reduce: str = "min",
          target: bool = False) -> torch.Tensor:
        """Q value [..., 1] from two random members: their min (for TD targets) or mean (for the policy)."""
        members = torch.randperm(self.num_q, device=z.device)[:2]
        values = self.two_hot.decode(self.q_logits(z, action, task, target=target, members=members))
        return values.min(0).values if reduce == "min" else values.mean(0)

    # --- planning fast path (no autograd) -------------------------------------------------------
    @torch.no_grad()
    def plan_context(self, task: torch.Tensor) -> PlanContext:
        """Precompute the split first layers for envs with run task indices `task` [N, 1]."""
        z, a = self.latent_dim, self.action_masks.shape[1]
        r0, d0, p0 = self.reward_net[0], self.dynamics_net[0], self.pi_net[0]
        w = torch.cat([r0[0].weight, d0[0].weight], 0)  # [2*mlp, Z+A+T]
        bias = torch.cat([r0[0].bias, d0[0].bias]).expand(task.shape[0], -1)
        pi_bias = p0[0].bias.expand(task.shape[0], -1)
        qw, qb = self.qs.linears[0].weight, self.qs.linears[0].bias  # [E, Z+A+T, mlp], [E, 1, mlp]
        q_bias = qb.expand(-1, task.shape[0], -1)
        if self.task_embeddings is not None:
            emb = self.task_embeddings[task.view(-1)]  # [N, T]
            bias = torch.addmm(bias, emb, w[:, z + a:].t())
            pi_bias = torch.addmm(pi_bias, emb, p0[0].weight[:, z:].t())
            q_bias = torch.baddbmm(qb, emb.expand(qw.shape[0], -1, -1), qw[:, z + a:])
        return PlanContext(
            task=task, rd_wz=w[:, :z].t(), rd_wa=w[:, z:z + a], rd_bias=bias[:, None, None, :],
            rd_ln_w=torch.stack([_norm(r0).weight, _norm(d0).weight]),
            rd_ln_b=torch.stack([_norm(r0).bias, _norm(d0).bias]),
            pi_wz=p0[0].weight[:, :z].t(), pi_bias=pi_bias[:, None, :],
            q_wza=qw[:, :z + a], q_bias=q_bias[:, :, None, :])

    def action_features(self, actions: torch.Tensor, ctx: PlanContext) -> torch.Tensor:
        """Action + task + bias part of the reward|dynamics first layer: [N, S, H, A] -> [N, S, H, 2*mlp]."""
        return precision.linear(actions, ctx.rd_wa).add_(ctx.rd_bias)

    def reward_and_next(self, z: torch.Tensor, a_feat: torch.Tensor, ctx: PlanContext,
                        shared_z: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """Reward logits and next latent from latents z [N, S, Z] (or [N, Z] shared by all S samples
        when `shared_z`) and the step's action features a_feat [N, S, 2*mlp]."""
        n, s = a_feat.shape[:2]
        if fused_available(a_feat):  # the matmul's raw product, then bias + LayerNorm + Mish fused
            raw = precision.mm_raw(z, ctx.rd_wz).unsqueeze(1) if shared_z else \
                precision.mm_raw(z.reshape(n * s, -1), ctx.rd_wz).view(n, s, -1)
            h = layernorm_mish(raw.view(n, -1, 2, raw.shape[-1] // 2), a_feat.view(n, s, 2, -1), ctx.rd_ln_w,
                               ctx.rd_ln_b, _norm(self.reward_net[0]).eps, precision.activation_dtype())
        else:
            if shared_z:  # every sample starts from the env's latent: its part is computed once per env
                h = precision.mm(z, ctx.rd_wz).unsqueeze(1) + a_feat
            else:
                h = precision.mm(z.reshape(n * s, -1), ctx.rd_wz).view(n, s, -1).add_(a_feat)
            h = F.layer_norm(h.view(n, s, 2, -1), ctx.rd_ln_w.shape[-1:]).mul_(ctx.rd_ln_w).add_(ctx.rd_ln_b)
            h = self.reward_net[0][-1](h)  # the first layers' activation (Mish)
        hr, hd = h[:, :, 0], h[:, :, 1]
        for layer in self.reward_net[1:]:
            hr = layer(hr)
        for layer in self.dynamics_net[1:]:
            hd = layer(hd)
        return hr, hd

    def pi_out(self, z: torch.Tensor, ctx: PlanContext) -> torch.Tensor:
        """The policy network's raw output (mean | log-std pre-activation) for latents z [N, S, Z];
        `_pi_head` turns it into actions as pi() does."""
        n, s = z.shape[:2]
        if fused_available(z):
            norm = _norm(self.pi_net[0])
            h = layernorm_mish(precision.mm_raw(z.reshape(n * s, -1), ctx.pi_wz).view(n, s, -1), ctx.pi_bias,
                               norm.weight, norm.bias, norm.eps, precision.activation_dtype())
        else:
            h = precision.mm(z.reshape(n * s, -1), ctx.pi_wz).view(n, s, -1).add_(ctx.pi_bias)
            for layer in list(self.pi_net[0])[1:]:
                h = layer(h)
        for layer in self.pi_net[1:]:
            h = layer(h)
        return h

    def q_mean(self, z: torch.Tensor, action: torch.Tensor, ctx: PlanContext, members: torch.Tensor) -> torch.Tensor:
        """Mean Q [N, S, 1] of the given two members (the maths of q(reduce="mean"))."""
        n, s = z.shape[:2]
        za = torch.cat([z, action], -1).view(n * s, -1)
        if fused_available(za) and not (self.qs.training and self.qs.dropout):
            raw = precision.matmul_raw(za, ctx.q_wza[members]).view(2, n, s, -1)
            logits = self.qs.fused_rest(raw, ctx.q_bias[members], members)
            return self.two_hot.decode(logits.view(2, n, s, -1)).mean(0)
        h = precision.matmul(za, ctx.q_wza[members])  # [2, N*S, mlp]
        h.view(2, n, s, -1).add_(ctx.q_bias[members])
        logits = self.qs.after_first_linear(h, members)
        return self.two_hot.decode(logits.view(2, n, s, -1)).mean(0)

    @torch.no_grad()
    def update_targets(self, tau: float) -> None:
        for p, tp in zip(self.qs.parameters(), self.target_qs.parameters()):
            tp.lerp_(p, tau)
