"""Demo buffer, demo pretraining and what follows it: the pieces of Newt's pipeline in the trainer."""

import subprocess
import sys

import numpy as np
import pytest
import torch

import config as C
from newt.buffer import EpisodeBuffer
from newt.demo_buffer import NoDemosError, build_demo_mix
from newt.math import warmup_factor
from newt.trainer import Trainer
from tests.newt.helpers import make_agent
from tests.newt.test_demos import rows_for
from tests.newt.test_trainer import StubEnv

TASKS = ("mw-reach", "mw-push", "mw-door-open")  # 100-step episodes


class Log:
    def __init__(self):
        self.rows = []

    def phase_bar(self, name, total):
        return type("Bar", (), {"update": lambda *a: None, "set_postfix": lambda *a, **k: None,
                                "close": lambda *a: None})()

    def log(self, kind, step, metrics):
        self.rows.append((kind, step, metrics))


def _demo_dir(tmp_path, tasks=TASKS[:2]):
    for i, task in enumerate(tasks):
        torch.save(rows_for(task, episodes=2, seed=i), tmp_path / f"{task}.pt")
    return str(tmp_path)


def test_demo_mix_gives_half_of_every_batch_and_online_episodes_go_online_only(tmp_path):
    online = EpisodeBuffer(10_000, 128, 16, 3)
    lines = []
    mix = build_demo_mix(_demo_dir(tmp_path), TASKS, online, 3, "cpu", "episode", "x", log=lines.append)
    assert lines[0].endswith("2 of 3 tasks, 4 episodes, 400 transitions")
    assert lines[1] == "no demos for 1 task(s): mw-door-open"
    assert mix.demos.num_episodes == 4 and online.num_episodes == 4  # demos are in both buffers
    obs = torch.full((101, 128), 7.0)
    mix.add(obs, torch.zeros(100, 16), torch.zeros(100), task=2)
    assert mix.demos.num_episodes == 4 and online.num_episodes == 5
    b = mix.sample(64, generator=torch.Generator().manual_seed(0))
    assert b.obs.shape == (4, 64, 128) and b.task.shape == (64,)
    assert (b.task[:32] != 2).all()  # the first half comes from the demo buffer only
    assert (b.obs[0, 32:, 0] == 7.0).any()  # the second half can hold online slices


def test_no_demo_files_fails_at_once_naming_the_folder_and_the_command(tmp_path):
    with pytest.raises(NoDemosError, match=r"'.*empty' has no valid demo file for any of the run's 3 task\(s\)"):
        (tmp_path / "empty").mkdir()
        build_demo_mix(str(tmp_path / "empty"), TASKS, EpisodeBuffer(100, 128, 16, 3), 3, "cpu", "episode", "x")
    with pytest.raises(NoDemosError, match=r"python -m newt.demos generate soup --source scripted --out nope"):
        build_demo_mix("nope", TASKS, EpisodeBuffer(100, 128, 16, 3), 3, "cpu", "episode", "soup")


def test_a_file_that_fails_the_check_loads_nothing_and_is_named(tmp_path):
    _demo_dir(tmp_path)
    bad = rows_for("mw-door-open", episodes=2)
    bad["action"][5, 0] = 3.0
    torch.save(bad, tmp_path / "mw-door-open.pt")
    lines, online = [], EpisodeBuffer(10_000, 128, 16, 3)
    build_demo_mix(str(tmp_path), TASKS, online, 3, "cpu", "episode", "x", log=lines.append)
    assert online.num_episodes == 4 and any(line.startswith("rejected") and "mw-door-open.pt" in line for line in lines)


def _trainer(tmp_path, demo_steps=12, warmup_steps=8):
    agent, derived = make_agent(list(TASKS), embeddings=True, model_size="S", batch_size=8, demo_steps=demo_steps,
                                warmup_steps=warmup_steps, log_dir=str(tmp_path / "logs"), seed_steps=200,
                                steps=200, eval_freq=10_000)
    mix = build_demo_mix(_demo_dir(tmp_path), derived.tasks, EpisodeBuffer(10_000, 128, 16, 3), 3, "cpu",
                         "episode", "x", log=lambda line: None)
    trainer = Trainer(agent.cfg, derived, agent, mix, np.random.default_rng(0))
    trainer.warmup = True
    return trainer, agent


