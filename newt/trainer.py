"""The online training loop: random seeding, acting, whole-episode storage, updates at the
configured update-to-data ratio, periodic evaluation and atomic checkpoints with resume."""

from __future__ import annotations

import dataclasses
import math
import os
import time
from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np
import torch

from common.logger import Logger
from envs.multitask import MultitaskEnv
from envs.registry import TASKS
from newt.agent import Agent, save_atomic
from newt.buffer import EpisodeBuffer

if TYPE_CHECKING:  # config.py lives at the repository root, outside the installed packages
    from config import Config, Derived

CHECKPOINT_VERSION = 2  # 2: the model optimiser holds the policy too, the running Q scale has no 'initialised'
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

    # --- checkpoints ---------------------------------------------------------------------------
    def checkpoint_path(self) -> str:
        return os.path.join(self.derived.run_dir, f"checkpoint_{self.step}.pt")

    def save(self, path: str | None = None) -> str:
        path = path or self.checkpoint_path()
        save_atomic({
            "version": CHECKPOINT_VERSION, "agent": self.agent.state_dict(),
            "step": self.step, "episodes": self.episodes, "updates": self.updates,
            "config": dataclasses.asdict(self.cfg), "model_size": self.derived.size.name,
        }, path)
        return path

    def load(self, path: str) -> None:
        if not os.path.isfile(path):
            raise FileNotFoundError(f"checkpoint {path!r} does not exist")
        state = torch.load(path, map_location=self.agent.device, weights_only=False)
        if state.get("version") != CHECKPOINT_VERSION:
            raise ValueError(f"checkpoint {path!r} has format version {state.get('version')!r}; this code reads "
                             f"version {CHECKPOINT_VERSION} (the optimiser and running-scale state changed with the "
                             f"fidelity fixes, and the losses differ), so it cannot be resumed: start a new run")
        saved = state.get("config", {})
        bad = {k: (saved.get(k), getattr(self.cfg, k)) for k in MODEL_FIELDS if saved.get(k) != getattr(self.cfg, k)}
        if state.get("model_size") != self.derived.size.name:  # the resolved size (model_size may be null)
            bad["model_size"] = (state.get("model_size"), self.derived.size.name)
        if bad:
            raise ValueError(f"checkpoint {path!r} was trained with a different config: "
                             + ", ".join(f"{k}={a!r} (this run: {b!r})" for k, (a, b) in bad.items()))
        self.agent.load_state_dict(state["agent"])
        self.step, self.episodes, self.updates = state["step"], state["episodes"], state["updates"]

    # --- evaluation ----------------------------------------------------------------------------
    def evaluate(self, env: MultitaskEnv, progress=None) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
        """One episode in every slot of `env` with eval-mode acting; per-task and overall means.
        progress(steps_done, steps_total) is called after every env step (the progress bar)."""
        obs = env.reset()
        n = env.num_envs
        task = torch.tensor([self.task_index[t] for t in env.tasks])
        returns, running = np.zeros(n), np.zeros(n)
        success, score = np.full(n, np.nan), np.full(n, np.nan)
        finished = np.zeros(n, bool)
        first = torch.ones(n, dtype=torch.bool)
        total, done_steps = int(env.episode_lengths.max()), 0
        while not finished.all():
            action = self.agent.act(torch.from_numpy(obs), task, eval_mode=True, first_step=first)
            res = env.step(action.numpy())
            running += res.reward
            newly = res.done & ~finished
            returns[newly], success[newly], score[newly] = running[newly], res.success[newly], res.score[newly]
            finished |= res.done
            running[res.done] = 0.0
            first = torch.from_numpy(res.done.copy())
            obs = res.obs
            done_steps += 1
            if progress is not None:
                progress(done_steps, total)
        per_task: dict[str, dict[str, float]] = {}
        for t in dict.fromkeys(env.tasks):
            idx = [i for i, name in enumerate(env.tasks) if name == t]
            per_task[t] = {"episode_reward": float(returns[idx].mean()),
                           "episode_score": float(score[idx].mean()),
                           "episode_success": float(np.nanmean(success[idx])) if not np.isnan(success[idx]).all()
                           else math.nan}
        overall = {k: _nanmean([m[k] for m in per_task.values()]) for k in next(iter(per_task.values()))}
        if len(per_task) > 1:  # mean of per-domain means, the benchmark's weighted score
            by_domain = defaultdict(list)
            for t, m in per_task.items():
                by_domain[TASKS[t].domain].append(m["episode_score"])
            overall["weighted_score"] = float(np.mean([np.mean(v) for v in by_domain.values()]))
        return per_task, overall

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
            if self.step < d.seed_steps:
                action = env.rand_act(self.rng)
            else:
                anchor = max(0.0, 1.0 - (self.step - d.seed_steps) / cfg.anchor_steps) if cfg.anchor_steps else 0.0
                action = self.agent.act(torch.from_numpy(obs), task, first_step=torch.from_numpy(ep_t == 0),
                                        anchor=anchor).numpy()
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
                    train_metrics = self.agent.update(self.buffer.sample(cfg.batch_size))
                    self.updates += 1
                    self._update_credit -= 1.0
            elapsed = max(time.time() - start_time, 1e-9)
            logger.advance(n, {"sps": (self.step - start_step) / elapsed, **(
                {"loss": train_metrics["total_loss"]} if train_metrics else {})})

            if self.step >= next_eval or self.step >= cfg.steps:
                per_task, overall = self.evaluate(eval_env, progress=logger.eval_progress)
                overall.update(elapsed_s=elapsed, updates=self.updates, episodes=self.episodes)
                logger.log("eval", self.step, overall)
                for t, m in per_task.items():
                    logger.log("eval_tasks", self.step, {"task": t, **m})
                logger.eval_summary(self.step, per_task, overall)
                next_eval = (self.step // cfg.eval_freq + 1) * cfg.eval_freq
                self.agent.planner(n).reset()  # eval used its own planner; keep training warm starts fresh
            if self.step >= next_save or self.step >= cfg.steps:
                self.save()
                next_save = (self.step // d.save_freq + 1) * d.save_freq


def _nanmean(values) -> float:
    arr = np.asarray(values, dtype=np.float64)
    return math.nan if np.isnan(arr).all() else float(np.nanmean(arr))
