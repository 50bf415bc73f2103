"""Agent compute benchmark: ms per update and per planned step, achieved GFLOP/s vs matmul peak.

    python -m bench.agent [--json] [--repeats 5] [--threads N] [--soup-envs 200]
    python -m bench.agent --vs-original /tmp/orig [--rounds 3] [--cases S,B,S-soup] [--json]

Cases: model S and B single-task (1 env, batch 256) and S multitask on the 200-task soup
(one env per task, batch 256). Each case is timed twice in the same run, interleaved: the agent
as it runs (fast paths on) and the straightforward reference computation
(`WorldModel.set_fast(False)`: PyTorch's softmax/Mish, the task embedding concatenated to every
input, every sample's full first layers). The FLOP count is analytic, of the straightforward
computation (2 * in * out per Linear per row; an update counts its backward as 2x the forward),
so the fast path's GFLOP/s is the useful work rate. The matmul peak is an fp32 2048^3 matmul
measured in the same run. Medians over --repeats; the machine's load is printed, because other
processes on shared cores change every number.
`--json` prints one JSON object last: {"S": {"update_ms", "plan_ms"}, "B": {...},
"S-soup": {...}, "peak_gflops": ...} (the fast path's figures).

`--vs-original DIR` times the public Newt agent instead of our reference path: DIR holds the
original code and the anchor script, prepared as ../shared/anchors/README.md says (tdmpc2/ and
tasks.json extracted, the CUDA device lines patched, original_newt_agent.py copied in). Each round
times ours in this process and the original in a subprocess with the same thread count, the order
alternating between rounds; the medians over rounds and the ratio original / ours are printed
(`--json`: {case: {update_ms, plan_ms, original_update_ms, original_plan_ms}}).
"""

from __future__ import annotations

import argparse
import copy
import itertools
import json
import os
import statistics
import time

import torch

import config as C
from newt.agent import Agent
from newt.buffer import Batch

# The original design's figures on these machines (2 cores, torch CPU), quoted in the Speed issue.
ORIGINAL = {"S": (92.0, 141.0), "B": (258.0, 320.0), "S-soup": (119.0, 55_000.0)}
CASES = {"S": ("walker-walk", "S"), "B": ("walker-walk", "B"), "L": ("walker-walk", "L"), "S-soup": ("soup", "S"),
         "L-soup": ("soup", "L")}


# --- analytic FLOPs ------------------------------------------------------------------------------
def _mlp_flops(dims: list[int]) -> int:
    """FLOPs per row of an MLP with these layer widths: 2 * in * out per Linear."""
    return sum(2 * a * b for a, b in itertools.pairwise(dims))


def component_flops(cfg: C.Config, d: C.Derived) -> dict[str, int]:
    z, a, t, h = d.size.latent_dim, d.action_dim, d.task_dim, d.size.mlp_dim
    return {
        "enc": _mlp_flops([d.obs_dim + t] + [d.size.enc_dim] * (d.size.num_enc_layers - 1) + [z]),
        "dyn": _mlp_flops([z + a + t, h, h, z]),
        "rew": _mlp_flops([z + a + t, h, h, cfg.num_bins]),
        "pi": _mlp_flops([z + t, h, h, 2 * a]),
        "q": _mlp_flops([z + a + t, h, h, cfg.num_bins]),  # per member
    }


def plan_flops(cfg: C.Config, d: C.Derived, num_envs: int) -> int:
    f, h = component_flops(cfg, d), cfg.horizon
    per_env = (f["enc"] + cfg.num_pi_trajs * (h * f["pi"] + (h - 1) * f["dyn"])
               + cfg.iterations * cfg.num_samples * (h * (f["rew"] + f["dyn"]) + f["pi"] + 2 * f["q"]))
    return num_envs * per_env


