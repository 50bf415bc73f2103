"""Evaluation: run eval-mode episodes in every slot of a task pool, then summarise and report.

Training (newt/trainer.py) and the evaluation tool (eval.py) both call `evaluate`, so a score in
eval.csv and a score in an eval.py report come from the same code. The report writers produce a
per-task CSV, a markdown table (per task, per domain, and the benchmark's weighted score: the mean
of the per-domain means), a bar plot of the domain scores and, on request, one MP4 per task.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

METRICS = ("episode_reward", "episode_score", "episode_success")


@dataclass
class EvalResult:
    """Per-task means over the evaluated episodes, and the summary over tasks."""

    per_task: dict[str, dict[str, float]]
    overall: dict[str, float]
    per_domain: dict[str, float] = field(default_factory=dict)  # mean episode_score per domain
    frames: dict[str, list[np.ndarray]] = field(default_factory=dict)  # task -> frames of its first slot


def evaluate(agent, env, task_index: Mapping[str, int], mpc: bool | None = None,
             record: bool = False, progress: Callable[[int, int], None] | None = None,
             constraint: float = 0.0) -> EvalResult:
    """One eval-mode episode in every slot of `env` (a MultitaskEnv), all slots stepped together.

    task_index maps a task name to the model's task index. mpc=None follows the agent's config;
    False acts with the policy's mean action (cheap on CPU for hundreds of envs). record=True keeps
    the rendered frames of the first slot of each task. progress(steps_done, steps_total), if given,
    is called after every vector step (steps of the longest episode; the progress bar). constraint
    is the constrained-planning weight
    (the original evaluates with the weight of the current training step).
    """
    obs = env.reset()
    n = env.num_envs
    task = torch.tensor([task_index[t] for t in env.tasks])
    returns, running = np.zeros(n), np.zeros(n)
    success, score = np.full(n, np.nan), np.full(n, np.nan)
    finished = np.zeros(n, bool)
    first = torch.ones(n, dtype=torch.bool)
    recorded = {t: env.tasks.index(t) for t in dict.fromkeys(env.tasks)} if record else {}
    frames: dict[str, list[np.ndarray]] = {t: [env.render(i)] for t, i in recorded.items()}
    total, done_steps = int(env.episode_lengths.max()), 0
    while not finished.all():
        action = agent.act(torch.from_numpy(obs), task, eval_mode=True, first_step=first, mpc=mpc,
                           constraint=constraint)
        res = env.step(action.numpy())
        running[res.restarted] = 0.0  # a worker fault dropped these slots' episodes: they start over
        running += res.reward
        newly = res.done & ~finished
        returns[newly], success[newly], score[newly] = running[newly], res.success[newly], res.score[newly]
        for t, i in recorded.items():
            if not finished[i]:
                frames[t].append(env.render(i))
        finished |= res.done
        running[res.done] = 0.0
        first = torch.from_numpy(res.done | res.restarted)
        obs = res.obs
        done_steps += 1
        if progress is not None:
            progress(done_steps, total)
    per_task: dict[str, dict[str, float]] = {}
    for t in dict.fromkeys(env.tasks):
        idx = [i for i, name in enumerate(env.tasks) if name == t]
        per_task[t] = {"episode_reward": float(returns[idx].mean()),
                       "episode_score": float(score[idx].mean()),
                       "episode_success": nanmean(success[idx])}
    return summarise(per_task, frames)


def summarise(per_task: dict[str, dict[str, float]], frames: dict | None = None) -> EvalResult:
    """The summary over tasks (means, per-domain scores, the weighted score) of per-task results; also
    how rank 0 combines the per-task results gathered from every rank under torchrun."""
    from envs.registry import TASKS

    overall = {k: nanmean([m[k] for m in per_task.values()]) for k in METRICS}
    per_domain = domain_scores(per_task, {t: TASKS[t].domain for t in per_task})
    if len(per_task) > 1:
        overall["weighted_score"] = float(np.mean(list(per_domain.values())))
    return EvalResult(per_task, overall, per_domain, frames or {})


def domain_scores(per_task: Mapping[str, Mapping[str, float]], domain_of: Mapping[str, str]) -> dict[str, float]:
    """Mean episode_score of each domain's tasks, in order of first appearance."""
    by_domain: dict[str, list[float]] = {}
    for t, m in per_task.items():
        by_domain.setdefault(domain_of[t], []).append(m["episode_score"])
    return {d: float(np.mean(v)) for d, v in by_domain.items()}


