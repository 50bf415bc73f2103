"""Building blocks: NormedLinear (Linear + LayerNorm + Mish), SimNorm, MLPs and the Q-ensemble.

Speed: SimNorm, Mish and the Q-ensemble's dropout have a fast path (on by default, the `fast`
attribute of each module; `WorldModel.set_fast(False)` switches every module back to the
straightforward PyTorch ops). PyTorch's CPU softmax over a last dim of 8 is about 4x slower than
the same maths written as max/exp/sum on a [rows, 8] view (with a hand-written backward); Mish and
dropout come from `newt.kernels` (compiled Mish, dropout masks from geometric gaps). The fast
paths compute the same functions (tests/newt/test_equivalence.py, tests/newt/test_kernels.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from newt import precision
from newt.kernels import dropout, fused_available, layernorm_mish, layernorm_mish_train, mish, train_fusable


class _GroupSoftmax(torch.autograd.Function):
    """Softmax over consecutive groups of `group` entries, with a hand-written backward
    (dx = y * (g - sum_group(g * y))); one saved tensor instead of autograd's chain of ops."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, group: int) -> torch.Tensor:
        v = x.reshape(-1, group)
        e = (v - v.amax(-1, keepdim=True)).exp_()
        y = e.div_(e.sum(-1, keepdim=True)).view(x.shape)
        ctx.save_for_backward(y)
        ctx.group = group
        return y

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (y,) = ctx.saved_tensors
        gy = (grad * y).view(-1, ctx.group)
        yv = y.view(-1, ctx.group)
        return gy.sub_(yv * gy.sum(-1, keepdim=True)).view(y.shape), None


def group_softmax(x: torch.Tensor, group: int) -> torch.Tensor:
    """Softmax over groups of `group` consecutive entries of the last dim (fast CPU form)."""
    if x.requires_grad and torch.is_grad_enabled():
        return _GroupSoftmax.apply(x, group)
    v = x.reshape(-1, group)
    e = (v - v.amax(-1, keepdim=True)).exp_()
    return e.div_(e.sum(-1, keepdim=True)).view(x.shape)


class SimNorm(nn.Module):
    """Simplicial normalisation: split the vector into groups of `group` entries, softmax each."""

    def __init__(self, group: int = 8):
        super().__init__()
        self.group = group
        self.fast = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape
        if shape[-1] % self.group:
            raise ValueError(f"SimNorm: last dim {shape[-1]} is not a multiple of the group size {self.group}")
        if self.fast:
            return group_softmax(x, self.group)
        return F.softmax(x.view(*shape[:-1], -1, self.group), dim=-1).view(shape)


class Mish(nn.Module):
    """Mish activation; `fast` selects `newt.kernels.mish` (compiled on CPU) over F.mish."""

    def __init__(self):
        super().__init__()
        self.fast = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return mish(x) if self.fast else F.mish(x)


