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
