"""The Newt agent: acting (MPPI or the policy prior), the model and policy update, save/load."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import torch
import torch.nn.functional as F

from newt import distributed, precision
from newt.buffer import Batch
from newt.planner import Planner
from newt.world_model import WorldModel

if TYPE_CHECKING:  # config.py lives at the repository root, outside the installed packages
    from config import Config, Derived


class RunningScale:
    """Running estimate of the spread of Q (5th to 95th percentile), normalising the policy's Q term.

    As Newt's: it starts at 1 and moves toward max(spread, 1) at rate tau; the policy loss divides
    by the value from before the batch's update (update after use).
    """

    def __init__(self, tau: float, device):
        self.tau = tau
        self.value = torch.ones(1, device=device)
        self.world_size = 1  # > 1 under torchrun: the batch spread is averaged over the ranks

    @torch.no_grad()
    def update(self, q: torch.Tensor) -> None:
        q = q.detach().float().flatten()
        spread = (torch.quantile(q, 0.95) - torch.quantile(q, 0.05)).view(1)
        if self.world_size > 1:
            spread = distributed.average(spread, self.world_size)
        self.value.lerp_(spread.clamp(min=1.0), self.tau)

    def __call__(self, q: torch.Tensor) -> torch.Tensor:
        return q / self.value

    def state_dict(self) -> dict:
        return {"value": self.value.clone()}

    def load_state_dict(self, state: dict) -> None:
        self.value.copy_(state["value"])


class ModelLoss(NamedTuple):
    """The model losses of one batch (scalars) and the latent rollout they were computed on."""

    total: torch.Tensor  # the weighted sum that is minimised
    consistency: torch.Tensor
    reward: torch.Tensor
    value: torch.Tensor
    prior: torch.Tensor  # the policy prior term (BC + entropy) in pretraining, else 0
    zs: torch.Tensor  # [H+1, B, Z]: the encoded first observation, then the dynamics' predictions


class PolicyLoss(NamedTuple):
    """The policy loss of a batch (a scalar) and what update_pi logs and uses after the step."""

    total: torch.Tensor
    q: torch.Tensor  # [H+1, B, 1] Q of the sampled actions (detached; the running scale's input)
    bc: torch.Tensor  # mean BC term
    scaled_entropy: torch.Tensor  # mean scaled entropy
    q_term: torch.Tensor  # mean weighted Q / scale


class Agent:
    """World model + planner + optimisers.

    act(obs, task) returns actions for a batch of envs; update(batch) runs one gradient step on
    the model and one on the policy and returns a dict of float metrics.

    cfg.compile (CUDA only): the model losses (forward and backward) and the planner's value
    estimate are captured with torch.compile, mode "reduce-overhead" (CUDA graphs). On CPU it is
    rejected: the eager fast paths (with the small compiled Mish kernels of newt.kernels) are
    what is measured there (bench/agent.py); compiling the whole update costs minutes on 2 cores
    and gave 1.18x on the model losses when measured.
    """

    def __init__(self, cfg: Config, derived: Derived, task_embeddings: torch.Tensor | None = None):
        self.cfg, self.derived = cfg, derived
        self.device = torch.device(derived.device)
        if cfg.compile and self.device.type != "cuda":
            raise ValueError(f"compile=true needs a CUDA device (torch.compile with CUDA graphs); this run's "
                             f"device is {derived.device!r}. Use compile=false on CPU (the default).")
        self.model = WorldModel(cfg, derived, task_embeddings).to(self.device)
        enc_params = list(self.model.encoder.parameters())
        enc_ids = {id(p) for p in enc_params}
        # The model optimiser also holds the policy, as Newt's: in demo pretraining (update with
        # pretrain=True) the policy prior term is part of the model loss. Online, the policy has no
        # gradient at the model step, and Adam skips it.
        others = [p for n, p in self.model.named_parameters()
                  if id(p) not in enc_ids and not n.startswith("target_qs")]
        # Fused Adam (one kernel for all parameters; on CPU 2.1 ms a step at S against 5.0 ms for
        # torch's default per-parameter loop). On CUDA also capturable (its step counter stays on the
        # GPU, no host sync per step) and TF32 matmuls, as the original's GPU path.
        adam_options = {"fused": True, "capturable": True} if self.device.type == "cuda" else {"fused": True}
        if self.device.type == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True
        self.optim = torch.optim.Adam(
            [{"params": enc_params, "lr": cfg.lr * cfg.enc_lr_scale}, {"params": others}], lr=cfg.lr, **adam_options)
        self.pi_optim = torch.optim.Adam(self.model.pi_net.parameters(), lr=cfg.lr, eps=1e-5, **adam_options)
        self._base_lrs = [[g["lr"] for g in opt.param_groups] for opt in (self.optim, self.pi_optim)]
        self.scale = RunningScale(cfg.tau, self.device)
        self.matmul_dtype = precision.PRECISIONS[cfg.precision]  # None: fp32
        self.world_size = 1  # set_world_size: > 1 under torchrun, gradients averaged over the ranks
        self.planners: dict[int, Planner] = {}
        # Weights of the per-step losses over the horizon, as Newt: rho^t for t = 0..H, normalised to
        # sum to 1. The model losses (H steps) use the first H ([8/15, 4/15, 2/15] at H=3, rho=0.5);
        # the policy's max-Q term uses all H+1 latents and weights.
        w = cfg.rho ** torch.arange(cfg.horizon + 1, dtype=torch.float32, device=self.device)
        self.horizon_weights = w / w.sum()
        # compile=true (CUDA): the model losses, the policy loss, MPPI (per env count) and the policy's
        # acting are captured as CUDA graphs, as the original's compiled path.
        self._model_loss = compiled(self.model_loss) if cfg.compile else self.model_loss
        self._pi_loss = compiled(self.pi_loss) if cfg.compile else self.pi_loss
        self._policy_act = compiled(self.policy_act) if cfg.compile else self.policy_act

    def set_world_size(self, world_size: int) -> None:
        """Average every update's gradients (and the Q scale's batch spread) over `world_size` ranks of
        an initialised torch.distributed process group; 1 turns it off."""
        self.world_size = self.scale.world_size = world_size

    def set_lr_scale(self, factor: float) -> None:
        """Every param group's learning rate = its configured rate x factor (the warmup)."""
        for opt, base in zip((self.optim, self.pi_optim), self._base_lrs):
            for group, lr in zip(opt.param_groups, base):
                group["lr"] = lr * factor

    def planner(self, num_envs: int) -> Planner:
        """One planner (with its warm-start memory) per batch size of envs acted for."""
        if num_envs not in self.planners:
            planner = Planner(self.cfg, self.model, num_envs, self.derived.action_dim)
            if self.cfg.compile:
                planner.compiled_core = compiled(planner.plan_core)
            self.planners[num_envs] = planner
        return self.planners[num_envs]

    # --- acting --------------------------------------------------------------------------------
    @torch.no_grad()
    def act(self, obs: torch.Tensor, task: torch.Tensor, eval_mode: bool = False,
            first_step: torch.Tensor | None = None, constraint: float = 0.0, mpc: bool | None = None) -> torch.Tensor:
        """Actions [N, 16] for observations [N, 128] of envs running run-task indices `task` [N].

        mpc=None plans when the config says so; False acts with the policy prior alone."""
        with precision.matmuls(self.matmul_dtype):
            return self._act(obs, task, eval_mode, first_step, constraint, mpc)

    def _act(self, obs, task, eval_mode, first_step, constraint, mpc) -> torch.Tensor:
        self.model.eval()
        obs, task = obs.to(self.device), task.to(self.device)
        if self.cfg.mpc if mpc is None else mpc:
            z = self.model.encode(obs, task)
            action = self.planner(obs.shape[0]).plan(z, task, eval_mode, first_step, constraint)
        else:
            if self.cfg.compile:
                torch.compiler.cudagraph_mark_step_begin()
            action = self._policy_act(obs, task, eval_mode)
        return action.cpu()

    def policy_act(self, obs: torch.Tensor, task: torch.Tensor, eval_mode: bool) -> torch.Tensor:
        """The policy prior's action (its mean in eval mode, else a sample) for observations [N, O]."""
        policy = self.model.pi(self.model.encode(obs, task), task)
        return policy.mean if eval_mode else policy.action

    # --- update --------------------------------------------------------------------------------
    @torch.no_grad()
    def td_target(self, next_z: torch.Tensor, reward: torch.Tensor, task: torch.Tensor) -> torch.Tensor:
        m = self.model
        action = m.pi(next_z, task).action
        gamma = m.discounts[task].unsqueeze(-1)  # [B, 1]
        return reward + gamma * m.q(next_z, action, task, reduce="min", target=True)

    def update(self, batch: Batch, pretrain: bool = False) -> dict[str, float]:
        """One model step and one policy step on a batch of H+1-step slices.

        pretrain (demo pretraining, as Newt's): no max-Q policy step; the policy prior term (BC on
        the sampled action + entropy) is part of the model loss with weight `prior_coef`, so its
        gradients also reach the encoder and the dynamics.
        """
        with precision.matmuls(self.matmul_dtype):
            return self._update(batch, pretrain)

    def _update(self, batch: Batch, pretrain: bool) -> dict[str, float]:
        cfg, m = self.cfg, self.model
        obs, action, reward, task = (x.to(self.device) for x in batch)
        m.train()
        if cfg.compile:
            torch.compiler.cudagraph_mark_step_begin()
        loss = self._model_loss(obs, action, reward, task, pretrain)

        # Model step.
        self.optim.zero_grad(set_to_none=True)
        loss.total.backward()
        if self.world_size > 1:
            distributed.average_gradients((p for g in self.optim.param_groups for p in g["params"]), self.world_size)
        grad_norm = torch.nn.utils.clip_grad_norm_(
            [p for g in self.optim.param_groups for p in g["params"]], cfg.grad_clip_norm)
        self.optim.step()

        # Policy step (on detached latents), then the target networks.
        pi_metrics = {} if pretrain else self.update_pi(loss.zs.detach(), action, task)
        m.update_targets(cfg.tau)
        return {
            **_floats(consistency_loss=loss.consistency, reward_loss=loss.reward, value_loss=loss.value,
                      total_loss=loss.total, grad_norm=grad_norm),
            **({"prior_loss": float(loss.prior.detach())} if pretrain else {}),
            **pi_metrics,
        }

    def model_loss(self, obs: torch.Tensor, action: torch.Tensor, reward: torch.Tensor,
                   task: torch.Tensor, pretrain: bool = False) -> ModelLoss:
        """The model losses of a batch of slices (obs [H+1, B, O], action [H, B, A], reward [H, B, 1],
        task [B]) and the latent rollout they were computed on; with `pretrain`, plus the policy
        prior term (Newt's `_loss_fn` with max-Q policy updates off)."""
        cfg, m = self.cfg, self.model
        horizon = action.shape[0]
        w = self.horizon_weights[:horizon].view(-1, 1, 1)

        # Targets: encoded next observations and TD targets.
        with torch.no_grad():
            next_z = m.encode(obs[1:], task)
            td_targets = self.td_target(next_z, reward, task)  # [H, B, 1]

        # Latent rollout through the dynamics.
        z = m.encode(obs[0], task)
        zs = [z]
        consistency = 0.0
        for t in range(horizon):
            z = m.next(z, action[t], task)
            consistency = consistency + w[t] * F.mse_loss(z, next_z[t], reduction="none").mean(-1, keepdim=True)
            zs.append(z)
        zs = torch.stack(zs)

        # Predictions along the rollout.
        _zs = zs[:-1]
        q_logits = m.q_logits(_zs, action, task)  # [E, H, B, bins]
        reward_logits = m.reward(_zs, action, task)

        # Losses, weighted by rho^t over the horizon.
        consistency_loss = consistency.mean()
        reward_loss = (w * m.two_hot.cross_entropy(reward_logits, reward)).sum(0).mean()
        value_loss = (w * m.two_hot.cross_entropy(q_logits, td_targets.unsqueeze(0))).sum(1).mean()
        total = (cfg.consistency_coef * consistency_loss + cfg.reward_coef * reward_loss
                 + cfg.value_coef * value_loss)
        prior = torch.zeros((), device=total.device)
        if pretrain:  # Newt: mean over steps and samples of (BC + entropy term) x w[:H], on live latents
            policy = m.pi(_zs, task)
            mask = m.mask(task).expand_as(action)
            bc = ((policy.action - action).pow(2) * mask).sum(-1, keepdim=True) / policy.num_valid.clamp(min=1)
            prior = (w * (bc - cfg.entropy_coef * policy.scaled_entropy)).mean()
            total = total + cfg.prior_coef * prior
        return ModelLoss(total, consistency_loss, reward_loss, value_loss, prior, zs)

    def update_pi(self, zs: torch.Tensor, action: torch.Tensor, task: torch.Tensor) -> dict[str, float]:
        """One policy step on detached latents zs [H+1, B, Z], as Newt's policy loss."""
        self.model.qs.requires_grad_(False)  # the policy step must not compute gradients for Q
        if self.cfg.compile:
            torch.compiler.cudagraph_mark_step_begin()
        loss = self._pi_loss(zs, action, task)
        self.pi_optim.zero_grad(set_to_none=True)
        loss.total.backward()
        self.model.qs.requires_grad_(True)
        if self.world_size > 1:
            distributed.average_gradients(self.model.pi_net.parameters(), self.world_size)
        torch.nn.utils.clip_grad_norm_(self.model.pi_net.parameters(), self.cfg.grad_clip_norm)
        self.pi_optim.step()
        self.scale.update(loss.q[0])  # after use, as Newt
        return {**_floats(bc_loss=loss.bc, pi_scaled_entropy=loss.scaled_entropy, pi_loss=loss.total,
                          pi_q=loss.q_term), "q_scale": float(self.scale.value)}

    def pi_loss(self, zs: torch.Tensor, action: torch.Tensor, task: torch.Tensor) -> PolicyLoss:
        """Newt's policy loss on latents zs [H+1, B, Z] (see `PolicyLoss`). Per sample, summed over
        steps with the horizon weights w:
        - policy prior (BC): masked mean squared error of the *sampled* action toward the batch
          action, over the first H latents, weights w[:H], weight 1;
        - max-Q: -(Q / running scale) - entropy_coef x scaled entropy over all H+1 latents, weights
          w (Q: the mean of two random members).
        The Q-networks' parameters must not require grad while it runs (update_pi sees to it)."""
        cfg, m = self.cfg, self.model
        horizon = action.shape[0]
        w = self.horizon_weights[: horizon + 1].view(-1, 1, 1)
        policy = m.pi(zs, task)
        mask = m.mask(task).expand_as(action)
        bc = ((policy.action[:-1] - action).pow(2) * mask).sum(-1, keepdim=True) / policy.num_valid[:-1].clamp(min=1)
        bc_loss = (w[:-1] * bc).sum(0)  # [B, 1]
        q = m.q(zs, policy.action, task, reduce="mean")  # [H+1, B, 1]
        q_term = self.scale(q)
        max_q = (w * (-cfg.entropy_coef * policy.scaled_entropy - q_term)).sum(0)  # [B, 1]
        pi_loss = (bc_loss + max_q).mean()
        return PolicyLoss(pi_loss, q.detach(), bc_loss.detach().mean(), policy.scaled_entropy.detach().mean(),
                          (w * q_term).sum(0).mean().detach())

    # --- checkpoints ---------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {"model": self.model.state_dict(), "optim": self.optim.state_dict(),
                "pi_optim": self.pi_optim.state_dict(), "scale": self.scale.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        _load_optimizer_state(self.optim, state["optim"])
        _load_optimizer_state(self.pi_optim, state["pi_optim"])
        self.scale.load_state_dict(state["scale"])


