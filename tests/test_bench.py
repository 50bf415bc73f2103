"""bench/ is a package: each benchmark runs as `python -m bench.<name>` from the repository root.

Only the command lines are checked here (imports, --help, how flags map onto the config); timing is
never tested.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = ("agent", "buffer", "drift", "envs", "learn", "miniarcade", "parity", "plan_gap", "ranks", "rgb", "robodesk")


def test_every_bench_module_runs_with_dash_m():
    # Started together: each one pays the imports (torch, simulators) once, in parallel.
    procs = {m: subprocess.Popen([sys.executable, "-m", f"bench.{m}", "--help"], cwd=ROOT,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for m in MODULES}
    for m, p in procs.items():
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, f"python -m bench.{m} --help exited {p.returncode}:\n{err[-2000:]}"
        assert f"python -m bench.{m}" in out or "usage" in out, out


def test_no_bench_module_rewrites_sys_path():
    for m in MODULES:
        text = (ROOT / "bench" / f"{m}.py").read_text()
        assert "sys.path" not in text, f"bench/{m}.py still edits sys.path"
        assert f"python bench/{m}.py" not in text, f"bench/{m}.py still documents `python bench/{m}.py`"


def test_parity_skips_cleanly_without_the_original_code(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "bench.parity", str(tmp_path / "no-such-dir"), "--json"], cwd=ROOT,
                          check=False, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "parity: skipped, no original Newt code at" in proc.stdout


def test_agent_vs_original_names_the_missing_anchor(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "bench.agent", "--vs-original", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "has no original_newt_agent.py" in proc.stderr
    assert "anchors/README.md" in proc.stderr


def test_plan_gap_refuses_a_training_option_naming_the_planning_ones(tmp_path):
    args = [str(tmp_path / "c.pt"), "--task", "mw-reach", "lr=1"]
    proc = subprocess.run([sys.executable, "-m", "bench.plan_gap", *args], cwd=ROOT, check=False,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "bad option(s) ['lr']" in proc.stderr and "iterations" in proc.stderr


def test_learn_maps_its_device_and_compile_flags_onto_the_config():
    from bench import learn

    cfg = learn.make_config(learn.parse_args(["--task", "walker-walk", "--device", "cpu", "--steps", "7", "lr=0.001"]))
    assert (cfg.task, cfg.device, cfg.compile, cfg.steps, cfg.lr, cfg.eval_episodes) == (
        "walker-walk", "cpu", False, 7, 0.001, 10)
    for argv, message in ((["--device", "cpu", "device=cpu"], "given both as a flag and as a key=value"),
                          (["--device", "gpu"], "unknown device 'gpu'; accepted: auto, cpu, cuda"),
                          (["--device", "cpu", "--compile"], "needs a CUDA device; this run's device is 'cpu'"),
                          (["no_such_key=1"], "unknown config key(s) ['no_such_key']")):
        with pytest.raises(SystemExit) as exit_info:
            learn.make_config(learn.parse_args(argv))
        assert message in str(exit_info.value), (argv, exit_info.value)


def test_drift_compare_reports_loss_and_weight_differences(tmp_path, capsys):
    import torch

    from bench import drift

    losses = torch.ones(20, len(drift.LOSSES), dtype=torch.float64)
    weights = {"w": torch.ones(3, 4), "steps": torch.tensor(7)}
    torch.save({"case": "S", "losses": losses, "weights": weights}, tmp_path / "a.pt")
    moved = losses.clone()
    moved[9:] *= 1.5  # from the 10th update on
    torch.save({"case": "S", "losses": moved, "weights": {"w": torch.ones(3, 4) * 1.1, "steps": torch.tensor(7)}},
               tmp_path / "b.pt")
    drift.compare(str(tmp_path / "a.pt"), [str(tmp_path / "b.pt")])
    out = capsys.readouterr().out
    assert "@1: 0.0e+00 0.0e+00 0.0e+00 0.0e+00" in out and "@10: 5.0e-01" in out
    assert "weights 1.00e-01" in out
    torch.save({"case": "B", "losses": losses, "weights": weights}, tmp_path / "c.pt")
    with pytest.raises(SystemExit, match="run both with the same --case and --updates"):
        drift.compare(str(tmp_path / "a.pt"), [str(tmp_path / "c.pt")])
