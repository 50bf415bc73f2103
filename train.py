"""Train Newt: python train.py task=<task or set> model_size=S steps=100000 [checkpoint=path] ...

Builds the env(s), the agent and the replay buffer from the config, then runs online training
with periodic evaluation and checkpoints. Logs go to logs/<task>/<seed>/<exp_name>/.
"""

from __future__ import annotations

import dataclasses
import sys

import hydra

import config as config_module

config_module.register()


def run(cfg: config_module.Config) -> None:
    from newt import distributed

    derived = config_module.derive(cfg)
    world = distributed.world_from_env()  # torchrun's ranks; world size 1 for a plain `python train.py`
    problem = distributed.check_world(world, derived.num_envs, derived.batch_size, derived.device)
    if problem:
        raise config_module.ConfigError(problem)
    device = distributed.init(world, derived.device)
    if device != derived.device:
        derived = dataclasses.replace(derived, device=device)
    try:
        _run(cfg, derived, world)
    finally:
        distributed.shutdown()


def _run(cfg: config_module.Config, derived: config_module.Derived, world) -> None:
    import torch

    from common.logger import Logger, NullLogger
    from common.seeding import seed_everything
    from envs.multitask import MultitaskEnv
    from newt import distributed
    from newt.agent import Agent
    from newt.buffer import EpisodeBuffer
    from newt.trainer import Trainer

    say = print if world.is_main else (lambda *_a, **_k: None)
    encoder = None
    if cfg.obs == "rgb":  # before anything else: missing weights stop the run here, saying how to get them
        from newt.vision import FrameEncoder

        encoder = FrameEncoder(cfg.vision_model, device=derived.device)
    rng = seed_everything(cfg.seed)
    embeddings = None
    if derived.task_dim:
        from envs.embeddings import load_task_embeddings

        embeddings = torch.as_tensor(load_task_embeddings(derived.tasks))
    agent = Agent(cfg, derived, embeddings)
    # Under torchrun: this rank's envs (dealt round-robin) and evaluation tasks; identical weights on
    # every rank (rank 0's), then a seed of its own for exploration, sampling and its envs.
    env_tasks = distributed.shard(derived.env_tasks, world)
    run_tasks = [t for t in derived.tasks if t not in derived.skipped_tasks]
    eval_tasks = [t for t in distributed.shard(run_tasks, world) for _ in range(cfg.eval_episodes)]
    if world.enabled:
        agent.set_world_size(world.size)
        distributed.broadcast_module(agent.model)
        rng = seed_everything(cfg.seed + 7919 * world.rank)
    buffer = EpisodeBuffer(cfg.buffer_size, derived.obs_dim, derived.action_dim, cfg.horizon, derived.device,
                           sampling=cfg.sampling)
    if derived.use_demos:  # before any env is made: a run without demos fails at once
        from newt.demo_buffer import build_demo_mix

        buffer = build_demo_mix(cfg.demo_dir, derived.tasks, buffer, cfg.horizon, derived.device, cfg.sampling,
                                derived.task_label, log=say, load_only=set(env_tasks) if world.enabled else None,
                                rgb=cfg.obs == "rgb")
    trainer = Trainer(cfg, derived, agent, buffer, rng, world)
    pretrain = derived.use_demos and cfg.demo_steps > 0 and not cfg.checkpoint  # resumed/finetuned: trained
    trainer.warmup = pretrain
    if cfg.checkpoint and cfg.finetune:
        trainer.finetune_from(cfg.checkpoint)
        say(f"finetuning {derived.task_label} from {cfg.checkpoint} (its weights, fresh optimisers, step 0)")
    elif cfg.checkpoint:
        trainer.load(cfg.checkpoint)
        how = ("with its replay buffer, RNG states and episode counters: the run continues exactly"
               if trainer.resumes_exactly
               else "without a run state (save_buffer was off): the replay buffer starts empty")
        say(f"resumed from {cfg.checkpoint} at step {trainer.step:,}, {how}")
    if derived.skipped_tasks:
        say(f"skip_unavailable: leaving out {len(derived.skipped_tasks)} task(s) whose assets are not installed "
            f"here: {', '.join(derived.skipped_tasks)}")
    offset = 100_003 * world.rank  # distinct env seeds per rank (0 on rank 0: a plain run is unchanged)
    faults = {"timeout": cfg.env_timeout, "max_restarts": cfg.max_restarts, "restart_window": cfg.restart_window,
              "render_frames": encoder is not None}
    env = MultitaskEnv(env_tasks, seed=cfg.seed + offset, num_workers=derived.num_workers, **faults)
    eval_env = MultitaskEnv(eval_tasks, seed=cfg.seed + 10_000 + offset, num_workers=derived.num_workers,
                            **faults) if eval_tasks else None
    if encoder is not None:  # obs=rgb: [state | DINOv2 features of the frame rendered in the workers]
        from newt.observations import RgbEnv

        env = RgbEnv(env, encoder)
        eval_env = RgbEnv(eval_env, encoder) if eval_env is not None else None
    logger = Logger(cfg, derived, total_steps=cfg.steps, initial_step=trainer.step) if world.is_main else NullLogger()
    n_params = sum(p.numel() for p in agent.model.parameters() if p.requires_grad)
    size = derived.size.name + (" (default)" if cfg.model_size is None else "")
    ranks = f", {world.size} ranks" if world.enabled else ""
    logger.bar.write(f"Newt {size}, {n_params / 1e6:.2f}M params, on {derived.device}: "
                     f"{len(derived.tasks)} task(s), {derived.num_envs} envs{ranks}, {cfg.steps:,} steps -> "
                     f"{derived.run_dir}")
    if derived.device == "cpu" and world.is_main:  # the run goes on as asked, but says first what it will cost here
        from newt.estimate import cpu_recipe, estimate_costs

        mpc_eval = cfg.mpc if cfg.eval_mpc is None else cfg.eval_mpc
        estimate = estimate_costs(agent, derived, len(env_tasks), eval_env, mpc_eval)
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
        if eval_env is not None:
            eval_env.close()


@hydra.main(config_name="config", config_path=".", version_base=None)
def main(cfg) -> None:
    from newt.checkpoint import CheckpointError

    try:
        run(config_module.as_config(cfg))
    except (config_module.ConfigError, FileNotFoundError, CheckpointError) as e:  # also missing vision weights
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    except FloatingPointError as e:  # a NaN/inf in an update or from an env: named, not a traceback
        print(f"error: {e}", file=sys.stderr)
        sys.exit(3)


if __name__ == "__main__":
    main()
