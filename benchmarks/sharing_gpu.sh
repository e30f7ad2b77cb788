#!/bin/bash
# How many generator updates per second one GPU gives to processes sharing it
# (docs/benchmarks.md, "processes sharing the GPU"): the default networks at
# 64x64, batch 32, float32, 3,000 updates on one class, timed by
# bench_first_fit.py plain (a first and a second fit per process). One process
# alone, then N at once; with MPS=1, the N at once again under CUDA's
# Multi-Process Service, which lets the processes' kernels run side by side
# instead of taking turns (the daemon is started here and stopped at the end;
# the GPU's settings are left as they are).
#
#   KERAS_BACKEND=jax N=5 MPS=1 bash benchmarks/sharing_gpu.sh
#
# Prints one line per run: the second fits' seconds and the updates per
# second over all processes.
#
#   KERAS_BACKEND=jax WIDE=96 bash benchmarks/sharing_gpu.sh
set -u
# shellcheck source=benchmarks/_gpus.sh
. "$(dirname "$0")/_gpus.sh"
export PYTHONUNBUFFERED=1
N=${N:-5}
UPDATES=${UPDATES:-3000}
P="python3 benchmarks/bench_first_fit.py plain --size ${SIZE:-64} --recipe default \
--precision float32 --updates $UPDATES --fits 2"
# WIDE: one process alone at this batch size too, with as many batches per
# epoch as at 32 (how much a larger batch costs per update: if little, the
# GPU waits on kernel launches, and training several classes in one step
# would multiply the updates per second).
WIDE=${WIDE:-96}
LOGS=${LOGS:-/tmp/sharing}
mkdir -p "$LOGS"

together() {  # together NAME COUNT: COUNT processes at once, then their rate
  local name=$1 count=$2 pids=""
  for i in $(seq "$count"); do
    timeout 300 $P >"$LOGS/${name}_$i.log" 2>&1 &
    pids="$pids $!"
  done
  wait $pids
  python3 - "$name" "$count" "$LOGS" "$UPDATES" <<'EOF'
import glob, json, sys
name, count, logs, updates = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
seconds = []
for path in sorted(glob.glob(f"{logs}/{name}_*.log")):
    lines = [ln for ln in open(path) if ln.startswith("RESULT ")]
    if lines:
        seconds.append(json.loads(lines[-1][7:])["fits"][-1]["wall_s"])
rate = len(seconds) * updates / max(seconds) if seconds else float("nan")
print(f"{name}: {len(seconds)}/{count} processes, second fits {seconds} s, "
      f"{rate:.0f} updates/s over all")
EOF
}

together alone 1
if [ "$WIDE" != 0 ]; then  # WIDE=0 leaves this run out
  P_BATCH32=$P
  P="$P --batch $WIDE --n-images $((150 * WIDE / 32))"
  together "alone_b$WIDE" 1
  P=$P_BATCH32
fi
together shared "$N"
if [ "${MPS:-0}" = 1 ] && mps_start; then
  together mps "$N"
  mps_stop
fi
