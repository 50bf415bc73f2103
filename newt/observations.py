"""What the agent observes: the padded state (obs=state), or the state followed by the frozen image
features of the step's frame (obs=rgb: [state 128 | DINOv2 CLS feature 768]).

`RgbEnv` wraps a `MultitaskEnv` made with `render_frames=True`: its frames (rendered in the env
workers) are encoded once per vector step for all envs, batched, on the training device
(newt/vision.py), and appended to the states. The trainer, the evaluation and the cost estimate see
an env like any other, whose observations are 896-D.
"""

from __future__ import annotations

import numpy as np
import torch


class RgbEnv:
    """A MultitaskEnv (render_frames=True) whose observations are [state | frame features]."""

    def __init__(self, env, encoder):
        if not getattr(env, "render_frames", False):
            raise ValueError("obs=rgb needs a pool made with render_frames=True")
        self.env, self.encoder = env, encoder

    def __getattr__(self, name):  # tasks, num_envs, episode_lengths, rand_act, counters, render, close ...
        return getattr(self.env, name)

    @property
    def episode_index(self) -> np.ndarray:
        return self.env.episode_index

    @episode_index.setter
    def episode_index(self, value) -> None:
        self.env.episode_index = value

    def _features(self, frames: np.ndarray) -> np.ndarray:
        return self.encoder.encode(torch.from_numpy(np.ascontiguousarray(frames))).float().cpu().numpy()

    def _join(self, states: np.ndarray, feats: np.ndarray) -> np.ndarray:
        return np.concatenate([states.astype(np.float32, copy=False), feats], axis=1)

    def reset(self) -> np.ndarray:
        states = self.env.reset()
        return self._join(states, self._features(self.env.frames))

    def step(self, actions):
        res = self.env.step(actions)
        feats = self._features(res.frames)
        final = feats.copy()
        ended = res.done & ~res.restarted  # frames differ from final frames only where an episode ended
        if ended.any():
            final[ended] = self._features(res.final_frames[ended])
        return res._replace(obs=self._join(res.obs, feats), final_obs=self._join(res.final_obs, final))

    def close(self) -> None:
        self.env.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def demo_rows_for_rgb(rows: dict[str, torch.Tensor]) -> dict[str, torch.Tensor] | None:
    """Demo rows with `feat` appended to `obs` (obs=rgb); None when the file has no `feat` (the
    caller skips that task, with a log line: `python -m newt.demos features DIR` adds them)."""
    if "feat" not in rows:
        return None
    return {**rows, "obs": torch.cat([rows["obs"], rows["feat"].to(rows["obs"].dtype)], dim=1)}
