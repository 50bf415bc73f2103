"""Train Newt: python train.py task=<task or set> model_size=S steps=100000 [checkpoint=path] ...

Builds the env(s), the agent and the replay buffer from the config, then runs online training
with periodic evaluation and checkpoints. Logs go to logs/<task>/<seed>/<exp_name>/.
"""

from __future__ import annotations

import sys

import hydra

import config as config_module

config_module.register()


def run(cfg: config_module.Config) -> None:
    import torch

    from common.logger import Logger
    from common.seeding import seed_everything
    from envs.multitask import MultitaskEnv
    from newt.agent import Agent
    from newt.buffer import EpisodeBuffer
    from newt.trainer import Trainer

    derived = config_module.derive(cfg)
    rng = seed_everything(cfg.seed)
    embeddings = None
    if derived.task_dim:
        from envs.embeddings import load_task_embeddings

        embeddings = torch.as_tensor(load_task_embeddings(derived.tasks))
    agent = Agent(cfg, derived, embeddings)
    buffer = EpisodeBuffer(cfg.buffer_size, derived.obs_dim, derived.action_dim, cfg.horizon, derived.device,
                           sampling=cfg.sampling)
    if derived.use_demos:  # before any env is made: a run without demos fails at once
        from newt.demo_buffer import build_demo_mix

        buffer = build_demo_mix(cfg.demo_dir, derived.tasks, buffer, cfg.horizon, derived.device, cfg.sampling,
                                derived.task_label)
    trainer = Trainer(cfg, derived, agent, buffer, rng)
    pretrain = derived.use_demos and cfg.demo_steps > 0 and not cfg.checkpoint  # resumed/finetuned: trained
    trainer.warmup = pretrain
    if cfg.checkpoint and cfg.finetune:
        trainer.finetune_from(cfg.checkpoint)
        print(f"finetuning {derived.task_label} from {cfg.checkpoint} (its weights, fresh optimisers, step 0)")
    elif cfg.checkpoint:
        trainer.load(cfg.checkpoint)
        print(f"resumed from {cfg.checkpoint} at step {trainer.step:,} (the replay buffer starts empty)")
    if derived.skipped_tasks:
        print(f"skip_unavailable: leaving out {len(derived.skipped_tasks)} task(s) whose assets are not installed "
              f"here: {', '.join(derived.skipped_tasks)}")
    eval_tasks = [t for t in derived.tasks if t not in derived.skipped_tasks for _ in range(cfg.eval_episodes)]
    env = MultitaskEnv(derived.env_tasks, seed=cfg.seed, num_workers=derived.num_workers)
    eval_env = MultitaskEnv(eval_tasks, seed=cfg.seed + 10_000, num_workers=derived.num_workers)
    logger = Logger(cfg, derived, total_steps=cfg.steps, initial_step=trainer.step)
    n_params = sum(p.numel() for p in agent.model.parameters() if p.requires_grad)
    size = derived.size.name + (" (default)" if cfg.model_size is None else "")
    logger.bar.write(f"Newt {size}, {n_params / 1e6:.2f}M params, on {derived.device}: "
                     f"{len(derived.tasks)} task(s), {derived.num_envs} envs, {cfg.steps:,} steps -> {derived.run_dir}")
    if derived.device == "cpu":  # the run goes on as asked, but says first what it will cost here
        from newt.estimate import cpu_recipe, estimate_costs

        mpc_eval = cfg.mpc if cfg.eval_mpc is None else cfg.eval_mpc
        estimate = estimate_costs(agent, derived, derived.num_envs, eval_env, mpc_eval)
        logger.bar.write(estimate.summary(max(0, cfg.steps - max(trainer.step, derived.seed_steps)),
                                          cfg.demo_steps if pretrain else 0))
        logger.bar.write(cpu_recipe(derived))
    try:
        if pretrain:
            trainer.pretrain(logger)
        trainer.train(env, eval_env, logger)
    finally:
        logger.close()
        env.close()
        eval_env.close()


@hydra.main(config_name="config", config_path=".", version_base=None)
def main(cfg) -> None:
    from newt.checkpoint import CheckpointError

    try:
        run(config_module.as_config(cfg))
    except (config_module.ConfigError, FileNotFoundError, CheckpointError) as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    except FloatingPointError as e:  # a NaN/inf in an update or from an env: named, not a traceback
        print(f"error: {e}", file=sys.stderr)
        sys.exit(3)


if __name__ == "__main__":
    main()