def update_flops(cfg: C.Config, d: C.Derived, batch: int) -> int:
    f, h = component_flops(cfg, d), cfg.horizon
    rows = h * batch
    with_grad = batch * f["enc"] + rows * (f["dyn"] + f["rew"] + d.size.num_q * f["q"])  # model step
    with_grad += rows * (f["pi"] + 2 * f["q"])  # policy step
    no_grad = rows * (f["enc"] + f["pi"] + 2 * f["q"])  # targets
    return 3 * with_grad + no_grad


# --- timing --------------------------------------------------------------------------------------
def matmul_peak_gflops(repeats: int = 5) -> float:
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    a @ b
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t0)
    return 2 * 2048**3 / min(times) / 1e9


DEVICE = "cpu"  # --device: where the agents of every case live
COMPILE = False  # --compile (CUDA only): the compile=true path


def _ms(fn) -> float:
    if DEVICE == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    fn()
    if DEVICE == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - t0) * 1e3


def build(name: str) -> tuple[Agent, C.Config, C.Derived, str]:
    task, size = CASES[name]
    cfg = C.Config(task=task, model_size=size, batch_size=256, device=DEVICE, compile=COMPILE)
    d = C.derive(cfg)
    emb, note = None, ""
    if d.task_dim:
        from envs.embeddings import StaleEmbeddingsError, load_task_embeddings

        try:
            emb = torch.as_tensor(load_task_embeddings(d.tasks)).float()
        except StaleEmbeddingsError as e:  # a missing/stale file: the benchmark only needs the shapes
            emb = torch.randn(len(d.tasks), d.task_dim, generator=torch.Generator().manual_seed(0))
            note = f"random {d.task_dim}-D task embeddings ({type(e).__name__}: {e})"
    torch.manual_seed(0)
    return Agent(cfg, d, emb), cfg, d, note


def random_batch(d: C.Derived, batch_size: int, horizon: int) -> Batch:
    gen = torch.Generator().manual_seed(0)
    task = torch.randint(0, len(d.tasks), (batch_size,), generator=gen)
    return Batch(obs=torch.randn(horizon + 1, batch_size, d.obs_dim, generator=gen),
                 action=torch.rand(horizon, batch_size, d.action_dim, generator=gen) * 2 - 1,
                 reward=torch.rand(horizon, batch_size, 1, generator=gen), task=task)


