"""Demo files: the original format loads, every rejection names file, key and row, the generator's
files pass the validator, and demo rows feed the replay buffer without slices crossing episodes."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from envs.registry import TASKS
from newt.buffer import EpisodeBuffer
from newt.demos import DemoCheckError, add_to_buffer, check_file, load_demo, load_demos, read_file, save_file

TASK = "pygame-cartpole-balance"  # 500 steps, action dim 1
SHORT = "mw-reach"  # 100 steps, action dim 4


def rows_for(task: str, episodes: int = 2, seed: int = 0) -> dict[str, torch.Tensor]:
    """Demo rows in the spec's layout (§10.1) with random contents."""
    spec = TASKS[task]
    g = torch.Generator().manual_seed(seed)
    n = (spec.episode_length + 1) * episodes
    obs = torch.zeros(n, 128)
    obs[:, : spec.obs_dim] = torch.randn(n, spec.obs_dim, generator=g)
    action = torch.zeros(n, 16)
    action[:, : spec.action_dim] = torch.rand(n, spec.action_dim, generator=g) * 2 - 1
    reward = torch.rand(n, generator=g)
    episode = torch.arange(episodes).repeat_interleave(spec.episode_length + 1)
    first = torch.arange(n) % (spec.episode_length + 1) == 0
    action[first] = torch.nan
    reward[first] = torch.nan
    return {"obs": obs, "action": action, "reward": reward, "episode": episode,
            "value": torch.where(first, torch.nan, torch.randn(n, generator=g)),
            "terminated": torch.zeros(n, dtype=torch.bool)}


def test_original_tensordict_file_loads(tmp_path):
    tensordict = pytest.importorskip("tensordict")
    rows = rows_for(SHORT, episodes=3)
    td = tensordict.TensorDict(rows, batch_size=[rows["obs"].shape[0]])
    td["feat"] = torch.randn(rows["obs"].shape[0], 768)
    td["feat-stacked"] = td["feat"].clone()
    path = tmp_path / f"{SHORT}.pt"
    torch.save(td, path)
    loaded = load_demo(str(path))
    assert isinstance(loaded, dict) and "feat-stacked" not in loaded
    assert set(loaded) == {"obs", "action", "reward", "episode", "value", "terminated", "feat"}
    for key, value in rows.items():
        torch.testing.assert_close(loaded[key], value, equal_nan=True)


def test_a_file_with_other_objects_is_refused(tmp_path):
    import argparse

    path = tmp_path / f"{SHORT}.pt"
    torch.save({**rows_for(SHORT), "x": argparse.Namespace()}, path)  # any class outside the allowed ones
    (problem,) = check_file(str(path))
    assert "refuses to unpickle" in str(problem) and str(path) in str(problem)


def test_a_corrupt_file_is_rejected_not_crashed_on(tmp_path):
    path = tmp_path / f"{SHORT}.pt"
    path.write_bytes(b"not a torch file")
    (problem,) = check_file(str(path))
    assert str(path) in str(problem) and "torch" in str(problem)


def test_plain_dict_round_trip(tmp_path):
    rows = rows_for(SHORT)
    save_file(rows, str(tmp_path / f"{SHORT}.pt"))
    assert os.listdir(tmp_path) == [f"{SHORT}.pt"]  # no temporary file left behind
    out = read_file(str(tmp_path / f"{SHORT}.pt"))
    assert check_file(str(tmp_path / f"{SHORT}.pt")) == []
    torch.testing.assert_close(out["obs"], rows["obs"])


def _row(n_step: int, episode: int = 1, task: str = SHORT) -> int:
    return episode * (TASKS[task].episode_length + 1) + n_step


def _drop(key):
    def edit(rows):
        del rows[key]
    return edit


def _set(key, row, value, sl=slice(None)):
    def edit(rows):
        rows[key][row, sl] = value
    return edit


def _retype(key, dtype):
    def edit(rows):
        rows[key] = rows[key].to(dtype)
    return edit


def _reshape_obs(rows):
    rows["obs"] = rows["obs"][:, :64]


def _split_episode(rows):  # episode 0's rows, then 1, then 0 again
    n = TASKS[SHORT].episode_length + 1
    rows["episode"][2 * n:] = 0


