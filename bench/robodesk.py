"""RoboDesk step throughput: our state-only env against the stock env, which renders every step.

    python -m bench.robodesk [--task rd-open-slide] [--steps 300] [--stock-steps 20] [--rounds 3] [--seed 0]

Both run the same task with the same random actions, one process. The stock env
is built as the original did for state observations (`image_size=1`): it still renders and
resizes a 120x120 camera image inside every observation. Prints a table and the speed-up, by
wall time and by the process's CPU time (the fairer figure on a shared, loaded machine; EGL
rendering may also use GPU/driver threads, so the stock env's CPU figure can be optimistic).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

os.environ.setdefault("MUJOCO_GL", "egl")


def _rate(step, n: int, seed: int) -> tuple[float, float]:
    """Agent steps per second of wall time and of this process's CPU time (less sensitive to a
    shared machine's load)."""
    rng = np.random.default_rng(seed)
    actions = rng.uniform(-1, 1, (n, 5)).astype(np.float32)
    wall, cpu = time.perf_counter(), time.process_time()
    for a in actions:
        step(a)
    return n / (time.perf_counter() - wall), n / (time.process_time() - cpu)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="rd-open-slide")
    parser.add_argument("--steps", type=int, default=300, help="agent steps for the state-only env")
    parser.add_argument("--stock-steps", type=int, default=20, help="agent steps for the stock env (slow)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of ours and the floor (median)")
    args = parser.parse_args(argv)

    import mujoco

    import envs
    from envs.robodesk import SUBSTEPS, _import_robodesk

    ours = envs.make(args.task, seed=args.seed).unwrapped  # without the 100-step episode limit
    ours.reset()
    # Lower bound: the physics of one agent step alone (100 MuJoCo steps called directly, no IK,
    # reward or observation), on a second copy of the task started from the same state.
    floor_env = envs.make(args.task, seed=args.seed).unwrapped
    floor_env.reset()
    model, data = floor_env.desk.physics.model.ptr, floor_env.desk.physics.data.ptr

    def physics_only(_action):
        mujoco.mj_step(model, data, nstep=SUBSTEPS * 10)

    # Interleaved rounds, median: this machine's speed drifts by 10-20 % from minute to minute.
    rounds = {"ours": [], "floor": []}
    for r in range(args.rounds):
        rounds["ours"].append(_rate(ours.step, args.steps, args.seed + r))
        rounds["floor"].append(_rate(physics_only, args.steps, args.seed + r))
    ours_rate, physics_rate = (tuple(statistics.median(x[i] for x in rounds[k]) for i in range(2))
                               for k in ("ours", "floor"))
    ours.close()
    floor_env.close()

    robodesk = _import_robodesk()
    stock = robodesk.RoboDesk(task=envs.get_task(args.task).params["task"], reward="dense",
                              action_repeat=SUBSTEPS,
                              episode_length=0, image_size=1)
    stock.reset()
    stock_rate = _rate(stock.step, args.stock_steps, args.seed)

    print(f"RoboDesk {args.task}: agent steps/s ({SUBSTEPS} control sub-steps x 10 physics steps each)")
    print(f"{'env':30s} {'steps':>6s} {'steps/s':>9s} {'ms/step':>8s} {'CPU steps/s':>12s}")
    for name, n, (rate, cpu_rate) in (("stock (renders every step)", args.stock_steps, stock_rate),
                                      ("state-only (envs.robodesk)", args.steps, ours_rate),
                                      ("physics only (lower bound)", args.steps, physics_rate)):
        print(f"{name:30s} {n:6d} {rate:9.1f} {1000 / rate:8.2f} {cpu_rate:12.1f}")
    print(f"speed-up: {ours_rate[0] / stock_rate[0]:.1f}x wall, {ours_rate[1] / stock_rate[1]:.1f}x CPU time")
    print(f"state-only / physics floor: {ours_rate[0] / physics_rate[0]:.2f} (the rest is RoboDesk's IK and reward)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