def bench_case(name: str, repeats: int, soup_envs: int, reference: bool = True, bf16: bool = False) -> dict:
    fast, cfg, d, note = build(name)
    ref = copy.deepcopy(fast) if reference else None
    if ref is not None:
        ref.model.set_fast(False)
    low = copy.deepcopy(fast) if bf16 else None  # the same agent with precision=bf16
    if low is not None:
        low.matmul_dtype = torch.bfloat16
    n = soup_envs if d.multitask else 1
    obs = torch.randn(n, d.obs_dim)
    task = torch.arange(n) % len(d.tasks)
    batch = random_batch(d, cfg.batch_size, cfg.horizon)
    # A multitask planning step is long (tens of seconds for the reference): fewer repeats.
    plan_repeats = max(1, repeats // 3) if n > 20 else repeats
    times: dict[str, list[float]] = {k: [] for k in ("plan", "plan_ref", "plan_bf16", "update", "update_ref",
                                                      "update_bf16")}
    agents = {"": fast, "_ref": ref, "_bf16": low}
    agents = {k: a for k, a in agents.items() if a is not None}
    for agent in agents.values():  # warm-up (allocator, first-call costs, kernel compiles)
        agent.update(batch)
        agent.act(obs[:8], task[:8])  # at most 8 envs: the soup's full plan is too long to repeat
        agent.act(obs[:8], task[:8])
    for _ in range(repeats):  # interleaved, so load changes hit all alike
        for suffix, agent in agents.items():
            times["update" + suffix].append(_ms(lambda agent=agent: agent.update(batch)))
    for _ in range(plan_repeats):
        for suffix, agent in agents.items():
            times["plan" + suffix].append(_ms(lambda agent=agent: agent.act(obs, task)))
    med = {k: statistics.median(v) if v else float("nan") for k, v in times.items()}
    return {"envs": n, "note": note, **med,
            "plan_gflop": plan_flops(cfg, d, n) / 1e9, "update_gflop": update_flops(cfg, d, cfg.batch_size) / 1e9}


def original_case(anchor_dir: str, name: str, repeats: int) -> dict:
    """The public Newt agent's update and plan times for a case, from the anchor script."""
    import subprocess
    import sys

    script = os.path.join(anchor_dir, "original_newt_agent.py")
    env = {**os.environ, "OMP_NUM_THREADS": str(torch.get_num_threads())}
    proc = subprocess.run([sys.executable, script, name, str(repeats)], capture_output=True, text=True, env=env,
                          timeout=3600)
    if proc.returncode != 0:
        raise RuntimeError(f"the original's anchor failed for {name}:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def vs_original(anchor_dir: str, cases: list[str], rounds: int, repeats: int, soup_envs: int,
                bf16: bool = False) -> dict:
    """Ours (fp32, and with `bf16` also precision=bf16) and the original, interleaved per round."""
    keys = ("update_ms", "plan_ms", "original_update_ms", "original_plan_ms") + (
        ("update_bf16_ms", "plan_bf16_ms") if bf16 else ())
    times = {c: {k: [] for k in keys} for c in cases}
    for r in range(rounds):
        for name in cases:
            order = ("ours", "original") if r % 2 == 0 else ("original", "ours")
            for who in order:
                if who == "ours":
                    res = bench_case(name, repeats, soup_envs, reference=False, bf16=bf16)
                    times[name]["update_ms"].append(res["update"])
                    times[name]["plan_ms"].append(res["plan"])
                    if bf16:
                        times[name]["update_bf16_ms"].append(res["update_bf16"])
                        times[name]["plan_bf16_ms"].append(res["plan_bf16"])
                else:
                    res = original_case(anchor_dir, name, repeats)
                    times[name]["original_update_ms"].append(res["update_ms"])
                    times[name]["original_plan_ms"].append(res["plan_ms"])
            t = {k: v[-1] for k, v in times[name].items()}
            print(f"round {r + 1} {name}: ours update {t['update_ms']:.1f} ms plan {t['plan_ms']:.1f} ms; "
                  f"original update {t['original_update_ms']:.1f} ms plan {t['original_plan_ms']:.1f} ms", flush=True)
    return {c: {k: statistics.median(v) for k, v in t.items()} for c, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per measurement (median)")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    parser.add_argument("--soup-envs", type=int, default=200, help="envs planned for at once in S-soup")
    parser.add_argument("--cases", default="S,B,S-soup", help=f"comma-separated subset of {','.join(CASES)}")
    parser.add_argument("--vs-original", metavar="DIR", default=None,
                        help="time the public Newt agent from DIR (see ../shared/anchors/README.md) against ours")
    parser.add_argument("--rounds", type=int, default=3, help="--vs-original: interleaved rounds (median)")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"), help="where to run the agents")
    parser.add_argument("--compile", action="store_true",
                        help="the compile=true path (CUDA graphs; needs --device cuda): updates/s and plans/s")
    parser.add_argument("--bf16", action="store_true",
                        help="also time the agent with precision=bf16 (bf16 matmuls), interleaved in the same run")
    args = parser.parse_args()
    global DEVICE, COMPILE
    if args.compile and args.device != "cuda":
        parser.error("--compile needs --device cuda (compile=true is the CUDA-graph path)")
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: no CUDA device is visible to torch here")
    DEVICE, COMPILE = args.device, args.compile
    if args.threads:
        torch.set_num_threads(args.threads)
    cases = [c for c in args.cases.split(",") if c]
    bad = [c for c in cases if c not in CASES]
    if bad:
        parser.error(f"unknown case(s) {bad}; accepted: {', '.join(CASES)}")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    if args.vs_original:
        if not os.path.isfile(os.path.join(args.vs_original, "original_newt_agent.py")):
            parser.error(f"--vs-original {args.vs_original!r} has no original_newt_agent.py: prepare it as "
                         f"../shared/anchors/README.md says (extract, patch the device lines, copy the script in)")
        res = vs_original(args.vs_original, cases, args.rounds, args.repeats, args.soup_envs, bf16=args.bf16)
        print(f"\nmedians over {args.rounds} rounds, load average now "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print(f"{'case':8} {'what':7} {'ours ms':>10} {'original ms':>12} {'original/ours':>13}")
        for name, r in res.items():
            for what in ("update", "plan"):
                ours, orig = r[f"{what}_ms"], r[f"original_{what}_ms"]
                print(f"{name:8} {what:7} {ours:10.1f} {orig:12.1f} {orig / ours:12.2f}x")
                if args.bf16:
                    low = r[f"{what}_bf16_ms"]
                    print(f"{name:8} {what + '16':7} {low:10.1f} {orig:12.1f} {orig / low:12.2f}x  "
                          "(ours at precision=bf16)")
        if args.json:
            print(json.dumps(res))
        return
    peak = matmul_peak_gflops()
    results = {}
    for name in cases:
        # compile=true agents are not deep-copied: no reference path beside them
        results[name] = r = bench_case(name, args.repeats, args.soup_envs, reference=not args.compile,
                                       bf16=args.bf16 and not args.compile)
        if r["note"]:
            print(f"{name}: {r['note']}")
    peak = max(peak, matmul_peak_gflops())  # measured again after the cases: the better of the two
    print(f"matmul peak (fp32 2048^3): {peak:.0f} GFLOP/s\n")
    head = (f"{'case':8} {'what':7} {'GFLOP':>7} {'ref ms':>9} {'fast ms':>9} {'speed-up':>8} "
            f"{'GFLOP/s':>8} {'% peak':>6} {'original ms':>11} {'vs orig':>7}")
    print(head)
    print("-" * len(head))
    for name, r in results.items():
        for what, key in (("update", "update"), ("plan", "plan")):
            fast_ms, ref_ms, gflop = r[key], r[key + "_ref"], r[key + "_gflop"]
            orig = ORIGINAL[name][0 if what == "update" else 1]
            rate = gflop / (fast_ms / 1e3)
            print(f"{name:8} {what:7} {gflop:7.2f} {ref_ms:9.1f} {fast_ms:9.1f} {ref_ms / fast_ms:7.2f}x "
                  f"{rate:8.1f} {100 * rate / peak:5.1f}% {orig:11.0f} {orig / fast_ms:6.2f}x")
    print(f"\nthroughput on {DEVICE}{' (compile=true)' if COMPILE else ''}:")
    for name, r in results.items():
        print(f"  {name:8} {1e3 / r['update']:8.1f} updates/s (batch 256)   {1e3 / r['plan'] * r['envs']:8.1f} "
              f"planned env steps/s ({r['envs']} env(s) per plan)")
    if args.bf16 and not args.compile:
        print(f"\n{'case':8} {'what':7} {'fp32 ms':>9} {'bf16 ms':>9} {'fp32/bf16':>9}   (precision=bf16)")
        for name, r in results.items():
            for what in ("update", "plan"):
                print(f"{name:8} {what:7} {r[what]:9.1f} {r[what + '_bf16']:9.1f} {r[what] / r[what + '_bf16']:8.2f}x")
    print("\nplan: one planned action for all the case's envs (1, or --soup-envs for S-soup); update: one "
          "model + policy step, batch 256. 'original ms': the original design's figures from the Speed "
          "issue (same kind of machine, not this run).")
    if args.json:
        out = {name: {"update_ms": r["update"], "plan_ms": r["plan"], "update_ref_ms": r["update_ref"],
                      "plan_ref_ms": r["plan_ref"],
                      **({"update_bf16_ms": r["update_bf16"], "plan_bf16_ms": r["plan_bf16"]} if args.bf16 else {})}
               for name, r in results.items()}
        out["peak_gflops"] = peak
        out["threads"] = torch.get_num_threads()
        print(json.dumps(out))


if __name__ == "__main__":
    main()
