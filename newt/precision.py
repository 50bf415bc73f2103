"""Matmul precision: every matmul of the networks in fp32 (the default), or in bf16.

With `precision=bf16` the matmuls (forward and backward) take bf16 inputs and their outputs are
cast back to fp32 at once; weights, optimiser state, biases, LayerNorm, Mish, SimNorm, the losses
and every other op stay fp32. This is what mixed-precision autocast does to matmuls, but without
autocast's side effects on CPU, where it also runs LayerNorm and Mish in bf16 (slower there than
in fp32, and less accurate). On CPUs with AMX or AVX512-BF16 a bf16 matmul is several times faster
than an fp32 one (bench/agent.py prints both); elsewhere it can be slower.

Everything in newt/ that multiplies by a weight goes through `linear`, `mm`, `matmul` or
`baddbmm` here; `matmuls(dtype)` sets the precision for the code run inside it (the agent wraps
acting and updating).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import torch
import torch.nn.functional as F

PRECISIONS = {"fp32": None, "bf16": torch.bfloat16}  # config value -> matmul input dtype (None: as is)

_state = threading.local()


def current() -> torch.dtype | None:
    """The matmul input dtype in effect (None: the tensors' own, fp32)."""
    return getattr(_state, "dtype", None)


@contextmanager
def matmuls(dtype: torch.dtype | None) -> Iterator[None]:
    """Run the enclosed code with matmul inputs cast to `dtype` (None: fp32, no casts)."""
    previous = current()
    _state.dtype = dtype
    try:
        yield
    finally:
        _state.dtype = previous


def _cast(x: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    return x if x.dtype == dtype else x.to(dtype)


def linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
    """F.linear at the current precision (output fp32)."""
    dtype = current()
    if dtype is None:
        return F.linear(x, weight, bias)
    out = F.linear(_cast(x, dtype), _cast(weight, dtype)).float()
    return out if bias is None else out.add_(bias)


def mm(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return _fp32(mm_raw(a, b))


def matmul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return _fp32(matmul_raw(a, b))


def _fp32(x: torch.Tensor) -> torch.Tensor:
    return x if x.dtype == torch.float32 else x.float()


def baddbmm(bias: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """bias + a @ b (batched), at the current precision."""
    dtype = current()
    if dtype is None:
        return torch.baddbmm(bias, a, b)
    return torch.bmm(_cast(a, dtype), _cast(b, dtype)).float().add_(bias)


# The raw forms: the product in the compute dtype (bf16 under `precision=bf16`), not cast back, for
# a fused consumer that reads it directly (newt.kernels.layernorm_mish).
def mm_raw(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    dtype = current()
    return torch.mm(a, b) if dtype is None else torch.mm(_cast(a, dtype), _cast(b, dtype))


def matmul_raw(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    dtype = current()
    return torch.matmul(a, b) if dtype is None else torch.matmul(_cast(a, dtype), _cast(b, dtype))


def linear_raw(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    dtype = current()
    return F.linear(x, weight) if dtype is None else F.linear(_cast(x, dtype), _cast(weight, dtype))


def activation_dtype() -> torch.dtype:
    """The dtype a fused activation writes for the next matmul to read."""
    return current() or torch.float32
