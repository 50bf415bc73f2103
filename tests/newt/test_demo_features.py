"""`python -m newt.demos features`: image features added to demo files by replaying their episodes.

The features must be those of the frames the env pool renders online (obs=rgb), row for row; a file
whose replay leaves the stored trajectory is refused and left byte for byte as it was. The encoder
here is a cheap stand-in with the FrameEncoder interface (pixels picked from the frame): the
features tool only batches frames into it, and DINOv2 itself is tested in test_vision.py.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from envs.multitask import MultitaskEnv, episode_seed
from newt.demos import load_demo, read_file, save_file
from newt.demos.__main__ import main as demos_main
from newt.demos.features import add_features, replay_episode
from newt.demos.generate import Episode, to_rows
from newt.observations import demo_rows_for_rgb

TASK = "mujoco-reacher"  # 50-step episodes, action dim 2, a MuJoCo renderer
OBS_DIM = 10
POOL_SEED = 7


class PixelEncoder:
    """FrameEncoder's interface, 768 pixels of each frame as its feature (distinct per frame)."""

    feature_dim = 768

    def __init__(self):
        self.calls = 0

    def encode(self, frames: torch.Tensor) -> torch.Tensor:
        assert frames.dtype == torch.uint8 and tuple(frames.shape[1:]) == (3, 224, 224)
        self.calls += 1
        return frames.reshape(len(frames), -1)[:, ::196].float()


def pool_rollout(episodes: int = 2):
    """Episodes of TASK stepped by the env pool with frames (obs=rgb's path): demo rows of them, and
    the frame of every row."""
    rng = np.random.default_rng(0)
    length = 50
    with MultitaskEnv([TASK], seed=POOL_SEED, num_workers=0, render_frames=True) as env:
        eps, frames = [], []
        obs = env.reset()
        for k in range(episodes):
            states, pics, actions = [obs[0, :OBS_DIM].copy()], [env.frames[0].copy()], []
            for _ in range(length):
                a = np.zeros((1, 16), np.float32)
                a[0, :2] = rng.uniform(-1, 1, 2)
                res = env.step(a)
                actions.append(a[0, :2])
                states.append(res.final_obs[0, :OBS_DIM].copy())
                pics.append(res.final_frames[0].copy())
                obs = res.obs
            eps.append(Episode(np.stack(states), np.stack(actions), np.zeros(length, np.float32), None,
                               episode_seed(POOL_SEED, 0, k), 0.0, 0.0, 0.0))
            frames.append(np.stack(pics))
    return to_rows(eps), np.concatenate(frames)


@pytest.fixture(scope="module")
def recorded():
    return pool_rollout()


def test_features_are_the_encoded_frames_the_env_pool_renders_row_for_row(tmp_path, recorded):
    rows, frames = recorded
    path = str(tmp_path / f"{TASK}.pt")
    save_file(rows, path)
    encoder = PixelEncoder()
    report = add_features(path, encoder)
    assert report.written and not report.error and report.max_error == 0.0
    assert (report.episodes, report.rows) == (2, 102)
    out = load_demo(path)  # the rewritten file passes the validator
    assert out["feat"].dtype == torch.float32 and out["feat"].shape == (102, 768)
    expected = encoder.encode(torch.from_numpy(frames))
    torch.testing.assert_close(out["feat"], expected, rtol=0, atol=0)
    for key, value in rows.items():  # every key the file had is kept as it was
        torch.testing.assert_close(out[key], value, rtol=0, atol=0, equal_nan=True)
    rgb = demo_rows_for_rgb(out)  # what obs=rgb trains on: [state 128 | feat 768]
    assert rgb["obs"].shape == (102, 896)
    torch.testing.assert_close(rgb["obs"][:, 128:], expected)


def test_a_file_whose_replay_drifts_is_refused_and_left_as_it_was(tmp_path, recorded):
    rows, _ = recorded
    rows = {k: v.clone() for k, v in rows.items()}
    rows["obs"][51 + 20, 0] += 0.01  # episode 1, row 20: a state the actions do not lead to
    path = str(tmp_path / f"{TASK}.pt")
    save_file(rows, path)
    before = open(path, "rb").read()
    report = add_features(path, PixelEncoder())
    assert not report.written
    assert "episode 1" in report.error and "row 20" in report.error and "atol" in report.error
    assert open(path, "rb").read() == before
    assert os.listdir(tmp_path) == [f"{TASK}.pt"]  # no temporary file left behind
    # the same drift inside a looser tolerance is accepted
    assert add_features(path, PixelEncoder(), atol=0.02).written


def test_skips_files_with_feat_unless_forced_and_refuses_files_without_seeds(tmp_path, recorded):
    rows, _ = recorded
    path = str(tmp_path / f"{TASK}.pt")
    save_file({**rows, "feat": torch.zeros(102, 768)}, path)
    encoder = PixelEncoder()
    report = add_features(path, encoder)
    assert report.skipped and not report.written and encoder.calls == 0
    assert add_features(path, encoder, force=True).written and read_file(path)["feat"].abs().sum() > 0
    save_file({k: v for k, v in rows.items() if k != "seed"}, path)
    assert "no `seed`" in add_features(path, encoder).error


def test_out_writes_elsewhere_and_replay_only_writes_nothing(tmp_path, recorded):
    rows, _ = recorded
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    path = str(src / f"{TASK}.pt")
    save_file(rows, path)
    before = open(path, "rb").read()
    report = add_features(path, None, replay_only=True)
    assert report.max_error == 0.0 and not report.written and open(path, "rb").read() == before
    assert add_features(path, PixelEncoder(), out=str(dst)).written
    assert open(path, "rb").read() == before and "feat" in read_file(str(dst / f"{TASK}.pt"))


def test_replay_episode_matches_a_fresh_env_of_the_same_seed():
    import envs

    actions = np.random.default_rng(1).uniform(-1, 1, (50, 2)).astype(np.float32)
    a, b = envs.make(TASK, seed=0, render_mode="rgb_array"), envs.make(TASK, seed=99, render_mode="rgb_array")
    try:
        sa, fa = replay_episode(a, 5, actions, render=True)
        sb, fb = replay_episode(b, 5, actions, render=True)
    finally:
        a.close()
        b.close()
    assert sa.shape == (51, OBS_DIM) and fa.shape == (51, 3, 224, 224) and fa.dtype == np.uint8
    np.testing.assert_array_equal(sa, sb)  # the reset seed, not the maker's, sets the episode
    np.testing.assert_array_equal(fa, fb)
    assert len({f.tobytes() for f in fa}) > 1


def test_cli_stops_before_any_replay_without_weights_and_reports_replays(tmp_path, recorded, capsys):
    rows, _ = recorded
    save_file(rows, str(tmp_path / f"{TASK}.pt"))
    assert demos_main(["features", str(tmp_path), "--vision-model", str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err
    assert "nowhere" in err and "from_pretrained" in err
    assert "feat" not in read_file(str(tmp_path / f"{TASK}.pt"))
    assert demos_main(["features", str(tmp_path), "--replay-only"]) == 0
    out = capsys.readouterr().out
    assert TASK in out and "replays" in out
    with pytest.raises(SystemExit):
        demos_main(["features", str(tmp_path), "--atol", "-1"])
    assert "--atol must be >= 0, got -1" in capsys.readouterr().err
