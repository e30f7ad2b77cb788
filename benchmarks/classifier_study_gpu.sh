#!/bin/bash
# The study of docs/classifier_study.md on one GPU (run from the folder that
# holds gansampler/ and benchmarks/): one process per (fold, setting), spread
# over the GPUs when there are several.
#   inner: the settings in CONFIGS x RESAMPLERS on an inner split of outer
#          folds 0-4;
#   choose: the setting of the best mean inner balanced accuracy;
#   outer: it and the former default x (none, random_over, smote) on 15 folds
#          (STAGES="inner" stops after the inner stage).
# The processes run under CUDA's Multi-Process Service unless MPS=0 (_gpus.sh).
#
#   CONFIGS="resnet resnet_flip resnet_safe resnet_flip_safe" RESAMPLERS=none \
#   STAGES=inner OUT_DIR=study bash benchmarks/classifier_study_gpu.sh
set -u
DATA=${DATA:-.gpudata/elpv_64.npz}
OUT=${OUT_DIR:-study}
CONFIGS=${CONFIGS:-"resnet resnet_flip_safe resnet_u2000 resnet_safe resnet_val resnet_flip"}
RESAMPLERS=${RESAMPLERS:-"none random_over"}
STAGES=${STAGES:-"inner outer"}
mkdir -p "$OUT"
export XLA_PYTHON_CLIENT_PREALLOCATE=false PYTHONUNBUFFERED=1
S="python3 benchmarks/classifier_study.py"
# shellcheck source=benchmarks/_gpus.sh
. "$(dirname "$0")/_gpus.sh"
mps_by_default
i=0
for fold in 0 1 2 3 4; do
  for config in $CONFIGS; do
    # shellcheck disable=SC2086
    env $(on_gpu $i) timeout "${INNER_S:-250}" $S inner --data "$DATA" --folds $fold \
      --configs "$config" --resamplers $RESAMPLERS --out "$OUT/inner_$i.jsonl" \
      >"$OUT/inner_$i.log" 2>&1 &
    i=$((i + 1))
  done
done
wait
cat "$OUT"/inner_*.jsonl >"$OUT/inner.jsonl"
case " $STAGES " in
  *" outer "*) ;;
  *) $S summary "$OUT/inner.jsonl"; exit 0 ;;
esac
CHOSEN=$($S choose "$OUT/inner.jsonl")
echo "chosen: $CHOSEN"
for fold in $(seq 0 14); do
  # shellcheck disable=SC2046
  env $(on_gpu "$fold") timeout "${OUTER_S:-300}" $S outer --data "$DATA" --folds "$fold" \
    --configs "$CHOSEN" baseline --resamplers none random_over smote \
    --out "$OUT/outer_$fold.jsonl" >"$OUT/outer_$fold.log" 2>&1 &
done
wait
cat "$OUT"/outer_*.jsonl >"$OUT/outer.jsonl"
$S summary "$OUT/inner.jsonl" "$OUT/outer.jsonl"
