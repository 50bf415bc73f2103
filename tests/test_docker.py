"""The Docker image installs exactly what setup.sh installs.

No docker daemon runs on CI machines, so this reads the Dockerfile: the image must delegate every
system package and Python pin to setup.sh, so that the two cannot drift apart.
"""

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "docker" / "Dockerfile"
SETUP = ROOT / "setup.sh"

# What the image may install before setup.sh runs: the interpreter it installs into.
BOOTSTRAP = {"python3.11", "python3.11-venv", "python3.11-dev"}


def _instructions(text: str) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per Dockerfile instruction, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", "\n".join(
        line for line in text.splitlines() if not line.lstrip().startswith("#")))
    out = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, args = line.strip().partition(" ")
            out.append((keyword.upper(), args))
    return out


def _apt_installs(command: str) -> set[str]:
    packages = set()
    for part in re.split(r"&&|;", command):
        words = shlex.split(part)
        if "apt-get" in words and "install" in words:
            packages |= {w for w in words[words.index("install") + 1:] if not w.startswith("-")}
    return packages


def test_dockerfile_installs_only_the_interpreter_then_runs_setup_sh():
    runs = [args for kw, args in _instructions(DOCKERFILE.read_text()) if kw == "RUN"]
    apt = set().union(*(_apt_installs(r) for r in runs))
    assert apt <= BOOTSTRAP, f"apt packages outside setup.sh: {sorted(apt - BOOTSTRAP)}"
    assert not [r for r in runs if re.search(r"\bpip3?\b.*\binstall\b", r)], \
        "the Dockerfile installs Python packages itself; setup.sh (and pyproject.toml) own the pins"
    assert [r for r in runs if re.search(r"\bbash setup\.sh\b", r)], "the Dockerfile must run setup.sh"


def test_dockerfile_copies_the_project_before_setup_sh():
    kinds = [(kw, args) for kw, args in _instructions(DOCKERFILE.read_text())]
    copy_at = next(i for i, (kw, _) in enumerate(kinds) if kw == "COPY")
    setup_at = next(i for i, (kw, a) in enumerate(kinds) if kw == "RUN" and "setup.sh" in a)
    assert copy_at < setup_at


def test_setup_sh_installs_headless_rendering_and_vulkan_on_any_apt_image():
    text = SETUP.read_text()
    listed = set(re.search(r'APT_PACKAGES="([^"]+)"', text).group(1).split())
    assert {"libegl1", "libosmesa6", "g++"} <= listed
    # Vulkan: Debian through backports, other apt images (the Ubuntu CUDA base) from their own suite.
    assert text.count("mesa-vulkan-drivers libvulkan1") >= 2


def test_build_context_leaves_out_run_outputs():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {"logs/", "demos/", "wandb/", "*.pt"} <= ignored
