#!/usr/bin/env bash
# Install Newt and MMBench: system packages, then the Python package (editable, with test extras)
# into the active Python environment. Idempotent: running it again changes nothing.
# Use a virtual environment first if you do not want to install into your system Python.
set -euo pipefail
cd "$(dirname "$0")"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# --- system packages -------------------------------------------------------------------------
# EGL and OSMesa: headless MuJoCo / dm_control rendering. (The Vulkan stack for ManiSkill is below.)
APT_PACKAGES="libegl1 libgl1 libosmesa6 libglfw3 ffmpeg"
if command -v apt-get >/dev/null 2>&1; then
    missing=""
    for p in $APT_PACKAGES; do
        dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
    done
    if [ -n "$missing" ]; then
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
    fi
else
    echo "setup.sh: apt-get not found; install EGL/OSMesa yourself ($APT_PACKAGES)" >&2
fi

# --- Python package ----------------------------------------------------------------------------
# torch first and alone, pinned, so pip never resolves it to a multi-GB CUDA build on CPU machines.
python -m pip install --quiet "torch==2.13.0"
python -m pip install --quiet -e ".[test]"
python -m pip check
echo "setup.sh: done"
