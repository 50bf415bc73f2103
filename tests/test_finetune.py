"""Finetuning: a multitask checkpoint's weights in a single-task run, with the run's own task tables."""

import subprocess
import sys

import pytest
import torch

import config as C
from newt.checkpoint import CheckpointError, save_checkpoint
from newt.trainer import Trainer
from tests.newt.helpers import make_agent

SOURCE = ["og-point-var1", "walker-walk"]  # a small multitask "soup"


def _multitask_checkpoint(path, model_size="S"):
    agent, _derived = make_agent(SOURCE, embeddings=True, model_size=model_size)
    cfg = C.Config(task=SOURCE, model_size=model_size, device="cpu")
    save_checkpoint({"agent": agent.state_dict(), "step": 5000, "episodes": 3, "updates": 7,
                     "config": __import__("dataclasses").asdict(cfg)}, str(path))
    return agent


def _finetune_agent(path, task="pygame-reacher-easy", model_size="S", obs="state"):
    cfg = C.Config(task=task, model_size=model_size, device="cpu", finetune=True, checkpoint=str(path), obs=obs)
    derived = C.derive(cfg)
    from envs.embeddings import load_task_embeddings
    from newt.agent import Agent

    agent = Agent(cfg, derived, torch.as_tensor(load_task_embeddings(derived.tasks)))
    return Trainer(cfg, derived, agent, buffer=None, rng=None), derived


def test_weights_map_and_task_tables_stay_the_runs_own(tmp_path):
    path = tmp_path / "soup.pt"
    source = _multitask_checkpoint(path)
    trainer, _derived = _finetune_agent(path)
    before_tables = {k: v.clone() for k, v in trainer.agent.model.state_dict().items()
                     if k in ("task_embeddings", "action_masks", "discounts")}
    trainer.finetune_from(str(path))
    model = trainer.agent.model.state_dict()
    for k, v in source.model.state_dict().items():
        if k in before_tables:
            assert torch.equal(model[k], before_tables[k]), k  # the new task's embedding, mask, discount
        else:
            assert torch.equal(model[k], v), k  # every learned weight, target Qs included
    assert model["task_embeddings"].shape == (1, 384) and model["action_masks"][0].sum() == 2  # reacher: 2 dims
    # Fresh optimisers: no Adam state yet, counters at 0, and seeding will act with the policy.
    assert not trainer.agent.optim.state and trainer.step == 0 and trainer.pretrained
    # Same function as the source model given the same task tables (the original's slot 0).
    source.model.task_embeddings[0] = model["task_embeddings"][0]
    source.model.action_masks[0] = model["action_masks"][0]
    obs, task = torch.randn(5, 128), torch.zeros(5, dtype=torch.long)
    source.model.eval(), trainer.agent.model.eval()
    z = source.model.encode(obs, task)
    assert torch.allclose(z, trainer.agent.model.encode(obs, task))
    assert torch.allclose(source.model.pi(z, task).mean, trainer.agent.model.pi(z, task).mean)


def test_single_task_checkpoint_and_other_size_are_refused(tmp_path):
    path = tmp_path / "soup.pt"
    _multitask_checkpoint(path)
    trainer, _ = _finetune_agent(path, model_size="B")
    with pytest.raises(CheckpointError, match=r"model_size='S' \(this run: 'B'\); pass model_size=S"):
        trainer.finetune_from(str(path))
    single, _ = make_agent("walker-walk", model_size="S")
    save_checkpoint({"agent": single.state_dict(), "step": 0, "episodes": 0, "updates": 0,
                     "config": __import__("dataclasses").asdict(C.Config(task="walker-walk", model_size="S"))},
                    str(tmp_path / "single.pt"))
    with pytest.raises(CheckpointError, match=r"single-task \(task='walker-walk'\); finetune=true needs a multitask"):
        _finetune_agent(tmp_path / "single.pt")[0].finetune_from(str(tmp_path / "single.pt"))


def test_a_checkpoint_of_another_observation_type_is_refused_naming_both(tmp_path):
    # An obs=rgb soup checkpoint into a state run (or the reverse): the encoder widths differ by the
    # 768 image features, and the error names the option to pass rather than the tensor shapes.
    path = tmp_path / "soup.pt"
    _multitask_checkpoint(path)
    trainer, _ = _finetune_agent(path, obs="rgb")
    with pytest.raises(CheckpointError, match=r"obs='state' \(this run: 'rgb'\); pass obs=state"):
        trainer.finetune_from(str(path))


def test_finetune_config_errors():
    with pytest.raises(C.ConfigError, match="finetune=true needs checkpoint=PATH"):
        C.derive(C.Config(task="walker-walk", finetune=True))
    with pytest.raises(C.ConfigError, match="'metaworld' is a task set"):
        C.derive(C.Config(task="metaworld", finetune=True, checkpoint="x.pt"))
    d = C.derive(C.Config(task="walker-walk", finetune=True, checkpoint="x.pt"))
    assert d.task_dim == 384 and not d.multitask and d.constrained_planning


FAST = ["num_samples=32", "num_elites=4", "num_pi_trajs=4", "iterations=1", "device=cpu", "model_size=S",
        "eval_episodes=1", "num_workers=0", "utd=0.1", "batch_size=16"]


def test_finetune_smoke_run_trains_and_evaluates(tmp_path):
    """train.py on a 2-task list, then finetuning runs of its checkpoint on 2 held-out tasks."""
    src = subprocess.run([sys.executable, "train.py", f"log_dir={tmp_path}", "task=[og-point-var1,pygame-reacher-easy]",
                          "steps=400", "seed_steps=200", "eval_freq=400", "exp_name=src", "use_demos=false", *FAST],
                         capture_output=True, text=True, timeout=600)
    assert src.returncode == 0, src.stderr[-3000:]
    ckpt = tmp_path / "og-point-var1+pygame-reacher-easy" / "1" / "src" / "checkpoint_400.pt"
    for task in ("pygame-reacher-hard", "og-point-var2"):
        run = subprocess.run([sys.executable, "train.py", f"log_dir={tmp_path}", f"task={task}", "finetune=true",
                              f"checkpoint={ckpt}", "steps=400", "seed_steps=200", "eval_freq=400", "exp_name=ft",
                              *FAST], capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stderr[-3000:]
        assert "finetuning" in run.stdout + run.stderr
        eval_csv = (tmp_path / task / "1" / "ft" / "eval.csv").read_text().splitlines()
        assert eval_csv[0].startswith("step,") and eval_csv[1].startswith("400,")
