"""MiniArcade state-only throughput: steps per second of each pygame game on one core.

    python -m bench.miniarcade [--steps 5000] [--tasks pygame-pong ...] [--core 0] [--json]

For every MiniArcade (pygame-domain) task whose game module exists, steps (a) the bare game and (b) the
registered task from `envs.make` (the game inside the MMBench wrapper) with pre-drawn random
actions, never rendering, resetting at the episode length. The process is pinned to one core
(where the OS allows it) and the better of two runs is kept, since the machine may be shared.
Games whose module is not written yet are listed as missing. The target is >= 2000 steps/s.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

TARGET = 2000.0  # steps/s each game must reach state-only on one core


def _rate(env, spec, steps: int, seed: int) -> float:
    actions = np.random.default_rng(seed).uniform(-1, 1, (steps, spec.action_dim)).astype(np.float32)
    best = 0.0
    for _ in range(2):
        env.reset(seed=seed)
        t, start = 0, time.perf_counter()
        for a in actions:
            env.step(a)
            t += 1
            if t == spec.episode_length:
                env.reset()
                t = 0
        best = max(best, steps / (time.perf_counter() - start))
    return best


def main(argv: list[str] | None = None) -> int:
    import envs
    from envs.miniarcade import game_class
    from envs.registry import TASKS, get_task

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", nargs="*", default=None, help="pygame task names (default: every game)")
    parser.add_argument("--steps", type=int, default=5000, help="steps per measurement")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--core", type=int, default=0, help="CPU core to pin to (-1: do not pin)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.core >= 0 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.core})
    games = [n for n, t in TASKS.items() if t.domain == "pygame"]
    names = args.tasks or games
    bad = [n for n in names if n not in games]
    if bad:
        raise SystemExit(f"not MiniArcade tasks: {bad}; accepted: {sorted(games)}")
    rows, missing = [], []
    for name in names:
        spec = get_task(name)
        try:
            cls, params = game_class(spec)
        except ModuleNotFoundError:
            missing.append(name)
            continue
        game = cls(**params)
        task = envs.make(spec, seed=args.seed)
        obs_dim = int(game.reset(seed=args.seed)[0].shape[0])
        rows.append(
            {
                "name": name,
                "obs_dim": obs_dim,
                "game": _rate(game, spec, args.steps, args.seed),
                "task": _rate(task, spec, args.steps, args.seed),
            }
        )
    if args.json:
        print(json.dumps({"rows": rows, "missing": missing, "target": TARGET}))
        return 0
    print(f"{'task':34s} {'obs':>4s} {'game steps/s':>13s} {'task steps/s':>13s}")
    for r in rows:
        flag = "" if r["task"] >= TARGET else f"  below {TARGET:.0f}"
        print(f"{r['name']:34s} {r['obs_dim']:4d} {r['game']:13.0f} {r['task']:13.0f}{flag}")
    if rows:
        print(
            f"{len(rows)} games; mean {np.mean([r['game'] for r in rows]):.0f} (game) / "
            f"{np.mean([r['task'] for r in rows]):.0f} (task) steps/s; "
            f"slowest {min(rows, key=lambda r: r['task'])['name']}"
        )
    if missing:
        print(f"missing game modules: {', '.join(missing)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
