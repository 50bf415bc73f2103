"""torchrun / torch.distributed on CPU (gloo): how a run is split over ranks, gradient averaging that
keeps every rank's weights identical, and a 2-rank train.py run that writes one set of logs and a
checkpoint that resumes at world size 1."""

import csv
import os
import shutil
import socket
import subprocess
import sys

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from newt import distributed
from newt.distributed import World
from tests.newt.helpers import make_agent, random_batch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_shard_deals_envs_round_robin_and_covers_every_env_once():
    items = [f"t{i}" for i in range(7)]
    shards = [distributed.shard(items, World(rank, 3)) for rank in range(3)]
    assert shards == [["t0", "t3", "t6"], ["t1", "t4"], ["t2", "t5"]]
    assert sorted(x for shard in shards for x in shard) == sorted(items)
    assert distributed.shard(items, World()) == items


@pytest.mark.parametrize("num_envs,batch,device,expected", [
    (1, 256, "cpu", r"1 env\(s\) cannot be split over 2 ranks"),
    (4, 255, "cpu", r"batch_size=255 is not divisible by the world size 2"),
    (4, 256, "cuda", r"device=cuda on local rank 0, but this node has 0 GPU"),
])
def test_bad_world_combinations_are_named(num_envs, batch, device, expected, monkeypatch):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    import re

    assert re.search(expected, distributed.check_world(World(0, 2), num_envs, batch, device))
    assert distributed.check_world(World(0, 1), num_envs, batch, device) is None  # a plain run: no checks


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _update_on_two_ranks(rank: int, port: int, out_dir: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=2)
    torch.set_num_threads(1)
    torch.manual_seed(0)  # same initial weights on both ranks
    agent, d = make_agent(task="dmcontrol", embeddings=True, batch_size=16)
    agent.set_world_size(2)
    torch.manual_seed(100 + rank)  # then each rank its own batch and noise, as under torchrun
    agent.update(random_batch(d, batch_size=8, seed=rank))
    grads = {n: p.grad.clone() for n, p in agent.model.named_parameters() if p.grad is not None}
    torch.save({"grads": grads, "weights": agent.model.state_dict(), "scale": agent.scale.value.clone()},
               os.path.join(out_dir, f"rank{rank}.pt"))
    dist.destroy_process_group()


def test_two_ranks_average_gradients_and_keep_identical_weights(tmp_path):
    mp.start_processes(_update_on_two_ranks, args=(_free_port(), str(tmp_path)), nprocs=2, start_method="spawn")
    r0, r1 = (torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in range(2))
    assert len(r0["grads"]) > 20 and r0["grads"].keys() == r1["grads"].keys()
    for name, g in r0["grads"].items():
        assert torch.equal(g, r1["grads"][name]), name  # rank 1's gradients equal rank 0's after the step
    for name, w in r0["weights"].items():
        assert torch.equal(w, r1["weights"][name]), name
    assert torch.equal(r0["scale"], r1["scale"])
    # The ranks saw different batches: without the all-reduce their gradients would differ.
    torch.manual_seed(0)
    alone, d = make_agent(task="dmcontrol", embeddings=True, batch_size=16)
    torch.manual_seed(100)
    alone.update(random_batch(d, batch_size=8, seed=0))
    assert any(not torch.equal(p.grad, r0["grads"][n]) for n, p in alone.model.named_parameters()
               if p.grad is not None)


TORCHRUN = shutil.which("torchrun")
SET = "task=[mw-reach,mw-push,mw-door-open]"
SMALL = ["model_size=S", "num_workers=0", "seed_steps=300", "eval_freq=600", "eval_episodes=1", "eval_mpc=false",
         "batch_size=16", "num_samples=32", "num_elites=4", "num_pi_trajs=4", "iterations=1", "utd=0.5",
         "use_demos=false", "exp_name=ddp", "device=cpu"]


@pytest.mark.skipif(TORCHRUN is None, reason="torchrun (installed with torch) is not on PATH")
def test_torchrun_two_ranks_train_then_resume_at_world_size_one(tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [TORCHRUN, "--standalone", "--nproc_per_node=2", "train.py", SET, f"log_dir={tmp_path}", "steps=600",
           "save_buffer=true", *SMALL]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "2 ranks" in proc.stdout + proc.stderr
    run_dir = next((tmp_path).glob("*/1/ddp"))
    # One checkpoint, by rank 0 (with its run state), and rank 1's run state next to it.
    assert sorted(p.name for p in run_dir.glob("*.pt")) == ["checkpoint_600.pt", "checkpoint_600.rank1.pt"]
    with open(run_dir / "eval.csv") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["step"]) for r in rows] == [600]  # one set of rows, not one per rank
    with open(run_dir / "eval_tasks.csv") as f:
        tasks = sorted(r["task"] for r in csv.DictReader(f))
    assert tasks == ["mw-door-open", "mw-push", "mw-reach"]  # gathered from both ranks
    assert int(rows[0]["updates"]) > 0

    resume = [sys.executable, "train.py", SET, f"log_dir={tmp_path}", "steps=900",
              f"checkpoint={run_dir / 'checkpoint_600.pt'}", *SMALL]
    proc = subprocess.run(resume, cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "saved at world size 2, resumed at 1: the per-rank run state" in proc.stdout + proc.stderr
    with open(run_dir / "eval.csv") as f:
        assert [int(r["step"]) for r in csv.DictReader(f)] == [600, 900]
