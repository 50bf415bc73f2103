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
    proc = run(tmp_path, "steps=1000")
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

    proc = run(tmp_path, "steps=1600", f"checkpoint={ckpt}")
    out = proc.stdout + proc.stderr
    assert "resumed from" in out
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


def test_resume_with_different_model_is_refused(tmp_path):
    run(tmp_path, "steps=200", "save_freq=200")  # seeding only: a checkpoint without any planning
    ckpt = tmp_path / "cartpole-balance" / "1" / "e2e" / "checkpoint_200.pt"
    proc = run(tmp_path, "steps=600", "model_size=B", f"checkpoint={ckpt}", ok=False)
    assert proc.returncode != 0 and "model_size='S' (this run: 'B')" in proc.stderr


def test_missing_checkpoint_is_a_clear_error(tmp_path):
    proc = run(tmp_path, "steps=600", f"checkpoint={tmp_path}/nope.pt", ok=False)
    assert proc.returncode != 0 and "nope.pt' does not exist" in proc.stderr