def test_pretraining_runs_demo_steps_prior_updates_with_warmup_then_saves(tmp_path, monkeypatch):
    trainer, agent = _trainer(tmp_path)
    seen = []
    real_update = agent.update

    def update(batch, pretrain=False):
        seen.append((pretrain, agent.optim.param_groups[1]["lr"], agent.pi_optim.param_groups[0]["lr"]))
        return real_update(batch, pretrain=pretrain)

    monkeypatch.setattr(agent, "update", update)
    log = Log()
    trainer.pretrain(log)
    assert len(seen) == 12 and all(p for p, _, _ in seen)  # demo_steps updates, all pretraining updates
    lr = agent.cfg.lr
    assert [round(a / lr, 6) for _, a, _ in seen] == [round(warmup_factor(k, 8), 6) for k in range(12)]
    assert [b for _, _, b in seen] == [a for _, a, _ in seen]  # the policy optimiser warms up too
    assert trainer.pretrained and trainer.pretrain_updates == 12 and trainer.updates == 0
    assert [s for kind, s, _ in log.rows if kind == "pretrain"] == list(range(1, 13))
    state = torch.load(tmp_path / "logs" / trainer.derived.task_label / "1" / "default" / "checkpoint_0.pt")
    assert state["pretrained"] and state["pretrain_updates"] == 12 and state["step"] == 0


def test_seeding_acts_with_the_pretrained_policy_not_noise(tmp_path, monkeypatch):
    trainer, agent = _trainer(tmp_path, demo_steps=2)
    trainer.pretrained = True
    calls = []
    real_act = agent.act

    def act(obs, task, **kw):
        if not kw.get("eval_mode"):  # the final evaluation acts too
            calls.append(kw.get("mpc"))
        return real_act(obs, task, **kw)

    monkeypatch.setattr(agent, "act", act)
    env = StubEnv(trainer.derived.env_tasks)
    env.rand_act = lambda rng: pytest.fail("seeding drew uniform noise after pretraining")
    trainer.step, trainer.cfg.steps = 0, 30  # 10 vector steps, all of them seeding (seed_steps=200)
    logger = type("L", (), {"log": lambda *a: None, "advance": lambda *a: None, "eval_progress": lambda *a: None,
                            "eval_summary": lambda *a: None})()
    trainer.train(env, env, logger)
    assert calls == [False] * 10  # the policy prior alone, no planning, while seeding


def test_train_cli_without_demos_fails_before_any_env(tmp_path):
    proc = subprocess.run([sys.executable, "train.py", "task=[mw-reach,mw-push]", f"demo_dir={tmp_path}/none",
                           f"log_dir={tmp_path}"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"'{tmp_path}/none' does not exist" in proc.stderr and "use_demos=false" in proc.stderr
    assert not (tmp_path / "mw-reach+mw-push").exists()  # nothing was started


def test_use_demos_defaults():
    assert C.derive(C.Config(task="metaworld")).use_demos
    assert not C.derive(C.Config(task="walker-walk")).use_demos


def test_a_nan_reward_stops_training_naming_the_step_and_the_loss(tmp_path):
    """NaN injection: NaN rewards in the replay data; the first update that samples them stops the run
    with the step, the tensor and the tasks named, and no checkpoint is written after it."""
    trainer, _ = _trainer(tmp_path, demo_steps=0)
    mix = trainer.buffer
    mix.demos.reward[:] = float("nan")  # every demo slice now has a NaN reward
    with pytest.raises(FloatingPointError, match=r"batch at env step 0 holds a non-finite reward \(task\(s\) mw-"):
        trainer._update(mix.sample(8))
    assert not list((tmp_path / "logs").rglob("*.pt"))


def test_a_non_finite_loss_stops_training_naming_it(tmp_path, monkeypatch):
    trainer, agent = _trainer(tmp_path, demo_steps=0)
    monkeypatch.setattr(agent, "update", lambda batch, pretrain=False: {"value_loss": float("inf"), "grad_norm": 1.0})
    with pytest.raises(FloatingPointError, match=r"training update at env step 0 gave non-finite value_loss=inf"):
        trainer._update(trainer.buffer.sample(8))
