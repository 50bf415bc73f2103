"""Checkpoint files: nothing unsafe is unpickled, and a kill -9 during a save leaves the last one loadable."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import torch

from newt.checkpoint import CHECKPOINT_VERSION, CheckpointError, read_checkpoint, save_checkpoint


class Payload:  # any class that is not a tensor, a number, a string or a container
    def __reduce__(self):
        return (os.system, ("echo this would run",))


def test_a_file_that_needs_arbitrary_unpickling_is_refused(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"version": CHECKPOINT_VERSION, "agent": {}, "config": {}, "x": Payload()}, path)
    with pytest.raises(CheckpointError, match="cannot be read safely as a Newt checkpoint"):
        read_checkpoint(str(path))


def test_not_a_checkpoint_and_missing_file_are_named(tmp_path):
    torch.save({"weights": torch.zeros(2)}, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="is not a Newt checkpoint"):
        read_checkpoint(str(tmp_path / "other.pt"))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_checkpoint(str(tmp_path / "none.pt"))


def test_kill_9_during_a_save_leaves_the_previous_checkpoint_loadable(tmp_path):
    path = tmp_path / "checkpoint.pt"
    save_checkpoint({"agent": {"w": torch.zeros(4)}, "config": {}, "step": 0}, str(path))
    script = textwrap.dedent(f"""
        import torch
        from newt.checkpoint import save_checkpoint
        big = {{"w": torch.randn(40_000_000)}}  # 160 MB: a save takes long enough to be interrupted
        step = 1
        while True:
            save_checkpoint({{"agent": big, "config": {{}}, "step": step}}, {str(path)!r})
            step += 1
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=os.getcwd())
    try:
        deadline = time.time() + 60
        while time.time() < deadline and not list(tmp_path.glob("*.tmp")):  # a save is under way
            time.sleep(0.005)
        assert list(tmp_path.glob("*.tmp")), "the saving process never started writing"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    state = read_checkpoint(str(path))  # the last complete checkpoint, never a torn one
    assert state["step"] >= 0 and set(state["agent"]) == {"w"}
