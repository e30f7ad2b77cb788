# Sourced by the *_gpu.sh scripts. With several GPUs, `env $(on_gpu I) CMD`
# runs CMD on GPU I % (their number); with one GPU or none, on_gpu prints
# nothing and CMD sees every device.
NGPU=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU ')
on_gpu() { [ "$NGPU" -gt 1 ] && echo "CUDA_VISIBLE_DEVICES=$(($1 % NGPU))"; }
