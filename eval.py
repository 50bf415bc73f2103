"""Evaluate a checkpoint: python eval.py checkpoint=PATH [task=SET] [eval_episodes=N] [save_video=true]

Rebuilds the agent from the checkpoint's own config, runs `eval_episodes` eval-mode episodes of
every task (default: the tasks it was trained on; `task=` picks a task or a set among them) and
writes, into `eval_dir` (default: eval/<task>/ next to the checkpoint):
  tasks.csv    per-task reward, score and success
  report.md    per-task and per-domain scores, and the benchmark's weighted score
  domains.png  a bar plot of the per-domain scores
  videos/      with save_video=true, one MP4 per task (its first episode)
Training evaluates with the same code (newt/evaluation.py). `eval_mpc=false` acts with the policy
alone, which is much cheaper than planning when many tasks run on a CPU.

The model and its training settings come from the checkpoint. Besides the evaluation's own options,
an override may change how the agent acts: the MPPI settings (e.g. `iterations=1`) and `precision`.
Any other option given here is refused with the accepted list, never silently ignored.
"""

from __future__ import annotations

import dataclasses
import os
import sys

import hydra

import config as config_module

config_module.register()

# Options eval.py reads itself, and the checkpoint's settings an evaluation may change (how it plans).
EVAL_OPTIONS = ("checkpoint", "task", "eval_episodes", "eval_mpc", "save_video", "eval_dir", "device", "seed",
                "num_workers", "vision_model")
ACTING_OPTIONS = ("iterations", "num_samples", "num_elites", "num_pi_trajs", "min_std", "max_std", "temperature",
                  "precision")


def check_given(given: set[str]) -> None:
    """Refuse an override eval.py would not use (a training option: the checkpoint's own is used)."""
    unused = sorted(given - set(EVAL_OPTIONS) - set(ACTING_OPTIONS))
    if unused:
        raise config_module.ConfigError(
            f"eval.py does not take {', '.join(unused)}: the model and its training settings come from the "
            f"checkpoint; accepted: {', '.join(EVAL_OPTIONS + ACTING_OPTIONS)}")


def load_agent(path: str, device: str, acting: dict | None = None):
    """The agent of checkpoint `path` on `device`, its MPPI/precision settings replaced by `acting`
    (a subset of ACTING_OPTIONS); returns (agent, checkpoint state, its Config, its Derived)."""
    import torch

    from newt.agent import Agent
    from newt.checkpoint import read_checkpoint

    state = read_checkpoint(path)
    train_cfg = dataclasses.replace(config_module.checkpoint_config(state["config"]), device=device, **(acting or {}))
    trained = config_module.derive(train_cfg)
    embeddings = None
    if trained.task_dim:
        from envs.embeddings import load_task_embeddings

        embeddings = torch.as_tensor(load_task_embeddings(trained.tasks))
    agent = Agent(train_cfg, trained, embeddings)
    agent.load_state_dict(state["agent"])
    return agent, state, train_cfg, trained


def checkpoint_constraint(state: dict, train_cfg: config_module.Config, trained) -> float:
    """The constrained-planning weight at the checkpoint's step, as training evaluates at that step."""
    from newt.math import constraint_weight

    if not trained.constrained_planning:
        return 0.0
    return constraint_weight(state["step"], trained.constraint_start_step, train_cfg.constraint_final_step)


def run(cfg: config_module.Config, given: set[str]) -> dict[str, str]:
    """Evaluate cfg.checkpoint; `given` names the options set on the command line."""
    from common.seeding import seed_everything
    from envs.multitask import MultitaskEnv
    from newt.evaluation import evaluate, write_report

    check_given(given)
    task_given = "task" in given
    if not cfg.checkpoint:
        raise config_module.ConfigError("eval.py needs checkpoint=PATH (a checkpoint_<step>.pt written by train.py)")
    seed_everything(cfg.seed)
    acting = {k: getattr(cfg, k) for k in ACTING_OPTIONS if k in given}
    agent, state, train_cfg, trained = load_agent(cfg.checkpoint, cfg.device, acting)
    if task_given:
        asked = config_module.derive(dataclasses.replace(train_cfg, task=cfg.task, num_envs=None))
        wanted = asked.tasks
        missing = [t for t in wanted if t not in trained.tasks]
        if missing:
            raise config_module.ConfigError(
                f"task={cfg.task!r} includes {len(missing)} task(s) the checkpoint was not trained on "
                f"(e.g. {', '.join(missing[:5])}); accepted: tasks of its training set {trained.task_label!r}, "
                f"or finetune it with train.py")
    else:
        wanted = trained.tasks
    label = asked.task_label if task_given else trained.task_label
    out_dir = cfg.eval_dir or os.path.join(os.path.dirname(os.path.abspath(cfg.checkpoint)), "eval", label)
    mpc = cfg.eval_mpc if cfg.eval_mpc is not None else train_cfg.mpc
    env_tasks = [t for t in wanted for _ in range(cfg.eval_episodes)]
    changed = "".join(f", {k}={v}" for k, v in acting.items())
    print(f"evaluating {cfg.checkpoint} (step {state['step']:,}) on {len(wanted)} task(s) x {cfg.eval_episodes} "
          f"episode(s), {'planning' if mpc else 'policy alone'}{changed} -> {out_dir}")
    rgb = train_cfg.obs == "rgb"  # the checkpoint's observations: [state | frame features]
    if rgb:
        from newt.observations import RgbEnv
        from newt.vision import FrameEncoder

        encoder = FrameEncoder(cfg.vision_model if cfg.vision_model != config_module.Config.vision_model
                               else train_cfg.vision_model, device=trained.device)
    env = MultitaskEnv(env_tasks, seed=cfg.seed + 10_000, num_workers=cfg.num_workers,
                       render_mode="rgb_array" if cfg.save_video else None, render_frames=rgb)
    if rgb:
        env = RgbEnv(env, encoder)
    try:
        result = evaluate(agent, env, {t: i for i, t in enumerate(trained.tasks)}, mpc=mpc, record=cfg.save_video,
                          constraint=checkpoint_constraint(state, train_cfg, trained))
    finally:
        env.close()
    paths = write_report(result, out_dir, title=f"{label} at step {state['step']:,}", episodes=cfg.eval_episodes)
    summary = ", ".join(f"{k} {v:.3f}" for k, v in result.overall.items())
    print(f"{summary}\nwrote {', '.join(sorted(paths.values()))}")
    return paths


@hydra.main(config_name="config", config_path=".", version_base=None)
def main(cfg) -> None:
    from hydra.core.hydra_config import HydraConfig

    from newt.checkpoint import CheckpointError

    given = {o.split("=", 1)[0].lstrip("+~") for o in HydraConfig.get().overrides.task}
    try:
        run(config_module.as_config(cfg), given)
    except (config_module.ConfigError, FileNotFoundError, CheckpointError) as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
