"""The demonstration file format: one file per task, `<demo_dir>/<task>.pt`.

A file holds N rows of whole episodes, stored one after another (the layout of the original
MMBench dataset, spec §10.1). An episode of length L takes L+1 rows: row 0 holds the reset
observation with NaN action and reward; row t the observation after action t, that action and its
reward. Observations are right-padded with zeros to 128 entries, actions to 16 (entries past the
task's action dim are 0).

Ours are written as a plain ``dict`` of tensors with ``torch.save``, so that they load with
``torch.load(weights_only=True)`` and nothing but tensors is ever unpickled. Files of the original
dataset are a pickled TensorDict; they load with only TensorDict's own rebuild functions and class
allowed (no other code can run), and are converted to the same plain dict.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from typing import NamedTuple

import torch

from envs.registry import MAX_ACTION_DIM, MAX_OBS_DIM

FEAT_DIM = 768  # DINOv2-base CLS features of each row's frame (obs=rgb)


class Field(NamedTuple):
    shape: tuple[int, ...]  # per-row shape
    dtype: torch.dtype
    doc: str


REQUIRED: dict[str, Field] = {
    "obs": Field((MAX_OBS_DIM,), torch.float32, "padded state observation (row 0: the reset observation)"),
    "action": Field((MAX_ACTION_DIM,), torch.float32, "the action that led to this row's obs (NaN in row 0)"),
    "reward": Field((), torch.float32, "the reward of that transition (NaN in row 0)"),
    "episode": Field((), torch.int64, "episode id; the rows of one episode are contiguous"),
}
OPTIONAL: dict[str, Field] = {
    "value": Field((), torch.float32, "the agent's Q estimate of (obs[t-1], action[t]) (NaN in row 0)"),
    "terminated": Field((), torch.bool, "always False"),
    "feat": Field((FEAT_DIM,), torch.float32, "image features of this row's frame"),
    "seed": Field((), torch.int64, "the reset seed of this row's episode (replays it)"),
}
FIELDS: dict[str, Field] = {**REQUIRED, **OPTIONAL}
DROPPED = ("feat-stacked",)

# What an original (TensorDict) file may unpickle beyond tensors: TensorDict's rebuild functions
# and classes, by their import path. Names missing from the installed tensordict are skipped.
TENSORDICT_GLOBALS = (
    "tensordict._reductions._make_td",
    "tensordict._reductions._rebuild_tensordict_files",
    "tensordict._reductions._rebuild_tensordict_files_shared",
    "tensordict._reductions._rebuild_tensordict_files_consolidated",
    "tensordict._td.TensorDict",
    "tensordict.tensordict.TensorDict",
)


class DemoFormatError(ValueError):
    """A demo file cannot be read as demo rows; the message names the file and why."""


def task_of(path: str) -> str:
    """The task a demo file is for: its file name without `.pt`."""
    return os.path.basename(path)[: -len(".pt")] if path.endswith(".pt") else os.path.basename(path)


def _tensordict_globals() -> list:
    import importlib

    found = []
    for name in TENSORDICT_GLOBALS:
        module, _, attr = name.rpartition(".")
        try:
            found.append(getattr(importlib.import_module(module), attr))
        except (ImportError, AttributeError):
            continue
    return found


def read_file(path: str) -> dict[str, torch.Tensor]:
    """The rows of a demo file as a dict of CPU tensors (our plain dict, or an original TensorDict).

    Only tensors (and, for original files, TensorDict's rebuild functions) are unpickled.
    The original's "feat-stacked" (a derived copy of `feat`) is dropped.
    """
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as plain_error:
        try:
            unsafe = set(torch.serialization.get_unsafe_globals_in_checkpoint(path))
        except (ValueError, RuntimeError, OSError) as e:
            raise DemoFormatError(f"{path}: not a file written by torch.save ({e})") from plain_error
        allowed = set(TENSORDICT_GLOBALS)
        if not unsafe <= allowed:
            raise DemoFormatError(
                f"{path}: refuses to unpickle {sorted(unsafe - allowed)}; a demo file may hold only tensors "
                f"(a dict of tensors, or the original dataset's TensorDict)") from plain_error
        try:
            import tensordict  # noqa: F401  (registers the rebuild functions)
        except ImportError as e:
            raise DemoFormatError(f"{path}: is a TensorDict file (the original dataset's format); "
                                  f"reading it needs the tensordict package") from e
        try:
            with torch.serialization.safe_globals(_tensordict_globals()):
                data = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as e:  # a file can fail in the unpickler in many ways
            raise DemoFormatError(f"{path}: a TensorDict file that does not load ({type(e).__name__}: {e})") from e
    except Exception as e:  # a corrupt file can fail in the unpickler in many ways
        raise DemoFormatError(f"{path}: not a readable torch file ({type(e).__name__}: {e})") from e
    if not isinstance(data, dict):  # a TensorDict
        to_dict = getattr(data, "to_dict", None)
        if to_dict is None:
            raise DemoFormatError(f"{path}: holds a {type(data).__name__}, expected a dict of tensors or a TensorDict")
        data = to_dict()
    return {k: v for k, v in data.items() if k not in DROPPED}


def save_file(data: dict[str, torch.Tensor], path: str) -> None:
    """Write demo rows as a plain dict of tensors, atomically (a temporary file, then a rename), so an
    interrupted write never leaves a half-written file under the task's name."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save({k: v.detach().cpu().contiguous() for k, v in data.items()}, f)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
