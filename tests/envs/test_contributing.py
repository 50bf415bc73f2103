"""CONTRIBUTING.md's "Add a task" example works as written: its two snippets (one data row, one
maker entry) are applied to a copy of `envs/`, and the new task is made and stepped there."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROW_FILE = Path("envs/tasks/dmcontrol_ext.py")
MAKER_FILE = Path("envs/dmcontrol_ext/walker.py")
RECIPES_OPEN = "RECIPES: dict[str, Recipe] = {\n"
CHECK = """
import json, numpy as np, gymnasium, envs
spec = envs.get_task("walker-stroll")
env = envs.make(spec, seed=0)
obs, _ = env.reset(seed=0)
rewards = [env.step(np.full(6, 0.1, np.float32))[1] for _ in range(3)]
gym_env = gymnasium.make("MMBench/walker-stroll-v0")
print(json.dumps({"obs": list(obs.shape), "rewards": rewards, "domain": spec.domain, "text": spec.text,
                  "held_out": "walker-stroll" in envs.TASK_SETS["held-out"],
                  "gym_obs": list(gym_env.observation_space.shape)}))
"""


def snippet(text: str, label: str) -> str:
    """The python block that follows `<!-- add-a-task: label -->`, dedented to its list indent."""
    match = re.search(rf"<!-- add-a-task: {label} -->\n\s*```python\n(.*?)\n\s*```", text, re.S)
    assert match, f"CONTRIBUTING.md has no '{label}' snippet for the add-a-task example"
    return "\n".join(line[3:] for line in match.group(1).splitlines()) + "\n"  # the list item's indent


def test_the_documented_example_adds_a_task_with_one_row_and_one_maker_entry(tmp_path):
    doc = (ROOT / "CONTRIBUTING.md").read_text()
    row, maker = snippet(doc, "row"), snippet(doc, "maker")
    assert row.count("Row(") == 1 and maker.count("\n") == 1  # one row, one maker entry
    shutil.copytree(ROOT / "envs", tmp_path / "envs", ignore=shutil.ignore_patterns("__pycache__"))

    rows = (tmp_path / ROW_FILE).read_text()
    assert rows.endswith("\n)\n")
    (tmp_path / ROW_FILE).write_text(rows[: -len(")\n")] + row + ")\n")
    recipes = (tmp_path / MAKER_FILE).read_text()
    assert recipes.count(RECIPES_OPEN) == 1
    (tmp_path / MAKER_FILE).write_text(recipes.replace(RECIPES_OPEN, RECIPES_OPEN + maker))

    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, cwd=tmp_path,
                         timeout=240)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["obs"] == [24] == got["gym_obs"] and got["held_out"] and got["domain"] == "dmcontrol-ext"
    assert got["text"] == "2D walker with 6 controllable joints across 2 legs. Walk forward slowly."
    assert len(got["rewards"]) == 3 and all(0.0 <= r <= 2.0 for r in got["rewards"])
