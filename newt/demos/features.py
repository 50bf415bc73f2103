"""Add image features (`feat`) to demo files by replaying their episodes (obs=rgb).

A demo file stores states and actions, not frames. To give it the `feat` key that obs=rgb trains on,
each episode is replayed: the task is reset with the episode's stored `seed`, stepped with its stored
actions, and the 224x224 frame of every row's state is rendered and encoded with the frozen DINOv2
encoder (newt/vision.py), exactly as the env pool and `RgbEnv` do online.

Frames of a trajectory other than the stored one would be wrong features, silently. So every replayed
state is compared with the stored one, and a file whose replay drifts by more than `atol` anywhere is
left as it was; the report names the episode, the row and the error. `replay_only=True` runs this
comparison alone (no rendering, no encoding): that is how to find out whether a domain replays
deterministically on a machine before paying for the encoder (docs/demos.md has the table).

Files are rewritten atomically (newt.demos.save_file), with every key they had plus `feat`.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass

import numpy as np
import torch

from newt.demos.format import save_file, task_of
from newt.vision import FEATURE_DIM

DEFAULT_ATOL = 1e-3  # largest |replayed - stored| state entry accepted; a faithful replay gives 0


class ReplayMismatch(RuntimeError):
    """A replayed episode left the stored trajectory: its frames would not be the stored states'."""


@dataclass
class FeatureReport:
    """One file's outcome."""

    task: str
    episodes: int = 0
    rows: int = 0
    max_error: float = math.nan  # largest |replayed - stored| state entry over the file's episodes
    written: bool = False
    skipped: str = ""  # why nothing was done (e.g. it has `feat` already)
    error: str = ""  # why the file was refused
    seconds: float = 0.0


def replay_episode(env, seed: int, actions: np.ndarray, render: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """Reset `env` with `seed` and step it with `actions` [L, action_dim]: the L+1 states (unpadded)
    and, with `render`, the L+1 frames [L+1, 3, 224, 224] uint8 (frame i shows state i)."""
    from envs.multitask import render_frame

    obs, _ = env.reset(seed=int(seed))
    states = [obs]
    frames = [render_frame(env, env.task.name)] if render else None
    for action in actions:
        obs, *_ = env.step(action)
        states.append(obs)
        if render:
            frames.append(render_frame(env, env.task.name))
    return np.stack(states), (np.stack(frames) if render else None)


def add_features(path: str, encoder=None, out: str | None = None, atol: float = DEFAULT_ATOL,
                 force: bool = False, replay_only: bool = False, progress=None) -> FeatureReport:
    """Replay the episodes of the demo file `path` and write it again with `feat` [N, 768].

    encoder: a FrameEncoder-like object (`encode(uint8 [B, 3, 224, 224]) -> [B, D]`); unused with
        `replay_only`.
    out: the folder to write to (default: the file's own, in place).
    atol: the largest state difference accepted between the replay and the file.
    force: re-encode a file that has `feat` already.
    replay_only: compare the replayed states and report the largest difference; render nothing, encode
        nothing and write nothing.
    progress: called with the number of rows just replayed (a progress bar's update).
    """
    import envs
    from newt.demos import DemoCheckError, episodes, load_demo

    start = time.time()
    task = task_of(path)
    report = FeatureReport(task)
    try:
        rows = load_demo(path)  # validated: contiguous episodes of the registry's length, finite actions
    except DemoCheckError as e:
        report.error = f"fails validation: {e}"
        return report
    bounds = episodes(rows)
    report.episodes, report.rows = len(bounds), int(rows["obs"].shape[0])
    if "feat" in rows and not (force or replay_only):
        report.skipped = "has feat already (--force re-encodes it)"
        return report
    if "seed" not in rows:
        report.error = ("has no `seed` key, so its episodes cannot be reset as they were recorded "
                        "(the original dataset's files come with `feat` already)")
        return report
    if not replay_only and encoder is None:
        raise ValueError("add_features needs an encoder unless replay_only=True")

    env = envs.make(task, seed=0, render_mode=None if replay_only else "rgb_array")
    spec = env.task
    feats: list[torch.Tensor] = []
    worst = 0.0
    try:
        for k, (first, end) in enumerate(bounds):
            actions = rows["action"][first + 1:end, : spec.action_dim].numpy()
            states, frames = replay_episode(env, int(rows["seed"][first]), actions, render=not replay_only)
            stored = rows["obs"][first:end, : states.shape[1]].numpy()
            error = np.abs(states - stored).max(axis=1)
            worst = max(worst, float(error.max()))
            if not replay_only and error.max() > atol:
                bad = int(np.argmax(error > atol))
                raise ReplayMismatch(
                    f"episode {k} (seed {int(rows['seed'][first])}) left the stored trajectory at its row {bad}: "
                    f"|replayed - stored| = {error[bad]:.3g} > atol {atol:g}; this task does not replay "
                    "deterministically here, so its frames cannot be recovered from the actions")
            if frames is not None:
                feats.append(encoder.encode(torch.from_numpy(frames)).float().cpu())
            if progress is not None:
                progress(end - first)
    except ReplayMismatch as e:
        report.error = str(e)
    finally:
        env.close()
    report.max_error = worst
    report.seconds = time.time() - start
    if replay_only or report.error:
        return report
    rows["feat"] = torch.cat(feats)
    if tuple(rows["feat"].shape) != (report.rows, FEATURE_DIM):  # never write a file the validator rejects
        raise ValueError(f"the encoder gave features of shape {tuple(rows['feat'].shape)}, "
                         f"expected ({report.rows}, {FEATURE_DIM}) (DINOv2-base's CLS token)")
    save_file(rows, os.path.join(out or os.path.dirname(os.path.abspath(path)), f"{task}.pt"))
    report.written = True
    report.seconds = time.time() - start
    return report


def format_reports(reports: list[FeatureReport], replay_only: bool = False) -> str:
    """The table printed at the end of `python -m newt.demos features`."""
    lines = [f"{'task':34s} {'episodes':>8s} {'rows':>7s} {'max |replay - stored|':>22s} {'seconds':>8s}  result"]
    for r in reports:
        result = (r.error and f"REFUSED: {r.error}") or r.skipped or ("replays" if replay_only else "written")
        if replay_only and not r.error and r.max_error > DEFAULT_ATOL:
            result = f"drifts (above {DEFAULT_ATOL:g})"
        lines.append(f"{r.task:34s} {r.episodes:8d} {r.rows:7d} {r.max_error:22.3g} {r.seconds:8.1f}  {result}")
    return "\n".join(lines)
