"""A short end-to-end train.py run on a DMC task: CSV rows, checkpoints, and resume."""

import csv
import subprocess
import sys

import torch

FAST = ["task=cartpole-balance", "num_envs=2", "seed_steps=200", "eval_freq=1000", "eval_episodes=1",
        "batch_size=16", "num_samples=32", "num_elites=4", "num_pi_trajs=4", "iterations=1", "utd=0.5",
        "exp_name=e2e", "device=cpu"]


def run(tmp_path, *extra, ok=True):
    size = [] if any(e.startswith("model_size=") for e in extra) else ["model_size=S"]
    proc = subprocess.run([sys.executable, "train.py", f"log_dir={tmp_path}", *FAST, *size, *extra],
                          capture_output=True, text=True, timeout=900)
    if ok:
        assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def test_train_writes_csv_and_checkpoint_then_resumes(tmp_path):
    proc = run(tmp_path, "steps=1000", "save_buffer=false")
    assert "Newt S, 1.29M params, on cpu" in proc.stdout + proc.stderr  # the startup line names the size
    run_dir = tmp_path / "cartpole-balance" / "1" / "e2e"
    with open(run_dir / "eval.csv") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["step"]) for r in rows] == [1000]
    assert {"step", "episode_reward", "episode_score", "episode_success", "elapsed_s", "updates",
            "episodes"} <= set(rows[0])
    assert int(rows[0]["updates"]) > 0
    assert 0 <= float(rows[0]["episode_score"]) <= 1
    with open(run_dir / "train.csv") as f:
        train_rows = list(csv.DictReader(f))
    assert len(train_rows) == 2  # two envs finished one 500-step episode each
    ckpt = run_dir / "checkpoint_1000.pt"
    state = torch.load(ckpt, weights_only=False)
    assert state["step"] == 1000 and state["episodes"] == 2

    assert "run_state" not in state
    proc = run(tmp_path, "steps=1600", f"checkpoint={ckpt}")
    out = proc.stdout + proc.stderr
    assert "resumed from" in out and "the replay buffer starts empty" in out
    assert "ms per env step after seeding" in out and "min per evaluation" in out and "CPU recipe:" in out
    with open(run_dir / "eval.csv") as f:
        steps = [int(r["step"]) for r in csv.DictReader(f)]
    assert steps == [1000, 1600]  # continued from 1000, did not start over
    resumed = torch.load(run_dir / "checkpoint_1600.pt", weights_only=False)
    # The replay buffer is not restored, so no update runs until a new episode is stored (after
    # 500 more steps per env): counters and weights must be exactly those that were saved.
    assert resumed["step"] == 1600 and resumed["updates"] == state["updates"] > 0
    assert resumed["episodes"] == state["episodes"]
    for name, value in state["agent"]["model"].items():
        assert torch.equal(value, resumed["agent"]["model"][name]), name


def _rows(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def test_resume_reproduces_the_uninterrupted_run_bit_for_bit(tmp_path, monkeypatch):
    """A run resumed from its step-500 checkpoint (which holds the replay buffer, the RNG states, the
    envs' episode counters and the planner warm starts) writes the same eval.csv and train.csv rows and
    the same final weights as the run that was never interrupted; only wall-time columns differ.
    One env, so that the checkpoint falls on an episode boundary (500 steps)."""
    monkeypatch.setattr(sys.modules[__name__], "FAST", [a for a in FAST if not a.startswith(("num_envs", "eval_freq"))]
                        + ["num_envs=1", "eval_freq=500"])
    whole, resumed = tmp_path / "whole", tmp_path / "resumed"
    run(whole, "steps=1000")
    run_dir = whole / "cartpole-balance" / "1" / "e2e"
    saved = torch.load(run_dir / "checkpoint_500.pt", weights_only=True)
    assert saved["run_state"]["buffer"]["rows"]["obs"].shape[0] == 501  # the used rows only, not the capacity
    proc = run(resumed, "steps=1000", f"checkpoint={run_dir / 'checkpoint_500.pt'}")
    assert "the run continues exactly" in proc.stdout + proc.stderr
    other = resumed / "cartpole-balance" / "1" / "e2e"
    wall = {"elapsed_s", "sps"}
    for name in ("eval.csv", "train.csv"):
        expected = [{k: v for k, v in r.items() if k not in wall} for r in _rows(run_dir / name)
                    if int(r["step"]) > 500]
        got = [{k: v for k, v in r.items() if k not in wall} for r in _rows(other / name)]
        assert expected and got == expected, name
    final_a = torch.load(run_dir / "checkpoint_1000.pt", weights_only=True)["agent"]["model"]
    final_b = torch.load(other / "checkpoint_1000.pt", weights_only=True)["agent"]["model"]
    for name, value in final_a.items():
        assert torch.equal(value, final_b[name]), name


def test_resume_with_different_model_is_refused(tmp_path):
    run(tmp_path, "steps=200", "save_freq=200")  # seeding only: a checkpoint without any planning
    ckpt = tmp_path / "cartpole-balance" / "1" / "e2e" / "checkpoint_200.pt"
    proc = run(tmp_path, "steps=600", "model_size=B", f"checkpoint={ckpt}", ok=False)
    assert proc.returncode != 0 and "model_size='S' (this run: 'B')" in proc.stderr


def test_missing_checkpoint_is_a_clear_error(tmp_path):
    proc = run(tmp_path, "steps=600", f"checkpoint={tmp_path}/nope.pt", ok=False)
    assert proc.returncode != 0 and "nope.pt' does not exist" in proc.stderr
