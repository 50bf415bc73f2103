"""obs=rgb costs: rendering frames, encoding them with DINOv2, and one vector step with both.

    python -m bench.rgb [--domains dmcontrol pygame ...] [--frames 10] [--batches 1,8,21] [--encode-repeats 1]
                        [--tasks dmcontrol] [--state-steps 100] [--rgb-steps 3] [--workers W] [--threads 1] [--json]

Reports
  (a) render: frames/s of `env.render()` (224x224x3 uint8) for one task per domain (the first of
      its task set), in this process, one thread (OMP/MKL/OpenBLAS and Mesa's llvmpipe limited to 1
      unless already set); only render() is timed, a random step between two renders is not.
      Domains that cannot be made here are skipped and listed.
  (b) encode: features/s of `newt.vision.FrameEncoder("random")` (DINOv2-base, random weights: the
      same compute as the real one) on CPU with --threads torch threads, at each batch size of
      --batches (and on CUDA when available); the time of --encode-repeats calls after one warm-up.
  (c) vector step: ms per vector step of `MultitaskEnv(--tasks)` (the pool, W workers: default one
      per core) state-only, against the same with render_frames=True plus the encoding of the
      step's frames (CPU, --threads), measured in the same run; the rgb step is split into stepping
      and rendering (the pool's step) and encoding, and the ratio rgb / state is printed.
Medians over the timed calls. The machine's load is printed at the start and at the end: other
processes on shared cores change every number. With --json one JSON object is printed last:
{"render_fps": {domain: ...}, "encode_fps": {"cpu": {batch: ...}, "cuda": ...}, "vector": {...},
"skipped": {...}, "machine": {...}}.
"""

from __future__ import annotations

import os

# Before anything loads a GL or BLAS library: headless rendering, one thread (see (a)).
os.environ.setdefault("MUJOCO_GL", "egl")
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "LP_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import envs  # noqa: E402
from bench.envs import machine  # noqa: E402
from envs.multitask import FRAME_SHAPE, MultitaskEnv  # noqa: E402
from envs.registry import MAX_ACTION_DIM, TASK_SETS, get_task, resolve_tasks  # noqa: E402

DOMAINS = ("dmcontrol", "dmcontrol-ext", "metaworld", "mujoco", "box2d", "pygame", "atari", "ogbench", "robodesk",
           "maniskill")


def render_rate(task: str, frames: int, seed: int = 0) -> float:
    """Frames/s of one task's render() in this process (its steps are not timed)."""
    env = envs.make(task, seed=seed, render_mode="rgb_array")
    try:
        env.reset(seed=seed)
        frame = env.render()  # the first render sets up the renderer: not timed
        if frame.shape != FRAME_SHAPE[1:] + FRAME_SHAPE[:1] or frame.dtype != np.uint8:
            raise ValueError(f"{task} renders {frame.shape} {frame.dtype}, not 224x224x3 uint8")
        times = []
        for _ in range(frames):
            env.step(env.action_space.sample())
            t0 = time.perf_counter()
            env.render()
            times.append(time.perf_counter() - t0)
    finally:
        env.close()
    return 1.0 / statistics.median(times)


def _sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def encode_rates(encoder, batches: list[int], repeats: int, device: str) -> dict[int, float]:
    """Features/s of `encoder` at each batch size: median of `repeats` calls after one warm-up call."""
    rates = {}
    gen = torch.Generator().manual_seed(0)
    encoder.encode(torch.randint(0, 256, (1, *FRAME_SHAPE), dtype=torch.uint8, generator=gen))  # warm-up
    _sync(device)
    for b in batches:
        frames = torch.randint(0, 256, (b, *FRAME_SHAPE), dtype=torch.uint8, generator=gen)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            encoder.encode(frames)
            _sync(device)
            times.append(time.perf_counter() - t0)
        rates[b] = b / statistics.median(times)
    return rates


