"""The summary table of scripts/gpu_check.sh: python scripts/gpu_summary.py OUT_DIR (markdown on stdout)."""

from __future__ import annotations

import csv
import glob
import json
import os
import re
import sys


def _last_json(path: str) -> dict:
    try:
        with open(path) as f:
            lines = [line for line in f if line.startswith("{")]
        return json.loads(lines[-1]) if lines else {}
    except (OSError, json.JSONDecodeError):
        return {}


def _tail(path: str, pattern: str) -> str:
    try:
        with open(path) as f:
            found = re.findall(pattern, f.read())
        return found[-1] if found else ""
    except OSError:
        return ""


def _train_rate(out: str, exp: str) -> str:
    rows = []
    for path in glob.glob(os.path.join(out, "logs", "*", "*", exp, "eval.csv")):
        with open(path) as f:
            rows += list(csv.DictReader(f))
    if not rows:
        return "no eval.csv"
    last = rows[-1]
    return (f"{int(last['step'])} env steps, {int(float(last['updates']))} updates in {float(last['elapsed_s']):.0f} s "
            f"({int(last['step']) / max(float(last['elapsed_s']), 1e-9):.1f} env steps/s), "
            f"eval reward {float(last['episode_reward']):.1f}")


def main(out: str) -> None:
    device_file = os.path.join(out, "device.txt")
    device = open(device_file).read().strip() if os.path.exists(device_file) else "?"
    steps = []
    if os.path.exists(os.path.join(out, "steps.txt")):
        with open(os.path.join(out, "steps.txt")) as f:
            steps = [line.split() for line in f if line.strip()]
    print(f"# GPU check: {device}\n")
    print("| step | exit | wall s (limit) | result |\n|---|---|---|---|")
    results = {
        "tests": lambda: _tail(os.path.join(out, "tests.log"), r"\d+ (?:passed|failed|skipped)[^\n]*"),
        "bench_eager": lambda: "see below" if _last_json(os.path.join(out, "bench_eager.log")) else "no JSON",
        "bench_compiled": lambda: "see below" if _last_json(os.path.join(out, "bench_compiled.log")) else "no JSON",
        "torchrun": lambda: _train_rate(out, "ddp"),
        "train_compiled": lambda: _train_rate(out, "compiled"),
    }
    for name, rc, wall, limit in steps:
        note = "timed out" if rc == "124" else ""
        print(f"| {name} | {rc} | {wall} ({limit}) | {note or results.get(name, lambda: '')()} |")
    eager, comp = _last_json(os.path.join(out, "bench_eager.log")), _last_json(os.path.join(out, "bench_compiled.log"))
    cases = [c for c in eager if isinstance(eager[c], dict)]
    if cases:
        print("\n| case | update ms eager | update ms compiled | plan ms eager | plan ms compiled |")
        print("|---|---|---|---|---|")
        for c in cases:
            e, k = eager[c], comp.get(c, {})
            print(f"| {c} | {e['update_ms']:.1f} | {k.get('update_ms', float('nan')):.1f} | {e['plan_ms']:.1f} | "
                  f"{k.get('plan_ms', float('nan')):.1f} |")
        print("\nupdate: one model + policy step, batch 256; plan: one MPPI step for 1 env (single task) or "
              "200 envs (soup).")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/gpu_check")
