"""`python -m envs` command line: list and check, as a user runs them (a subprocess, exit status)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from envs.__main__ import main
from envs.registry import DOMAINS, TASK_SETS, TASKS

ROOT = Path(__file__).resolve().parents[2]
SET_COUNTS = {"dmcontrol": 21, "dmcontrol-ext": 16, "metaworld": 49, "maniskill": 36, "mujoco": 6,
              "box2d": 8, "robodesk": 6, "ogbench": 12, "pygame": 19, "atari": 27}
CHECK_KEYS = {"name", "ok", "obs_dim", "action_dim", "steps", "return", "success", "score", "steps_per_s",
              "error"}


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "envs", *args], check=False, cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def test_list_json_gives_every_registered_task():
    proc = run_cli("list", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert len(rows) == 234
    assert all(set(r) == {"name", "domain", "action_dim", "episode_length", "instruction"} for r in rows)
    assert [r["name"] for r in rows] == list(TASKS)
    for r in rows:
        spec = TASKS[r["name"]]
        assert (r["domain"], r["action_dim"], r["episode_length"], r["instruction"]) == (
            spec.domain, spec.action_dim, spec.episode_length, spec.instruction)


def test_list_soup_json_is_the_200_in_canonical_order():
    proc = run_cli("list", "soup", "--json")
    assert proc.returncode == 0, proc.stderr
    names = [r["name"] for r in json.loads(proc.stdout)]
    assert len(names) == 200
    assert names == list(TASK_SETS["soup"])
    assert names[0] == "walker-stand" and names[-1] == "atari-yars-revenge"


@pytest.mark.parametrize("domain", DOMAINS)
def test_list_each_domain_set_has_its_count(domain, capsys):
    assert main(["list", domain, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == SET_COUNTS[domain]
    assert {r["domain"] for r in rows} == {domain}


def test_list_plain_text_ends_with_the_count(capsys):
    assert main(["list", "robodesk"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == "6 tasks" and lines[0].startswith("rd-push-red")


def test_list_unknown_set_exits_nonzero_naming_it():
    proc = run_cli("list", "no-such-set")
    assert proc.returncode != 0
    assert "'no-such-set'" in proc.stderr
    assert proc.stdout == ""


def test_check_one_task_json():
    proc = run_cli("check", "cartpole-balance", "--episodes", "1", "--json", timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = json.loads(proc.stdout)
    assert len(rows) == 1
    row = rows[0]
    assert set(row) == CHECK_KEYS
    assert row["name"] == "cartpole-balance" and row["ok"] is True and row["error"] is None
    assert row["steps"] == 500 == TASKS["cartpole-balance"].episode_length
    assert row["obs_dim"] == 5 and row["action_dim"] == 1
    assert 0.0 <= row["score"] <= 1.0 and row["steps_per_s"] > 0
    assert row["score"] == pytest.approx(min(max(row["return"] / 1000.0, 0.0), 1.0))


def test_check_bogus_task_exits_nonzero_naming_it():
    proc = run_cli("check", "cartpole-balanse", "--json")
    assert proc.returncode != 0
    assert "'cartpole-balanse'" in proc.stderr and "cartpole-balance" in proc.stderr


def test_unknown_command_exits_nonzero():
    proc = run_cli("frobnicate")
    assert proc.returncode != 0 and "frobnicate" in proc.stderr
