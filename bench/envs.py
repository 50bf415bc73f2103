"""Env throughput: our worker pool against gymnasium's one-process-per-env vector env.

    python -m bench.envs [--tasks SET_OR_TASKS] [--steps N] [--rounds R] [--workers W] [--json]

Measures task-steps per second (one agent step of one task = one task-step) of
  (a) pool:   `envs.multitask.MultitaskEnv` with W worker processes (default: one per core);
  (b) async:  gymnasium `AsyncVectorEnv`, one process per task, each env wrapped to the same padded
              128-D obs / 16-D action interface, same-step auto-reset, same actions;
  (c) raw:    each task's env stepped alone in this process (one task after the other), no IPC:
              the summed single-env rate is (all task-steps) / (all their stepping time), what one
              core does; "raw x W" scales it to the W cores the pool uses (the ideal);
  (d) inproc: `MultitaskEnv(num_workers=0)`: the tasks stepped in turn in this process, which
              separates the cost of the IPC from that of switching between tasks every step.
Besides wall-clock rates it reports task-steps per CPU-second (user + system time of every
process involved), which does not depend on how much of a shared machine the run gets.
Each round runs the configurations in a rotated order and the median over rounds is reported.
Tasks that cannot be made (missing assets, domain not installed) are skipped and listed. With
--json one JSON object is printed last.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import statistics
import sys
import time

import gymnasium as gym
import numpy as np

import envs
from envs.multitask import MultitaskEnv, available_cores
from envs.registry import MAX_ACTION_DIM, MAX_OBS_DIM, get_task, resolve_tasks

BASELINES_MAX_TASKS = 64  # above this, a process per task (and a 2nd in-process copy) needs too much memory


class PaddedTask(gym.Wrapper):
    """One task behind the multitask interface: obs zero-padded to 128, first action_dim of 16 used."""

    def __init__(self, env: gym.Env, action_dim: int):
        super().__init__(env)
        self._action_dim = action_dim
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (MAX_OBS_DIM,), np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (MAX_ACTION_DIM,), np.float32)

    @staticmethod
    def _pad(obs: np.ndarray) -> np.ndarray:
        out = np.zeros(MAX_OBS_DIM, np.float32)
        out[: obs.shape[0]] = obs
        return out

    def reset(self, **kwargs):
        obs, info = self.env.reset(**kwargs)
        return self._pad(obs), info

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action[: self._action_dim])
        # Keep only what every task reports, so the vector env can batch the infos.
        return self._pad(obs), reward, terminated, truncated, {"success": info["success"], "score": info["score"]}


def make_padded(task: str, seed: int) -> gym.Env:
    spec = get_task(task)
    return PaddedTask(envs.make(spec, seed=seed), spec.action_dim)


def machine() -> dict:
    model = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            model = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), model)
    except OSError:
        pass
    return {"cpu": model, "cores": os.cpu_count(), "usable_cores": available_cores(),
            "loadavg": [round(x, 2) for x in os.getloadavg()]}


def rss_mb(pids: list[int]) -> float:
    """Summed resident memory of these processes (psutil if installed, else /proc)."""
    try:
        import psutil
    except ImportError:
        total = 0
        for pid in pids:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        return total / 2**20
    return sum(psutil.Process(pid).memory_info().rss for pid in pids) / 2**20


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time used so far by these processes."""
    try:
        import psutil
    except ImportError:
        tick, total = os.sysconf("SC_CLK_TCK"), 0.0
        for pid in pids:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        return total
    return sum(sum(psutil.Process(pid).cpu_times()[:2]) for pid in pids)


def raw_pass(tasks: list[str], actions: np.ndarray, seed: int, skipped: dict[str, str]) -> tuple[float, float, dict]:
    """Step each task alone in this process; returns (task-steps/s over all, task-steps per CPU
    second, per-task us/step). Tasks that fail to make or step are added to `skipped`."""
    total_steps, total_time, total_cpu, per_task = 0, 0.0, 0.0, {}
    for i, task in enumerate(tasks):
        if task in skipped:
            continue
        spec = get_task(task)
        dim = spec.action_dim
        try:
            env = envs.make(spec, seed=seed + i)
            env.reset(seed=seed + i)
            start, cpu = time.perf_counter(), time.process_time()
            for a in actions[:, i, :dim]:
                _, _, _, truncated, _ = env.step(a)
                if truncated:
                    env.reset()
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
            env.close()
        except Exception as e:  # a task that cannot run is reported, not fatal
            skipped[task] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:160]
            continue
        total_steps += len(actions)
        total_time += elapsed
        total_cpu += cpu
        per_task[task] = elapsed / len(actions) * 1e6
    return total_steps / max(total_time, 1e-9), total_steps / max(total_cpu, 1e-9), per_task


