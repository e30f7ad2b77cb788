#!/bin/bash
# The final comparison of issue 20 (final_comparison.py; docs/results.md) on
# the machine's GPUs, run from the folder that holds gansampler/ and
# benchmarks/: one process per test fold, spread over the GPUs when there are
# several, each appending its records to $OUT_DIR/fold_<k>/folds.jsonl as
# they finish. A run cut short keeps them; FOLDS="..." runs the folds left.
# The processes run under CUDA's Multi-Process Service unless MPS=0 (_gpus.sh).
#
#   setsid env OUT_DIR=final bash benchmarks/final_comparison_gpu.sh >final.log 2>&1 &
#   cat final/summary.md                                   # a later call
set -u
DATA=${DATA:-.gpudata/elpv_64.npz}
OUT=${OUT_DIR:-final}
FOLDS=${FOLDS:-$(seq 0 14)}
mkdir -p "$OUT"
export XLA_PYTHON_CLIENT_PREALLOCATE=false PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=3
# shellcheck source=benchmarks/_gpus.sh
. "$(dirname "$0")/_gpus.sh"
mps_by_default
for fold in $FOLDS; do
  # shellcheck disable=SC2046,SC2086
  env $(on_gpu "$fold") timeout "${LIMIT_S:-3000}" python3 benchmarks/final_comparison.py \
    run --dataset "$DATA" --folds "$fold" --out "$OUT/fold_$fold" ${EXTRA:-} \
    >"$OUT/fold_$fold.log" 2>&1 &
done
wait
cat "$OUT"/fold_*/folds.jsonl >"$OUT/folds.jsonl"
python3 benchmarks/final_comparison.py summary "$OUT/folds.jsonl" >"$OUT/summary.md"
