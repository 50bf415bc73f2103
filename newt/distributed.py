"""Training across processes with torchrun and torch.distributed (no launcher of our own).

    torchrun --nproc_per_node=N [--nnodes=M --node_rank=K --rdzv_endpoint=HOST:PORT] train.py ...

What each rank does, and what is shared:
- Envs: the run's env slots are dealt round-robin to the ranks (`shard`); every rank steps its own
  pool. The env step counter is global: every vector step adds the envs of all ranks.
- Batches: each rank samples batch_size / world_size slices from its own replay buffer (its tasks'
  episodes) and its own shard of the demos; the gradients of every update are averaged over the
  ranks with one all-reduce per optimiser step, so the weights stay identical everywhere. The
  running Q scale's batch spread is averaged too.
- Evaluation: each rank evaluates its tasks; rank 0 gathers the per-task results and alone writes
  the CSVs, wandb, the progress bar and checkpoints. Run state (buffers, RNGs, env counters) is
  saved per rank, next to the checkpoint, and dropped with a log line on a resume at another
  world size.
- Backends: NCCL on GPUs (one GPU per rank: cuda:LOCAL_RANK), gloo on CPU.
A plain `python train.py` is world size 1: none of this runs.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class World:
    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def world_from_env() -> World:
    """The world torchrun describes in the environment (RANK, WORLD_SIZE, LOCAL_RANK); size 1 without it."""
    try:
        return World(int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)),
                     int(os.environ.get("LOCAL_RANK", 0)))
    except ValueError as e:
        raise ValueError(f"RANK/WORLD_SIZE/LOCAL_RANK must be integers (as torchrun sets them): {e}") from e


def check_world(world: World, num_envs: int, batch_size: int, device: str) -> str | None:
    """None if this run can be split over `world`, else the reason, naming the values."""
    if not world.enabled:
        return None
    if num_envs < world.size:
        return (f"{num_envs} env(s) cannot be split over {world.size} ranks: every rank needs at least one "
                f"(use more tasks, num_envs >= {world.size}, or fewer processes)")
    if batch_size % world.size:
        return (f"batch_size={batch_size} is not divisible by the world size {world.size} (each rank samples "
                f"batch_size / world size slices); accepted: a multiple of {world.size}")
    if device.startswith("cuda") and torch.cuda.device_count() <= world.local_rank:
        return (f"device={device} on local rank {world.local_rank}, but this node has {torch.cuda.device_count()} "
                f"GPU(s); use --nproc_per_node <= the GPU count, or device=cpu (gloo)")
    return None


def init(world: World, device: str) -> str:
    """Join the process group (NCCL for CUDA, gloo for CPU); returns this rank's device."""
    if not world.enabled:
        return device
    if device.startswith("cuda"):
        device = f"cuda:{world.local_rank}"
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.startswith("cuda") else "gloo")
    return device


def shutdown() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def shard(items: Sequence, world: World) -> list:
    """This rank's share of `items`, dealt round-robin (rank r gets items r, r + size, ...)."""
    return list(items[world.rank::world.size])


def average_gradients(params: Iterable[torch.nn.Parameter], world_size: int) -> None:
    """Replace every gradient by its mean over the ranks (one all-reduce of one flat buffer)."""
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    flat.div_(world_size)
    offset = 0
    for g in grads:
        g.copy_(flat[offset:offset + g.numel()].view_as(g))
        offset += g.numel()


def average(value: torch.Tensor, world_size: int) -> torch.Tensor:
    """The mean of a tensor over the ranks (a copy)."""
    out = value.detach().clone()
    dist.all_reduce(out)
    return out.div_(world_size)


def total(value: int) -> int:
    """The sum of an integer over the ranks."""
    t = torch.tensor([value], dtype=torch.int64)
    dist.all_reduce(t)
    return int(t.item())


def all_true(flag: bool, device: str = "cpu") -> bool:
    """Whether `flag` holds on every rank."""
    t = torch.tensor([1 if flag else 0], device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MIN)
    return bool(t.item())


def broadcast_module(module: torch.nn.Module) -> None:
    """Copy rank 0's parameters and buffers to every rank."""
    for t in list(module.parameters()) + list(module.buffers()):
        dist.broadcast(t.data, src=0)


def gather(obj: Any, world: World) -> list[Any] | None:
    """Every rank's `obj` on rank 0 (in rank order); None on the other ranks."""
    out = [None] * world.size if world.is_main else None
    dist.gather_object(obj, out, dst=0)
    return out


def barrier() -> None:
    dist.barrier()
