"""Run logging: a tqdm progress bar and readable eval summaries on the console, CSV files in the
run directory (train.csv, eval.csv), and wandb when enabled (WANDB_MODE=offline needs no network)."""

from __future__ import annotations

import csv
import dataclasses
import math
import os
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

if TYPE_CHECKING:  # config.py lives at the repository root, outside the installed packages
    from config import Config, Derived


class CSVWriter:
    """Appends rows to a CSV file (one open-append-close per row, so a crash loses at most the row
    being written); a new column appearing later rewrites the file once, atomically.

    resume_step: when a run resumes from a checkpoint at this step, rows logged after it (by the
    run that crashed after saving that checkpoint) are dropped, so the resumed run neither
    duplicates nor skips rows."""

    def __init__(self, path: str, resume_step: int | None = None):
        self.path = path
        self.fields: list[str] = []
        if os.path.exists(path):  # resuming: continue the same file
            with open(path, newline="") as f:
                self.fields = next(csv.reader(f), [])
            if resume_step is not None:
                self._drop_rows_after(resume_step)

    def _drop_rows_after(self, step: int) -> None:
        with open(self.path, newline="") as f:
            rows = list(csv.DictReader(f))
        keep = [r for r in rows if not r.get("step") or int(float(r["step"])) <= step]
        if len(keep) != len(rows):
            self._rewrite(keep)

    def _rewrite(self, rows: list[dict[str, Any]]) -> None:
        tmp = self.path + ".tmp"
        with open(tmp, "w", newline="") as f:
            w = csv.DictWriter(f, self.fields)
            w.writeheader()
            w.writerows(rows)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    def write(self, row: dict[str, Any]) -> None:
        new = [k for k in row if k not in self.fields]
        if new:
            rows = []
            if os.path.exists(self.path):
                with open(self.path, newline="") as f:
                    rows = list(csv.DictReader(f))
            self.fields += new
            self._rewrite(rows)
        with open(self.path, "a", newline="") as f:
            csv.DictWriter(f, self.fields).writerow(row)


class Logger:
    def __init__(self, cfg: Config, derived: Derived, total_steps: int, initial_step: int = 0):
        self.run_dir = derived.run_dir
        os.makedirs(self.run_dir, exist_ok=True)
        resume_step = initial_step if initial_step > 0 else None
        self.csv = {k: CSVWriter(os.path.join(self.run_dir, f"{k}.csv"), resume_step)
                    for k in ("pretrain", "train", "eval", "eval_tasks")}
        self.bar = tqdm(total=total_steps, initial=initial_step, unit="step", dynamic_ncols=True,
                        desc=f"{derived.task_label} s{cfg.seed}")
        self.wandb = None
        if cfg.enable_wandb:
            import wandb

            self.wandb = wandb.init(
                project=cfg.wandb_project, entity=cfg.wandb_entity, dir=self.run_dir,
                name=f"{derived.task_label}-{cfg.seed}-{cfg.exp_name}", config=dataclasses.asdict(cfg),
                resume="allow")
            # Each kind has its own x-axis: env steps, or pretraining updates (which come first and
            # would otherwise make wandb drop the online rows logged at smaller step numbers).
            self.wandb.define_metric("env_step")
            self.wandb.define_metric("pretrain_update")
            for kind in ("train", "eval"):
                self.wandb.define_metric(f"{kind}/*", step_metric="env_step")
            self.wandb.define_metric("pretrain/*", step_metric="pretrain_update")

    def phase_bar(self, name: str, total: int) -> tqdm:
        """A second progress bar for a phase before training (demo pretraining), in updates."""
        return tqdm(total=total, unit="update", dynamic_ncols=True, desc=name, leave=False)

    def advance(self, steps: int, postfix: dict[str, float] | None = None) -> None:
        self.bar.update(steps)
        if postfix:
            self.bar.set_postfix({k: f"{v:.3g}" for k, v in postfix.items()}, refresh=False)

    def eval_progress(self, done: int, total: int) -> None:
        """Show an evaluation's progress (env steps of the longest episode) on the bar."""
        self.bar.set_postfix_str(f"eval {done}/{total}", refresh=done == total or done % 10 == 0)

    def log(self, kind: str, step: int, metrics: dict[str, float]) -> None:
        row = {"step": step, **metrics}
        self.csv[kind].write(row)
        if self.wandb is not None and kind != "eval_tasks":
            axis = "pretrain_update" if kind == "pretrain" else "env_step"
            numbers = {f"{kind}/{k}": v for k, v in metrics.items() if isinstance(v, (int, float))}
            self.wandb.log({axis: step, **numbers})

    def eval_summary(self, step: int, per_task: dict[str, dict[str, float]], overall: dict[str, float]) -> None:
        lines = [f"eval @ {step:,} steps: reward {overall['episode_reward']:.1f}  "
                 f"score {overall['episode_score']:.3f}  success {_fmt(overall['episode_success'])}"]
        if len(per_task) > 1:
            for name, m in per_task.items():
                lines.append(f"    {name:34s} reward {m['episode_reward']:8.1f}  score {m['episode_score']:.3f}"
                             f"  success {_fmt(m['episode_success'])}")
        self.bar.write("\n".join(lines))

    def close(self) -> None:
        self.bar.close()
        if self.wandb is not None:
            self.wandb.finish()


class NullLogger:
    """The logger of a torchrun rank other than 0: rank 0 alone writes CSVs, wandb and the bar."""

    class _Quiet:
        def write(self, *_args, **_kwargs) -> None:
            pass

    bar = _Quiet()

    def phase_bar(self, name: str, total: int) -> tqdm:
        return tqdm(total=total, disable=True)

    def advance(self, steps: int, postfix: dict[str, float] | None = None) -> None:
        pass

    def eval_progress(self, done: int, total: int) -> None:
        pass

    def log(self, kind: str, step: int, metrics: dict[str, float]) -> None:
        pass

    def eval_summary(self, step: int, per_task: dict[str, dict[str, float]], overall: dict[str, float]) -> None:
        pass

    def close(self) -> None:
        pass


def _fmt(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:.2f}"
