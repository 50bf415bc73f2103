"""The top-level layout the README promises, and its picture links."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROMISED = ("train.py", "config.py", "config.yaml", "newt", "envs", "common", "docker", "assets", "tests",
            "README.md", "LICENSE", "CONTRIBUTING.md")


def test_top_level_layout():
    missing = [p for p in PROMISED if not (ROOT / p).exists()]
    assert not missing, f"missing at the repository root: {missing}"


def test_readme_links_resolve():
    text = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\(([^)#\s]+)\)", text)
    broken = [ln for ln in links if "://" not in ln and not (ROOT / ln).exists()]
    assert not broken, f"README links to missing files: {broken}"
    pictures = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", text)
    assert all(p.startswith("assets/") for p in pictures), f"README pictures outside assets/: {pictures}"
