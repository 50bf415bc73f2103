"""Training drift between two code versions: the same updates on the same batches, compared.

    python -m bench.drift run OUT.pt [--case S] [--updates 300] [--perturb 1e-7]
    python -m bench.drift compare BASE.pt OTHER.pt [OTHER.pt ...]

A change that keeps the maths (a fused kernel, a cheaper backward) cannot be checked by one learning
run: training is chaotic at float32 rounding, so two runs of the same algorithm drift apart anyway.
`run` trains an agent of a bench.agent case (seed 0) for N updates on batches drawn from a fixed
seed, and saves the per-update losses and the final weights; run it in each checkout (or worktree).
`compare` prints, against the first file, the relative loss differences at a few updates and the
final weights' relative L2 difference. To tell a change apart from rounding noise, compare it with a
`--perturb` run of the base code (every initial weight times 1 + perturb x N(0, 1)) or with the base
code's plain paths (`NEWT_COMPILED_KERNELS=0`): a change that keeps the maths drifts no faster.
Files are read with torch.load(weights_only=True): tensors, numbers and lists only.
"""

from __future__ import annotations

import argparse
import sys

LOSSES = ("consistency_loss", "reward_loss", "value_loss", "pi_loss")


def batch_for_update(d, batch_size: int, horizon: int, index: int):
    """The batch of update `index`: the same in every checkout (its own generator, seeded by index)."""
    import torch

    from newt.buffer import Batch

    gen = torch.Generator().manual_seed(10_000 + index)
    return Batch(obs=torch.randn(horizon + 1, batch_size, d.obs_dim, generator=gen),
                 action=torch.rand(horizon, batch_size, d.action_dim, generator=gen) * 2 - 1,
                 reward=torch.rand(horizon, batch_size, 1, generator=gen),
                 task=torch.randint(0, len(d.tasks), (batch_size,), generator=gen))


def run(out: str, case: str, updates: int, perturb: float) -> None:
    import torch

    from bench.agent import CASES, build

    if case not in CASES:
        sys.exit(f"unknown case {case!r}; accepted: {', '.join(CASES)}")
    if updates < 1:
        sys.exit(f"--updates must be at least 1, got {updates}")
    torch.set_num_threads(1)
    agent, cfg, d, _ = build(case)  # seeds torch with 0 before building
    if perturb:
        gen = torch.Generator().manual_seed(1)
        with torch.no_grad():
            for p in agent.model.parameters():
                p.mul_(1 + perturb * torch.randn(p.shape, generator=gen))
    torch.manual_seed(1)  # dropout masks, policy noise and Q members: the same stream in every checkout
    losses = []
    for i in range(updates):
        metrics = agent.update(batch_for_update(d, cfg.batch_size, cfg.horizon, i))
        losses.append([float(metrics[k]) for k in LOSSES])
    torch.save({"case": case, "losses": torch.tensor(losses, dtype=torch.float64),
                "weights": agent.model.state_dict()}, out)
    print(f"{out}: {updates} updates of case {case}; last losses " +
          ", ".join(f"{k} {v:.6g}" for k, v in zip(LOSSES, losses[-1])))


def compare(base: str, others: list[str]) -> None:
    import torch

    ref = torch.load(base, weights_only=True)
    n = ref["losses"].shape[0]
    marks = sorted({m for m in (1, 10, 50, n // 2, n) if 1 <= m <= n})
    ref_norm = sum(float(w.double().norm() ** 2) for w in ref["weights"].values() if w.is_floating_point()) ** 0.5
    print(f"against {base} ({ref['case']}, {n} updates): relative loss differences "
          f"({', '.join(LOSSES)}) at updates {marks}; final weights' relative L2 difference")
    for path in others:
        other = torch.load(path, weights_only=True)
        if other["case"] != ref["case"] or other["losses"].shape != ref["losses"].shape:
            sys.exit(f"{path} is case {other['case']} with {other['losses'].shape[0]} updates; "
                     f"{base} is case {ref['case']} with {n}: run both with the same --case and --updates")
        rel = (other["losses"] - ref["losses"]).abs() / ref["losses"].abs().clamp(min=1e-12)
        diff = sum(float((other["weights"][k].double() - w.double()).norm() ** 2)
                   for k, w in ref["weights"].items() if w.is_floating_point()) ** 0.5
        cells = " | ".join(f"@{m}: " + " ".join(f"{float(x):.1e}" for x in rel[m - 1]) for m in marks)
        print(f"{path}: {cells} | weights {diff / ref_norm:.2e}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="train N updates on fixed batches; save losses and weights")
    r.add_argument("out")
    r.add_argument("--case", default="S")
    r.add_argument("--updates", type=int, default=300)
    r.add_argument("--perturb", type=float, default=0.0, help="relative noise on the initial weights (0: none)")
    c = sub.add_parser("compare", help="compare saved runs against the first")
    c.add_argument("base")
    c.add_argument("others", nargs="+")
    args = parser.parse_args(argv)
    if args.command == "run":
        run(args.out, args.case, args.updates, args.perturb)
    else:
        compare(args.base, args.others)


if __name__ == "__main__":
    main()
