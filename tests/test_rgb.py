"""obs=rgb: observations are [state 128 | DINOv2 feature 768] of the frame each env renders in its
worker; the run fails before any work without the encoder's weights; demos need `feat`."""

import dataclasses
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import config as C
from envs.multitask import MultitaskEnv
from envs.registry import get_task
from newt.observations import RgbEnv, demo_rows_for_rgb

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class MeanColourEncoder:
    """A stand-in for FrameEncoder (fast): per channel, the frame's mean and its row- and
    column-weighted means (so a moved sprite changes them), repeated to 768."""

    def encode(self, frames: torch.Tensor) -> torch.Tensor:
        assert frames.dtype == torch.uint8 and frames.shape[1:] == (3, 224, 224)
        x = frames.double()
        ramp = torch.arange(224, dtype=torch.float64)
        parts = [x.mean(dim=(2, 3)), (x * ramp[:, None]).mean(dim=(2, 3)), (x * ramp).mean(dim=(2, 3))]
        return torch.cat(parts, 1).float().repeat(1, 768 // 9 + 1)[:, :768]


def test_rgb_observations_are_state_then_features_of_the_right_frame():
    specs = [dataclasses.replace(get_task("pygame-landing"), episode_length=5),
             dataclasses.replace(get_task("pygame-point-maze-var1"), episode_length=7)]
    encoder = MeanColourEncoder()
    with MultitaskEnv(specs, seed=0, num_workers=0, render_frames=True) as pool:
        env = RgbEnv(pool, encoder)
        obs = env.reset()
        assert obs.shape == (2, 128 + 768) and obs.dtype == np.float32
        np.testing.assert_array_equal(obs[:, 128:], encoder.encode(torch.from_numpy(pool.frames)).numpy())
        for _ in range(7):
            res = env.step(np.zeros((2, 16), np.float32))
            raw_now = encoder.encode(torch.from_numpy(pool.frames)).numpy()
            np.testing.assert_array_equal(res.obs[:, 128:], raw_now)  # features of the new observations' frames
            if res.done.any():  # where an episode ended, final_obs carries its last frame's features
                assert not np.array_equal(res.final_obs[res.done, 128:], res.obs[res.done, 128:])
            np.testing.assert_array_equal(res.final_obs[~res.done, 128:], res.obs[~res.done, 128:])


def test_rgb_needs_a_pool_that_renders_frames():
    with MultitaskEnv(["pygame-landing"], seed=0, num_workers=0) as pool:
        with pytest.raises(ValueError, match="render_frames"):
            RgbEnv(pool, MeanColourEncoder())


def test_rgb_observation_size_and_options():
    d = C.derive(C.Config(task="cartpole-balance", obs="rgb"))
    assert d.obs_dim == 128 + 768
    assert C.derive(C.Config(task="cartpole-balance")).obs_dim == 128


def test_missing_vision_weights_stop_the_run_before_any_work(tmp_path):
    proc = subprocess.run([sys.executable, "train.py", "task=cartpole-balance", "obs=rgb",
                           f"vision_model={tmp_path}/no-such-model", f"log_dir={tmp_path}/logs", "device=cpu"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "no-such-model" in proc.stderr and "from_pretrained('facebook/dinov2-base')" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "logs").exists()  # nothing was written


def test_demo_rows_get_their_features_appended_and_files_without_are_skipped():
    rows = {"obs": torch.zeros(3, 128), "feat": torch.ones(3, 768), "action": torch.zeros(3, 16)}
    out = demo_rows_for_rgb(rows)
    assert out["obs"].shape == (3, 896) and torch.equal(out["obs"][:, 128:], torch.ones(3, 768))
    assert demo_rows_for_rgb({"obs": torch.zeros(3, 128)}) is None


@pytest.mark.slow  # DINOv2-base on CPU encodes ~2.6 frames/s here: minutes
def test_train_obs_rgb_with_random_vision_weights(tmp_path):
    proc = subprocess.run([sys.executable, "train.py", "task=[pygame-landing,pygame-point-maze-var1]", "obs=rgb",
                           "vision_model=random", "model_size=S", "steps=600", "seed_steps=400", "eval_freq=600",
                           "eval_episodes=1", "batch_size=32", "num_samples=32", "num_elites=4", "num_pi_trajs=4",
                           "iterations=1", "use_demos=false", "num_workers=0", f"log_dir={tmp_path}", "exp_name=r"],
                          cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-3000:]
    ckpt = next(tmp_path.glob("*/1/r/checkpoint_600.pt"))
    state = torch.load(ckpt, weights_only=True)
    assert state["agent"]["model"]["encoder.0.0.weight"].shape[1] == 128 + 768 + 384  # state | feature | task
