"""Cheaper elementwise ops for CPU training and planning: Mish and dropout.

The networks are small (hundreds of units), so on CPU the matmuls are only part of the cost: every
elementwise op is a separate pass over the activations, and some are slow per element.
* Mish: forward and backward are compiled once with torch.compile (Inductor writes one vectorised
  C++ loop for each), 3-4x faster than F.mish and its backward. Compiling needs a C++ compiler;
  where it fails, F.mish is used and a warning says why. `NEWT_COMPILED_KERNELS=0` turns the
  compiled kernels off. On CUDA (or inside an outer torch.compile) F.mish is used: its kernels
  are already single passes there.
* Dropout: torch's CPU Bernoulli sampler costs about 4 ns per element; a dropout rate of 1 %
  needs random numbers only for the ~1 % of dropped elements. The gaps between consecutive
  dropped elements of an i.i.d. Bernoulli(p) sequence are Geometric(p), so drawing the gaps gives
  exactly the same distribution of masks from about p*n random numbers (5-8x faster here).
* LayerNorm + affine + Mish, fused (inference only: planning and acting, no autograd): the
  NormedLinear tail is one compiled loop that reads the matmul's output once, in its own dtype
  (bf16 under `precision=bf16`), and writes the activation once, in the dtype the next matmul
  takes; unfused it is 4-6 passes over the activations plus two dtype casts.
* LayerNorm + affine + Mish, fused for training (autograd, CPU fp32): one compiled forward loop and
  one compiled backward (input gradient and the affine parameters' gradients together), where
  unfused it is LayerNorm, multiply, add and Mish forward, and five passes plus reductions back.
  It saves only the input (the backward recomputes the normalisation). Shapes are specialised
  (dynamic=False): the update's few fixed shapes each compile once, and per-member affine
  parameters [E, 1, D] ran 2x slower under dynamic shapes.
All are checked against the plain PyTorch ops in tests/newt/test_kernels.py.
"""

from __future__ import annotations

import math
import os
import warnings

import torch
import torch.nn.functional as F
from torch._dynamo import config as dynamo_config

_compiled: tuple | None = None  # (forward, backward) once built; () when unavailable
_fused: dict = {}  # out dtype -> compiled LayerNorm+Mish (inference), once built

# Inductor options for the LayerNorm+Mish kernels. By default Inductor's CPU code writes the affine
# output to memory and runs Mish as a second loop over it (Mish reads its input 4 times, past the
# default `realize_reads_threshold`), and the backward stores more intermediates for its column
# reductions. Raising the thresholds keeps each row's normalisation inline: one pass after the row
# statistics. Microbenchmarks at 1 thread, under load (forward / backward with per-member affine
# gradients, [3, 768, 256]): 1.06 -> 0.65 ms and 3.5 -> 1.7 ms; planning's kernels 1.3-1.5x.
_INLINE_OPTIONS = {"realize_cpu_opcount_threshold": 1000, "realize_reads_threshold": 100}


def _mish_forward(x: torch.Tensor) -> torch.Tensor:
    # x tanh(softplus(x)) = x (1 - r) with r = 2 / (e^x (e^x + 2) + 2); e^x clamped (r is 0 there).
    e = x.clamp(max=20.0).exp()
    return x * (1.0 - 2.0 / ((e + 2.0) * e + 2.0))


