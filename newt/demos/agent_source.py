"""Demos from a trained agent: `--source checkpoint=PATH` (spec §10.1).

The checkpoint is a single-task run's (`train.py task=<task>`), loaded through the trainer's own
checkpoint loader, which refuses one trained with a different task or model shape. The agent acts
with eval-mode planning (MPPI, no exploration noise) on the padded 128/16 interface, and for each
step records `value`: Q(z(obs), action) averaged over the whole Q ensemble, as the original does.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from envs.registry import MAX_ACTION_DIM, MAX_OBS_DIM


class AgentSource:
    def __init__(self, path: str, task: str, env, device: str = "auto"):
        import config as config_module
        from newt.agent import Agent
        from newt.buffer import EpisodeBuffer
        from newt.checkpoint import read_checkpoint
        from newt.trainer import Trainer

        state = read_checkpoint(path)  # weights_only: a checkpoint from elsewhere cannot run code
        saved = state["config"]
        if saved.get("task") != task:
            raise ValueError(f"checkpoint {path!r} was trained on task {saved.get('task')!r}, not {task!r}; "
                             f"demos come from a single-task checkpoint of the same task")
        cfg = dataclasses.replace(config_module.checkpoint_config(saved), device=device, compile=False,
                                  checkpoint=None, num_envs=1)
        derived = config_module.derive(cfg)
        self.agent = Agent(cfg, derived)
        trainer = Trainer(cfg, derived, self.agent, EpisodeBuffer(1, 1, 1, 1), np.random.default_rng(0))
        trainer.load(path)
        self.env = env
        self.task = env.task
        self.last_value: float | None = None
        self._first = True
        self._task_index = torch.zeros(1, dtype=torch.long)

    def reset(self, seed: int):
        obs, info = self.env.reset(seed=seed)
        self._first = True
        return obs, info

    @torch.no_grad()
    def act(self, obs, info) -> np.ndarray:
        padded = torch.zeros(1, MAX_OBS_DIM)
        padded[0, : len(obs)] = torch.as_tensor(obs)
        first = torch.tensor([self._first])
        self._first = False
        action = self.agent.act(padded, self._task_index, eval_mode=True, first_step=first)  # [1, 16]
        model = self.agent.model
        device = self.agent.device
        task = self._task_index.to(device)
        z = model.encode(padded.to(device), task)
        members = torch.arange(model.num_q, device=device)
        q = model.two_hot.decode(model.q_logits(z, action.to(device), task, members=members))
        self.last_value = float(q.mean())
        assert action.shape[-1] == MAX_ACTION_DIM
        return action[0, : self.task.action_dim].numpy()
