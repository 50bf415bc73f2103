"""Numerics of the method: symlog, two-hot regression, squashed Gaussian log-probs."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

LOG_2PI_HALF = 0.5 * math.log(2 * math.pi)


def symlog(x: torch.Tensor) -> torch.Tensor:
    return torch.sign(x) * torch.log1p(x.abs())


def symexp(x: torch.Tensor) -> torch.Tensor:
    return torch.sign(x) * torch.expm1(x.abs())


def warmup_factor(update: int, warmup_steps: int) -> float:
    """Learning-rate factor of the `update`-th update (0-based) under a linear warmup: (k+1)/W up
    to 1, so the first update is small but not zero (the original's MultiWarmupConstantLR)."""
    return 1.0 if warmup_steps <= 0 else min(1.0, (update + 1) / warmup_steps)


def constraint_weight(step: int, start: int, final: int) -> float:
    """Weight of the policy in constrained planning (Newt's interp_dist): 1 before `start`, then
    1 - (step - start) / final, floored at 0, so it reaches 0 at step start + final (the original's
    formula: `final` acts as the length of the annealing, not as the step where it ends)."""
    if step < start:
        return 1.0
    return max(1.0 - (step - start) / max(1, final), 0.0)


class TwoHot:
    """Two-hot encoding of scalars in symlog space over `num_bins` bins spanning [vmin, vmax].

    Regression targets become a distribution over two neighbouring bins; predictions are decoded as
    the expectation of the softmax over bins, mapped back with symexp.
    """

    def __init__(self, num_bins: int = 101, vmin: float = -10.0, vmax: float = 10.0, device=None):
        if num_bins < 2:
            raise ValueError(f"num_bins must be >= 2, got {num_bins}")
        self.num_bins, self.vmin, self.vmax = num_bins, vmin, vmax
        self.bin_size = (vmax - vmin) / (num_bins - 1)
        self.bins = torch.linspace(vmin, vmax, num_bins, device=device)

    def to(self, device) -> TwoHot:
        self.bins = self.bins.to(device)
        return self

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """[..., 1] or [...] scalars -> [..., num_bins] two-hot targets."""
        if x.shape[-1:] == (1,):
            x = x.squeeze(-1)
        x = symlog(x).clamp(self.vmin, self.vmax)
        pos = (x - self.vmin) / self.bin_size
        lo = pos.floor().clamp(max=self.num_bins - 1)
        w_hi = (pos - lo).unsqueeze(-1)
        lo = lo.long().unsqueeze(-1)
        hi = (lo + 1).clamp(max=self.num_bins - 1)
        out = torch.zeros(*x.shape, self.num_bins, device=x.device, dtype=x.dtype)
        out.scatter_(-1, lo, 1 - w_hi)
        out.scatter_add_(-1, hi, w_hi)
        return out

    def decode(self, logits: torch.Tensor) -> torch.Tensor:
        """[..., num_bins] logits -> [..., 1] scalars."""
        return symexp((F.softmax(logits, dim=-1) * self.bins).sum(-1, keepdim=True))

    def cross_entropy(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of logits [..., bins] against scalar targets [..., 1]; returns [..., 1]."""
        return -(self.encode(target) * F.log_softmax(logits, dim=-1)).sum(-1, keepdim=True)


def squashed_gaussian(mean: torch.Tensor, log_std: torch.Tensor, mask: torch.Tensor, sample: bool = True):
    """Sample a tanh-squashed Gaussian restricted to the dims where `mask` is 1.

    Returns (action, tanh(mean), log_prob, gaussian_log_prob), with masked dims of the actions
    exactly 0:
    - log_prob [..., 1]: the action's log-density, summed over the valid dims only, including the
      tanh change of variables;
    - gaussian_log_prob [..., 1]: Newt's pre-tanh Gaussian log-density summed over *all* dims, a
      masked dim counting as a standard normal at 0 (eps and log-std masked to 0). Newt's scaled
      entropy is -(valid dims) x this (the tanh correction cancels in its entropy scale).
    """
    mean = mean * mask
    eps = torch.randn_like(mean) * mask if sample else torch.zeros_like(mean)
    log_std = log_std * mask
    pre = mean + eps * log_std.exp()
    per_dim = -0.5 * eps.pow(2) - log_std - LOG_2PI_HALF
    gaussian_log_prob = per_dim.sum(-1, keepdim=True)
    log_prob = (per_dim * mask).sum(-1, keepdim=True)
    action = torch.tanh(pre)
    log_prob = log_prob - (torch.log(F.relu(1 - action.pow(2)) + 1e-6) * mask).sum(-1, keepdim=True)
    return action, torch.tanh(mean), log_prob, gaussian_log_prob
