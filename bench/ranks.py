"""Throughput of a torchrun run against one process on the same task set, on CPU (gloo).

    python -m bench.ranks [--ranks 2] [--steps 2400] [--rounds 1] [--json]

Both runs train the same config from scratch (model S, the tasks below, utd 0.5 so that updates
matter, evaluation with the policy alone): one process with `--ranks` threads, then `torchrun
--nproc_per_node=<ranks>` with one thread per rank, so both use the same cores. Reported from each
run's eval.csv: env steps per second and updates per second over the whole run (seeding included)
and over the online part (after seeding), medians over rounds. The machine's load is printed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TASKS = "[mw-reach,mw-push,mw-door-open,mw-drawer-open]"


def _run(ranks: int, threads: int, steps: int, seed_steps: int, log_dir: str) -> dict:
    common = [f"task={TASKS}", "model_size=S", "num_workers=0", "use_demos=false", "device=cpu", "utd=0.5",
              "batch_size=256", f"steps={steps}", f"seed_steps={seed_steps}", f"eval_freq={seed_steps}",
              "eval_episodes=1", "eval_mpc=false", f"log_dir={log_dir}", f"exp_name=r{ranks}"]
    if ranks == 1:
        cmd = [sys.executable, "train.py", *common]
    else:
        torchrun = shutil.which("torchrun")
        if torchrun is None:
            raise SystemExit("torchrun (installed with torch) is not on PATH")
        cmd = [torchrun, "--standalone", f"--nproc_per_node={ranks}", "train.py", *common]
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"run with {ranks} rank(s) failed:\n{proc.stderr[-3000:]}")
    path = next(p for p in (os.path.join(d, "eval.csv") for d, _, f in os.walk(log_dir) if "eval.csv" in f)
                if f"r{ranks}" in p)
    with open(path) as f:
        rows = {int(r["step"]): r for r in csv.DictReader(f)}
    first, last = rows[min(rows)], rows[max(rows)]
    online_s = float(last["elapsed_s"]) - float(first["elapsed_s"])
    online_steps = int(last["step"]) - int(first["step"])
    return {"env_steps_per_s": int(last["step"]) / float(last["elapsed_s"]),
            "updates_per_s": float(last["updates"]) / float(last["elapsed_s"]),
            "online_env_steps_per_s": online_steps / online_s,
            "online_updates_per_s": (float(last["updates"]) - float(first["updates"])) / online_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--steps", type=int, default=2400)
    parser.add_argument("--seed-steps", type=int, default=800)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    results: dict[str, list[dict]] = {"1 process": [], f"{args.ranks} ranks": []}
    for r in range(args.rounds):
        order = [1, args.ranks] if r % 2 == 0 else [args.ranks, 1]
        for ranks in order:
            with tempfile.TemporaryDirectory() as tmp:
                res = _run(ranks, args.ranks if ranks == 1 else 1, args.steps, args.seed_steps, tmp)
            results["1 process" if ranks == 1 else f"{args.ranks} ranks"].append(res)
            print(f"round {r + 1}, {ranks} rank(s): {res}", flush=True)
    med = {k: {m: statistics.median(x[m] for x in v) for m in v[0]} for k, v in results.items()}
    print(f"\nload average now {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{'':10} {'env steps/s':>12} {'updates/s':>10} {'online env steps/s':>19} {'online updates/s':>17}")
    for k, m in med.items():
        print(f"{k:10} {m['env_steps_per_s']:12.1f} {m['updates_per_s']:10.2f} {m['online_env_steps_per_s']:19.1f} "
              f"{m['online_updates_per_s']:17.2f}")
    if args.json:
        print(json.dumps(med))


if __name__ == "__main__":
    main()
