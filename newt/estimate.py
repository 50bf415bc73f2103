"""What a run will cost, measured before it starts: time per env step and per evaluation.

On a CPU a task-set run can be days of work, so train.py prints these figures (and one line of
advice) before any training, then runs as asked. The measurements never touch the run's state:
planning and the update are timed on a copy of the agent, with synthetic inputs of the run's
shapes; env stepping is timed on the evaluation pool, which is reset before every evaluation.
Planning cost is linear in the number of envs, so it is timed on at most `probe_envs` envs and
scaled.
"""

from __future__ import annotations

import copy
import os
import time
from dataclasses import dataclass

import numpy as np
import torch

from newt.buffer import Batch


@dataclass(frozen=True)
class CostEstimate:
    act_s: float  # one acting step (planning or policy) for all training envs
    update_s: float  # one update
    env_s: float  # one vector step of the training envs
    per_env_step_s: float  # wall time per env step after seeding
    per_eval_s: float  # one evaluation (every eval env, one full episode)
    load: float | None = None  # the 1-minute load average when the timing started (None: not known)
    cores: int = 1  # logical CPUs of the machine

    def load_note(self) -> str:
        """A warning when other processes already held every core: then each figure runs high (2x and
        more on a busy 2-core machine), since it times a few calls on a shared CPU."""
        if self.load is None or self.load < self.cores:
            return ""
        return (f" (the load average was {self.load:.1f} on {self.cores} cores when this was timed: other "
                f"processes share the CPU, so these figures run high)")

    def summary(self, steps_after_seeding: int, pretrain_updates: int = 0) -> str:
        total = steps_after_seeding * self.per_env_step_s
        pretrain = (f"; demo pretraining {pretrain_updates:,} updates, {pretrain_updates * self.update_s / 3600:.1f} h"
                    if pretrain_updates else "")
        return (f"estimated on this machine: {self.per_env_step_s * 1e3:.1f} ms per env step after seeding "
                f"(acting {self.act_s * 1e3:.0f} ms per vector step, update {self.update_s * 1e3:.0f} ms), "
                f"{self.per_eval_s / 60:.1f} min per evaluation; {total / 3600:.1f} h of training after seeding"
                f"{pretrain}{self.load_note()}")


def _timed(fn, repeats: int = 1) -> float:
    fn()  # warm-up: one-time costs (kernel compilation, allocator) are not the steady state
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) / repeats


def estimate_costs(agent, derived, env_tasks: int, eval_env, mpc_eval: bool, probe_envs: int = 8) -> CostEstimate:
    """Time acting, updating and env stepping for a run of `env_tasks` training envs."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    probe = copy.deepcopy(agent)  # the run's agent, weights and planner warm starts stay untouched
    probe.set_world_size(1)  # timed on this rank alone: no collective with the other torchrun ranks
    k = min(probe_envs, env_tasks)
    obs = torch.randn(k, derived.obs_dim)
    task = torch.arange(k) % len(derived.tasks)
    act_s = _timed(lambda: probe.act(obs, task)) * env_tasks / k
    eval_n = eval_env.num_envs
    act_eval_s = _timed(lambda: probe.act(obs, task, eval_mode=True, mpc=mpc_eval)) * eval_n / k
    gen = torch.Generator().manual_seed(0)
    b, h = derived.batch_size, agent.cfg.horizon
    batch = Batch(obs=torch.randn(h + 1, b, derived.obs_dim, generator=gen),
                  action=(torch.rand(h, b, derived.action_dim, generator=gen) * 2 - 1),
                  reward=torch.rand(h, b, 1, generator=gen),
                  task=torch.randint(0, len(derived.tasks), (b,), generator=gen))
    update_s = _timed(lambda: probe.update(batch))
    eval_env.reset()
    zeros = np.zeros((eval_n, derived.action_dim), np.float32)
    env_eval_s = _timed(lambda: eval_env.step(zeros), repeats=3)
    env_s = env_eval_s * env_tasks / eval_n
    per_env_step = (act_s + env_s) / env_tasks + derived.utd * update_s
    max_len = int(eval_env.episode_lengths.max())
    return CostEstimate(act_s=act_s, update_s=update_s, env_s=env_s, per_env_step_s=per_env_step,
                        per_eval_s=max_len * (act_eval_s + env_eval_s), load=load, cores=os.cpu_count() or 1)


def cpu_recipe(derived) -> str:
    """One line of advice for a CPU run of this kind."""
    if derived.multitask:
        return ("CPU recipe: model_size=S eval_mpc=false (evaluate the policy alone) and a small steps/eval_freq "
                "for a smoke run; the soup at its defaults is meant for GPUs (torchrun across several)")
    return ("CPU recipe: model_size=S num_envs=2 for a first run; planning is most of the cost on a CPU "
            "(iterations and num_samples set it), and a GPU (device=cuda compile=true) is the way to go further")
