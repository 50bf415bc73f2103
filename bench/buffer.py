"""Replay buffer benchmark: sample time (batch 256, H=3) as the buffer grows 10k -> 100k -> 1M.

    python -m bench.buffer [--json] [--batch 256] [--calls 200] [--max 1000000] [--threads N] [--no-torchrl]

The buffer is filled with fixed-length 500-step episodes (128-D obs, 16-D actions, the agent's
layout). At each size the median time of one `EpisodeBuffer.sample` is measured, next to a scan
baseline measured in the same run on the same data: the valid slice starts recomputed from a
per-row flag over the whole buffer on every call (O(buffer), what a buffer without the episode
table must do), and the floor: the same random row gathers alone. `sample` should stay flat
(O(batch)): the target is 1M within 1.5x of 10k. Whatever the gathers alone grow by is the memory
hierarchy (a 5 MB table sits in cache, a 500 MB one does not), not the buffer's algorithm.
On cores shared with other busy processes, torch's OpenMP threads spin-wait on each other and
small ops can take 10-100x longer with 2 threads than with 1 (`--threads 1`); the load is printed.
Side by side, on the same data: ours with episode-uniform sampling (the original's weighting,
`sampling=episode`, the default) and transition-uniform sampling, and torchrl's ReplayBuffer with a
LazyTensorStorage and a SliceSampler (what the original Newt uses: episode-uniform slices of H+1
rows; `cache_values=True`, its fastest setting, valid while nothing is added between samples).
`--json` prints one JSON object last with `sample_ms_<size>` (ours, episode sampling),
`transition_ms_<size>` and `torchrl_ms_<size>`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import torch

from newt.buffer import EpisodeBuffer

EPISODE = 500
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}


def _median_ms(fn, calls: int) -> float:
    fn()
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def scan_sample(valid: torch.Tensor, buf: EpisodeBuffer, batch: int) -> torch.Tensor:
    """Baseline: find every valid slice start by scanning the whole buffer, then gather."""
    starts = valid.nonzero().squeeze(1)
    start = starts[torch.randint(0, starts.numel(), (batch,))]
    idx = start.unsqueeze(0) + torch.arange(buf.horizon + 1).unsqueeze(1)
    return buf.obs[idx] + buf.action[idx[1:]].sum() + buf.reward[idx[1:]].sum()


def gather_only(buf: EpisodeBuffer, rows: int, batch: int) -> torch.Tensor:
    """Floor: the random row gathers alone (no episode table), over the same number of rows."""
    start = torch.randint(0, rows - buf.horizon, (batch,))
    idx = start.unsqueeze(0) + torch.arange(buf.horizon + 1).unsqueeze(1)
    return buf.obs[idx] + buf.action[idx[1:]].sum() + buf.reward[idx[1:]].sum()


def torchrl_buffer(capacity: int, horizon: int, batch: int):
    """The original's replay: torchrl ReplayBuffer + SliceSampler over an `episode` key."""
    from torchrl.data import LazyTensorStorage, ReplayBuffer
    from torchrl.data.replay_buffers.samplers import SliceSampler

    sampler = SliceSampler(slice_len=horizon + 1, traj_key="episode", strict_length=True, cache_values=True)
    return ReplayBuffer(storage=LazyTensorStorage(capacity), sampler=sampler, batch_size=batch * (horizon + 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--calls", type=int, default=200, help="timed calls per size (median)")
    parser.add_argument("--max", type=int, default=1_000_000, help="largest size (transitions)")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    parser.add_argument("--no-torchrl", action="store_true", help="skip torchrl's buffer")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    horizon = 3
    sizes = {k: v for k, v in SIZES.items() if v <= args.max}
    capacity = max(sizes.values()) // EPISODE * (EPISODE + 1)
    buf = EpisodeBuffer(capacity, obs_dim=128, action_dim=16, horizon=horizon, sampling="episode")
    rb = None if args.no_torchrl else torchrl_buffer(capacity, horizon, args.batch)
    valid = torch.zeros(capacity, dtype=torch.bool)  # the scan baseline's per-row flags
    gen = torch.Generator().manual_seed(0)
    obs = torch.randn(EPISODE + 1, 128, generator=gen)
    action = torch.rand(EPISODE, 16, generator=gen) * 2 - 1
    reward = torch.rand(EPISODE, generator=gen)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores; "
          f"batch {args.batch}, H={horizon}, {EPISODE}-step episodes\n")
    head = (f"{'transitions':>11} {'episodes':>8} {'sample ms':>9} {'vs 10k':>6} {'transition':>10} "
            f"{'torchrl ms':>10} {'torchrl/ours':>12} {'gather ms':>9} {'vs 10k':>6} {'scan ms':>8} "
            f"{'scan/sample':>11}")
    print(head)
    print("-" * len(head))
    results, first = {}, None
    for key, size in sizes.items():
        while len(buf) < size:
            row = buf._cursor if buf._cursor + EPISODE + 1 <= capacity else 0
            buf.add(obs, action, reward, task=0)
            valid[row:row + EPISODE - horizon + 1] = True
            if rb is not None:
                from tensordict import TensorDict

                rb.extend(TensorDict(obs=obs, action=torch.cat([torch.full((1, 16), float("nan")), action]),
                                     reward=torch.cat([torch.full((1,), float("nan")), reward]),
                                     episode=torch.full((EPISODE + 1,), buf.num_episodes, dtype=torch.int64),
                                     batch_size=(EPISODE + 1,)))
        ms = _median_ms(lambda: buf.sample(args.batch), args.calls)
        buf.sampling = "transition"
        transition_ms = _median_ms(lambda: buf.sample(args.batch), args.calls)
        buf.sampling = "episode"
        torchrl_ms = _median_ms(rb.sample, args.calls) if rb is not None else float("nan")
        rows = buf._cursor
        gather_ms = _median_ms(lambda rows=rows: gather_only(buf, rows, args.batch), args.calls)
        scan_ms = _median_ms(lambda: scan_sample(valid, buf, args.batch), max(10, args.calls // 10))
        first = first or (ms, gather_ms)
        results.update({f"sample_ms_{key}": ms, f"transition_ms_{key}": transition_ms, f"torchrl_ms_{key}": torchrl_ms})
        print(f"{len(buf):11,} {buf.num_episodes:8} {ms:9.3f} {ms / first[0]:5.2f}x {transition_ms:10.3f} "
              f"{torchrl_ms:10.3f} {torchrl_ms / ms:11.1f}x {gather_ms:9.3f} "
              f"{gather_ms / first[1]:5.2f}x {scan_ms:8.3f} {scan_ms / ms:10.1f}x")
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
