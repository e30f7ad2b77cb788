#!/usr/bin/env bash
# ELPV (four classes) at 64x64 and 128x128: the same Keras CNN behind no
# resampling, random over-sampling, SMOTE, ADASYN, random under-sampling and
# DCGANOverSampler, 5-fold stratified cross-validation, on one GPU.
#
# Where it runs: the GPU machine (Python 3.12, JAX with CUDA, no TensorFlow, no
# network), from the repository root, after the caller has installed the wheels
# of .wheels/ (keras, imbalanced-learn, ...). gansampler itself is used from the
# working tree (PYTHONPATH), because its wheel would pull in TensorFlow.
#
# Input: .gpudata/elpv_64.npz and .gpudata/elpv_128.npz, written here by
#   python benchmarks/export_elpv_npz.py          (arrays images uint8, target)
# (if elpv_64.npz is missing, the 128 file is resized to 64).
# Output: $OUT/elpv64 and $OUT/elpv128, each with stdout.txt (the table),
# stderr.txt (a progress line per fold), table.csv, folds.csv, tests.csv,
# results.json, comparison.png and generated_class_<k>.png; folds.partial.csv
# keeps the finished folds if a run is cut off by its time limit.
#
# Time: the two sizes run at the same time (each is mostly bound by one CPU
# thread dispatching small kernels and by XLA compiles, not by the GPU), each
# under `timeout` (64: 330 s, 128: 400 s), so the script ends within about 7.5
# minutes including installation and imports. Conservative estimate per size:
# 5 folds x (3 GANs of about 1,000 generator updates each + 6 CNN fits of 15
# epochs) plus XLA compiles, 3-6 minutes; the persistent JAX compilation cache
# below lets folds 2-5 reuse fold 1's compiled steps. Settings (same for every
# resampler): CNN 15 epochs, batch 32; GAN epochs 'auto', bfloat16.
set -u
OUT=${OUT:-gpu-out}
mkdir -p "$OUT"
export KERAS_BACKEND=jax
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export XLA_PYTHON_CLIENT_PREALLOCATE=false   # two processes share the GPU
export JAX_COMPILATION_CACHE_DIR=/tmp/gansampler-jax-cache
export JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS=0
export TF_CPP_MIN_LOG_LEVEL=3
LIMIT_64=${LIMIT_64:-330}
LIMIT_128=${LIMIT_128:-400}
DATA_DIR=${DATA_DIR:-.gpudata}
RESAMPLERS=${RESAMPLERS:-none,random_over,smote,adasyn,random_under,dcgan}
TAG=${TAG:-}   # suffix of the output folders, e.g. for a second settings run
SIZES=${SIZES:-64 128}
# For a dry run on a CPU, e.g.
#   DATA_DIR=/tmp/gpudata EXTRA_ARGS="--max-samples 100 --epochs 1" bash $0
# (later options override the ones above).
read -r -a EXTRA <<<"${EXTRA_ARGS:-}"

python3 - <<'EOF' || exit 3
import importlib
import platform

missing = []
for name in ("keras", "jax", "imblearn", "sklearn", "scipy", "pandas", "PIL",
             "joblib", "sklearn_compat", "matplotlib"):
    try:
        importlib.import_module(name)
    except Exception as exc:  # report every missing module at once
        missing.append(f"{name} ({type(exc).__name__}: {exc})")
import jax  # noqa: E402

print("python", platform.python_version(), "| jax", jax.__version__,
      "| devices", jax.devices())
if [m for m in missing if not m.startswith("matplotlib")]:
    raise SystemExit("missing modules: " + "; ".join(missing))
if missing:
    print("note: no plot will be written:", "; ".join(missing))
import keras  # noqa: E402

print("keras", keras.__version__, "backend", keras.config.backend())
EOF

run_size() {
    local size=$1 limit=$2 data dest
    data=$DATA_DIR/elpv_$size.npz
    local extra=()
    if [ ! -f "$data" ] && [ -f "$DATA_DIR/elpv_128.npz" ]; then
        data=$DATA_DIR/elpv_128.npz
        extra=(--image-size "$size")
    fi
    dest="$OUT/elpv$size$TAG"
    mkdir -p "$dest"
    local start=$SECONDS
    timeout --kill-after=15 "$limit" python3 -m gansampler.cli compare \
        --dataset "$data" "${extra[@]}" --folds 5 --repeats 1 \
        --resamplers "$RESAMPLERS" \
        --epochs auto --classifier-epochs 15 --batch-size 32 \
        --precision bfloat16 --random-state 0 --out "$dest" "${EXTRA[@]}" \
        >"$dest/stdout.txt" 2>"$dest/stderr.txt"
    local status=$?
    echo "elpv$size: exit status $status after $((SECONDS - start)) s" \
        "(124 = cut off by the $limit s limit)" | tee "$dest/status.txt"
}

for size in $SIZES; do
    limit_var=LIMIT_$size
    run_size "$size" "${!limit_var:-400}" &
done
wait

for size in $SIZES; do
    dest="$OUT/elpv$size$TAG"
    echo
    echo "===================== ELPV ${size}x${size} ====================="
    cat "$dest/status.txt"
    grep -v '^[WIE]0000\|^WARNING: All log messages' "$dest/stderr.txt" | tail -n 40
    cat "$dest/stdout.txt"
    if [ ! -f "$dest/table.csv" ] && [ -f "$dest/folds.partial.csv" ]; then
        echo "Cut off: summary of the folds that finished ($dest/folds.partial.csv):"
        python3 - "$dest/folds.partial.csv" <<'EOF'
import sys

import pandas as pd

from gansampler.evaluation import ComparisonResult, summarise_folds

folds = pd.read_csv(sys.argv[1])
table = summarise_folds(folds)
table.to_csv(sys.argv[1].replace("folds.partial.csv", "table.partial.csv"))
print(ComparisonResult(table=table, folds=folds, tests=None).format_table())
EOF
    fi
done
