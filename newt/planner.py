"""MPPI planning in latent space, batched over envs, seeded with policy-prior trajectories.

For each env, `num_samples` action sequences of length H are scored by rolling the world model
forward (predicted rewards, discounted, plus a Q bootstrap at the end). The sampling Gaussian is
refit to the softmax-weighted `num_elites` best sequences for `iterations` rounds. `num_pi_trajs`
of the sequences come from the policy prior; the mean is warm-started from the previous step's
plan shifted by one. Masked action dims are 0 in every sampled and returned action.

Fast path (when `model.fast`): the first layers are split so the task part (and, at the first
step, the latent part shared by all samples of an env) is computed once per plan, not per sample;
reward and dynamics first layers are one matmul. `estimate_value_reference` is the straightforward
computation the fast one must match (tests/newt/test_equivalence.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from newt.world_model import PlanContext, WorldModel

if TYPE_CHECKING:  # config.py lives at the repository root, outside the installed packages
    from config import Config


class Planner:
    def __init__(self, cfg: Config, model: WorldModel, num_envs: int, action_dim: int):
        self.cfg, self.model = cfg, model
        self.horizon, self.action_dim = cfg.horizon, action_dim
        device = model.action_masks.device
        # Fast path: rows (envs x samples) evaluated together; a cache-sized group on CPU (2048 was
        # the best of 512..all on 20 soup envs), everything at once on a GPU.
        self.chunk_rows = 2048 if device.type == "cpu" else 1 << 30
        self.prev_mean = torch.zeros(num_envs, cfg.horizon, action_dim, device=device)
        self.compiled_core = None  # compile=true: plan_core under torch.compile (newt.agent.compiled)

    def reset(self, env_mask: torch.Tensor | None = None) -> None:
        """Forget the warm start (for all envs, or those where env_mask is True)."""
        if env_mask is None:
            self.prev_mean.zero_()
        else:
            self.prev_mean[env_mask] = 0.0

    @torch.no_grad()
    def estimate_value(self, z: torch.Tensor, actions: torch.Tensor, task: torch.Tensor,
                       ctx: PlanContext | None = None) -> torch.Tensor:
        """Discounted predicted return [N, S] of action sequences [N, S, H, A] from the envs'
        latents z [N, Z] (task [N, 1]); `ctx` is model.plan_context(task), made here if not given."""
        m = self.model
        if not m.fast:
            return self.estimate_value_reference(z.unsqueeze(1).expand(-1, actions.shape[1], -1), actions, task)
        ctx = ctx if ctx is not None else m.plan_context(task)
        n, s = actions.shape[:2]
        gamma = m.discounts[task]  # [N, 1]
        value = actions.new_empty(n, s)
        z_end = actions.new_empty(n, s, m.latent_dim)
        pi_out = actions.new_empty(n, s, 2 * self.action_dim)
        # Deterministic rollouts, a group of envs at a time (a cache-sized working set); the random
        # draws (policy noise, Q members) happen once for all envs, in the reference's order.
        group = max(1, self.chunk_rows // s)
        for i in range(0, n, group):
            idx = slice(i, i + group)
            c = ctx.envs(idx)
            a_feat = m.action_features(actions[idx], c)  # [n, S, H, 2*mlp]
            zc, v, discount = z[idx], 0.0, 1.0
            for t in range(self.horizon):
                reward_logits, zc = m.reward_and_next(zc, a_feat[:, :, t], c, shared_z=t == 0)
                v = v + discount * m.two_hot.decode(reward_logits).squeeze(-1)
                discount = discount * gamma[idx]
            value[idx], z_end[idx], pi_out[idx] = v, zc, m.pi_out(zc, c)
        pi_action = m._pi_head(pi_out, task).action
        members = torch.randperm(m.num_q, device=z.device)[:2]
        discount = 1.0
        for _ in range(self.horizon):
            discount = discount * gamma
        for i in range(0, n, group):
            idx = slice(i, i + group)
            value[idx] += discount[idx] * m.q_mean(z_end[idx], pi_action[idx], ctx.envs(idx), members).squeeze(-1)
        return value

    @torch.no_grad()
    def estimate_value_reference(self, z: torch.Tensor, actions: torch.Tensor, task: torch.Tensor) -> torch.Tensor:
        """Discounted predicted return of action sequences [N, S, H, A] from latents z [N, S, Z]."""
        m = self.model
        value, discount = 0.0, 1.0
        gamma = m.discounts[task]  # [N, 1]
        for t in range(self.horizon):
            a = actions[:, :, t]
            value = value + discount * m.two_hot.decode(m.reward(z, a, task)).squeeze(-1)
            z = m.next(z, a, task)
            discount = discount * gamma
        pi_action = m.pi(z, task).action
        return value + discount * m.q(z, pi_action, task, reduce="mean").squeeze(-1)

    @torch.no_grad()
    def policy_trajectories(self, z: torch.Tensor, task: torch.Tensor, num: int) -> torch.Tensor:
        """`num` action sequences per env sampled from the policy prior: [N, num, H, A]."""
        m = self.model
        z = z.unsqueeze(1).expand(-1, num, -1)
        actions = []
        for t in range(self.horizon):
            a = m.pi(z, task).action
            actions.append(a)
            if t < self.horizon - 1:
                z = m.next(z, a, task)
        return torch.stack(actions, dim=2)

    @torch.no_grad()
    def plan(self, z: torch.Tensor, task: torch.Tensor, eval_mode: bool = False, first_step=None,
             constraint: float = 0.0) -> torch.Tensor:
        """Plan for N envs from latents z [N, Z] (task [N]); returns first actions [N, A].

        first_step: bool tensor [N], True where an episode just began (no warm start).
        constraint: in [0, 1]; Newt's constrained planning: the initial sampling mean and std are
        this mix of the policy trajectories' mean/std and the usual warm start / max_std.
        """
        n = z.shape[0]
        first = torch.zeros(n, dtype=torch.bool, device=z.device) if first_step is None else first_step.to(z.device)
        # A tensor, so that the annealed weight changes no compiled graph (compile=true).
        weight = torch.as_tensor(constraint, dtype=torch.float32, device=z.device)
        if self.compiled_core is not None:
            torch.compiler.cudagraph_mark_step_begin()
            action, mean = self.compiled_core(z, task.view(n, 1), self.prev_mean, first, weight, eval_mode)
            action, mean = action.clone(), mean.clone()  # out of the graph's memory: the next replay reuses it
        else:
            action, mean = self.plan_core(z, task.view(n, 1), self.prev_mean, first, weight, eval_mode)
        self.prev_mean = mean
        return action

    def plan_core(self, z: torch.Tensor, task: torch.Tensor, prev_mean: torch.Tensor, first_step: torch.Tensor,
                  constraint: torch.Tensor, eval_mode: bool) -> tuple[torch.Tensor, torch.Tensor]:
        """MPPI as a pure function (what compile=true captures): latents z [N, Z], task [N, 1], the
        previous plan's means [N, H, A], first-step flags [N], the constraint weight (a 0-d tensor)
        -> (first actions [N, A], this plan's means [N, H, A])."""
        cfg, m = self.cfg, self.model
        n, s, p, e = z.shape[0], cfg.num_samples, cfg.num_pi_trajs, cfg.num_elites
        mask = m.mask(task).unsqueeze(2)  # [N, 1, 1, A]
        pi_actions = self.policy_trajectories(z, task, p) if p > 0 else None
        ctx = m.plan_context(task) if m.fast else None

        # Warm start from the previous plan shifted by one step (none where an episode just began).
        mean = torch.cat([prev_mean[:, 1:], torch.zeros_like(prev_mean[:, :1])], 1)
        mean = torch.where(first_step[:, None, None], torch.zeros_like(mean), mean)
        std = torch.full_like(mean, cfg.max_std)
        if pi_actions is not None:  # constrained planning; a weight of exactly 0 leaves mean and std as they are
            pi_std = pi_actions.std(1).clamp(cfg.min_std, cfg.max_std) if p > 1 else torch.full_like(std, cfg.min_std)
            mean = constraint * pi_actions.mean(1) + (1 - constraint) * mean
            std = constraint * pi_std + (1 - constraint) * std
        actions = torch.empty(n, s, self.horizon, self.action_dim, device=z.device)
        if p > 0:
            actions[:, :p] = pi_actions

        for _ in range(cfg.iterations):
            noise = torch.randn(n, s - p, self.horizon, self.action_dim, device=z.device)
            actions[:, p:] = (mean.unsqueeze(1) + std.unsqueeze(1) * noise).clamp(-1, 1)
            actions.mul_(mask)
            value = self.estimate_value(z, actions, task, ctx).nan_to_num(0.0)  # [N, S]
            elite_value, elite_idx = value.topk(e, dim=1)
            elite_actions = torch.gather(
                actions, 1, elite_idx[:, :, None, None].expand(-1, -1, self.horizon, self.action_dim))
            weights = torch.softmax(cfg.temperature * (elite_value - elite_value.max(1, keepdim=True).values), 1)
            w = weights[:, :, None, None]
            mean = (w * elite_actions).sum(1)
            std = ((w * (elite_actions - mean.unsqueeze(1)).pow(2)).sum(1)).sqrt().clamp(cfg.min_std, cfg.max_std)
            mean, std = mean * mask[:, 0], std * mask[:, 0]

        # Pick one elite sequence by its weight; add exploration noise when training.
        choice = torch.multinomial(weights, 1).squeeze(1)
        chosen = elite_actions[torch.arange(n, device=z.device), choice]  # [N, H, A]
        action = chosen[:, 0]
        if not eval_mode:
            action = action + std[:, 0] * torch.randn_like(action)
        return action.clamp(-1, 1) * mask[:, 0, 0], mean
