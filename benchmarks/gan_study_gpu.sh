#!/bin/bash
# The GPU-scale GAN study of issue 20 (docs/gan_study.md) on the machine's GPUs
# (the workers share several round-robin), run from
# the folder that holds gansampler/ and benchmarks/. Inner folds only: outer
# folds 0-4 of ELPV 64, each split once more (gan_study.py inner_split).
# Every task appends a JSON line to $OUT_DIR/tasks.jsonl as it finishes, so
# a run cut short keeps what it did and a later run with --skip-baselines and
# the configurations left goes on from it. The workers run under CUDA's
# Multi-Process Service unless MPS=0 (_gpus.sh).
#
#   setsid benchmarks/gan_study_gpu.sh >study.log 2>&1 &   # one call
#   cat $OUT_DIR/tasks.jsonl                                # a later call
set -u
DATA=${DATA:-.gpudata/elpv_64.npz}
OUT=${OUT_DIR:-gan_study}
WORKERS=${WORKERS:-15}
CONFIGS=${CONFIGS:-"u1k u10k u30k u10k+de u10k+de+pretrain u10k+smote \
u10k+teacher u10k+mix50 u10k+de+pretrain+smote+teacher"}
mkdir -p "$OUT"
# shellcheck source=benchmarks/_gpus.sh
. "$(dirname "$0")/_gpus.sh"
mps_by_default
export XLA_PYTHON_CLIENT_PREALLOCATE=false PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=3
# shellcheck disable=SC2086
timeout "${LIMIT_S:-3000}" python3 benchmarks/gan_study.py run --dataset "$DATA" \
  --name elpv64 --folds 0 1 2 3 4 --configs $CONFIGS --workers "$WORKERS" \
  --gan-params '{"precision": "float32"}' --out "$OUT" ${EXTRA:-}
python3 benchmarks/gan_study.py summary "$OUT/tasks.jsonl" >"$OUT/summary.md"