def _mish_backward(x: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
    # d/dx = tanh(sp) + x sech^2(sp) sigmoid(x), with tanh(sp) = 1 - r and sech^2(sp) = r (2 - r).
    e = x.clamp(max=20.0).exp()
    r = 2.0 / ((e + 2.0) * e + 2.0)
    return grad * (r * (2.0 - r) * (e / (e + 1.0)) * x - r + 1.0)


def compiled_mish_kernels() -> tuple:
    """(forward, backward) compiled for 1-D float tensors of any length, or () if unavailable."""
    global _compiled
    if _compiled is None:
        if os.environ.get("NEWT_COMPILED_KERNELS", "1") == "0":
            _compiled = ()
            return _compiled
        try:
            fwd = torch.compile(_mish_forward, dynamic=True)
            bwd = torch.compile(_mish_backward, dynamic=True)
            probe = torch.linspace(-5, 5, 64)
            with torch.no_grad():
                ok = torch.allclose(fwd(probe), F.mish(probe), atol=1e-5) and torch.allclose(
                    bwd(probe, torch.ones(64)), torch.ops.aten.mish_backward(torch.ones(64), probe), atol=1e-5)
            if not ok:
                raise RuntimeError("compiled Mish differs from F.mish")
            _compiled = (fwd, bwd)
        except Exception as e:  # no compiler, unsupported platform: fall back, loudly
            warnings.warn(f"newt: compiled Mish kernels unavailable ({type(e).__name__}: {str(e)[:200]}); "
                          "using F.mish (slower on CPU). Install a C++ compiler, or set "
                          "NEWT_COMPILED_KERNELS=0 to silence this.", stacklevel=2)
            _compiled = ()
    return _compiled


class _CompiledMish(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        return _compiled[0](x.reshape(-1)).view(x.shape)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors
        return _compiled[1](x.reshape(-1), grad.reshape(-1)).view(x.shape)


def mish(x: torch.Tensor) -> torch.Tensor:
    """Mish, x * tanh(softplus(x)); compiled kernels for CPU float32 tensors where available."""
    if (x.device.type != "cpu" or x.dtype != torch.float32 or torch.compiler.is_compiling()
            or not compiled_mish_kernels()):
        return F.mish(x)
    if x.requires_grad and torch.is_grad_enabled():
        return _CompiledMish.apply(x.contiguous())
    return _compiled[0](x.reshape(-1)).view(x.shape)


def bernoulli_drop_positions(n: int, p: float, device=None) -> torch.Tensor:
    """Flat indices in [0, n) each included independently with probability p (0 < p < 1),
    drawn as cumulative Geometric(p) gaps: about n*p random numbers instead of n."""
    log_keep = math.log1p(-p)
    expected = n * p
    chunk = int(expected + 6.0 * math.sqrt(expected) + 16)  # enough to cover n almost always
    positions, end = [], -1
    while end < n - 1:  # until the gaps run past the last element
        u = 1.0 - torch.rand(chunk, dtype=torch.float64, device=device)  # (0, 1]
        gaps = torch.floor(torch.log(u) / log_keep).long() + 1
        pos = gaps.cumsum(0) + end
        positions.append(pos)
        end = int(pos[-1])
    pos = torch.cat(positions)
    return pos[pos < n]


def dropout(x: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """F.dropout's distribution (each element zeroed with probability p, the rest scaled by
    1/(1-p)), with the mask drawn from geometric gaps when p is small (see the module doc)."""
    if not training or p == 0.0:
        return x
    if p > 0.1 or x.device.type != "cpu" or torch.compiler.is_compiling():
        return F.dropout(x, p, training)  # the gap trick pays only for rare drops
    return _DropPositions.apply(x, bernoulli_drop_positions(x.numel(), p, x.device), 1.0 / (1.0 - p))


class _DropPositions(torch.autograd.Function):
    """x * scale with the given flat positions zeroed; the gradient likewise. Keeps the positions,
    not a dense mask: no mask to fill, and one pass each way instead of two."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, positions: torch.Tensor, scale: float) -> torch.Tensor:
        ctx.save_for_backward(positions)
        ctx.scale = scale
        return _scale_and_zero(x, positions, scale)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad: torch.Tensor):
        (positions,) = ctx.saved_tensors
        return _scale_and_zero(grad, positions, ctx.scale), None, None


def _scale_and_zero(x: torch.Tensor, positions: torch.Tensor, scale: float) -> torch.Tensor:
    y = x.mul(scale).contiguous()  # a new tensor, so the positions can be zeroed in place
    y.view(-1)[positions] = 0.0
    return y


def _layernorm_mish(h: torch.Tensor, bias: torch.Tensor, weight: torch.Tensor, shift: torch.Tensor,
                    eps: float, out_dtype: torch.dtype) -> torch.Tensor:
    x = h.float() + bias
    mu = x.mean(-1, keepdim=True)
    xc = x - mu
    y = xc * torch.rsqrt(xc.pow(2).mean(-1, keepdim=True) + eps) * weight + shift
    return _mish_forward(y).to(out_dtype)


def fused_available(x: torch.Tensor) -> bool:
    """Whether `layernorm_mish` applies to activations like x (inference on CPU, kernels built)."""
    return (not torch.is_grad_enabled() and x.device.type == "cpu" and not torch.compiler.is_compiling()
            and bool(compiled_mish_kernels()))


def layernorm_mish(h: torch.Tensor, bias: torch.Tensor | None, weight: torch.Tensor, shift: torch.Tensor,
                   eps: float, out_dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """mish(LayerNorm(h + bias) * weight + shift) over the last dim, as `out_dtype`; the affine
    parameters broadcast against h (per-member or per-group shapes are fine). Inference only: call it
    where `fused_available` says so."""
    fn = _fused.get(out_dtype)
    if fn is None:
        # One compiled variant per call pattern (input rank, which dims broadcast, dtype): about 25
        # across planning at both precisions, more than dynamo's default limit of 8 per function,
        # past which it would silently fall back to slow eager code.
        dynamo_config.recompile_limit = max(dynamo_config.recompile_limit, 64)
        fn = _fused[out_dtype] = torch.compile(_layernorm_mish, dynamic=True, options=_INLINE_OPTIONS)
    if bias is None:
        bias = h.new_zeros((), dtype=torch.float32)
    return fn(h, bias, weight, shift, eps, out_dtype)


def _layernorm_mish_train_forward(x: torch.Tensor, weight: torch.Tensor, shift: torch.Tensor,
                                  eps: float) -> torch.Tensor:
    xc = x - x.mean(-1, keepdim=True)
    return _mish_forward(xc * torch.rsqrt(xc.pow(2).mean(-1, keepdim=True) + eps) * weight + shift)


def _layernorm_mish_train_backward(x: torch.Tensor, weight: torch.Tensor, shift: torch.Tensor, grad: torch.Tensor,
                                   eps: float, affine_grads: bool):
    xc = x - x.mean(-1, keepdim=True)
    rstd = torch.rsqrt(xc.pow(2).mean(-1, keepdim=True) + eps)
    xhat = xc * rstd
    g = _mish_backward(xhat * weight + shift, grad)  # gradient at the affine output
    gx = g * weight  # at the normalised input; then through the normalisation:
    dx = rstd * (gx - gx.mean(-1, keepdim=True) - xhat * (gx * xhat).mean(-1, keepdim=True))
    if not affine_grads:
        return dx, None, None
    return dx, (g * xhat).sum_to_size(weight.shape), g.sum_to_size(shift.shape)


_train_kernels: dict = {}  # "forward" / "backward" -> compiled function, once built


def _train_kernel(name: str):
    fn = _train_kernels.get(name)
    if fn is None:
        # About 10 shapes in an update (per network, per member count); above dynamo's default of 8
        # per function it would silently run eager code.
        dynamo_config.recompile_limit = max(dynamo_config.recompile_limit, 64)
        source = _layernorm_mish_train_forward if name == "forward" else _layernorm_mish_train_backward
        fn = _train_kernels[name] = torch.compile(source, dynamic=False, options=_INLINE_OPTIONS)
    return fn


class _LayerNormMish(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, weight: torch.Tensor, shift: torch.Tensor, eps: float) -> torch.Tensor:
        ctx.save_for_backward(x, weight, shift)
        ctx.eps = eps
        return _train_kernel("forward")(x, weight, shift, eps)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad: torch.Tensor):
        x, weight, shift = ctx.saved_tensors
        affine = ctx.needs_input_grad[1] or ctx.needs_input_grad[2]  # not in the policy step (Q frozen)
        dx, dw, db = _train_kernel("backward")(x, weight, shift, grad.contiguous(), ctx.eps, affine)
        return dx, dw, db, None


def train_fusable(x: torch.Tensor) -> bool:
    """Whether `layernorm_mish_train` applies to x: autograd on, CPU float32, kernels built."""
    return (torch.is_grad_enabled() and x.device.type == "cpu" and x.dtype == torch.float32
            and not torch.compiler.is_compiling() and bool(compiled_mish_kernels()))


def layernorm_mish_train(x: torch.Tensor, weight: torch.Tensor, shift: torch.Tensor, eps: float) -> torch.Tensor:
    """mish(LayerNorm(x) * weight + shift) over the last dim, with gradients for x, weight and shift
    (weight and shift broadcast against x: [D], or [E, 1, D] per ensemble member for x [E, N, D]).
    Call it where `train_fusable` says so."""
    return _LayerNormMish.apply(x.contiguous(), weight, shift, eps)
