# Sourced by the *_gpu.sh scripts.
#
# With several GPUs, `env $(on_gpu I) CMD` runs CMD on GPU I % (their
# number); with one GPU or none, on_gpu prints nothing and CMD sees every
# device.
#
# mps_start / mps_stop: CUDA's Multi-Process Service for the processes
# started in between, which lets their kernels run side by side on a GPU
# instead of taking turns (docs/benchmarks.md, "processes sharing the GPU").
# A daemon that already runs (another script's) is shared and left running;
# mps_stop stops only the daemon mps_start started. The GPU's settings are
# left as they are.
#
# mps_by_default: the study scripts' processes run under MPS unless MPS=0
# (the daemon stopped when the script exits); where it cannot start, they
# take turns.
NGPU=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU ')
on_gpu() { [ "$NGPU" -gt 1 ] && echo "CUDA_VISIBLE_DEVICES=$(($1 % NGPU))"; }

mps_start() {
  export CUDA_MPS_PIPE_DIRECTORY=${CUDA_MPS_PIPE_DIRECTORY:-/tmp/mps-pipe}
  export CUDA_MPS_LOG_DIRECTORY=${CUDA_MPS_LOG_DIRECTORY:-/tmp/mps-log}
  mkdir -p "$CUDA_MPS_PIPE_DIRECTORY" "$CUDA_MPS_LOG_DIRECTORY"
  if nvidia-cuda-mps-control -d; then
    MPS_STARTED=1
    return 0
  fi
  if echo get_server_list | nvidia-cuda-mps-control >/dev/null 2>&1; then
    echo "MPS: sharing the daemon that runs already" >&2
    return 0
  fi
  echo "MPS: nvidia-cuda-mps-control could not start; the processes take turns" >&2
  unset CUDA_MPS_PIPE_DIRECTORY CUDA_MPS_LOG_DIRECTORY
  return 1
}
mps_stop() {
  [ "${MPS_STARTED:-0}" = 1 ] || return 0
  echo quit | nvidia-cuda-mps-control
  MPS_STARTED=0
}
mps_by_default() {
  [ "${MPS:-1}" = 0 ] && return 0
  mps_start && trap mps_stop EXIT
  return 0
}