def _short_episode(rows):
    n = TASKS[SHORT].episode_length + 1
    for k in rows:
        rows[k] = torch.cat([rows[k][:n - 5], rows[k][n:]])


def _seed_changes(rows):
    rows["seed"] = torch.zeros_like(rows["episode"])
    rows["seed"][_row(7)] = 3


def _reset_row(key):
    def edit(rows):
        rows[key][_row(0)] = 0.0
    return edit


def _unused_dim(rows):
    rows["action"][_row(9), 6] = 0.5


REJECTIONS = [
    ("missing", _drop("reward"), "reward", None, "missing"),
    ("dtype", _retype("episode", torch.int32), "episode", None, "dtype torch.int32"),
    ("shape", _reshape_obs, "obs", None, "shape (303, 64)"),
    ("non-finite obs", _set("obs", _row(4), float("inf")), "obs", _row(4), "non-finite observation"),
    ("action range", _set("action", _row(5), 1.5, slice(0, 1)), "action", _row(5), "outside [-1, 1]"),
    ("unused dims", _unused_dim, "action", _row(9), "unused action dims"),
    ("episode length", _short_episode, "episode", 0, "has 95 steps"),
    ("not contiguous", _split_episode, "episode", 2 * 101, "not contiguous"),
    ("reset action", _reset_row("action"), "action", _row(0), "NaN action"),
    ("reset reward", _reset_row("reward"), "reward", _row(0), "NaN reward"),
    ("seed", _seed_changes, "seed", _row(7), "seed changes"),
]


@pytest.mark.parametrize("case", REJECTIONS, ids=[c[0] for c in REJECTIONS])
def test_each_rejection_names_file_key_and_row(tmp_path, case):
    _, edit, key, row, text = case
    rows = rows_for(SHORT, episodes=3)
    edit(rows)
    path = tmp_path / f"{SHORT}.pt"
    torch.save(rows, path)
    problems = check_file(str(path))
    assert problems, "the file was accepted"
    message = str(problems[0])
    assert str(path) in message and f"key {key!r}" in message and text in message, message
    if row is not None:
        assert f"row {row}" in message, message
    with pytest.raises(DemoCheckError, match="key"):
        load_demo(str(path))


def test_a_file_name_that_is_not_a_task_is_rejected(tmp_path):
    path = tmp_path / "mw-reachh.pt"
    torch.save(rows_for(SHORT), path)
    (problem,) = check_file(str(path))
    assert "'mw-reachh' is not a task" in str(problem) and str(path) in str(problem)


def test_check_cli_exit_code(tmp_path):
    torch.save(rows_for(SHORT), tmp_path / f"{SHORT}.pt")
    check = [sys.executable, "-m", "newt.demos", "check", str(tmp_path)]
    good = subprocess.run(check, check=False, capture_output=True, text=True)
    assert good.returncode == 0, good.stdout + good.stderr
    bad = rows_for(TASK, episodes=1)
    bad["action"][3, 0] = 2.0
    torch.save(bad, tmp_path / f"{TASK}.pt")
    run = subprocess.run(check, check=False, capture_output=True, text=True)
    assert run.returncode == 1
    assert f"{TASK}.pt, key 'action', row 3" in run.stdout
    only = subprocess.run([sys.executable, "-m", "newt.demos", "check", str(tmp_path), "--tasks", "metaworld"],
                          check=False, capture_output=True, text=True)
    assert only.returncode == 0, only.stdout


def test_load_demos_skips_missing_and_bad_files(tmp_path):
    torch.save(rows_for(SHORT), tmp_path / f"{SHORT}.pt")
    bad = rows_for("mw-push")
    bad["obs"][10, 0] = float("nan")
    torch.save(bad, tmp_path / "mw-push.pt")
    with pytest.raises(DemoCheckError, match=r"mw-push.pt, key 'obs', row 10"):
        load_demos(str(tmp_path), ["mw-reach", "mw-push", "mw-assembly"])
    with pytest.warns(UserWarning, match="mw-push"):
        demos = load_demos(str(tmp_path), ["mw-reach", "mw-push", "mw-assembly"], on_error="skip")
    assert list(demos) == ["mw-reach"]


