"""Replay of whole fixed-length episodes; slices of H+1 steps sampled in O(batch).

Storage is a flat ring of rows on the training device. An episode of length L occupies L+1
contiguous rows: row 0 holds the reset observation, row t the observation after action t, the
action that led to it and its reward (row 0's action and reward are unused). This is also the
demo file layout, so a demo buffer is the same class filled from disk. A slice starting at row s
uses obs[s..s+H], action[s+1..s+H], reward[s+1..s+H]; valid starts never let a slice cross an
episode boundary.

Two ways to weigh the stored data (`sampling`):
- "episode" (the original Newt's, via torchrl's SliceSampler): an episode uniformly, then a start
  uniformly within it. Every episode weighs the same, so in a task set a task with 100-step
  episodes gets 10x the slices per transition of a task with 1000-step episodes.
- "transition": every valid start uniformly (episodes in proportion to their number of starts),
  via a cumulative-count search.
Both cost O(batch), whatever the buffer size.
"""

from __future__ import annotations

from typing import NamedTuple

import torch


class Batch(NamedTuple):
    obs: torch.Tensor  # [H+1, B, obs_dim]
    action: torch.Tensor  # [H, B, action_dim]
    reward: torch.Tensor  # [H, B, 1]
    task: torch.Tensor  # [B] run task index


SAMPLING = ("episode", "transition")


def concat_batches(a: Batch, b: Batch) -> Batch:
    """Two batches side by side (slices along the batch dimension)."""
    return Batch(obs=torch.cat([a.obs, b.obs], 1), action=torch.cat([a.action, b.action], 1),
                 reward=torch.cat([a.reward, b.reward], 1), task=torch.cat([a.task, b.task], 0))


