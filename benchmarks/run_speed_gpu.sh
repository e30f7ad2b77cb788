#!/usr/bin/env bash
# The GPU figures of docs/benchmarks.md, in one run (JAX, then PyTorch).
#
#   bash benchmarks/run_speed_gpu.sh     # about 9 minutes
#
# Where it runs: a machine with one NVIDIA GPU, Python with JAX (CUDA) and
# PyTorch (CUDA) and no TensorFlow, from the repository root, after the wheels
# of .wheels/ are installed (keras, imbalanced-learn, ...). gansampler is used
# from the working tree (PYTHONPATH). Inputs (git-ignored, never committed):
#   .gpudata/elpv_128_article.npz  1,200 ELPV cells at 128x128 (the article run)
#   .baseline/gansampler           the package at commit a3757da (before this
#                                  work), for a same-run comparison of first fits
# Output: $OUT/*.log and $OUT/*.json.
set -u
OUT=${OUT:-speed-out}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 XLA_PYTHON_CLIENT_PREALLOCATE=false TF_CPP_MIN_LOG_LEVEL=3
export PYTHONPATH="$PWD"
step() {  # step NAME SECONDS COMMAND...: one measurement, its log in $OUT
    local name=$1 limit=$2
    shift 2
    local start=$SECONDS
    timeout --kill-after=10 "$limit" "$@" >"$OUT/$name.log" 2>&1
    echo "$name: exit $? after $((SECONDS - start)) s"
    grep -h '^RESULT \|^SUITE \|^ARTICLE_RUN \|^|\|article run' "$OUT/$name.log" | cut -c1-700
}

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 -c "import jax, torch, keras; print('jax', jax.__version__, 'torch', torch.__version__, 'keras', keras.__version__)"

export KERAS_BACKEND=jax
# First fits, each in a fresh process: the code as it is now ...
step first_fit_jax 200 python3 benchmarks/bench_first_fit.py suite --out "$OUT" --timeout 100
# ... and as it was (commit a3757da), same data and settings.
PYTHONPATH="$PWD/.baseline" step first_fit_jax_a3757da 90 \
    python3 benchmarks/bench_first_fit.py plain --size 64
# Seed networks, batch 256: the Trainer against the article's loop (bf16),
# fp32, and the Trainer computing each step's fakes once.
step seed_jax_bf16 100 python3 benchmarks/bench_training.py gpu --precision bfloat16 --batch 256
# The article's run (320 epochs x 600 cells at 128x128x3) in a fresh process.
step article_run_jax 60 python3 benchmarks/bench_training.py gpu --batch \
    --article-run bfloat16:128 --article-data .gpudata/elpv_128_article.npz

export KERAS_BACKEND=torch
# Milliseconds per update and host syncs per step: CUDA graphs (the default on
# a GPU) and eager; then first and second fit in a fresh process.
step torch_steps_graph 45 python3 benchmarks/bench_first_fit.py torch-steps --size 64
step torch_steps_eager 45 python3 benchmarks/bench_first_fit.py torch-steps --size 64 --jit-compile false
step first_fit_torch 70 python3 benchmarks/bench_first_fit.py suite --out "$OUT" \
    --timeout 65 --only conv64_article
step seed_torch_bf16 60 python3 benchmarks/bench_training.py gpu --precision bfloat16 \
    --batch 256 --skip-article-loop

export KERAS_BACKEND=jax
step seed_jax_fp32 80 python3 benchmarks/bench_training.py gpu --precision float32 \
    --batch 256 --skip-article-loop
step seed_jax_reuse 60 python3 benchmarks/bench_training.py gpu --precision bfloat16 \
    --batch 256 --skip-article-loop --reuse-fakes
