"""Measure scripted experts: last-step success and score per task over seeds.

    python scripts/expert_rates.py metaworld --seeds 10 [--jobs 2] [--json out.json]
    python scripts/expert_rates.py mw-reach,mw-push --variant stock   # Meta-World without the hold rule

Prints one line per task: success at the last step, ever-success, mean score, mean return.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def measure(args: tuple[str, int, str]) -> dict:
    task, seeds, variant = args
    import numpy as np

    import envs
    from envs.errors import MissingAssetsError
    from envs.experts import make_expert

    try:
        env = envs.make(task, seed=0)
    except MissingAssetsError as e:
        return {"task": task, "unavailable": str(e).split(". ")[0]}
    if variant == "stock":
        from envs.experts.metaworld import MetaWorldExpert

        expert = MetaWorldExpert(task, env, hold=False)
    else:
        expert = make_expert(task, env)
    last, ever, score, ret = [], [], [], []
    try:
        for seed in range(seeds):
            obs, info = expert.reset(seed=seed)
            done, total, hit = False, 0.0, 0.0
            while not done:
                obs, reward, _, done, info = env.step(expert.act(obs, info))
                total += reward
                hit = max(hit, np.nan_to_num(info["success"]))
            last.append(np.nan_to_num(info["success"]))
            ever.append(hit)
            score.append(info["score"])
            ret.append(total)
    finally:
        env.close()
    return {"task": task, "last": float(np.mean(last)), "ever": float(np.mean(ever)),
            "score": float(np.mean(score)), "ret": float(np.mean(ret)), "seeds": seeds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tasks", help="a task, a task set or a comma-separated list")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--variant", default="expert", choices=("expert", "stock"))
    parser.add_argument("--json")
    args = parser.parse_args()
    from envs.experts import EXPERTS
    from envs.registry import resolve_tasks

    tasks = [t for part in args.tasks.split(",") for t in resolve_tasks(part) if t in EXPERTS]
    jobs = [(t, args.seeds, args.variant) for t in tasks]
    if args.jobs > 1:
        with mp.get_context("spawn").Pool(args.jobs) as pool:
            rows = list(pool.imap(measure, jobs))
    else:
        rows = [measure(j) for j in jobs]
    for r in [r for r in rows if "unavailable" in r]:
        print(f"{r['task']:32s} unavailable: {r['unavailable']}")
    rows = [r for r in rows if "unavailable" not in r]
    for r in rows:
        print(f"{r['task']:32s} last {r['last']:.2f}  ever {r['ever']:.2f}  score {r['score']:.3f}  "
              f"return {r['ret']:.1f}", flush=True)
    full = sum(r["last"] == 1.0 for r in rows)
    n = max(len(rows), 1)
    print(f"{len(rows)} tasks; last-step success on every seed: {full}; mean last-step success "
          f"{sum(r['last'] for r in rows) / n:.3f}; mean score {sum(r['score'] for r in rows) / n:.3f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
