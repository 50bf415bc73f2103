import subprocess
import sys

import pytest

import config as C


@pytest.mark.parametrize("change,match", [
    (dict(task="not-a-task"), r"unknown task 'not-a-task'.*soup"),
    (dict(model_size="Q"), r"unknown model_size 'Q'; accepted: S, B, L, XL"),
    (dict(steps=-5), r"steps must be >= 0, got -5"),
    (dict(obs="pixels"), r"unknown obs='pixels'; accepted: state, rgb"),
    (dict(device="tpu"), r"unknown device 'tpu'; accepted: auto, cpu, cuda"),
    (dict(num_elites=1000), r"num_elites must be in \[1, num_samples=512\], got 1000"),
    (dict(task="dmcontrol", num_envs=30), r"num_envs=30 must be a multiple of the 21 tasks"),
    (dict(num_workers=-1), r"num_workers must be >= 0, got -1"),
    (dict(task=["mw-reach", "not-a-task"]), r"unknown task\(s\) in the list: 'not-a-task'"),
    (dict(task=["mw-reach", "metaworld"]), r"unknown task\(s\) in the list: 'metaworld'.*not sets"),
    (dict(task=["mw-reach", "mw-reach"]), r"names mw-reach more than once"),
    (dict(task=[]), r"neither a name nor a non-empty list"),
    (dict(task=7), r"task=7 is neither a name nor a non-empty list"),
    (dict(seeding_coef=-1), r"seeding_coef must be >= 0, got -1"),
])
def test_bad_values_raise_naming_value_and_accepted(change, match):
    with pytest.raises(C.ConfigError, match=match):
        C.derive(C.Config(**change))


def test_derived_values_single_and_multitask():
    d = C.derive(C.Config(task="cartpole-balance", model_size="B"))
    assert d.tasks == ("cartpole-balance",) and d.env_tasks == ("cartpole-balance",) * 2
    assert not d.multitask and d.task_dim == 0 and d.utd == 1.0
    assert d.size == C.ModelSize("B", enc_dim=256, mlp_dim=512, latent_dim=512, num_enc_layers=2, num_q=5)
    assert d.discounts == (0.99,) and d.seed_steps == 2500
    d = C.derive(C.Config(task="soup"))
    assert d.size.name == "L" and d.dropout == 0.0 and not d.seed_burst
    assert len(d.tasks) == 200 and d.num_envs == 200 and d.multitask and d.utd == 0.075
    discounts = dict(zip(d.tasks, d.discounts))
    assert discounts["mw-reach"] == 0.95  # 100-step episodes
    assert discounts["atari-pong"] == 0.99 and discounts["pygame-landing"] == 0.975
    assert dict(zip(d.tasks, d.action_dims))["quadruped-run"] == 12
    assert d.batch_size == 1024 and d.task_label == "soup"
    assert d.seed_steps == 5 * 1000 * 200  # seeding_coef episodes of the longest task, in every env


def test_default_task_is_the_soup():
    assert C.derive(C.Config()).task_label == "soup"


def test_task_list_is_a_multitask_run_with_a_readable_label():
    d = C.derive(C.Config(task=["mw-reach", "mw-push", "walker-walk"], log_dir="L", seed=2))
    assert d.multitask and d.tasks == ("mw-reach", "mw-push", "walker-walk") and d.num_envs == 3
    assert d.task_label == "mw-reach+mw-push+walker-walk" and d.run_dir == "L/mw-reach+mw-push+walker-walk/2/default"
    assert d.seed_steps == 5 * 500 * 3 and d.batch_size == 1024 and d.task_dim > 0  # walker: 500-step episodes
    assert C.derive(C.Config(task=["walker-walk"])).multitask is False
    long = C.derive(C.Config(task=list(C.derive(C.Config(task="metaworld")).tasks)))
    assert long.task_label.startswith("49tasks-") and len(long.task_label) == len("49tasks-") + 8
    # seed_steps, when set, is the total; batch_size, when set, wins over the multitask default
    d = C.derive(C.Config(task="metaworld", seed_steps=300, batch_size=64))
    assert d.seed_steps == 300 and d.batch_size == 64


def test_train_cli_takes_a_hydra_task_list(tmp_path):
    proc = subprocess.run([sys.executable, "train.py", "task=[mw-reach,not-a-task]", f"log_dir={tmp_path}"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "unknown task(s) in the list: 'not-a-task'" in proc.stderr


@pytest.mark.parametrize("override,expected", [
    ("task=not-a-task", "unknown task 'not-a-task'"),
    ("model_size=Q", "accepted: S, B, L, XL"),
])
def test_train_cli_rejects_bad_values_quickly(override, expected):
    proc = subprocess.run([sys.executable, "train.py", override], capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert expected in proc.stderr


def test_model_size_and_dropout_defaults_resolve_per_run_kind():
    """model_size null: B for one task (TD-MPC2 and Newt), L for a set; Q dropout null: 0.01 for one
    task (TD-MPC2), 0 for a set (Newt). Explicit values win."""
    one = C.derive(C.Config(task="cartpole-balance"))
    assert one.size.name == "B" and one.dropout == 0.01
    many = C.derive(C.Config(task="dmcontrol"))
    assert many.size.name == "L" and many.dropout == 0.0
    both = C.derive(C.Config(task="dmcontrol", model_size="S", dropout=0.05))
    assert both.size.name == "S" and both.dropout == 0.05


def test_skip_unavailable_leaves_missing_asset_tasks_out_of_the_envs_only():
    from envs import unavailable_reason

    d = C.derive(C.Config(task="soup", skip_unavailable=True))
    missing = tuple(t for t in d.tasks if unavailable_reason(t))
    assert d.skipped_tasks == missing and len(d.tasks) == 200  # every task keeps its model slot
    assert d.num_envs == 200 - len(missing) and not set(d.env_tasks) & set(missing)
    assert unavailable_reason("walker-walk") is None
    assert all("Download them with" in unavailable_reason(t) for t in missing)
    assert C.derive(C.Config(task="soup")).skipped_tasks == ()  # off by default: a missing asset stops the run