def vec_pass(step, actions: np.ndarray, pids: list[int], base_mb: float) -> tuple[float, float, float]:
    """Step a vector env with `actions`; returns (task-steps/s, task-steps per CPU second of this
    process and `pids`, peak summed RSS of `pids` plus `base_mb`, its share of this process)."""
    cpu = cpu_seconds([os.getpid(), *pids])
    peak = rss_mb(pids)
    start = time.perf_counter()
    for t, a in enumerate(actions):
        step(a)
        if t % 200 == 199:
            peak = max(peak, rss_mb(pids))
    elapsed = time.perf_counter() - start
    n = actions.shape[0] * actions.shape[1]
    return n / elapsed, n / max(cpu_seconds([os.getpid(), *pids]) - cpu, 1e-9), max(peak, rss_mb(pids)) + base_mb


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tasks", default="dmcontrol", help="task set or comma-separated tasks/sets")
    p.add_argument("--steps", type=int, default=1000, help="vector steps per measurement")
    p.add_argument("--rounds", type=int, default=3, help="measurement rounds (median reported)")
    p.add_argument("--workers", type=int, default=None, help="pool workers (default: one per core)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-baselines", action="store_true", help="skip the in-process and AsyncVectorEnv runs")
    p.add_argument("--json", action="store_true", help="print one JSON object last")
    args = p.parse_args(argv)
    if args.steps < 1 or args.rounds < 1:
        p.error(f"--steps {args.steps} and --rounds {args.rounds} must both be >= 1")

    requested = [t for part in args.tasks.split(",") for t in resolve_tasks(part.strip())]
    rng = np.random.default_rng(args.seed)
    act_dims = np.array([get_task(t).action_dim for t in requested])
    all_actions = rng.uniform(-1, 1, (args.steps, len(requested), MAX_ACTION_DIM)).astype(np.float32)
    all_actions[:, np.arange(MAX_ACTION_DIM)[None, :] >= act_dims[:, None]] = 0.0
    info = machine()
    log = sys.stderr if args.json else sys.stdout
    print(f"machine: {info['cpu']}, {info['cores']} cores ({info['usable_cores']} usable), "
          f"load {info['loadavg']}", file=log)

    # Round 0's raw pass doubles as the probe: what fails there is skipped everywhere.
    skipped: dict[str, str] = {}
    raw_rates, raw_eff = [], []
    rate, eff, per_task = raw_pass(requested, all_actions, args.seed, skipped)
    raw_rates.append(rate)
    raw_eff.append(eff)
    keep = [i for i, t in enumerate(requested) if t not in skipped]
    if not keep:
        print(f"no task could be made: {skipped}", file=log)
        return 1
    tasks = [requested[i] for i in keep]
    actions = all_actions[:, keep]
    if skipped:
        print(f"skipped {len(skipped)} tasks that cannot be made here:", file=log)
        for t, why in skipped.items():
            print(f"  {t}: {why}", file=log)
    print(f"{len(tasks)} tasks, {args.steps} vector steps per measurement, {args.rounds} rounds", file=log)

    # Every vector env stays alive through all rounds: name -> (step, child pids, start-up s,
    # this process's share of the RSS in MB: its size with the pool only, plus what inproc adds).
    vecs: dict[str, tuple] = {}
    start = time.perf_counter()
    pool = MultitaskEnv(tasks, seed=args.seed, num_workers=args.workers)
    pool_start_s = time.perf_counter() - start
    pool.reset()
    main_mb = rss_mb([os.getpid()])
    vecs["pool"] = (pool.step, pool.worker_pids, pool_start_s, main_mb)
    baselines = not args.no_baselines and len(tasks) <= BASELINES_MAX_TASKS
    if baselines:
        start = time.perf_counter()
        inproc = MultitaskEnv(tasks, seed=args.seed, num_workers=0)
        inproc_start_s = time.perf_counter() - start
        inproc.reset()
        vecs["inproc"] = (inproc.step, [], inproc_start_s, rss_mb([os.getpid()]))
        start = time.perf_counter()
        vec = gym.vector.AsyncVectorEnv(
            [functools.partial(make_padded, t, args.seed + i) for i, t in enumerate(tasks)],
            context="forkserver", autoreset_mode=gym.vector.AutoresetMode.SAME_STEP)
        vecs["async"] = (vec.step, [proc.pid for proc in vec.processes], time.perf_counter() - start, main_mb)
        vec.reset(seed=[args.seed + i for i in range(len(tasks))])

    got = {name: {"rate": [], "eff": [], "rss": []} for name in ["raw", *vecs]}
    got["raw"]["rate"], got["raw"]["eff"] = raw_rates, raw_eff
    passes = list(got)
    for r in range(args.rounds):
        for what in passes[r % len(passes):] + passes[: r % len(passes)]:  # rotated order
            if what == "raw":
                if r > 0:  # round 0's raw pass ran above
                    rate, eff, _ = raw_pass(tasks, actions, args.seed, skipped)
                    raw_rates.append(rate)
                    raw_eff.append(eff)
                continue
            step, pids, _, base_mb = vecs[what]
            rate, eff, rss = vec_pass(step, actions, pids, base_mb)
            got[what]["rate"].append(rate)
            got[what]["eff"].append(eff)
            got[what]["rss"].append(rss)
        print(f"round {r}: " + "  ".join(f"{k} {v['rate'][-1]:.0f}" for k, v in got.items()) + " task-steps/s",
              file=log)
    busy = pool.busy_time
    loads = [float(sum(busy[i] for i in g)) for g in pool.worker_slots] or [float(busy.sum())]
    workers = pool.num_workers
    pool.close()
    if baselines:
        inproc.close()
        vec.close()

    med = {k: {m: (statistics.median(v[m]) if v[m] else None) for m in ("rate", "eff")} for k, v in got.items()}
    res = {
        "tasks": len(tasks), "skipped": skipped, "num_workers": workers, "steps": args.steps,
        "rounds": args.rounds,
        "pool_steps_per_s": med["pool"]["rate"],
        "async_steps_per_s": med["async"]["rate"] if baselines else None,
        "inproc_steps_per_s": med["inproc"]["rate"] if baselines else None,
        "raw_steps_per_s": med["raw"]["rate"], "raw_scaled_steps_per_s": med["raw"]["rate"] * workers,
        "steps_per_cpu_s": {k: v["eff"] for k, v in med.items()},
        "rss_mb": max(got["pool"]["rss"]),
        "rss_mb_baselines": {k: max(got[k]["rss"]) for k in ("inproc", "async")} if baselines else None,
        "start_s": {k: round(v[2], 2) for k, v in vecs.items()},
        "worker_load_balance": min(loads) / max(max(loads), 1e-9),
        "rates": {k: v["rate"] for k, v in got.items()}, "machine": info,
        "raw_us_per_step": {t: round(us, 1) for t, us in per_task.items()},
    }
    res["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]

    names = {"pool": f"pool ({workers} workers)", "inproc": "in-process (num_workers=0)",
             "async": f"AsyncVectorEnv ({len(tasks)} procs)", "raw": "raw single env, 1 core"}
    rows = [(names[k], med[k]["rate"], med[k]["eff"], f"{max(got[k]['rss']):.0f}" if got[k]["rss"] else "",
             f"{vecs[k][2]:.1f}" if k in vecs else "") for k in ("pool", "inproc", "async", "raw") if k in got]
    rows.append((f"raw x {workers} cores (ideal)", med["raw"]["rate"] * workers, None, "", ""))
    pool_rate, pool_cpu = med["pool"]["rate"], med["pool"]["eff"]
    print(f"\n{'config':32s} {'task-steps/s':>12s} {'pool / it':>9s} {'per CPU-s':>9s} {'pool / it':>9s} "
          f"{'RSS MB':>7s} {'start s':>7s}", file=log)
    for name, rate, eff, rss, st in rows:
        effs = f"{eff:9.0f} {pool_cpu / eff:9.2f}" if eff else f"{'':9s} {'':9s}"
        print(f"{name:32s} {rate:12.0f} {pool_rate / rate:9.2f} {effs} {rss:>7s} {st:>7s}", file=log)
    print(f"worker load balance (min/max busy time): {res['worker_load_balance']:.2f}; "
          f"load average at end {res['machine']['loadavg_end']}", file=log)
    if not baselines and not args.no_baselines:
        print(f"in-process and AsyncVectorEnv baselines skipped: {len(tasks)} tasks > {BASELINES_MAX_TASKS} "
              "(one process per task would not fit in memory here)", file=log)
    if args.json:
        print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