_IMPLEMENTATION_FLAGS = ("fused", "capturable", "foreach")


def _load_optimizer_state(opt: torch.optim.Optimizer, state: dict[str, Any]) -> None:
    """Load an optimiser's moments, step counts and hyperparameters, but keep this device's
    implementation flags: torch's load_state_dict would take the saved ones, so a checkpoint of a GPU
    run (capturable) could not step on CPU, and an older CPU one would fall back to the slow loop."""
    flags = [{k: g[k] for k in _IMPLEMENTATION_FLAGS if k in g} for g in opt.param_groups]
    opt.load_state_dict(state)
    for group, kept in zip(opt.param_groups, flags):
        group.update(kept)
        if group.get("fused") or group.get("capturable"):  # these keep the step count on the parameter's device
            for p in group["params"]:
                step = opt.state.get(p, {}).get("step")
                if torch.is_tensor(step):
                    opt.state[p]["step"] = step.to(dtype=torch.float32, device=p.device)


def compiled(fn):
    """torch.compile for the GPU path: CUDA graphs (mode "reduce-overhead"), static shapes (one
    planner per env count; a fixed batch size). Outputs are only read before the next call."""
    return torch.compile(fn, mode="reduce-overhead", dynamic=False)


def _floats(**tensors: torch.Tensor) -> dict[str, float]:
    return {k: float(v.detach()) for k, v in tensors.items()}
