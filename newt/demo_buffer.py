"""The demo buffer of a run: the validated demos of its tasks, mixed into every batch.

As the original: the demos go into a demo buffer that gives half of every batch, and into the
online buffer as well (newt.buffer.DemoMix). Every file is validated first (newt.demos.check) and
nothing is loaded from a file that fails; the run says which tasks have no demos.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from newt.buffer import DemoMix, EpisodeBuffer


class NoDemosError(FileNotFoundError):
    """use_demos is on, but the demo folder holds no usable file for any task of the run."""


@dataclass(frozen=True)
class DemoSummary:
    tasks_with_demos: tuple[str, ...]
    tasks_without: tuple[str, ...]
    rejected: dict[str, str]  # file -> why it was not loaded
    episodes: int
    transitions: int

    def lines(self, demo_dir: str) -> list[str]:
        n = len(self.tasks_with_demos) + len(self.tasks_without)
        out = [f"demos from {demo_dir}: {len(self.tasks_with_demos)} of {n} tasks, {self.episodes:,} episodes, "
               f"{self.transitions:,} transitions"]
        if self.tasks_without:
            out.append(f"no demos for {len(self.tasks_without)} task(s): {', '.join(self.tasks_without)}")
        out += [f"rejected {path}: {why}" for path, why in self.rejected.items()]
        return out


def make_command(demo_dir: str, label: str) -> str:
    return f"python -m newt.demos generate {label} --source scripted --out {demo_dir}"


def build_demo_mix(demo_dir: str, tasks: tuple[str, ...], online: EpisodeBuffer, horizon: int, device: str,
                   sampling: str, task_label: str, log: Callable[[str], None] = print,
                   load_only: set[str] | None = None, rgb: bool = False) -> DemoMix:
    """Load, validate and buffer the demos of `tasks` (run task index = position); returns the
    DemoMix to sample from. Raises NoDemosError when no task has a usable file.
    load_only: under torchrun, this rank's tasks (the demo buffer is sharded by task); None: all.
    rgb: obs=rgb; a file's rows need `feat` (appended to `obs`), and files without it are skipped."""
    from newt.demos import MANISKILL_EPISODE_CAP, DemoCheckError, add_to_buffer, load_demo

    loaded, rejected = {}, {}
    for task in tasks:
        if load_only is not None and task not in load_only:
            continue
        path = os.path.join(demo_dir, f"{task}.pt")
        if not os.path.isfile(path):
            continue
        try:
            rows = load_demo(path, max_episodes=MANISKILL_EPISODE_CAP if task.startswith("ms-") else None)
        except DemoCheckError as e:  # training loads nothing from a file that fails the check
            rejected[path] = str(e).splitlines()[0]
            continue
        if rgb:
            from newt.observations import demo_rows_for_rgb

            rows = demo_rows_for_rgb(rows)
            if rows is None:
                rejected[path] = "no `feat` (obs=rgb needs image features: python -m newt.demos features DIR)"
                continue
        loaded[task] = rows
    if not loaded:
        scope = f"the run's {len(tasks)} task(s)" if load_only is None else (
            f"this rank's {len(load_only)} task(s) ({', '.join(sorted(load_only))}); "
            f"under torchrun every rank needs demos")
        where = f"{demo_dir!r} does not exist" if not os.path.isdir(demo_dir) else \
            f"{demo_dir!r} has no valid demo file for any of {scope}"
        raise NoDemosError(f"use_demos is on but {where}. Make demos with `{make_command(demo_dir, task_label)}` "
                           f"(or point demo_dir= at a folder of them), or train without: use_demos=false")
    rows = sum(int(r["obs"].shape[0]) for r in loaded.values())
    obs_dim, action_dim = online.obs.shape[1], online.action.shape[1]
    demos = EpisodeBuffer(rows, obs_dim, action_dim, horizon, device, sampling=sampling)
    episodes = 0
    for index, task in enumerate(tasks):
        if task in loaded:
            episodes += add_to_buffer(demos, loaded[task], index)
            add_to_buffer(online, loaded[task], index)
    scope = tasks if load_only is None else tuple(t for t in tasks if t in load_only)
    summary = DemoSummary(tuple(t for t in scope if t in loaded), tuple(t for t in scope if t not in loaded),
                          rejected, episodes, len(demos))
    for line in summary.lines(demo_dir):
        log(line)
    return DemoMix(demos, online)

