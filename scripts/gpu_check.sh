#!/usr/bin/env bash
# The GPU check: one script for a lent GPU (bare machine: Python 3.12 with its own torch, no network),
# under 5 minutes when all goes well, so that a rerun fits the 15 minutes a GPU is lent for.
#   bash scripts/gpu_wheels.sh            # here, once: the wheels it needs, into gpu_wheels/
#   bash scripts/gpu_check.sh             # there: run(command="bash scripts/gpu_check.sh", carry=["gpu_wheels"])
# Steps (each with a time limit; a step that fails or times out is reported, the others still run):
#   tests           the suite's CUDA-marked tests (pytest -m cuda)
#   bench_eager     bench.agent on cuda, compile off, at S and L, single task and soup
#   bench_compiled  the same with compile=true (CUDA graphs)
#   torchrun        a 2-process torchrun run on gloo (NCCL will not put 2 ranks on one GPU)
#   train_compiled  a short compiled single-task training run on the GPU
# Then one summary table (scripts/gpu_summary.py), also written to $OUT/summary.md.
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gpu_check}
mkdir -p "$OUT"
: > "$OUT/steps.txt"
export SDL_VIDEODRIVER=dummy PYTHONWARNINGS=ignore
if [ -d gpu_wheels ]; then
    pip install -q --no-index --find-links gpu_wheels hydra-core omegaconf antlr4-python3-runtime gymnasium numpy \
        tqdm pygame-ce PyYAML packaging threadpoolctl pytest pytest-timeout > "$OUT/pip.log" 2>&1 \
        || echo "pip install from gpu_wheels failed: $OUT/pip.log" >&2
fi
python -c "import torch; print('torch', torch.__version__, '| GPU:', torch.cuda.get_device_name() if torch.cuda.is_available() else 'none')" \
    | tee "$OUT/device.txt"

step() {  # step NAME SECONDS COMMAND...: run it, keep its output, note exit code and wall time
    local name=$1 limit=$2 start rc
    shift 2
    start=$(date +%s)
    timeout "$limit" "$@" > "$OUT/$name.log" 2>&1
    rc=$?
    echo "$name $rc $(( $(date +%s) - start )) $limit" >> "$OUT/steps.txt"
    echo "== $name: exit $rc, $(( $(date +%s) - start )) s (limit $limit s)"
}

TASK=pygame-landing  # 200-step episodes, numpy physics: no MuJoCo on the bare machine
SMALL=(model_size=S num_workers=0 eval_episodes=1 eval_mpc=false use_demos=false log_dir="$OUT/logs")
step tests 60 python -m pytest -q -p no:cacheprovider -m cuda tests/newt/test_cuda.py
step bench_eager 60 python -m bench.agent --device cuda --cases S,L,S-soup,L-soup --repeats 5 --json
step bench_compiled 150 python -m bench.agent --device cuda --compile --cases S,L,S-soup,L-soup --repeats 5 --json
step torchrun 60 torchrun --standalone --nproc_per_node=2 train.py "task=[$TASK,pygame-point-maze-var1]" \
    device=cpu steps=800 seed_steps=400 eval_freq=800 batch_size=64 num_samples=64 iterations=2 "${SMALL[@]}" exp_name=ddp
step train_compiled 60 python train.py task=$TASK device=cuda compile=true steps=1200 seed_steps=400 eval_freq=1200 \
    "${SMALL[@]}" exp_name=compiled
python scripts/gpu_summary.py "$OUT" | tee "$OUT/summary.md"