class EpisodeBuffer:
    def __init__(self, capacity: int, obs_dim: int, action_dim: int, horizon: int, device: str = "cpu",
                 sampling: str = "episode"):
        if capacity <= 0:
            raise ValueError(f"buffer capacity must be > 0, got {capacity}")
        if sampling not in SAMPLING:
            raise ValueError(f"sampling {sampling!r} not accepted; accepted: {', '.join(SAMPLING)}")
        self.sampling = sampling
        self.capacity, self.horizon, self.device = capacity, horizon, torch.device(device)
        self.obs = torch.zeros(capacity, obs_dim, device=self.device)
        self.action = torch.zeros(capacity, action_dim, device=self.device)
        self.reward = torch.zeros(capacity, device=self.device)
        self.task = torch.zeros(capacity, dtype=torch.long, device=self.device)
        # Episode table: first row and number of valid slice starts of each stored episode.
        self._ep_start = torch.zeros(0, dtype=torch.long, device=self.device)
        self._ep_len = torch.zeros(0, dtype=torch.long, device=self.device)
        self._cum = torch.zeros(0, dtype=torch.long, device=self.device)
        self._cursor = 0
        self.num_transitions = 0  # transitions (actions) currently stored
        self.total_added = 0  # transitions ever added

    def __len__(self) -> int:
        return self.num_transitions

    @property
    def num_episodes(self) -> int:
        return int(self._ep_start.numel())

    def add(self, obs: torch.Tensor, action: torch.Tensor, reward: torch.Tensor, task: int) -> None:
        """Store one episode: obs [L+1, obs_dim], action [L, action_dim], reward [L]."""
        rows = obs.shape[0]
        if rows < self.horizon + 1:
            raise ValueError(f"episode of {rows - 1} steps is shorter than the horizon {self.horizon}")
        if action.shape[0] != rows - 1 or reward.shape[0] != rows - 1:
            raise ValueError(f"episode shapes disagree: obs {tuple(obs.shape)}, action {tuple(action.shape)}, "
                             f"reward {tuple(reward.shape)} (expected L+1, L, L rows)")
        if rows > self.capacity:
            raise ValueError(f"episode of {rows} rows does not fit a buffer of {self.capacity} rows")
        start = self._cursor if self._cursor + rows <= self.capacity else 0
        end = start + rows
        # Drop stored episodes that overlap the rows about to be overwritten.
        keep = (self._ep_start + self._ep_len + self.horizon <= start) | (self._ep_start >= end)
        self.num_transitions -= int((self._ep_len[~keep] + self.horizon - 1).sum()) if (~keep).any() else 0
        self._ep_start, self._ep_len = self._ep_start[keep], self._ep_len[keep]
        self.obs[start:end] = obs.to(self.device)
        self.action[start + 1:end] = action.to(self.device)
        self.reward[start + 1:end] = reward.to(self.device).reshape(-1)
        self.task[start:end] = task
        self._ep_start = torch.cat([self._ep_start, torch.tensor([start], device=self.device)])
        self._ep_len = torch.cat([self._ep_len, torch.tensor([rows - self.horizon], device=self.device)])
        self._cum = torch.cumsum(self._ep_len, 0)
        self._cursor = end
        self.num_transitions += rows - 1
        self.total_added += rows - 1

    def sample(self, batch_size: int, generator: torch.Generator | None = None) -> Batch:
        if self.num_episodes == 0:
            raise RuntimeError("cannot sample from an empty buffer")
        if self.sampling == "episode":
            ep = torch.randint(0, self.num_episodes, (batch_size,), device=self.device, generator=generator)
            u = torch.rand(batch_size, device=self.device, generator=generator)
            offset = (u * self._ep_len[ep]).long().clamp_max(self._ep_len[ep] - 1)
        else:
            total = int(self._cum[-1])
            k = torch.randint(0, total, (batch_size,), device=self.device, generator=generator)
            ep = torch.searchsorted(self._cum, k, right=True)
            offset = k - (self._cum[ep] - self._ep_len[ep])
        start = self._ep_start[ep] + offset
        idx = start.unsqueeze(0) + torch.arange(self.horizon + 1, device=self.device).unsqueeze(1)  # [H+1, B]
        return Batch(
            obs=self.obs[idx],
            action=self.action[idx[1:]],
            reward=self.reward[idx[1:]].unsqueeze(-1),
            task=self.task[start],
        )

    @property
    def rows_used(self) -> int:
        """Rows [0, rows_used) hold every stored episode (the ring's high-water mark)."""
        if self.num_episodes == 0:
            return 0
        return int((self._ep_start + self._ep_len + self.horizon).max())

    def state_dict(self) -> dict:
        """The stored episodes: only the used rows, not the preallocated capacity."""
        used = self.rows_used
        return {"rows": {k: getattr(self, k)[:used].clone() for k in ("obs", "action", "reward", "task")},
                "capacity": self.capacity, "ep_start": self._ep_start.clone(), "ep_len": self._ep_len.clone(),
                "cursor": self._cursor, "num_transitions": self.num_transitions, "total_added": self.total_added}

    def load_state_dict(self, state: dict) -> None:
        """Restore the episodes of `state_dict` into this buffer (same row width; enough capacity)."""
        rows = state["rows"]
        used = rows["obs"].shape[0]
        if used > self.capacity or rows["obs"].shape[1:] != self.obs.shape[1:] \
                or rows["action"].shape[1:] != self.action.shape[1:]:
            raise ValueError(f"saved buffer ({used} rows, obs {tuple(rows['obs'].shape[1:])}, action "
                             f"{tuple(rows['action'].shape[1:])}) does not fit this buffer ({self.capacity} rows, obs "
                             f"{tuple(self.obs.shape[1:])}, action {tuple(self.action.shape[1:])})")
        for k in ("obs", "action", "reward", "task"):
            getattr(self, k).zero_()
            getattr(self, k)[:used] = rows[k].to(self.device)
        self._ep_start, self._ep_len = state["ep_start"].to(self.device), state["ep_len"].to(self.device)
        self._cum = torch.cumsum(self._ep_len, 0)
        self._cursor, self.num_transitions, self.total_added = (
            int(state["cursor"]), int(state["num_transitions"]), int(state["total_added"]))


class DemoMix:
    """Half of every batch from the demo buffer, half from the online buffer, as the original's
    EnsembleBuffer. The online buffer also holds the demos (the caller adds them to both), so in
    pretraining, before any env step, every slice is a demo slice; online episodes go to the online
    buffer only. `add`, `num_episodes` and `len` are the online buffer's."""

    def __init__(self, demos: EpisodeBuffer, online: EpisodeBuffer):
        if demos.num_episodes == 0:
            raise ValueError("the demo buffer is empty: add the demos before mixing")
        self.demos, self.online = demos, online

    def __len__(self) -> int:
        return len(self.online)

    @property
    def num_episodes(self) -> int:
        return self.online.num_episodes

    def add(self, obs: torch.Tensor, action: torch.Tensor, reward: torch.Tensor, task: int) -> None:
        self.online.add(obs, action, reward, task)

    def sample(self, batch_size: int, generator: torch.Generator | None = None) -> Batch:
        half = batch_size // 2
        return concat_batches(self.demos.sample(half, generator), self.online.sample(batch_size - half, generator))
