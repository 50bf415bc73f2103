"""The training loop's update schedule, with stub envs and a counting agent (no simulator, no model)."""

import numpy as np
import pytest
import torch

import config as C
from envs.multitask import StepResult
from newt.buffer import EpisodeBuffer
from newt.trainer import Trainer

EPISODE = 10


class StubEnv:
    def __init__(self, tasks):
        self.tasks, self.num_envs = list(tasks), len(tasks)
        self.episode_lengths = np.full(self.num_envs, EPISODE)
        self.t = np.zeros(self.num_envs, np.int64)

    def reset(self):
        self.t[:] = 0
        return np.zeros((self.num_envs, 128), np.float32)

    def rand_act(self, rng):
        return rng.uniform(-1, 1, (self.num_envs, 16)).astype(np.float32)

    def step(self, action):
        self.t += 1
        done = self.t >= EPISODE
        self.t[done] = 0
        obs = np.random.randn(self.num_envs, 128).astype(np.float32)
        nan = np.full(self.num_envs, np.nan, np.float32)
        return StepResult(obs, np.ones(self.num_envs, np.float32), done, obs, np.where(done, 0.0, nan),
                          np.where(done, 0.5, nan))


class CountingAgent:
    device = torch.device("cpu")

    def __init__(self):
        self.updates = 0
        self.planners = {}  # warm starts, as the agent's (none here)

    def update(self, batch, pretrain=False):
        self.updates += 1
        return {"total_loss": 0.0}

    def act(self, obs, task, **kwargs):
        return torch.zeros(obs.shape[0], 16)

    def planner(self, n):
        return type("P", (), {"reset": lambda self: None})()

    def state_dict(self):
        return {}


class StubLogger:
    def __init__(self):
        self.eval_steps = []

    def eval_progress(self, done, total):
        self.eval_steps.append((done, total))

    def log(self, *args):
        pass

    def advance(self, *args):
        pass

    def eval_summary(self, *args):
        pass


@pytest.mark.parametrize("seed_burst,expected", [(None, 20 + 20), (True, 20 + 20), (False, 2 + 20)])
def test_seed_burst_one_update_per_seeding_step_then_utd(tmp_path, seed_burst, expected):
    """Seeding 20 env steps (2 envs), then 20 more at utd 1: the burst runs 20 updates at step 20 in
    place of that step's 2, then 2 per step. Default (None): on for a single task."""
    cfg = C.Config(task="cartpole-balance", device="cpu", num_envs=2, seed_steps=20, utd=1.0, steps=40,
                   eval_freq=1000, batch_size=4, log_dir=str(tmp_path), seed_burst=seed_burst)
    d = C.derive(cfg)
    agent = CountingAgent()
    trainer = Trainer(cfg, d, agent, EpisodeBuffer(10_000, 128, 16, 3, "cpu"), np.random.default_rng(0))
    trainer.train(StubEnv(d.env_tasks), StubEnv(d.env_tasks[:1]), StubLogger())
    assert agent.updates == trainer.updates == expected


def test_seed_burst_default_off_for_task_sets():
    assert C.derive(C.Config(task="cartpole-balance", device="cpu")).seed_burst
    assert not C.derive(C.Config(task="dmcontrol", device="cpu")).seed_burst


def test_evaluation_reports_progress(tmp_path):
    cfg = C.Config(task="cartpole-balance", device="cpu", num_envs=2, seed_steps=20, steps=20, eval_freq=1000,
                   log_dir=str(tmp_path), model_size="S")
    d = C.derive(cfg)
    trainer = Trainer(cfg, d, CountingAgent(), EpisodeBuffer(10_000, 128, 16, 3, "cpu"), np.random.default_rng(0))
    logger = StubLogger()
    trainer.train(StubEnv(d.env_tasks), StubEnv(d.env_tasks), logger)
    assert logger.eval_steps == [(i, EPISODE) for i in range(1, EPISODE + 1)]


class KillingLogger(StubLogger):
    """Kills one env worker with SIGKILL when training reaches `at` env steps; keeps the train rows."""

    def __init__(self, env, at):
        super().__init__()
        self.env, self.at, self.steps, self.rows, self.lines = env, at, 0, [], []
        self.bar = type("Bar", (), {"write": lambda _, text: self.lines.append(text)})()

    def log(self, kind, step, metrics):
        if kind == "train":
            self.rows.append(metrics)

    def advance(self, steps, *args):
        self.steps += steps
        if self.steps == self.at:
            import os
            import signal

            os.kill(self.env.worker_pids[0], signal.SIGKILL)


def test_a_killed_worker_is_restarted_and_the_run_finishes(tmp_path):
    """SIGKILL one of two env workers mid-episode: the run finishes, its partial episodes are dropped
    (never stored: a stored episode of the wrong length would stop the run), and train.csv's counters
    show one restart."""
    from envs.multitask import MultitaskEnv

    cfg = C.Config(task="mujoco-reacher", device="cpu", num_envs=2, seed_steps=1000, steps=300, eval_freq=10_000,
                   log_dir=str(tmp_path), model_size="S")
    d = C.derive(cfg)
    buffer = EpisodeBuffer(10_000, 128, 16, 3, "cpu")
    trainer = Trainer(cfg, d, CountingAgent(), buffer, np.random.default_rng(0))
    with MultitaskEnv(d.env_tasks, seed=0, num_workers=2, start_method="spawn") as env, \
            MultitaskEnv(d.env_tasks[:1], seed=1, num_workers=0) as eval_env:
        logger = KillingLogger(env, at=130)  # 65 vector steps: mid-way through the second 50-step episodes
        trainer.train(env, eval_env, logger)
        assert env.env_restarts == 1 and env.episodes_dropped == 1
    assert trainer.step == 300
    # 150 vector steps: the other slot stored 3 whole 50-step episodes; the killed slot stored its first,
    # dropped its second at step 65 (never stored), then stored the one that ran from 65 to 115.
    assert buffer.num_episodes == 3 + 2
    assert [r["env_restarts"] for r in logger.rows[:2]] == [0, 0]
    assert logger.rows[-1]["env_restarts"] == 1 and logger.rows[-1]["episodes_dropped"] == 1
    assert any("restarted slot(s) mujoco-reacher" in line for line in logger.lines)
