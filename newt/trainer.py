"""The online training loop: random seeding, acting, whole-episode storage, updates at the
configured update-to-data ratio, periodic evaluation and atomic checkpoints with resume."""

from __future__ import annotations

import dataclasses
import math
import os
import time
from typing import TYPE_CHECKING

import numpy as np
import torch

from common.logger import Logger
from envs.multitask import MultitaskEnv
from newt.agent import Agent
from newt.buffer import EpisodeBuffer
from newt.checkpoint import CheckpointError, finetune_weights, read_checkpoint, save_checkpoint
from newt.evaluation import EvalResult, evaluate
from newt.math import constraint_weight, warmup_factor

if TYPE_CHECKING:  # config.py lives at the repository root, outside the installed packages
    from config import Config, Derived

# Config fields that must match between a checkpoint and the run resuming it.
MODEL_FIELDS = ("task", "num_bins", "simnorm_dim", "horizon")


class Trainer:
    def __init__(self, cfg: Config, derived: Derived, agent: Agent, buffer: EpisodeBuffer,
                 rng: np.random.Generator):
        self.cfg, self.derived, self.agent, self.buffer, self.rng = cfg, derived, agent, buffer, rng
        self.task_index = {t: i for i, t in enumerate(derived.tasks)}  # run task index per name
        self.step = 0  # env steps taken, summed over envs
        self.episodes = 0
        self.updates = 0
        self._update_credit = 0.0
        # True once the agent holds trained weights (finetuning, demo pretraining): seeding then
        # acts with its policy instead of uniform noise, as the original does.
        self.pretrained = False
        self.pretrain_updates = 0  # updates of the demo-pretraining phase (not in `updates`)
        # Linear learning-rate warmup over the first warmup_steps updates, for a run that pretrains
        # (the original turns its warmup schedule on with demos, when not resuming).
        self.warmup = False

    # --- checkpoints ---------------------------------------------------------------------------
    def checkpoint_path(self) -> str:
        return os.path.join(self.derived.run_dir, f"checkpoint_{self.step}.pt")

    def save(self, path: str | None = None) -> str:
        path = path or self.checkpoint_path()
        save_checkpoint({
            "agent": self.agent.state_dict(),
            "step": self.step, "episodes": self.episodes, "updates": self.updates,
            "pretrained": self.pretrained, "pretrain_updates": self.pretrain_updates,
            "config": dataclasses.asdict(self.cfg), "model_size": self.derived.size.name,
        }, path)
        return path

    def load(self, path: str) -> None:
        state = read_checkpoint(path, map_location=self.agent.device)
        saved = state.get("config", {})
        bad = {k: (saved.get(k), getattr(self.cfg, k)) for k in MODEL_FIELDS if saved.get(k) != getattr(self.cfg, k)}
        if state.get("model_size") != self.derived.size.name:  # the resolved size (model_size may be null)
            bad["model_size"] = (state.get("model_size"), self.derived.size.name)
        if bad:
            raise CheckpointError(f"checkpoint {path!r} was trained with a different config: "
                             + ", ".join(f"{k}={a!r} (this run: {b!r})" for k, (a, b) in bad.items()))
        self.agent.load_state_dict(state["agent"])
        self.step, self.episodes, self.updates = state["step"], state["episodes"], state["updates"]
        self.pretrained, self.pretrain_updates = state["pretrained"], state["pretrain_updates"]

    def finetune_from(self, path: str) -> None:
        """Start this single-task run from a multitask checkpoint's weights (fresh optimisers,
        counters at 0); see checkpoint.finetune_weights for the mapping and its checks."""
        from config import checkpoint_derived

        state = read_checkpoint(path, map_location=self.agent.device)
        model = self.agent.model
        model.load_state_dict(finetune_weights(state, model.state_dict(), self.derived.size.name, path,
                                               checkpoint_derived))
        self.pretrained = True

    # --- updates ----------------------------------------------------------------------------------
    def _update(self, batch, pretrain: bool = False) -> dict[str, float]:
        if self.warmup:
            k = self.pretrain_updates + self.updates
            if k <= self.cfg.warmup_steps:
                self.agent.set_lr_scale(warmup_factor(k, self.cfg.warmup_steps))
        kind = "pretraining" if pretrain else "training"
        for name in ("obs", "action", "reward"):  # the data first: a NaN there would reach every loss
            values = getattr(batch, name)
            if not torch.isfinite(values).all():
                rows = (~torch.isfinite(values)).flatten(2).any(-1).any(0) if values.dim() > 2 else \
                    (~torch.isfinite(values)).any(0)
                raise FloatingPointError(f"{kind} batch at env step {self.step:,} holds a non-finite {name} "
                                         f"(task(s) {self._tasks_of(batch.task[rows])}); "
                                         f"nothing was saved after the last checkpoint")
        metrics = self.agent.update(batch, pretrain=pretrain)
        bad = [k for k, v in metrics.items() if not math.isfinite(v)]
        if bad:  # stop before anything is saved from these weights: the last checkpoint stays good
            raise FloatingPointError(
                f"{kind} update at env step {self.step:,} gave non-finite "
                f"{', '.join(f'{k}={metrics[k]}' for k in bad)} on a batch of task(s) {self._tasks_of(batch.task)}; "
                f"nothing was saved after the last checkpoint")
        return metrics

    def _tasks_of(self, task: torch.Tensor) -> str:
        names = sorted({self.derived.tasks[int(i)] for i in task.unique()})
        return ", ".join(names[:10]) + (" ..." if len(names) > 10 else "")

    def pretrain(self, logger: Logger) -> None:
        """Newt's demo pretraining: `demo_steps` updates on demo batches alone (the online buffer
        holds only demos before the first env step), with no max-Q policy step and the policy prior
        term inside the model loss; the learning rate warms up. Logged to pretrain.csv (and wandb)
        50 times; the weights are saved to checkpoint_0.pt when it ends."""
        cfg, d = self.cfg, self.derived
        log_every = max(1, cfg.demo_steps // 50)
        bar = logger.phase_bar("pretraining", cfg.demo_steps - self.pretrain_updates)
        start = time.time()
        while self.pretrain_updates < cfg.demo_steps:
            metrics = self._update(self.buffer.sample(d.batch_size), pretrain=True)
            self.pretrain_updates += 1
            bar.update(1)
            if self.pretrain_updates % log_every == 0 or self.pretrain_updates == cfg.demo_steps:
                bar.set_postfix({"loss": f"{metrics['total_loss']:.3g}"}, refresh=False)
                logger.log("pretrain", self.pretrain_updates, {**metrics, "elapsed_s": time.time() - start})
        bar.close()
        self.pretrained = True
        self.save()

    # --- evaluation ----------------------------------------------------------------------------
    def evaluate(self, env: MultitaskEnv, progress=None) -> EvalResult:
        """One eval-mode episode in every slot of `env`: per-task means and the summary."""
        return evaluate(self.agent, env, self.task_index, mpc=self.cfg.eval_mpc, progress=progress,
                        constraint=self.constraint())

    def constraint(self) -> float:
        """Constrained-planning weight at the current step (0 when the option is off)."""
        d = self.derived
        if not d.constrained_planning:
            return 0.0
        return constraint_weight(self.step, d.constraint_start_step, self.cfg.constraint_final_step)

    # --- online training -----------------------------------------------------------------------
    def train(self, env: MultitaskEnv, eval_env: MultitaskEnv, logger: Logger) -> None:
        cfg, d = self.cfg, self.derived
        n = env.num_envs
        task_idx = np.array([self.task_index[t] for t in env.tasks])
        task = torch.from_numpy(task_idx)
        lengths = env.episode_lengths
        max_len = int(lengths.max())
        ep_obs = np.zeros((n, max_len + 1, d.obs_dim), np.float32)
        ep_act = np.zeros((n, max_len, d.action_dim), np.float32)
        ep_rew = np.zeros((n, max_len), np.float32)
        ep_t = np.zeros(n, np.int64)
        ep_return = np.zeros(n)

        obs = env.reset()
        ep_obs[:, 0] = obs
        next_eval = (self.step // cfg.eval_freq + 1) * cfg.eval_freq
        next_save = (self.step // d.save_freq + 1) * d.save_freq
        train_metrics: dict[str, float] = {}
        start_time, start_step = time.time(), self.step
        while self.step < cfg.steps:
            # Act: random while seeding, else plan.
            if self.step < d.seed_steps:  # seeding: the trained policy if there is one, else noise
                action = (self.agent.act(torch.from_numpy(obs), task, mpc=False).numpy() if self.pretrained
                          else env.rand_act(self.rng))
            else:
                action = self.agent.act(torch.from_numpy(obs), task, first_step=torch.from_numpy(ep_t == 0),
                                        constraint=self.constraint()).numpy()
            res = env.step(action)
            rows = np.arange(n)
            ep_act[rows, ep_t] = action
            ep_rew[rows, ep_t] = res.reward
            ep_t += 1
            ep_obs[rows, ep_t] = res.final_obs
            ep_return += res.reward
            self.step += n

            # Store finished episodes whole and log them.
            for i in np.flatnonzero(res.done):
                length = int(ep_t[i])
                if length != lengths[i]:
                    raise RuntimeError(f"{env.tasks[i]}: episode ended after {length} steps, registered {lengths[i]}")
                self.buffer.add(torch.from_numpy(ep_obs[i, : length + 1]), torch.from_numpy(ep_act[i, :length]),
                                torch.from_numpy(ep_rew[i, :length]), task=int(task_idx[i]))
                self.episodes += 1
                logger.log("train", self.step, {"episode": self.episodes, "task": env.tasks[i],
                                                "episode_reward": float(ep_return[i]),
                                                "episode_score": float(res.score[i]),
                                                "episode_success": float(res.success[i]), **train_metrics})
                ep_t[i], ep_return[i] = 0, 0.0
                ep_obs[i, 0] = res.obs[i]
            obs = res.obs

            # Update at the configured update-to-data ratio once seeding is over; with seed_burst, the
            # first updates are a burst of one per seeding step (TD-MPC2), in place of that step's.
            if self.step >= d.seed_steps and self.buffer.num_episodes > 0:
                if d.seed_burst and self.updates == 0:
                    self._update_credit += d.seed_steps
                else:
                    self._update_credit += d.utd * n
                while self._update_credit >= 1.0:
                    train_metrics = self._update(self.buffer.sample(d.batch_size))
                    self.updates += 1
                    self._update_credit -= 1.0
            elapsed = max(time.time() - start_time, 1e-9)
            logger.advance(n, {"sps": (self.step - start_step) / elapsed, **(
                {"loss": train_metrics["total_loss"]} if train_metrics else {})})

            if self.step >= next_eval or self.step >= cfg.steps:
                result = self.evaluate(eval_env, progress=logger.eval_progress)
                per_task, overall = result.per_task, result.overall
                overall.update(elapsed_s=elapsed, updates=self.updates, episodes=self.episodes)
                if len(result.per_domain) > 1:  # per-domain mean scores, as columns score/<domain>
                    overall.update({f"score/{k}": v for k, v in result.per_domain.items()})
                logger.log("eval", self.step, overall)
                for t, m in per_task.items():
                    logger.log("eval_tasks", self.step, {"task": t, **m})
                logger.eval_summary(self.step, per_task, overall)
                next_eval = (self.step // cfg.eval_freq + 1) * cfg.eval_freq
                self.agent.planner(n).reset()  # eval used its own planner; keep training warm starts fresh
            if self.step >= next_save or self.step >= cfg.steps:
                self.save()
                next_save = (self.step // d.save_freq + 1) * d.save_freq

