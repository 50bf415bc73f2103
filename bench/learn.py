"""Learning benchmark: train single-task on a DMC task and print the eval return at fixed steps.

    python -m bench.learn --task cartpole-balance --steps 100000 [--eval-freq 5000] [--eval-episodes 10] [key=value ...]

Extra `key=value` arguments are config overrides, as for train.py. The run writes its logs to
logs/<task>/<seed>/bench-learn/; the table compares the eval returns with TD-MPC2's published
curve (bench/reference/<task>.csv, mean over seeds at the nearest logged step).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import sys
import time
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))


def reference_curve(task: str) -> dict[int, float]:
    path = os.path.join(HERE, "reference", f"{task}.csv")
    if not os.path.exists(path):
        return {}
    by_step = defaultdict(list)
    with open(path) as f:
        for row in csv.DictReader(f):
            by_step[int(float(row["step"]))].append(float(row["reward"]))
    return {s: sum(v) / len(v) for s, v in sorted(by_step.items())}


def _parse(value: str, default):
    """A command-line value, typed as the option's default (options whose default is null take null,
    a bool, an int, a float or a string)."""
    if default is None:
        if value.lower() in ("null", "none"):
            return None
        if value.lower() in ("true", "false"):
            return value.lower() == "true"
        for kind in (int, float):
            try:
                return kind(value)
            except ValueError:
                pass
        return value
    kind = type(default)
    return value if kind is str else (value.lower() == "true" if kind is bool else kind(value))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", default="cartpole-balance")
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--eval-freq", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--eval-episodes", type=int, default=10, help="evaluation episodes per eval (default 10)")
    parser.add_argument("overrides", nargs="*", help="config overrides key=value")
    args = parser.parse_args()

    import dataclasses

    import torch

    import config as C
    import train

    fields = {f.name: f for f in dataclasses.fields(C.Config)}
    overrides = {}
    for item in args.overrides:
        key, _, value = item.partition("=")
        if key not in fields:
            sys.exit(f"unknown config key {key!r}; accepted: {', '.join(fields)}")
        overrides[key] = _parse(value, getattr(C.Config(), key))
    cfg = C.Config(task=args.task, steps=args.steps, eval_freq=args.eval_freq, seed=args.seed,
                   eval_episodes=args.eval_episodes,
                   exp_name="bench-learn", **overrides)
    start = time.time()
    train.run(cfg)
    wall = time.time() - start

    derived = C.derive(cfg)
    with open(os.path.join(derived.run_dir, "eval.csv")) as f:
        rows = list(csv.DictReader(f))
    ref = reference_curve(args.task)
    print(f"\nLearning curve: {args.task}, model {derived.size.name}, batch {cfg.batch_size}, "
          f"samples {cfg.num_samples}x{cfg.iterations} iters, {derived.num_envs} envs, utd {derived.utd}")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads; wall {wall / 60:.1f} min, "
          f"{wall / max(cfg.steps, 1):.3f} s per env step")
    print(f"{'step':>8s} {'return':>8s} {'score':>7s}  TD-MPC2 (nearest published step)")
    for row in rows:
        step = int(row["step"])
        near = min(ref, key=lambda s: abs(s - step)) if ref else None
        ref_txt = f"{ref[near]:.1f} @ {near}" if near is not None else "n/a"
        print(f"{step:8d} {float(row['episode_reward']):8.1f} {float(row['episode_score']):7.3f}  {ref_txt}")


if __name__ == "__main__":
    main()