def vector_step_ms(tasks: list[str], steps: int, workers: int | None, seed: int, encoder=None) -> dict[str, float]:
    """Median ms per vector step of a MultitaskEnv over `tasks`: state-only, or (with `encoder`) with
    render_frames=True and each step's frames encoded; one untimed step first."""
    dims = np.array([get_task(t).action_dim for t in tasks])
    rng = np.random.default_rng(seed)
    acts = rng.uniform(-1, 1, (steps + 1, len(tasks), MAX_ACTION_DIM)).astype(np.float32)
    acts[:, np.arange(MAX_ACTION_DIM)[None, :] >= dims[:, None]] = 0.0
    step_t, enc_t = [], []
    with MultitaskEnv(tasks, seed=seed, num_workers=workers, render_frames=encoder is not None) as env:
        env.reset()
        for t, a in enumerate(acts):
            t0 = time.perf_counter()
            r = env.step(a)
            t1 = time.perf_counter()
            if encoder is not None:
                encoder.encode(torch.from_numpy(r.frames))
            t2 = time.perf_counter()
            if t:  # the first step is a warm-up
                step_t.append(t1 - t0)
                enc_t.append(t2 - t1)
        used = env.num_workers
    step_ms, enc_ms = 1e3 * statistics.median(step_t), 1e3 * statistics.median(enc_t)
    out = {"step_ms": step_ms, "total_ms": step_ms + enc_ms, "workers": used, "steps": steps}
    if encoder is not None:
        out["encode_ms"] = enc_ms
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--domains", nargs="+", default=list(DOMAINS),
                   help=f"domains for (a), space- or comma-separated (default: all of {', '.join(DOMAINS)}); "
                        "'none' skips (a)")
    p.add_argument("--frames", type=int, default=10, help="(a): timed renders per domain")
    p.add_argument("--batches", default="1,8,21", help="(b): comma-separated batch sizes; 'none' skips (b)")
    p.add_argument("--encode-repeats", type=int, default=1, help="(b): timed calls per batch size on CPU")
    p.add_argument("--tasks", default="dmcontrol", help="(c): task set or comma-separated tasks; 'none' skips (c)")
    p.add_argument("--state-steps", type=int, default=100, help="(c): timed state-only vector steps")
    p.add_argument("--rgb-steps", type=int, default=3, help="(c): timed vector steps with frames and encoding")
    p.add_argument("--workers", type=int, default=None, help="(c): pool workers (default: one per core)")
    p.add_argument("--threads", type=int, default=1, help="torch threads for encoding on CPU")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print one JSON object last")
    args = p.parse_args(argv)
    if min(args.frames, args.encode_repeats, args.state_steps, args.rgb_steps, args.threads) < 1:
        p.error("--frames, --encode-repeats, --state-steps, --rgb-steps and --threads must be >= 1")
    domains = [d for part in args.domains for d in part.split(",") if d and d != "none"]
    unknown = [d for d in domains if d not in TASK_SETS]
    if unknown:
        p.error(f"unknown domains {unknown}; accepted: {', '.join(DOMAINS)}")
    batches = [] if args.batches == "none" else [int(b) for b in args.batches.split(",")]
    tasks = [] if args.tasks == "none" else [t for part in args.tasks.split(",") for t in resolve_tasks(part.strip())]
    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore", message="vision_model=random")

    log = sys.stderr if args.json else sys.stdout
    info = machine()
    print(f"machine: {info['cpu']}, {info['cores']} cores ({info['usable_cores']} usable), load {info['loadavg']}; "
          f"torch threads {args.threads}, MUJOCO_GL={os.environ['MUJOCO_GL']}, "
          f"LP_NUM_THREADS={os.environ['LP_NUM_THREADS']}", file=log)
    res: dict = {"render_fps": {}, "encode_fps": {}, "vector": {}, "skipped": {}, "machine": info}

    # (a) rendering, one task per domain, in this process.
    if domains:
        print(f"\n(a) render, in-process, 1 thread, median of {args.frames} frames", file=log)
        print(f"{'domain':14s} {'task':28s} {'frames/s':>9s} {'ms/frame':>9s}", file=log)
    for d in domains:
        task = TASK_SETS[d][0]
        reason = envs.unavailable_reason(task)
        try:
            if reason is not None:
                raise RuntimeError(reason)
            fps = render_rate(task, args.frames, args.seed)
        except Exception as e:  # a domain that cannot be made or render here: listed, not fatal
            res["skipped"][d] = f"{task}: {type(e).__name__}: {str(e).splitlines()[0][:160]}"
            print(f"{d:14s} {task:28s} skipped ({res['skipped'][d]})", file=log)
            continue
        res["render_fps"][d] = round(fps, 1)
        print(f"{d:14s} {task:28s} {fps:9.1f} {1e3 / fps:9.2f}", file=log)

    # (b) DINOv2 features/s.
    encoder = None
    if batches or tasks:
        from newt.vision import FrameEncoder

        encoder = FrameEncoder("random", device="cpu")
    if batches:
        devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
        print(f"\n(b) DINOv2-base encode (FrameEncoder('random')), features/s; CPU: {args.threads} thread(s), "
              f"median of {args.encode_repeats} call(s) per batch size" + ("; CUDA: median of 10" if
                                                                            "cuda" in devices else ""), file=log)
        print(f"{'device':8s} " + " ".join(f"{'batch ' + str(b):>10s}" for b in batches), file=log)
        for device in devices:
            enc = encoder if device == "cpu" else FrameEncoder("random", device=device)
            rates = encode_rates(enc, batches, args.encode_repeats if device == "cpu" else 10, device)
            res["encode_fps"][device] = {b: round(r, 2) for b, r in rates.items()}
            print(f"{device:8s} " + " ".join(f"{r:10.2f}" for r in rates.values()), file=log)

    # (c) one vector step, state-only against frames + encoding, in the same run.
    if tasks:
        state = vector_step_ms(tasks, args.state_steps, args.workers, args.seed)
        rgb = vector_step_ms(tasks, args.rgb_steps, args.workers, args.seed, encoder)
        ratio = rgb["total_ms"] / state["total_ms"]
        res["vector"] = {"tasks": args.tasks, "num_tasks": len(tasks), "workers": state["workers"],
                         "state_ms": round(state["total_ms"], 2), "rgb_step_ms": round(rgb["step_ms"], 1),
                         "rgb_encode_ms": round(rgb["encode_ms"], 1), "rgb_ms": round(rgb["total_ms"], 1),
                         "ratio": round(ratio, 1)}
        v = res["vector"]
        print(f"\n(c) one vector step of {args.tasks} ({len(tasks)} tasks, pool of {v['workers']} workers; "
              f"encoding on CPU, {args.threads} thread(s)); median ms per vector step", file=log)
        print(f"state-only ({args.state_steps} steps)                        {v['state_ms']:10.2f} ms", file=log)
        print(f"render_frames=True + encode ({args.rgb_steps} steps)           {v['rgb_ms']:10.1f} ms  "
              f"(step + render {v['rgb_step_ms']:.1f}, encode {v['rgb_encode_ms']:.1f})", file=log)
        print(f"ratio rgb / state                                     {ratio:10.1f} x", file=log)

    res["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    print(f"\nload average at end {res['machine']['loadavg_end']}", file=log)
    if args.json:
        print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