class Linear(nn.Linear):
    """nn.Linear whose matmul runs at the precision of `newt.precision` (fp32 unless set)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return precision.linear(x, self.weight, self.bias)


class NormedLinear(nn.Sequential):
    """Linear -> (Dropout) -> LayerNorm -> activation (Mish by default)."""

    def __init__(self, in_dim: int, out_dim: int, act: nn.Module | None = None, dropout: float = 0.0):
        layers: list[nn.Module] = [Linear(in_dim, out_dim)]
        if dropout:
            layers.append(nn.Dropout(dropout))
        layers += [nn.LayerNorm(out_dim), act if act is not None else Mish()]
        super().__init__(*layers)
        self.fast = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Fast paths (newt.kernels): in inference the matmul, then LayerNorm + Mish as one fused kernel.
        if self.fast and len(self) == 3 and isinstance(self[2], Mish):
            lin, norm = self[0], self[1]
            if fused_available(x):
                return layernorm_mish(precision.linear_raw(x, lin.weight), lin.bias, norm.weight, norm.bias,
                                      norm.eps, precision.activation_dtype())
            if train_fusable(x):  # training: the matmul, then LayerNorm + Mish fused with their backward
                return layernorm_mish_train(lin(x), norm.weight, norm.bias, norm.eps)
        return super().forward(x)


def mlp(in_dim: int, hidden: Sequence[int], out_dim: int, out_act: nn.Module | None = None,
        dropout: float = 0.0) -> nn.Sequential:
    """NormedLinear hidden layers, then a plain Linear (or a NormedLinear with `out_act`)."""
    dims = [in_dim, *hidden]
    layers: list[nn.Module] = [
        NormedLinear(dims[i], dims[i + 1], dropout=dropout if i == 0 else 0.0) for i in range(len(hidden))
    ]
    layers.append(NormedLinear(dims[-1], out_dim, act=out_act) if out_act is not None else Linear(dims[-1], out_dim))
    return nn.Sequential(*layers)


INIT_STD = 0.02  # weight init of every Linear (TD-MPC2 and Newt: truncated normal, std 0.02, zero bias)


def init_weights(module: nn.Module) -> None:
    """The references' initialisation, for `module.apply`: Linear weights from a truncated normal
    with std 0.02 (truncated at +-2, as torch's default bounds), zero biases. LayerNorms keep 1 and 0;
    EnsembleLinear initialises itself the same way."""
    if isinstance(module, nn.Linear):
        nn.init.trunc_normal_(module.weight, std=INIT_STD)
        if module.bias is not None:
            nn.init.zeros_(module.bias)


def _of_members(members: torch.Tensor | None, *params: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Per-member parameters [E, ...], all of them (members None) or the given members' rows."""
    return params if members is None else tuple(p[members] for p in params)


class EnsembleLinear(nn.Module):
    """`num` independent Linear layers applied in one batched matmul: [E, B, in] -> [E, B, out]."""

    def __init__(self, num: int, in_dim: int, out_dim: int):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(num, in_dim, out_dim))
        self.bias = nn.Parameter(torch.zeros(num, 1, out_dim))
        nn.init.trunc_normal_(self.weight, std=INIT_STD)

    def params(self, members: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(weight [E, in, out], bias [E, 1, out]) of all members, or of the given ones."""
        return _of_members(members, self.weight, self.bias)

    def forward(self, x: torch.Tensor, members: torch.Tensor | None = None) -> torch.Tensor:
        return ensemble_linear(x, *self.params(members))


def ensemble_linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """x [B, in] (the same input for every member) or [E, B, in] -> [E, B, out], at the current precision."""
    if x.dim() == 2:
        if precision.current() is None:
            # One batched matmul over a stride-0 view of x: no copy of it per member, and a backward
            # without the transposing copies of torch.matmul's 2-D x 3-D folding (1.2x on S's first Q layer,
            # forward and backward, in a microbenchmark under load).
            return torch.baddbmm(bias, x.expand(weight.shape[0], *x.shape), weight)
        return precision.matmul(x, weight) + bias  # bf16: x cast once, not once per member
    return precision.baddbmm(bias, x, weight)


class EnsembleLayerNorm(nn.Module):
    """LayerNorm with per-member affine parameters, over [E, B, D]."""

    eps = 1e-5  # F.layer_norm's default

    def __init__(self, num: int, dim: int):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(num, 1, dim))
        self.bias = nn.Parameter(torch.zeros(num, 1, dim))

    def affine(self, members: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(weight, bias) of all members, or of the given ones: [E, 1, D] each."""
        return _of_members(members, self.weight, self.bias)

    def forward(self, x: torch.Tensor, members: torch.Tensor | None = None) -> torch.Tensor:
        w, b = self.affine(members)
        return F.layer_norm(x, x.shape[-1:], eps=self.eps) * w + b


class QEnsemble(nn.Module):
    """`num` Q-networks (NormedLinear MLPs with dropout in the first layer) as one batched computation.

    forward(x [..., in], members=None) -> [E or len(members), ..., out]. Passing `members`
    evaluates only those networks, so planning and the policy loss pay for 2 members, not all.
    """

    def __init__(self, num: int, in_dim: int, hidden: Sequence[int], out_dim: int, dropout: float = 0.01):
        super().__init__()
        self.num = num
        dims = [in_dim, *hidden]
        self.linears = nn.ModuleList(EnsembleLinear(num, dims[i], dims[i + 1]) for i in range(len(hidden)))
        self.norms = nn.ModuleList(EnsembleLayerNorm(num, d) for d in hidden)
        self.out = EnsembleLinear(num, dims[-1], out_dim)
        self.dropout = dropout
        self.fast = True

    def forward(self, x: torch.Tensor, members: torch.Tensor | None = None,
                grad_columns: slice | None = None) -> torch.Tensor:
        """grad_columns: the only input columns that need a gradient (the policy step: latents
        detached, Q frozen, only the action's columns). The first layer then runs on the detached
        input, plus those columns' contribution x_c - x_c.detach(), which is exactly zero in value:
        the output is unchanged, and the backward is a [rows, cols] matmul instead of [rows, in]."""
        lead = x.shape[:-1]
        x = x.reshape(-1, x.shape[-1])
        w, b = self.linears[0].params(members)
        if self.fast and fused_available(x) and not (self.training and self.dropout):
            # Inference (the TD targets' Qs): the raw product, then bias + LayerNorm + Mish fused.
            out = self.fused_rest(precision.matmul_raw(x, w), b, members)
        else:
            split = grad_columns is not None and self.fast
            h = ensemble_linear(x.detach() if split else x, w, b)
            if split:
                xc = x[:, grad_columns]
                h = h + precision.matmul(xc - xc.detach(), w[:, grad_columns])
            out = self.after_first_linear(h, members)
        return out.view(out.shape[0], *lead, out.shape[-1])

    def fused_rest(self, h: torch.Tensor, first_bias: torch.Tensor,
                   members: torch.Tensor | None = None) -> torch.Tensor:
        """Inference (no dropout) from the first matmul's raw product h [E, B, hidden] (before its
        bias, in the matmul's dtype) and that layer's bias (broadcastable): [E, B, out] in fp32.
        LayerNorm + Mish are fused (newt.kernels); needs `fused_available`."""
        out_dtype, bias = precision.activation_dtype(), first_bias
        for i, (lin, norm) in enumerate(zip(self.linears, self.norms)):
            if i > 0:
                w, b = lin.params(members)
                h, bias = precision.matmul_raw(h, w), b
            nw, nb = norm.affine(members)
            if h.dim() > nw.dim():  # h [E, n, s, D] against per-member [E, 1, D]
                nw, nb = nw.unsqueeze(1), nb.unsqueeze(1)
            h = layernorm_mish(h, bias, nw, nb, norm.eps, out_dtype).flatten(1, -2)
        return self.out(h, members)

    def after_first_linear(self, h: torch.Tensor, members: torch.Tensor | None = None) -> torch.Tensor:
        """The rest of the networks from the first Linear's output h [E, B, hidden]: [E, B, out].
        (The planner computes the first Linear itself, with the task part hoisted.)"""
        act, drop = (mish, dropout) if self.fast else (F.mish, F.dropout)
        for i, (lin, norm) in enumerate(zip(self.linears, self.norms)):
            if i > 0:
                h = lin(h, members)
            if i == 0 and self.dropout:
                h = drop(h, self.dropout, self.training)
            if self.fast and train_fusable(h):  # LayerNorm + per-member affine + Mish, fused with the backward
                h = layernorm_mish_train(h, *norm.affine(members), norm.eps)
            else:
                h = act(norm(h, members))
        return self.out(h, members)
