"""Generate demo files: run a source (a scripted expert or a trained agent) in a task, keep the
episodes the acceptance rule accepts, and write `<out>/<task>.pt` atomically.

Acceptance (spec §10.1): episodes are run in batches of 2N (N = episodes wanted). In a batch, an
episode is accepted if its return exceeds the threshold (0.75 x the batch's median return when the
median is > 0, else 1.25 x the median) and, for Meta-World, RoboDesk and the ManiSkill manipulation
tasks, it ends in success. [deviation] An episode whose return ties the batch's best return is
accepted too: with a deterministic expert many episodes have equal returns, and a batch whose
median is 0 would otherwise accept none of them. Unlike the original (one batch, then give up),
further batches are run until N episodes are accepted or `max_tries` episodes were tried; a task
with fewer than N accepted episodes gets no file.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from typing import Any

import numpy as np
import torch

from envs.registry import MAX_ACTION_DIM, MAX_OBS_DIM, TASKS
from newt.demos.format import save_file

SUCCESS_REQUIRED_PREFIXES = ("mw-", "rd-", "ms-")
SUCCESS_EXEMPT_PREFIXES = ("ms-cartpole", "ms-hopper", "ms-ant")


@dataclasses.dataclass
class Episode:
    obs: np.ndarray  # [L+1, native obs]
    action: np.ndarray  # [L, action_dim]
    reward: np.ndarray  # [L]
    value: np.ndarray | None  # [L] the source's value estimate of each step, if it has one
    seed: int
    ret: float
    success: float
    score: float


@dataclasses.dataclass
class TaskReport:
    task: str
    source: str
    kept: int
    tried: int
    mean_score: float  # over the kept episodes (over all tried ones if none was kept)
    written: bool
    skipped: bool = False  # the file existed already
    seconds: float = 0.0
    error: str = ""
    unavailable: str = ""  # why the task cannot run on this machine (e.g. missing simulator assets)
    failed_episodes: int = 0  # episodes whose source raised (counted as tried, never kept)
    first_failure: str = ""


def needs_success(task: str) -> bool:
    return task.startswith(SUCCESS_REQUIRED_PREFIXES) and not task.startswith(SUCCESS_EXEMPT_PREFIXES)


def accept(task: str, batch: list[Episode]) -> list[bool]:
    """Which episodes of one batch the acceptance rule keeps (see the module docstring)."""
    returns = np.array([e.ret for e in batch])
    median = float(np.median(returns))
    threshold = 0.75 * median if median > 0 else 1.25 * median
    best = returns.max()
    keep = (returns > threshold) | (returns == best)
    if needs_success(task):
        keep &= np.array([e.success == 1.0 for e in batch])
    return keep.tolist()


def run_episode(env, source, seed: int) -> Episode:
    """One episode of `source` (an envs.experts.Expert-like object) in `env`, reset with `seed`."""
    obs, info = source.reset(seed=seed)
    # Copies of what the env returned: a source that edits its input would otherwise edit the rows.
    observations, actions, rewards, values = [obs.copy()], [], [], []
    done, total = False, 0.0
    while not done:
        action = np.asarray(source.act(obs, info), np.float32)
        if getattr(source, "last_value", None) is not None:
            values.append(float(source.last_value))
        obs, reward, _, done, info = env.step(action)
        observations.append(obs.copy())
        actions.append(np.clip(action, -1, 1))
        rewards.append(reward)
        total += reward
    success = float(info["success"])
    return Episode(np.stack(observations), np.stack(actions), np.asarray(rewards, np.float32),
                   np.asarray(values, np.float32) if values else None, seed, total,
                   0.0 if math.isnan(success) else success, float(info["score"]))


def to_rows(episodes: list[Episode]) -> dict[str, torch.Tensor]:
    """Episodes -> the demo row layout (padded obs and actions, NaN action/reward in row 0)."""
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("obs", "action", "reward", "episode", "seed", "terminated")}
    with_value = all(e.value is not None for e in episodes)
    if with_value:
        parts["value"] = []
    for i, e in enumerate(episodes):
        rows = e.obs.shape[0]
        obs = np.zeros((rows, MAX_OBS_DIM), np.float32)
        obs[:, : e.obs.shape[1]] = e.obs
        action = np.zeros((rows, MAX_ACTION_DIM), np.float32)
        action[0] = np.nan
        action[1:, : e.action.shape[1]] = e.action
        reward = np.concatenate([[np.nan], e.reward]).astype(np.float32)
        parts["obs"].append(obs)
        parts["action"].append(action)
        parts["reward"].append(reward)
        parts["episode"].append(np.full(rows, i, np.int64))
        parts["seed"].append(np.full(rows, e.seed, np.int64))
        parts["terminated"].append(np.zeros(rows, bool))
        if with_value:
            parts["value"].append(np.concatenate([[np.nan], e.value]).astype(np.float32))
    return {k: torch.from_numpy(np.concatenate(v)) for k, v in parts.items()}


def generate_task(task: str, source_spec: str, episodes: int, out: str, seed: int = 0, max_tries: int | None = None,
                  force: bool = False) -> TaskReport:
    """Make `<out>/<task>.pt` with `episodes` accepted episodes of the source; returns the report row."""
    import envs
    from newt.demos.sources import make_source

    path = os.path.join(out, f"{task}.pt")
    start = time.time()
    if os.path.exists(path) and not force:
        return TaskReport(task, source_spec, 0, 0, math.nan, written=False, skipped=True)
    max_tries = max_tries or 6 * episodes
    env = envs.make(task, seed=seed)
    kept: list[Episode] = []
    scores: list[float] = []
    tried = 0
    failures: list[str] = []
    try:
        source = make_source(source_spec, task, env)
        next_seed = seed
        while len(kept) < episodes and tried < max_tries:
            size = min(2 * episodes, max_tries - tried)
            batch = []
            for s in range(next_seed, next_seed + size):
                try:
                    batch.append(run_episode(env, source, s))
                except (RuntimeError, ValueError) as e:  # e.g. a motion planner finding no plan
                    failures.append(f"seed {s}: {type(e).__name__}: {e}")
            next_seed += size
            tried += size
            if not batch:
                continue
            scores += [e.score for e in batch]
            kept += [e for e, ok in zip(batch, accept(task, batch)) if ok]
    finally:
        env.close()
    kept = kept[:episodes]
    written = len(kept) == episodes
    if written:
        save_file(to_rows(kept), path)
    mean = float(np.mean([e.score for e in kept])) if kept else float(np.mean(scores)) if scores else math.nan
    return TaskReport(task, source_spec, len(kept), tried, mean, written, seconds=time.time() - start,
                      failed_episodes=len(failures), first_failure=failures[0] if failures else "")


def _work(args: tuple) -> TaskReport:
    from envs.errors import MissingAssetsError

    task = args[0]
    try:
        torch.set_num_threads(1)
        return generate_task(*args)
    except MissingAssetsError as e:
        return TaskReport(task, args[1], 0, 0, math.nan, written=False, unavailable=str(e).split(". ")[0])
    except Exception as e:
        import traceback

        return TaskReport(task, args[1], 0, 0, math.nan, written=False,
                          error=f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=3)}")


def generate(tasks: list[str], source: str, episodes: int, out: str, jobs: int, seed: int = 0,
             max_tries: int | None = None, force: bool = False, progress: bool = True) -> list[TaskReport]:
    """Generate every task's file, `jobs` tasks at a time in spawned processes; reports in task order."""
    from tqdm import tqdm

    for t in tasks:
        if t not in TASKS:
            raise ValueError(f"unknown task {t!r}")
    work = [(t, source, episodes, out, seed, max_tries, force) for t in tasks]
    reports: dict[str, TaskReport] = {}
    bar = tqdm(total=len(work), desc=f"demos ({source})", unit="task", disable=not progress)
    try:
        if jobs <= 1 or len(work) == 1:
            for w in work:
                bar.set_postfix_str(w[0])
                r = _work(w)
                reports[r.task] = r
                bar.update()
        else:
            import multiprocessing as mp

            with mp.get_context("spawn").Pool(min(jobs, len(work)), maxtasksperchild=8) as pool:
                for r in pool.imap_unordered(_work, work):
                    reports[r.task] = r
                    bar.set_postfix_str(r.task)
                    bar.update()
    finally:
        bar.close()
    return [reports[t] for t in tasks if t in reports]


def format_report(reports: list[TaskReport]) -> str:
    """The coverage table: per task, kept / tried, mean score, source, and the total."""
    lines = [f"{'task':34s} {'kept/tried':>10s} {'score':>6s}  {'source':10s} note"]
    for r in reports:
        note = ("exists (skipped; --force remakes it)" if r.skipped else
                "ERROR " + r.error.splitlines()[0] if r.error else
                "unavailable here: " + r.unavailable if r.unavailable else
                f"written ({r.seconds:.0f}s)" if r.written else "too few accepted: no file")
        if r.failed_episodes:
            note += f"; {r.failed_episodes} episode(s) failed, first: {r.first_failure[:80]}"
        score = "" if math.isnan(r.mean_score) else f"{r.mean_score:.3f}"
        lines.append(f"{r.task:34s} {f'{r.kept}/{r.tried}':>10s} {score:>6s}  {r.source:10s} {note}")
    written = sum(r.written for r in reports)
    skipped = sum(r.skipped for r in reports)
    lines.append(f"{written} file(s) written, {skipped} existing kept, "
                 f"{len(reports) - written - skipped} task(s) without a file, of {len(reports)}")
    return "\n".join(lines)


def report_dicts(reports: list[TaskReport]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(r) for r in reports]
