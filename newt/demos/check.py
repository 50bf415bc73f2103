"""Validation of demo files: every rule a file must meet before training uses it.

`check_rows(rows, name)` returns a list of problems; each names the file, the key and the first
bad row. A file is rejected for: a file name that is not a task, a missing key, a value that is not
a tensor, a wrong per-row shape or dtype, keys of different row counts, non-finite observations,
episodes that are not contiguous or whose length is not the registry's, a row 0 whose action and
reward are not NaN, non-finite actions or rewards after row 0, actions outside [-1, 1] or non-zero
in the task's unused action dims, and a `seed` that changes within an episode.
"""

from __future__ import annotations

import os
from typing import NamedTuple

import torch

from envs.registry import TASKS
from newt.demos.format import FIELDS, REQUIRED, DemoFormatError, read_file, task_of


class Problem(NamedTuple):
    file: str
    key: str | None  # None: the file as a whole (its name, its format)
    row: int | None  # the first bad row, where a row is to blame
    what: str

    def __str__(self) -> str:
        where = [self.file]
        if self.key is not None:
            where.append(f"key {self.key!r}")
        if self.row is not None:
            where.append(f"row {self.row}")
        return f"{', '.join(where)}: {self.what}"


class DemoCheckError(ValueError):
    """A demo file failed validation; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _first(mask: torch.Tensor) -> int:
    return int(mask.nonzero()[0, 0])


def check_rows(rows: dict, name: str) -> list[Problem]:
    """Every problem with the rows of file `name` (`<task>.pt`); an empty list means valid."""
    task = task_of(name)
    spec = TASKS.get(task)
    if spec is None:
        return [Problem(name, None, None, f"the file name {task!r} is not a task; files are named <task>.pt "
                                          f"after a registered task (`python -m envs list`)")]
    problems: list[Problem] = []
    for key in REQUIRED:
        if key not in rows:
            problems.append(Problem(name, key, None, f"missing; a demo file needs {', '.join(REQUIRED)}"))
    n = None
    for key, field in FIELDS.items():
        if key not in rows:
            continue
        value = rows[key]
        if not torch.is_tensor(value):
            problems.append(Problem(name, key, None, f"is a {type(value).__name__}, expected a tensor"))
            continue
        if value.dtype != field.dtype:
            problems.append(Problem(name, key, None, f"dtype {value.dtype}, expected {field.dtype}"))
        if value.dim() == 0 or tuple(value.shape[1:]) != field.shape:
            expected = f"[N, {', '.join(map(str, field.shape))}]" if field.shape else "[N]"
            problems.append(Problem(name, key, None, f"shape {tuple(value.shape)}, expected {expected}"))
            continue
        if n is None:
            n = value.shape[0]
        elif value.shape[0] != n:
            problems.append(Problem(name, key, None, f"{value.shape[0]} rows, but the other keys have {n}"))
    if problems:
        return problems
    if n == 0:
        return [Problem(name, None, None, "holds no rows")]

    obs, action, reward, episode = rows["obs"], rows["action"], rows["reward"], rows["episode"]
    bad = ~torch.isfinite(obs).all(1)
    if bad.any():
        problems.append(Problem(name, "obs", _first(bad), "non-finite observation"))

    # Episodes: contiguous blocks of L+1 rows, each id used by one block only.
    length = spec.episode_length
    change = torch.ones(n, dtype=torch.bool)
    change[1:] = episode[1:] != episode[:-1]
    starts = change.nonzero().flatten().tolist()
    ids = episode[change].tolist()
    seen: set[int] = set()
    for i, (start, ep) in enumerate(zip(starts, ids)):
        end = starts[i + 1] if i + 1 < len(starts) else n
        if ep in seen:
            problems.append(Problem(name, "episode", start, f"episode {ep} is not contiguous (its rows are split)"))
            return problems
        seen.add(ep)
        if end - start != length + 1:
            problems.append(Problem(name, "episode", start, f"episode {ep} has {end - start - 1} steps "
                                    f"({end - start} rows); {task} episodes have {length} steps ({length + 1} rows)"))
            return problems

    first = change
    k = spec.action_dim
    bad = first & ~torch.isnan(action[:, :k]).all(1)
    if bad.any():
        problems.append(Problem(name, "action", _first(bad),
                                "an episode's first row (the reset) must have a NaN action"))
    bad = first & ~torch.isnan(reward)
    if bad.any():
        problems.append(Problem(name, "reward", _first(bad),
                                "an episode's first row (the reset) must have a NaN reward"))
    steps = ~first
    bad = steps & ~torch.isfinite(action).all(1)
    if bad.any():
        problems.append(Problem(name, "action", _first(bad), "non-finite action"))
    else:
        bad = steps & (action.abs() > 1.0).any(1)
        if bad.any():
            problems.append(Problem(name, "action", _first(bad), f"action outside [-1, 1] (max |a| = "
                                    f"{float(action[bad].abs().max()):.4g})"))
        bad = steps & (action[:, k:] != 0).any(1)
        if bad.any():
            problems.append(Problem(name, "action", _first(bad), f"non-zero in unused action dims; {task} uses "
                                    f"the first {k} of {action.shape[1]}"))
    bad = steps & ~torch.isfinite(reward)
    if bad.any():
        problems.append(Problem(name, "reward", _first(bad), "non-finite reward"))
    if "seed" in rows:
        seed = rows["seed"]
        bad = ~change & (seed != torch.roll(seed, 1))
        if bad.any():
            problems.append(Problem(name, "seed", _first(bad), "the seed changes within an episode"))
    if "terminated" in rows and rows["terminated"].any():
        problems.append(Problem(name, "terminated", _first(rows["terminated"]), "MMBench episodes never terminate"))
    return problems


def check_file(path: str) -> list[Problem]:
    """Every problem with the demo file at `path`."""
    try:
        rows = read_file(path)
    except DemoFormatError as e:
        return [Problem(path, None, None, str(e).removeprefix(f"{path}: "))]
    return check_rows(rows, path)


def demo_files(directory: str, tasks: tuple[str, ...] | None = None) -> list[str]:
    """The `.pt` files of a demo folder (of `tasks` only, if given), sorted by name."""
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"demo folder {directory!r} does not exist")
    names = sorted(f for f in os.listdir(directory) if f.endswith(".pt") and not f.startswith("."))
    if tasks is not None:
        names = [f for f in names if task_of(f) in tasks]
    return [os.path.join(directory, f) for f in names]
