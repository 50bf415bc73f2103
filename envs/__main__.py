"""Command line for MMBench: `python -m envs {list,check,embed,...}`.

    python -m envs list [SET] [--json]
    python -m envs check <task|set>... [--episodes N] [--json] [--strict]
    python -m envs embed [--check] [--output PATH]   (runs with HF_HUB_OFFLINE=1 unless set)
    python -m envs play <pygame task> | record <task> --out FILE.gif|mp4   (see envs/play.py)
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import traceback

import numpy as np

from envs.embeddings import add_embed_args, cmd_embed
from envs.errors import MissingAssetsError
from envs.play import add_parsers as add_play_parsers
from envs.registry import TASK_SETS, TASKS, get_task, resolve_tasks


def cmd_list(args: argparse.Namespace) -> int:
    names = resolve_tasks(args.set) if args.set else tuple(TASKS)
    rows = [
        dict(name=n, domain=TASKS[n].domain, action_dim=TASKS[n].action_dim,
             episode_length=TASKS[n].episode_length, instruction=TASKS[n].instruction)
        for n in names
    ]
    if args.json:
        print(json.dumps(rows))
        return 0
    for r in rows:
        print(f"{r['name']:36s} {r['domain']:14s} act={r['action_dim']:<3d} len={r['episode_length']:<5d} "
              f"{r['instruction']}")
    print(f"{len(rows)} tasks")
    return 0


def check_task(name: str, episodes: int, seed: int = 0) -> dict:
    """Make a task, run random episodes, and report what was seen (or why it failed)."""
    import envs
    from envs.wrappers import success_of

    spec = get_task(name)
    row = dict(name=name, ok=False, obs_dim=None, action_dim=spec.action_dim, steps=0,
               **{"return": math.nan}, success=math.nan, score=math.nan, steps_per_s=math.nan, error=None)
    env = None
    try:
        env = envs.make(spec, seed=seed)
        rng = np.random.default_rng(seed)
        returns, steps, elapsed = [], 0, 0.0
        for ep in range(episodes):
            obs, info = env.reset(seed=seed + ep)
            row["obs_dim"] = int(obs.shape[0])
            ep_return, ep_steps, truncated = 0.0, 0, False
            start = time.perf_counter()
            while not truncated:
                obs, reward, terminated, truncated, info = env.step(
                    rng.uniform(-1, 1, spec.action_dim).astype(np.float32))
                ep_return += reward
                ep_steps += 1
                if terminated:
                    raise RuntimeError("episode terminated; MMBench tasks never terminate")
                if not np.all(np.isfinite(obs)):
                    raise RuntimeError(f"non-finite observation at step {ep_steps}")
            elapsed += time.perf_counter() - start
            if ep_steps != spec.episode_length:
                raise RuntimeError(f"episode ran {ep_steps} steps, registered length is {spec.episode_length}")
            if not 0.0 <= info["score"] <= 1.0:
                raise RuntimeError(f"score {info['score']} outside [0, 1]")
            if spec.obs_dim is not None and row["obs_dim"] != spec.obs_dim:
                raise RuntimeError(f"obs dim {row['obs_dim']}, registered {spec.obs_dim}")
            returns.append(ep_return)
            steps += ep_steps
        row.update(ok=True, steps=steps, success=success_of(info), score=float(info["score"]),
                   steps_per_s=steps / max(elapsed, 1e-9), **{"return": float(np.mean(returns))})
    except MissingAssetsError as e:
        row["error"] = f"missing assets: {e}"
    except Exception as e:  # report every failure per task; the exit status says it failed
        row["error"] = f"{type(e).__name__}: {e}"
        if not isinstance(e, (RuntimeError, ValueError, ImportError)):
            row["error"] += "\n" + traceback.format_exc(limit=3)
    finally:
        if env is not None:
            env.close()
    return row


def cmd_check(args: argparse.Namespace) -> int:
    names: list[str] = []
    for target in args.targets:
        names += [n for n in resolve_tasks(target) if n not in names]
    rows = []
    for name in names:
        row = check_task(name, args.episodes, args.seed)
        rows.append(row)
        if not args.json:
            status = "ok " if row["ok"] else "ERR"
            print(f"{status} {name:36s} obs={row['obs_dim']} act={row['action_dim']} steps={row['steps']} "
                  f"return={row['return']:.2f} success={row['success']} score={row['score']:.3f} "
                  f"steps/s={row['steps_per_s']:.0f}" + (f"  error: {row['error']}" if row["error"] else ""),
                  flush=True)
    failed = [r for r in rows if not r["ok"]]
    hard = [r for r in failed if args.strict or not (r["error"] or "").startswith("missing assets")]
    if args.json:
        print(json.dumps(rows))
    else:
        by_domain: dict[str, list[float]] = {}
        for r in rows:
            if r["ok"]:
                by_domain.setdefault(TASKS[r["name"]].domain, []).append(r["steps_per_s"])
        print(f"\n{len(rows) - len(failed)}/{len(rows)} tasks ok")
        for domain, rates in by_domain.items():
            print(f"  {domain:14s} {len(rates):3d} tasks, mean {np.mean(rates):8.0f} steps/s")
        for r in failed:
            print(f"  FAILED {r['name']}: {r['error']}")
    return 1 if hard else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m envs", description="MMBench task tools")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("list", help="list tasks of a task set (default: every registered task)")
    p.add_argument("set", nargs="?", default=None, help=f"a task set: {', '.join(TASK_SETS)}")
    p.add_argument("--json", action="store_true")
    p.set_defaults(fn=cmd_list)
    p = sub.add_parser("check", help="make tasks and run random episodes")
    p.add_argument("targets", nargs="+", help="task names or task sets")
    p.add_argument("--episodes", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    p.add_argument("--strict", action="store_true", help="also fail on tasks with missing assets")
    p.set_defaults(fn=cmd_check)
    p = sub.add_parser("embed", help="regenerate the task text embeddings (envs/task_embeddings.npz)")
    add_embed_args(p)
    p.set_defaults(fn=cmd_embed)
    add_play_parsers(sub)
    args = parser.parse_args(argv)
    try:
        return args.fn(args)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
