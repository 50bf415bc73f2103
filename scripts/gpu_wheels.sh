#!/usr/bin/env bash
# The wheels the bare GPU machine needs to run scripts/gpu_check.sh (Python 3.12, its own torch, no
# network): config/Hydra, gymnasium (the task registry), numpy, pygame-ce (a MiniArcade task for the
# training runs: no MuJoCo needed) and pytest. About 35 MB, into gpu_wheels/ (git-ignored), which the
# device run carries next to the working tree:  run(..., carry=["gpu_wheels"]).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=gpu_wheels
mkdir -p "$OUT"
PLATFORMS=(--platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64)
# Pins as pyproject.toml's (hydra-core 1.3.8 caps omegaconf < 2.4; numpy 1.26.4 for dm-control).
pip download -q --no-deps --only-binary=:all: --python-version 3.12 "${PLATFORMS[@]}" -d "$OUT" \
    "hydra-core==1.3.8" "omegaconf==2.3.1" "gymnasium==1.4.0" "numpy==1.26.4" cloudpickle farama-notifications \
    typing_extensions tqdm pygame-ce PyYAML packaging threadpoolctl pytest pluggy iniconfig pytest-timeout
# antlr4 4.9.3 (omegaconf's parser runtime) is published as a source archive only: build its pure-Python wheel here.
pip wheel -q --no-deps "antlr4-python3-runtime==4.9.3" -w "$OUT"
du -sh "$OUT"
