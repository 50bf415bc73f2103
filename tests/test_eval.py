"""eval.py on a checkpoint (CSV, markdown, plot, MP4), and the report's per-domain and weighted scores."""

import csv
import math
import subprocess
import sys

import imageio.v2 as imageio
import pytest

from newt.evaluation import EvalResult, domain_scores, markdown_table, write_report

FAST = ["task=cartpole-balance", "num_envs=2", "seed_steps=200", "batch_size=16", "num_samples=32",
        "num_elites=4", "num_pi_trajs=4", "iterations=1", "exp_name=ev", "device=cpu"]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    logs = tmp_path_factory.mktemp("logs")
    proc = subprocess.run([sys.executable, "train.py", f"log_dir={logs}", *FAST, "steps=200", "save_freq=200",
                           "eval_freq=200", "eval_episodes=1"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return logs / "cartpole-balance" / "1" / "ev" / "checkpoint_200.pt"


def test_eval_writes_csv_markdown_plot_and_video(checkpoint, tmp_path):
    out = tmp_path / "report"
    proc = subprocess.run([sys.executable, "eval.py", f"checkpoint={checkpoint}", "eval_episodes=2",
                           "save_video=true", f"eval_dir={out}", "num_workers=0"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(out / "tasks.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["task"] for r in rows] == ["cartpole-balance"] and rows[0]["domain"] == "dmcontrol"
    assert 0 <= float(rows[0]["episode_score"]) <= 1 and float(rows[0]["episode_reward"]) > 0
    report = (out / "report.md").read_text()
    assert "| cartpole-balance | dmcontrol |" in report and "2 episode(s) each" in report
    assert (out / "domains.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    frames = imageio.mimread(out / "videos" / "cartpole-balance.mp4", memtest=False)
    assert len(frames) == 501 and frames[0].shape == (224, 224, 3)  # reset frame + 500 steps
    assert not list(out.rglob("*.tmp")) and not list(out.rglob("*.partial.*"))


def test_eval_refuses_a_task_the_checkpoint_was_not_trained_on(checkpoint, tmp_path):
    proc = subprocess.run([sys.executable, "eval.py", f"checkpoint={checkpoint}", "task=walker-walk",
                           f"eval_dir={tmp_path}"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "walker-walk" in proc.stderr and "'cartpole-balance'" in proc.stderr and "Traceback" not in proc.stderr


def test_eval_without_checkpoint_names_the_option(tmp_path):
    proc = subprocess.run([sys.executable, "eval.py", f"eval_dir={tmp_path}"], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 2 and "checkpoint=PATH" in proc.stderr


def test_weighted_score_is_the_mean_of_domain_means(tmp_path):
    per_task = {"walker-walk": _m(0.9), "cheetah-run": _m(0.5), "mw-reach": _m(0.2, 1.0)}
    domains = domain_scores(per_task, {"walker-walk": "dmcontrol", "cheetah-run": "dmcontrol", "mw-reach": "metaworld"})
    assert domains == pytest.approx({"dmcontrol": 0.7, "metaworld": 0.2})
    result = EvalResult(per_task, {"weighted_score": 0.45}, domains)
    text = markdown_table(result, "demo", episodes=3)
    assert "**Weighted score** (mean of the per-domain mean scores): 0.450" in text
    assert "| metaworld | 1 | 0.200 |" in text and "| walker-walk | dmcontrol | 0.0 | 0.900 | n/a |" in text
    paths = write_report(result, str(tmp_path), "demo", episodes=3)
    assert set(paths) == {"csv", "markdown", "plot"}  # no frames recorded: no videos


def _m(score, success=math.nan):
    return {"episode_reward": 0.0, "episode_score": score, "episode_success": success}


def test_eval_refuses_a_training_option_naming_the_accepted_ones(checkpoint, tmp_path):
    # lr would be silently ignored (the checkpoint's own model is evaluated), so it is refused.
    proc = subprocess.run([sys.executable, "eval.py", f"checkpoint={checkpoint}", "lr=0.1", "batch_size=4",
                           f"eval_dir={tmp_path}"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "batch_size, lr" in proc.stderr and "iterations" in proc.stderr and "eval_episodes" in proc.stderr
    assert not list(tmp_path.iterdir())


def test_eval_plans_with_the_given_mppi_settings(checkpoint, tmp_path, monkeypatch):
    import config as C
    import eval as eval_tool
    import newt.evaluation

    seen = {}

    def fake_evaluate(agent, env, task_index, **kwargs):
        seen["cfg"] = agent.cfg
        return EvalResult({"cartpole-balance": {"episode_reward": 1.0, "episode_score": 0.5, "episode_success": 0.5}},
                          {"episode_reward": 1.0, "episode_score": 0.5, "episode_success": 0.5})

    monkeypatch.setattr(newt.evaluation, "evaluate", fake_evaluate)
    cfg = C.Config(checkpoint=str(checkpoint), eval_dir=str(tmp_path), num_workers=0, iterations=3, num_samples=16,
                   lr=0.5)
    eval_tool.run(cfg, {"checkpoint", "eval_dir", "num_workers", "iterations", "num_samples"})
    # The given planner settings replace the checkpoint's (iterations=1, num_samples=32); the rest
    # (lr, not given, and num_elites) stay as trained.
    assert (seen["cfg"].iterations, seen["cfg"].num_samples, seen["cfg"].num_elites) == (3, 16, 4)
    assert seen["cfg"].lr == C.Config.lr
    with pytest.raises(C.ConfigError, match="num_elites"):  # checked against the checkpoint's other settings
        eval_tool.run(C.Config(checkpoint=str(checkpoint), num_samples=2), {"checkpoint", "num_samples"})
