"""Learning benchmark: train single-task on a DMC task and print the eval return at fixed steps.

    python -m bench.learn --task cartpole-balance --steps 100000 [--eval-freq 5000] [--eval-episodes 10]
                          [--device cuda] [--compile] [key=value ...]

`--device` and `--compile` set the config's `device` and `compile` (compile=true needs CUDA: the
update, planning and acting are captured as CUDA graphs). Extra `key=value` arguments are config
overrides, as for train.py. The run writes its logs to
logs/<task>/<seed>/bench-learn/; the table compares the eval returns with TD-MPC2's published
curve (bench/reference/<task>.csv, mean over seeds at the nearest logged step), and prints the
wall time and env steps per second (evaluations included).
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


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", default="cartpole-balance")
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--eval-freq", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--eval-episodes", type=int, default=10, help="evaluation episodes per eval (default 10)")
    parser.add_argument("--device", default=None, help="the config's device: auto (the default), cpu or cuda")
    parser.add_argument("--compile", action="store_true", help="compile=true (CUDA graphs; needs a CUDA device)")
    parser.add_argument("overrides", nargs="*", help="config overrides key=value")
    return parser.parse_args(argv)


def make_config(args: argparse.Namespace):
    """The run's Config from the flags and the key=value overrides; exits naming a bad key or value."""
    import dataclasses

    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    import config as C

    fields = {f.name for f in dataclasses.fields(C.Config)}
    keys = [item.partition("=")[0] for item in args.overrides]
    unknown = [k for k in keys if k not in fields]
    if unknown:
        sys.exit(f"unknown config key(s) {unknown}; accepted: {', '.join(sorted(fields))}")
    flags = {"device": args.device, "compile": True if args.compile else None}
    twice = [k for k, v in flags.items() if v is not None and k in keys]
    if twice:
        sys.exit(f"{twice} given both as a flag and as a key=value override; give each once")
    base = C.Config(task=args.task, steps=args.steps, eval_freq=args.eval_freq, seed=args.seed,
                    eval_episodes=args.eval_episodes, exp_name="bench-learn",
                    **{k: v for k, v in flags.items() if v is not None})
    try:  # typed like train.py's Hydra overrides: Optional[int] fields take ints, lists parse, ...
        cfg = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(base), OmegaConf.from_dotlist(args.overrides)))
        derived = C.derive(cfg)  # the config's own checks (a bad device name, cuda without a GPU, ...)
    except (OmegaConfBaseException, ValueError) as e:
        sys.exit(f"bad option: {e}")
    if cfg.compile and not derived.device.startswith("cuda"):
        sys.exit(f"--compile (compile=true) needs a CUDA device; this run's device is {derived.device!r}")
    return cfg


def main() -> None:
    args = parse_args()

    import torch

    import config as C
    import train

    cfg = make_config(args)
    start = time.time()
    train.run(cfg)
    wall = time.time() - start

    derived = C.derive(cfg)
    with open(os.path.join(derived.run_dir, "eval.csv")) as f:
        rows = list(csv.DictReader(f))
    ref = reference_curve(args.task)
    print(f"\nLearning curve: {args.task}, model {derived.size.name}, batch {derived.batch_size}, "
          f"samples {cfg.num_samples}x{cfg.iterations} iters, {derived.num_envs} envs, utd {derived.utd}")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads; wall {wall / 60:.1f} min, "
          f"{cfg.steps / wall:.2f} env steps/s ({wall / max(cfg.steps, 1):.3f} s per env step), evaluations included")
    print(f"{'step':>8s} {'return':>8s} {'score':>7s}  TD-MPC2 (nearest published step)")
    for row in rows:
        step = int(row["step"])
        near = min(ref, key=lambda s: abs(s - step)) if ref else None
        ref_txt = f"{ref[near]:.1f} @ {near}" if near is not None else "n/a"
        print(f"{step:8d} {float(row['episode_reward']):8.1f} {float(row['episode_score']):7.3f}  {ref_txt}")


if __name__ == "__main__":
    main()