def nanmean(values) -> float:
    arr = np.asarray(values, dtype=np.float64)
    return math.nan if arr.size == 0 or np.isnan(arr).all() else float(np.nanmean(arr))


# --- reports ---------------------------------------------------------------------------------------
def write_report(result: EvalResult, out_dir: str, title: str, episodes: int, fps: int = 30) -> dict[str, str]:
    """Write tasks.csv, report.md, domains.png and (if frames were recorded) videos/<task>.mp4 into
    out_dir; returns the paths written, by kind. Each file is written to a temporary name first, so
    an interrupted run never leaves a half-written report under the final name."""
    os.makedirs(out_dir, exist_ok=True)
    paths = {"csv": os.path.join(out_dir, "tasks.csv"), "markdown": os.path.join(out_dir, "report.md"),
             "plot": os.path.join(out_dir, "domains.png")}
    _write_csv(result, paths["csv"])
    _atomic_text(paths["markdown"], markdown_table(result, title, episodes))
    _bar_plot(result.per_domain, paths["plot"], title)
    for task, frames in result.frames.items():
        paths[f"video:{task}"] = write_video(frames, os.path.join(out_dir, "videos", f"{task}.mp4"), fps)
    return paths


def markdown_table(result: EvalResult, title: str, episodes: int) -> str:
    from envs.registry import TASKS

    lines = [f"# {title}", "", f"{len(result.per_task)} task(s), {episodes} episode(s) each.", ""]
    if "weighted_score" in result.overall:
        lines += [f"**Weighted score** (mean of the per-domain mean scores): "
                  f"{result.overall['weighted_score']:.3f}", ""]
    lines += ["| domain | tasks | mean score |", "|---|---|---|"]
    counts: dict[str, int] = {}
    for t in result.per_task:
        counts[TASKS[t].domain] = counts.get(TASKS[t].domain, 0) + 1
    lines += [f"| {d} | {counts[d]} | {s:.3f} |" for d, s in result.per_domain.items()]
    lines += ["", "| task | domain | reward | score | success |", "|---|---|---|---|---|"]
    for t, m in result.per_task.items():
        lines.append(f"| {t} | {TASKS[t].domain} | {m['episode_reward']:.1f} | {m['episode_score']:.3f} | "
                     f"{_fmt(m['episode_success'])} |")
    return "\n".join(lines) + "\n"


def write_video(frames: Sequence[np.ndarray], path: str, fps: int = 30) -> str:
    import imageio.v2 as imageio

    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path[:-4] + ".partial.mp4"  # imageio picks the writer from the extension
    with imageio.get_writer(tmp, fps=fps, macro_block_size=1) as writer:
        for frame in frames:
            writer.append_data(np.asarray(frame, dtype=np.uint8))
    os.replace(tmp, path)
    return path


def _write_csv(result: EvalResult, path: str) -> None:
    from envs.registry import TASKS

    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["task", "domain", *METRICS])
        for t, m in result.per_task.items():
            writer.writerow([t, TASKS[t].domain, *(m[k] for k in METRICS)])
    os.replace(tmp, path)


def _bar_plot(per_domain: Mapping[str, float], path: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")  # headless: no display needed
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(max(4.0, 0.8 * len(per_domain) + 1.5), 3.5))
    ax.bar(list(per_domain), list(per_domain.values()), color="#4c72b0")
    ax.set_ylim(0, 1)
    ax.set_ylabel("mean score")
    ax.set_title(title)
    ax.tick_params(axis="x", rotation=45)
    fig.tight_layout()
    tmp = path[:-4] + ".partial.png"
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    os.replace(tmp, path)


def _atomic_text(path: str, text: str) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def _fmt(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:.2f}"
