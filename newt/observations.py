"""What the agent observes: the padded state (obs=state), or the state followed by the frozen image
features of the step's frame (obs=rgb: [state 128 | DINOv2 CLS feature 768], encoded once per vector
step for all envs, batched, on the training device; newt/vision.py)."""

from __future__ import annotations

import numpy as np
import torch


class RgbObservations:
    """Turns (states [N, 128], frames uint8 [N, 3, 224, 224]) into observations [N, 128 + 768]."""

    def __init__(self, encoder):
        self.encoder = encoder  # a newt.vision.FrameEncoder

    def __call__(self, states: np.ndarray, frames: np.ndarray) -> np.ndarray:
        if frames is None:
            raise ValueError("obs=rgb needs a frame per env: make the env pool with render_frames=True")
        if len(states) != len(frames):
            raise ValueError(f"{len(states)} states but {len(frames)} frames")
        feats = self.encoder.encode(torch.from_numpy(np.ascontiguousarray(frames))).float().cpu().numpy()
        return np.concatenate([states.astype(np.float32, copy=False), feats], axis=1)


def demo_rows_for_rgb(rows: dict[str, torch.Tensor]) -> dict[str, torch.Tensor] | None:
    """Demo rows with `feat` appended to `obs` (obs=rgb); None when the file has no `feat` (the
    caller skips that task, with a log line: `python -m newt.demos features DIR` adds them)."""
    if "feat" not in rows:
        return None
    return {**rows, "obs": torch.cat([rows["obs"], rows["feat"].to(rows["obs"].dtype)], dim=1)}
