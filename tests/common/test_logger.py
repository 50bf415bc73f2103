"""CSV logs: a resumed run neither duplicates nor loses rows; new columns keep old rows."""

import csv

from common.logger import CSVWriter


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_resume_drops_rows_logged_after_the_checkpoint(tmp_path):
    path = tmp_path / "eval.csv"
    w = CSVWriter(str(path))
    for step in (1000, 2000, 3000):  # the crashed run got to 3000; its last checkpoint was 2000
        w.write({"step": step, "episode_reward": step / 10})
    resumed = CSVWriter(str(path), resume_step=2000)
    assert [r["step"] for r in rows(path)] == ["1000", "2000"]
    resumed.write({"step": 3000, "episode_reward": 1.5})
    assert [(r["step"], r["episode_reward"]) for r in rows(path)] == [("1000", "100.0"), ("2000", "200.0"),
                                                                     ("3000", "1.5")]


def test_without_resume_step_rows_are_kept_and_a_new_column_rewrites_the_header(tmp_path):
    path = tmp_path / "train.csv"
    CSVWriter(str(path)).write({"step": 5, "a": 1})
    w = CSVWriter(str(path))
    w.write({"step": 9, "a": 2, "b": 3})
    assert rows(path) == [{"step": "5", "a": "1", "b": ""}, {"step": "9", "a": "2", "b": "3"}]
    assert not list(tmp_path.glob("*.tmp"))


def test_wandb_gets_pretraining_curves_and_domain_scores_on_their_own_axes(tmp_path, monkeypatch):
    import sys
    import types

    import config as C
    from common.logger import Logger

    calls = {"define": [], "log": []}
    run = types.SimpleNamespace(define_metric=lambda name, **kw: calls["define"].append((name, kw.get("step_metric"))),
                                log=lambda data: calls["log"].append(data), finish=lambda: None)
    monkeypatch.setitem(sys.modules, "wandb", types.SimpleNamespace(init=lambda **kw: run))
    cfg = C.Config(task=["mw-reach", "walker-walk"], enable_wandb=True, log_dir=str(tmp_path))
    logger = Logger(cfg, C.derive(cfg), total_steps=10)
    logger.log("pretrain", 7, {"total_loss": 1.5})
    logger.log("eval", 200, {"episode_score": 0.4, "score/metaworld": 0.3, "score/dmcontrol": 0.5})
    logger.close()
    assert ("pretrain/*", "pretrain_update") in calls["define"] and ("eval/*", "env_step") in calls["define"]
    assert calls["log"] == [{"pretrain_update": 7, "pretrain/total_loss": 1.5},
                            {"env_step": 200, "eval/episode_score": 0.4, "eval/score/metaworld": 0.3,
                             "eval/score/dmcontrol": 0.5}]
    assert rows(tmp_path / C.derive(cfg).task_label / "1" / "default" / "pretrain.csv") == [
        {"step": "7", "total_loss": "1.5"}]
