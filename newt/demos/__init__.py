"""Demonstrations: the file format, its validation, loading into the replay buffer, and generation.

    from newt.demos import load_demos, add_to_buffer
    demos = load_demos("demos", tasks)            # {task: rows}, each file validated first
    for i, task in enumerate(tasks):
        if task in demos:
            add_to_buffer(buffer, demos[task], task_index=i)

Make files with `python -m newt.demos generate`, check a folder with `python -m newt.demos check`.
See docs/demos.md.
"""

from __future__ import annotations

import os
import warnings

import torch

from newt.demos.check import DemoCheckError, Problem, check_file, check_rows, demo_files
from newt.demos.format import FIELDS, OPTIONAL, REQUIRED, DemoFormatError, read_file, save_file, task_of

__all__ = [
    "FIELDS",
    "MANISKILL_EPISODE_CAP",
    "OPTIONAL",
    "REQUIRED",
    "DemoCheckError",
    "DemoFormatError",
    "Problem",
    "add_to_buffer",
    "check_file",
    "check_rows",
    "demo_files",
    "episodes",
    "load_demo",
    "load_demos",
    "read_file",
    "save_file",
    "task_of",
]

MANISKILL_EPISODE_CAP = 20  # as the original: only the first 20 episodes of an ms-* task are used


def load_demo(path: str, max_episodes: int | None = None) -> dict[str, torch.Tensor]:
    """The rows of one demo file, validated first; raises DemoCheckError listing every problem.

    `max_episodes` keeps only the first that many episodes.
    """
    try:
        rows = read_file(path)
    except DemoFormatError as e:
        raise DemoCheckError([Problem(path, None, None, str(e).removeprefix(f"{path}: "))]) from e
    problems = check_rows(rows, path)
    if problems:
        raise DemoCheckError(problems)
    if max_episodes is not None:
        bounds = episodes(rows)
        if len(bounds) > max_episodes:
            end = bounds[max_episodes][0]
            rows = {k: v[:end] for k, v in rows.items()}
    return rows


def load_demos(directory: str, tasks, on_error: str = "raise") -> dict[str, dict[str, torch.Tensor]]:
    """{task: rows} for every task of `tasks` that has a file in `directory` (missing ones are skipped).

    Every file is validated before use. on_error="raise" raises DemoCheckError on the first bad file;
    "skip" warns and loads nothing from it. ManiSkill tasks keep their first 20 episodes.
    """
    if on_error not in ("raise", "skip"):
        raise ValueError(f"on_error={on_error!r}; accepted: 'raise', 'skip'")
    out = {}
    for task in tasks:
        path = os.path.join(directory, f"{task}.pt")
        if not os.path.isfile(path):
            continue
        cap = MANISKILL_EPISODE_CAP if task.startswith("ms-") else None
        try:
            out[task] = load_demo(path, max_episodes=cap)
        except DemoCheckError as e:
            if on_error == "raise":
                raise
            warnings.warn(f"skipping demo file {path}, it failed validation:\n{e}", stacklevel=2)
    return out


def episodes(rows: dict[str, torch.Tensor]) -> list[tuple[int, int]]:
    """(first row, end row) of each episode, in file order."""
    episode = rows["episode"]
    change = torch.ones(episode.shape[0], dtype=torch.bool)
    change[1:] = episode[1:] != episode[:-1]
    starts = change.nonzero().flatten().tolist()
    return list(zip(starts, [*starts[1:], episode.shape[0]]))


def add_to_buffer(buffer, rows: dict[str, torch.Tensor], task_index: int) -> int:
    """Add every episode of validated demo rows to an `newt.buffer.EpisodeBuffer` as task
    `task_index` (the run's task index); returns the number of episodes added. Each episode is
    added whole, so the buffer's slices never cross from one episode into the next, and row 0's
    NaN action and reward are never stored."""
    for start, end in episodes(rows):
        buffer.add(rows["obs"][start:end], rows["action"][start + 1:end], rows["reward"][start + 1:end], task_index)
    return len(episodes(rows))
