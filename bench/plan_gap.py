"""How far MPPI moves from the policy prior on a checkpoint, and whether the model prefers it.

    python -m bench.plan_gap CHECKPOINT --task mw-faucet-open [--episodes 2] [--act plan|policy]
                             [--seed 1] [key=value ...]

Runs `--episodes` eval-mode episodes of one task the checkpoint was trained on, acting with the
planner (`--act plan`, eval.py's planning: the constraint weight of the checkpoint's step) or with
the policy's mean action (`--act policy`). At every step it also computes the other one, and
reports:
  - success and return of the acting choice;
  - the mean |planned action - policy mean action| over the task's action dims, and its signed
    mean per dim (a steady sign is a drift, not noise);
  - the model's value (predicted discounted rewards over the horizon, then Q) of the policy's mean
    action sequence and of the plan's final mean sequence, averaged over steps.
`key=value` arguments change how the agent plans, as eval.py's (e.g. iterations=1).

Why: after demo-only pretraining the value model has seen expert actions alone; this shows whether
MPPI climbs its errors away from the policy (README, "Pipeline learning checks").
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import torch

import config as C
import eval as eval_tool  # the repository's eval.py: its checkpoint loading and planning options


@torch.no_grad()
def policy_sequence(model, z: torch.Tensor, task: torch.Tensor, horizon: int) -> torch.Tensor:
    """The policy's mean action sequence [N, H, A] rolled out in the model from latents z [N, Z]."""
    actions = []
    for _ in range(horizon):
        a = model.pi(z, task).mean
        actions.append(a)
        z = model.next(z, a, task)
    return torch.stack(actions, 1)


@torch.no_grad()
def measure(agent, cfg: C.Config, trained: C.Derived, task_name: str, episodes: int, act: str, seed: int,
            constraint: float) -> dict:
    from common.seeding import seed_everything
    from envs.multitask import MultitaskEnv

    seed_everything(seed)
    model = agent.model
    model.eval()
    env = MultitaskEnv([task_name] * episodes, seed=seed + 10_000, num_workers=0)
    try:
        obs, n = env.reset(), env.num_envs
        task = torch.full((n,), trained.tasks.index(task_name))
        dims = trained.action_dims[trained.tasks.index(task_name)]
        planner = agent.planner(n)
        planner.reset()
        first = torch.ones(n, dtype=torch.bool)
        finished, success, ret = np.zeros(n, bool), np.zeros(n), np.zeros(n)
        gaps, values = [], []
        while not finished.all():
            z = model.encode(torch.as_tensor(obs, dtype=torch.float32), task)
            policy_action = model.pi(z, task).mean
            planned = planner.plan(z, task, eval_mode=True, first_step=first, constraint=constraint)
            gaps.append((planned - policy_action)[:, :dims].numpy())
            sequences = torch.stack([policy_sequence(model, z, task, cfg.horizon), planner.prev_mean], 1)
            values.append(planner.estimate_value_reference(z.unsqueeze(1).expand(-1, 2, -1), sequences,
                                                           task.view(n, 1)).mean(0).numpy())
            res = env.step((planned if act == "plan" else policy_action).numpy())
            ret += res.reward * ~finished
            success = np.where(res.done & ~finished, res.success, success)
            finished |= res.done
            first, obs = torch.from_numpy(res.done), res.obs
    finally:
        env.close()
    gaps, values = np.concatenate(gaps), np.mean(values, 0)
    return {"success": float(success.mean()), "return": float(ret.mean()), "gap": float(np.abs(gaps).mean()),
            "gap_per_dim": [round(float(g), 3) for g in gaps.mean(0)], "value_policy": float(values[0]),
            "value_plan": float(values[1]), "steps": len(gaps) // n}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint")
    parser.add_argument("--task", required=True, help="a task the checkpoint was trained on")
    parser.add_argument("--episodes", type=int, default=2)
    parser.add_argument("--act", choices=("plan", "policy"), default="plan")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("overrides", nargs="*",
                        help=f"planning options key=value: {', '.join(eval_tool.ACTING_OPTIONS)}")
    args = parser.parse_intermixed_args()  # options and key=value pairs in any order
    acting = dict(item.split("=", 1) for item in args.overrides)
    bad = sorted(set(acting) - set(eval_tool.ACTING_OPTIONS))
    if bad or args.episodes < 1:
        sys.exit(f"bad option(s) {bad or [f'--episodes {args.episodes}']}; accepted: "
                 f"{', '.join(eval_tool.ACTING_OPTIONS)}, and --episodes >= 1")
    typed = {k: type(getattr(C.Config, k))(v) for k, v in acting.items()}
    agent, state, cfg, trained = eval_tool.load_agent(args.checkpoint, "cpu", typed)
    if args.task not in trained.tasks:
        sys.exit(f"--task {args.task!r} is not one of the checkpoint's tasks: {', '.join(trained.tasks)}")
    constraint = eval_tool.checkpoint_constraint(state, cfg, trained)
    r = measure(agent, cfg, trained, args.task, args.episodes, args.act, args.seed, constraint)
    print(f"{args.task}, acting with the {'planner' if args.act == 'plan' else 'policy mean'} "
          f"(step {state['step']:,}, constraint {constraint:g}, iterations {cfg.iterations}), {args.episodes} "
          f"episode(s) of {r['steps']} steps: success {r['success']:.2f}, return {r['return']:.1f}\n"
          f"  |plan - policy mean| per action dim: {r['gap']:.3f}; signed mean per dim {r['gap_per_dim']}\n"
          f"  model value of the policy's mean sequence {r['value_policy']:.2f}, of the plan's {r['value_plan']:.2f}")


if __name__ == "__main__":
    main()