def test_demo_rows_feed_the_buffer_without_crossing_episodes():
    horizon = 3
    rows = rows_for(SHORT, episodes=4)
    rows["obs"][:, 127] = rows["episode"].float()  # tag every row with its episode
    buffer = EpisodeBuffer(10_000, 128, 16, horizon)
    assert add_to_buffer(buffer, rows, task_index=2) == 4
    assert buffer.num_episodes == 4 and len(buffer) == 4 * TASKS[SHORT].episode_length
    batch = buffer.sample(4096, generator=torch.Generator().manual_seed(0))
    tags = batch.obs[..., 127]  # [H+1, B]
    assert (tags == tags[0]).all(), "a slice crossed an episode boundary"
    assert torch.isfinite(batch.action).all() and torch.isfinite(batch.reward).all()  # row 0's NaNs never sampled
    assert (batch.task == 2).all()
    assert set(tags[0].long().tolist()) == {0, 1, 2, 3}


def test_generated_file_passes_the_validator(tmp_path):
    from newt.demos.generate import generate

    reports = generate(["pygame-cartpole-balance"], "scripted", episodes=2, out=str(tmp_path), jobs=1,
                       progress=False)
    (report,) = reports
    assert report.written and report.kept == 2, report
    path = tmp_path / "pygame-cartpole-balance.pt"
    assert check_file(str(path)) == []
    rows = load_demo(str(path))
    assert rows["seed"].unique().tolist() == [0, 1]
    assert np.isclose(report.mean_score, 1.0, atol=0.1)
    again = generate(["pygame-cartpole-balance"], "scripted", episodes=2, out=str(tmp_path), jobs=1, progress=False)
    assert again[0].skipped  # a second run keeps the finished file


def test_checkpoint_source_records_value_and_passes_the_validator(tmp_path):
    """A single-task checkpoint (untrained, small planner) acts through `--source checkpoint=`."""
    import config as C
    from newt.agent import Agent
    from newt.demos.generate import generate
    from newt.trainer import Trainer

    task = "og-point-arena"  # 100 steps, no success required by the acceptance rule
    cfg = C.Config(task=task, device="cpu", num_samples=32, num_elites=4, num_pi_trajs=4, iterations=1)
    derived = C.derive(cfg)
    trainer = Trainer(cfg, derived, Agent(cfg, derived), EpisodeBuffer(1, 1, 1, 1), np.random.default_rng(0))
    ckpt = trainer.save(str(tmp_path / "ckpt.pt"))
    (report,) = generate([task], f"checkpoint={ckpt}", episodes=1, out=str(tmp_path / "demos"), jobs=1,
                         progress=False)
    assert report.written, report
    rows = load_demo(str(tmp_path / "demos" / f"{task}.pt"))
    value = rows["value"]
    assert torch.isnan(value[0]) and torch.isfinite(value[1:]).all()
    (other,) = generate(["og-point-maze"], f"checkpoint={ckpt}", episodes=1, out=str(tmp_path / "demos"), jobs=1,
                        progress=False)
    assert "trained on task 'og-point-arena'" in other.error and not other.written


def test_generate_and_list_cli(tmp_path):
    import json

    import config as C
    from newt.demos.__main__ import DEFAULT_DIR

    assert DEFAULT_DIR == C.Config.demo_dir
    run = subprocess.run([sys.executable, "-m", "newt.demos", "generate", "pygame-cartpole-balance,walker-walk",
                          "--episodes", "1", "--jobs", "1", "--out", str(tmp_path), "--json"],
                         check=False, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    out = json.loads(run.stdout)
    assert out["no_source"] == ["walker-walk"]
    (report,) = out["reports"]
    assert report["task"] == "pygame-cartpole-balance" and report["written"] and report["kept"] == 1
    listing = subprocess.run([sys.executable, "-m", "newt.demos", "list", str(tmp_path)], check=False,
                             capture_output=True, text=True)
    assert listing.returncode == 0 and "pygame-cartpole-balance" in listing.stdout
    assert "pygame           1 / 19" in listing.stdout
