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

CHECKPOINT_VERSION = 1


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
    """Load a checkpoint written by `save_checkpoint`; raises FileNotFoundError or ValueError with
    the path and the reason."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"checkpoint {path!r} does not exist")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:  # a pickle with other objects, a truncated file, not a torch file
        raise ValueError(f"checkpoint {path!r} cannot be read safely as a Newt checkpoint: {e}") from e
    if not isinstance(state, dict) or "agent" not in state or "config" not in state:
        raise ValueError(f"checkpoint {path!r} is not a Newt checkpoint (no 'agent' and 'config' entries)")
    if state.get("version") != CHECKPOINT_VERSION:
        raise ValueError(f"checkpoint {path!r} has format version {state.get('version')!r}; this Newt reads "
                         f"version {CHECKPOINT_VERSION} only (retrain, or use the Newt release that wrote it)")
    return state
