"""The online training loop: random seeding, acting, whole-episode storage, updates at the
configured update-to-data ratio, periodic evaluation and atomic checkpoints with resume."""

from __future__ import annotations

import dataclasses
import math
import os
import random
import time
from typing import TYPE_CHECKING

import numpy as np
import torch

from common.logger import Logger
from envs.multitask import MultitaskEnv
from newt import distributed
from newt.agent import Agent
from newt.buffer import EpisodeBuffer
from newt.checkpoint import (
    CheckpointError,
    finetune_weights,
    rank_state_path,
    read_checkpoint,
    read_rank_state,
    save_atomic,
    save_checkpoint,
)
from newt.distributed import World
from newt.evaluation import EvalResult, evaluate, summarise
from newt.math import constraint_weight, warmup_factor

if TYPE_CHECKING:  # config.py lives at the repository root, outside the installed packages
    from config import Config, Derived

# Config fields that must match between a checkpoint and the run resuming it.
MODEL_FIELDS = ("task", "num_bins", "simnorm_dim", "horizon")


class Trainer:
    def __init__(self, cfg: Config, derived: Derived, agent: Agent, buffer: EpisodeBuffer,
                 rng: np.random.Generator, world: World | None = None):
        self.cfg, self.derived, self.agent, self.buffer, self.rng = cfg, derived, agent, buffer, rng
        # Under torchrun each rank holds a share of the envs and samples its share of every batch;
        # the counters (env steps, updates) are global and equal on every rank.
        self.world = world = world or World()
        self.local_batch = derived.batch_size // world.size
        self._updates_ready = False  # every rank's buffer holds an episode (updates are collective)
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
        self.train_metrics: dict[str, float] = {}  # the last update's metrics (logged with each episode)
        self._envs: tuple[MultitaskEnv, MultitaskEnv] | None = None  # (train, eval) while training
        self._resume_state: dict | None = None  # a checkpoint's run state, applied when training starts

    # --- checkpoints ---------------------------------------------------------------------------
    def checkpoint_path(self) -> str:
        return os.path.join(self.derived.run_dir, f"checkpoint_{self.step}.pt")

    def save(self, path: str | None = None) -> str:
        path = path or self.checkpoint_path()
        state = {
            "agent": self.agent.state_dict(),
            "step": self.step, "episodes": self.episodes, "updates": self.updates,
            "pretrained": self.pretrained, "pretrain_updates": self.pretrain_updates,
            "config": dataclasses.asdict(self.cfg), "model_size": self.derived.size.name,
        }
        world = self.world
        if self.derived.save_buffer:
            run_state = self.run_state()
            if world.is_main:  # rank 0's run state is inside the checkpoint; the others' lie next to it
                state["run_state"], state["world_size"] = run_state, world.size
            else:
                save_atomic({"rank": world.rank, "world_size": world.size, "run_state": run_state},
                            rank_state_path(path, world.rank))
        if world.is_main:
            save_checkpoint(state, path)
        if world.enabled:
            distributed.barrier()  # every file is complete before any rank goes on
        return path

    def run_state(self) -> dict:
        """What an exact resume needs beyond the weights: the online replay buffer (its used rows), every
        RNG state of this process, the envs' episode counters, the planners' warm starts, the pending
        update credit and the last update's metrics."""
        online = getattr(self.buffer, "online", self.buffer)  # a DemoMix: the demos are reloaded from disk
        np_state = np.random.get_state()
        state = {
            "buffer": online.state_dict(),
            "rng": {"torch": torch.get_rng_state(), "numpy": self.rng.bit_generator.state,
                    "numpy_global": {"keys": torch.from_numpy(np_state[1].astype(np.int64)),
                                     "pos": int(np_state[2]), "has_gauss": int(np_state[3]),
                                     "cached_gaussian": float(np_state[4])},
                    "python": list(random.getstate()[1]), "python_gauss": random.getstate()[2]},
            "planners": {str(n): p.prev_mean.clone() for n, p in self.agent.planners.items()},
            "update_credit": self._update_credit,
            "train_metrics": dict(self.train_metrics),
        }
        if self._envs is not None:
            named = zip(("train", "eval"), self._envs)
            state["episode_index"] = {which: torch.from_numpy(e.episode_index) for which, e in named
                                      if getattr(e, "episode_index", None) is not None}
        return state

    def _restore_run_state(self, env: MultitaskEnv, eval_env: MultitaskEnv) -> None:
        """Apply a loaded checkpoint's run state (see `run_state`) just before training resumes, after
        anything at start-up (the CPU cost estimate) has drawn random numbers."""
        state, self._resume_state = self._resume_state, None
        if state is None:
            return
        online = getattr(self.buffer, "online", self.buffer)
        online.load_state_dict(state["buffer"])
        rng = state["rng"]
        torch.set_rng_state(rng["torch"])
        self.rng.bit_generator.state = rng["numpy"]
        g = rng["numpy_global"]
        np.random.set_state(("MT19937", g["keys"].numpy().astype(np.uint32), g["pos"], g["has_gauss"],
                             g["cached_gaussian"]))
        random.setstate((3, tuple(rng["python"]), rng["python_gauss"]))
        for n, prev_mean in state["planners"].items():
            self.agent.planner(int(n)).prev_mean = prev_mean.to(self.agent.device)
        self._update_credit = float(state["update_credit"])
        self.train_metrics = dict(state["train_metrics"])
        for which, e in (("train", env), ("eval", eval_env)):
            saved = state.get("episode_index", {}).get(which)
            if getattr(e, "episode_index", None) is not None and saved is not None \
                    and tuple(saved.shape) == e.episode_index.shape:
                e.episode_index = saved.numpy()

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
        self._resume_state = state.get("run_state")
        saved_world = int(state.get("world_size", 1))
        if self._resume_state is not None and saved_world != self.world.size:
            self._resume_state = None
            self.note(f"checkpoint saved at world size {saved_world}, resumed at {self.world.size}: the per-rank "
                      f"run state (replay buffers, RNG states, env counters) is dropped; buffers start empty")
        elif self._resume_state is not None and not self.world.is_main:
            side = rank_state_path(path, self.world.rank)
            if os.path.isfile(side):
                self._resume_state = read_rank_state(side, self.world.rank, self.world.size, self.agent.device)
            else:
                self._resume_state = None
                print(f"rank {self.world.rank}: no run state at {side}; its replay buffer starts empty")

    @property
    def resumes_exactly(self) -> bool:
        """Whether the loaded checkpoint holds a run state (buffer, RNGs, counters) to continue from."""
        return self._resume_state is not None

    def finetune_from(self, path: str) -> None:
        """Start this single-task run from a multitask checkpoint's weights (fresh optimisers,
        counters at 0); see checkpoint.finetune_weights for the mapping and its checks."""
        from config import checkpoint_derived

        state = read_checkpoint(path, map_location=self.agent.device)
        model = self.agent.model
        model.load_state_dict(finetune_weights(state, model.state_dict(), self.derived.size.name, path,
                                               checkpoint_derived, run_obs=self.cfg.obs))
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

    def note(self, text: str) -> None:
        """A log line from rank 0 (every rank under torchrun would repeat it)."""
        if self.world.is_main:
            print(text)

    @staticmethod
    def _fault_counters(env) -> dict[str, int]:
        """The env pool's fault counters (train.csv columns): worker restarts and dropped episodes."""
        return {"env_restarts": getattr(env, "env_restarts", 0),
                "episodes_dropped": getattr(env, "episodes_dropped", 0)}

    def _ready_to_update(self) -> bool:
        """Whether updates may run: the buffer holds an episode (on every rank: updates are collective)."""
        if not self._updates_ready:
            ready = self.buffer.num_episodes > 0
            self._updates_ready = distributed.all_true(ready) if self.world.enabled else ready
        return self._updates_ready

    def _tasks_of(self, task: torch.Tensor) -> str:
        names = sorted({self.derived.tasks[int(i)] for i in task.unique()})
        return ", ".join(names[:10]) + (" ..." if len(names) > 10 else "")

    def pretrain(self, logger: Logger) -> None:
        """Newt's demo pretraining: `demo_steps` updates on demo batches alone (the online buffer
        holds only demos before the first env step), with no max-Q policy step and the policy prior
        term inside the model loss; the learning rate warms up. Logged to pretrain.csv (and wandb)
        50 times; the weights are saved to checkpoint_0.pt when it ends."""
        cfg = self.cfg
        log_every = max(1, cfg.demo_steps // 50)
        bar = logger.phase_bar("pretraining", cfg.demo_steps - self.pretrain_updates)
        start = time.time()
        while self.pretrain_updates < cfg.demo_steps:
            metrics = self._update(self.buffer.sample(self.local_batch), pretrain=True)
            self.pretrain_updates += 1
            bar.update(1)
            if self.pretrain_updates % log_every == 0 or self.pretrain_updates == cfg.demo_steps:
                bar.set_postfix({"loss": f"{metrics['total_loss']:.3g}"}, refresh=False)
                logger.log("pretrain", self.pretrain_updates, {**metrics, "elapsed_s": time.time() - start})
        bar.close()
        self.pretrained = True
        self.save()

    # --- evaluation ----------------------------------------------------------------------------
    def evaluate(self, env: MultitaskEnv | None, progress=None) -> EvalResult | None:
        """One eval-mode episode in every slot of `env`: per-task means and the summary. Under torchrun
        every rank evaluates its own tasks (env None: none) and rank 0 gets the summary over all of
        them; the other ranks get None."""
        result = None if env is None else evaluate(self.agent, env, self.task_index, mpc=self.cfg.eval_mpc,
                                                   progress=progress, constraint=self.constraint())
        if not self.world.enabled:
            return result
        gathered = distributed.gather({} if result is None else result.per_task, self.world)
        if not self.world.is_main:
            return None
        per_task = {t: m for part in gathered for t, m in part.items()}
        return summarise({t: per_task[t] for t in self.derived.tasks if t in per_task})

    def constraint(self) -> float:
        """Constrained-planning weight at the current step (0 when the option is off)."""
        d = self.derived
        if not d.constrained_planning:
            return 0.0
        return constraint_weight(self.step, d.constraint_start_step, self.cfg.constraint_final_step)

    # --- online training -----------------------------------------------------------------------
    def train(self, env: MultitaskEnv, eval_env: MultitaskEnv | None, logger: Logger) -> None:
        """Online training. Under torchrun, `env` is this rank's share of the envs and `eval_env` its
        share of the evaluation (None if it has no task to evaluate); only rank 0's logger writes."""
        cfg, d = self.cfg, self.derived
        n = env.num_envs
        n_all = d.num_envs  # envs of every rank: the env step counter is global
        task_idx = np.array([self.task_index[t] for t in env.tasks])
        task = torch.from_numpy(task_idx)
        lengths = env.episode_lengths
        max_len = int(lengths.max())
        ep_obs = np.zeros((n, max_len + 1, d.obs_dim), np.float32)
        ep_act = np.zeros((n, max_len, d.action_dim), np.float32)
        ep_rew = np.zeros((n, max_len), np.float32)
        ep_t = np.zeros(n, np.int64)
        ep_return = np.zeros(n)

        self._envs = (env, eval_env)
        self._restore_run_state(env, eval_env)
        obs = env.reset()
        ep_obs[:, 0] = obs
        next_eval = (self.step // cfg.eval_freq + 1) * cfg.eval_freq
        next_save = (self.step // d.save_freq + 1) * d.save_freq
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
            self.step += n_all
            # A worker that faulted was restarted: its slots' episodes are dropped (never stored), and
            # each slot now holds the first observation of a fresh episode.
            for i in np.flatnonzero(res.restarted):
                ep_t[i], ep_return[i] = 0, 0.0
                ep_obs[i, 0] = res.obs[i]
            if res.restarted.any():
                logger.bar.write(f"env step {self.step:,}: a worker fault restarted slot(s) "
                                 f"{', '.join(env.tasks[i] for i in np.flatnonzero(res.restarted))}; their episodes "
                                 f"were dropped ({self._fault_counters(env)})")

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
                                                "episode_success": float(res.success[i]),
                                                **self._fault_counters(env), **self.train_metrics})
                ep_t[i], ep_return[i] = 0, 0.0
                ep_obs[i, 0] = res.obs[i]
            obs = res.obs

            # Update at the configured update-to-data ratio once seeding is over; with seed_burst, the
            # first updates are a burst of one per seeding step (TD-MPC2), in place of that step's.
            if self.step >= d.seed_steps and self._ready_to_update():
                if d.seed_burst and self.updates == 0:
                    self._update_credit += d.seed_steps
                else:
                    self._update_credit += d.utd * n_all
                while self._update_credit >= 1.0:
                    self.train_metrics = self._update(self.buffer.sample(self.local_batch))
                    self.updates += 1
                    self._update_credit -= 1.0
            elapsed = max(time.time() - start_time, 1e-9)
            logger.advance(n_all, {"sps": (self.step - start_step) / elapsed, **(
                {"loss": self.train_metrics["total_loss"]} if self.train_metrics else {})})

            if self.step >= next_eval or self.step >= cfg.steps:
                result = self.evaluate(eval_env, progress=logger.eval_progress)
                episodes = distributed.total(self.episodes) if self.world.enabled else self.episodes
                if result is None:  # a rank other than 0: rank 0 logs the gathered results
                    result = summarise({})
                per_task, overall = result.per_task, result.overall
                overall.update(elapsed_s=elapsed, updates=self.updates, episodes=episodes)
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

