"""Checkpoint files: what they hold, how they are written and how they are read back.

A checkpoint is a plain dict of tensors, numbers, strings and nested dicts/lists (the agent's
weights and optimiser states, the counters and the run's config), written atomically. It is read
with `torch.load(weights_only=True)`, which refuses to unpickle arbitrary objects, so a checkpoint
from an untrusted source cannot run code.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import torch

CHECKPOINT_VERSION = 2  # 2: the model optimiser holds the policy too; the running Q scale has no "initialised"


class CheckpointError(ValueError):
    """A checkpoint cannot be used as asked; the message names the file and the reason."""


def save_checkpoint(state: dict[str, Any], path: str) -> None:
    """Write `state` (with the format version added) to path atomically: a temporary file in the
    same folder, flushed to disk, then renamed over the target, so a crash mid-save leaves the
    previous file intact."""
    save_atomic({"version": CHECKPOINT_VERSION, **state}, path)


def save_atomic(obj: Any, path: str) -> None:
    """torch.save to a temporary file in the same folder, fsync, then rename: never a half-written file."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def read_checkpoint(path: str, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a checkpoint written by `save_checkpoint`; raises FileNotFoundError or CheckpointError with
    the path and the reason (CheckpointError)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"checkpoint {path!r} does not exist")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:  # a pickle with other objects, a truncated file, not a torch file
        raise CheckpointError(f"checkpoint {path!r} cannot be read safely as a Newt checkpoint: {e}") from e
    if not isinstance(state, dict) or "agent" not in state or "config" not in state:
        raise CheckpointError(f"checkpoint {path!r} is not a Newt checkpoint (no 'agent' and 'config' entries)")
    if state.get("version") != CHECKPOINT_VERSION:
        raise CheckpointError(
            f"checkpoint {path!r} has format version {state.get('version')!r}; this Newt reads version "
            f"{CHECKPOINT_VERSION} only (version 1 predates the fidelity fixes: other optimiser and running-scale "
            f"state, other losses), so start a new run or use the release that wrote it")
    return state


def rank_state_path(path: str, rank: int) -> str:
    """Where torchrun rank `rank` (> 0) keeps its run state next to checkpoint `path`."""
    root, ext = os.path.splitext(path)
    return f"{root}.rank{rank}{ext}"


def read_rank_state(path: str, rank: int, world_size: int, map_location: str | torch.device = "cpu") -> dict:
    """A rank's run state saved next to a checkpoint (safe load); CheckpointError when it is not that rank's."""
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:
        raise CheckpointError(f"rank state {path!r} cannot be read safely: {e}") from e
    if not isinstance(state, dict) or state.get("rank") != rank or state.get("world_size") != world_size:
        raise CheckpointError(f"{path!r} is not the run state of rank {rank} of {world_size}")
    return state["run_state"]


# Buffers of the world model that describe the run's tasks, not learned weights: a finetuned model
# keeps its own (the new task's text embedding, action mask and discount).
TASK_TABLES = ("task_embeddings", "action_masks", "discounts")


def finetune_weights(state: dict[str, Any], model_state: dict[str, torch.Tensor], run_size: str, path: str,
                     derive_saved, run_obs: str = "state") -> dict[str, torch.Tensor]:
    """The weights of a multitask checkpoint mapped onto a single-task model's state dict.

    The original fills a 200-slot embedding table and mask table with the new task's embedding and
    mask and runs slot 0; every slot is the same, so our model keeps one slot, which computes the
    same function. Every learned weight (encoder, dynamics, reward, policy, Qs and target Qs) is
    taken from the checkpoint; the task tables come from `model_state` (this run's).
    derive_saved: checkpoint config dict -> its Derived (to resolve its task set and model size).
    run_obs: this run's `obs` (state or rgb), which must be the checkpoint's.
    Raises CheckpointError naming both values when the checkpoint cannot be finetuned here.
    """
    saved = derive_saved(state["config"])
    if not saved.multitask:
        raise CheckpointError(f"checkpoint {path!r} is single-task (task={saved.task_label!r}); finetune=true needs a "
                         f"multitask checkpoint (trained on a task set or a task list)")
    saved_obs = state["config"].get("obs", "state")  # checkpoints from before obs=rgb are state
    if saved_obs != run_obs:  # the encoder's input width differs: say which option, not which shapes
        raise CheckpointError(f"checkpoint {path!r} was trained with obs={saved_obs!r} (this run: {run_obs!r}); "
                              f"pass obs={saved_obs}")
    if saved.size.name != run_size:
        raise CheckpointError(f"checkpoint {path!r} has model_size={saved.size.name!r} (this run: {run_size!r}); "
                         f"pass model_size={saved.size.name}")
    weights = {k: v for k, v in state["agent"]["model"].items() if k not in TASK_TABLES}
    missing = sorted(set(model_state) - set(weights) - set(TASK_TABLES))
    extra = sorted(set(weights) - set(model_state))
    wrong = [f"{k} {tuple(v.shape)} (this run: {tuple(model_state[k].shape)})"
             for k, v in weights.items() if k in model_state and v.shape != model_state[k].shape]
    if missing or extra or wrong:
        raise CheckpointError(f"checkpoint {path!r} does not fit this model: "
                         + "; ".join(x for x in (f"missing {missing}" if missing else "",
                                                 f"unexpected {extra}" if extra else "",
                                                 f"shapes {wrong}" if wrong else "") if x))
    return {**weights, **{k: model_state[k] for k in TASK_TABLES if k in model_state}}
