# Sourced by the *_gpu.sh scripts.
#
# With several GPUs, `env $(on_gpu I) CMD` runs CMD on GPU I % (their
# number); with one GPU or none, on_gpu prints nothing and CMD sees every
# device.
#
# mps_start / mps_stop: CUDA's Multi-Process Service for the processes
# started in between, which lets their kernels run side by side on a GPU
# instead of taking turns (docs/benchmarks.md, "processes sharing the GPU").
# The daemon is this script's own; the GPU's settings are left as they are.
# A script run with MPS=1 starts it before its processes and stops it when
# it exits (`[ "${MPS:-0}" = 1 ] && mps_start && trap mps_stop EXIT`).
NGPU=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU ')
on_gpu() { [ "$NGPU" -gt 1 ] && echo "CUDA_VISIBLE_DEVICES=$(($1 % NGPU))"; }

mps_start() {
  export CUDA_MPS_PIPE_DIRECTORY=${CUDA_MPS_PIPE_DIRECTORY:-/tmp/mps-pipe}
  export CUDA_MPS_LOG_DIRECTORY=${CUDA_MPS_LOG_DIRECTORY:-/tmp/mps-log}
  mkdir -p "$CUDA_MPS_PIPE_DIRECTORY" "$CUDA_MPS_LOG_DIRECTORY"
  nvidia-cuda-mps-control -d && return 0
  echo "MPS: nvidia-cuda-mps-control could not start; the processes take turns" >&2
  unset CUDA_MPS_PIPE_DIRECTORY CUDA_MPS_LOG_DIRECTORY
  return 1
}
mps_stop() { echo quit | nvidia-cuda-mps-control; }
