"""
=============================================
Backends, GPUs and mixed precision
=============================================

gansampler's networks are Keras 3 models, so the same code trains on
TensorFlow, JAX or PyTorch. This tutorial shows which backend is running, how
to choose another one, what runs on a GPU, and what ``precision=`` changes.
It runs on whatever the documentation was built with (a CPU and TensorFlow,
unless the builder chose otherwise).
"""

# %%
# Which backend is running
# ------------------------
# Keras reads the ``KERAS_BACKEND`` environment variable once, when it is first
# imported, and the backend cannot be switched afterwards in the same
# process. So the backend is chosen *before* Python starts, or at the very top
# of a script, before anything imports Keras (gansampler imports it)::
#
#     KERAS_BACKEND=jax python train.py          # from the shell
#
#     import os
#     os.environ["KERAS_BACKEND"] = "torch"      # first lines of a script
#     from gansampler import DCGANOverSampler
#
# Without it, Keras uses TensorFlow (or what ``~/.keras/keras.json`` says).
import importlib.util
import os
import time

import keras
import matplotlib.pyplot as plt

from gansampler import DCGANOverSampler
from gansampler.datasets import load_imbalanced_digits
from gansampler.training import backend, gpu_count

print("KERAS_BACKEND =", os.environ.get("KERAS_BACKEND"))
print("running backend:", backend(), "| Keras", keras.__version__)
for name in ("tensorflow", "jax", "torch"):
    found = importlib.util.find_spec(name) is not None
    print(f"  {name:10s} {'installed' if found else 'not installed'}")

# %%
# Each backend has its own train step (``gansampler.training``), written for
# it: TensorFlow with ``GradientTape``, JAX with ``jax.jit`` over a whole
# epoch, PyTorch with ``loss.backward()``. They train the same networks with
# the same procedure; the numbers differ slightly between backends, and each
# backend is deterministic for a given ``random_state`` on a CPU.
#
# Which to choose: on a CPU, TensorFlow ran the GAN training loop about ten
# times faster than JAX in this project's measurements (XLA's CPU
# convolutions are slow). On a GPU, JAX is the fastest
# measured (:doc:`/benchmarks`), PyTorch is close with ``torch.compile``.

# %%
# GPUs
# ----
# A GPU is used when the backend sees one; nothing in gansampler needs to be
# told. ``jit_compile='auto'`` (the default) compiles the train step with XLA
# when a GPU is visible. With several GPUs and ``n_jobs``, class ``i`` trains
# on GPU ``i % n_gpus``.
print("GPUs visible to", backend(), ":", gpu_count())

# %%
# Mixed precision
# ---------------
# ``precision='bfloat16'`` (or ``'float16'``) computes the hidden layers of
# both networks in 16-bit floats and keeps their weights, the discriminator's
# output and the generator's final tanh in float32; ``'float16'`` adds loss
# scaling. It is set per layer: Keras' process-wide dtype policy is never
# touched, so your own models are unaffected. The generated images come back
# in the dtype and range of the input, whatever the precision.
X, y = load_imbalanced_digits(return_X_y=True)

results = {}
for precision in ("float32", "bfloat16"):
    sampler = DCGANOverSampler(
        sampling_strategy={9: 60}, updates=200, precision=precision, random_state=0
    )
    start = time.perf_counter()
    X_res, y_res = sampler.fit_resample(X, y)
    seconds = time.perf_counter() - start
    results[precision] = (sampler, seconds)
    generator = sampler.generators_[9]
    policies = sorted({layer.dtype_policy.name for layer in generator.layers})
    print(
        f"{precision:9s} {seconds:5.1f} s, generator layer policies {policies}, "
        f"output {X_res.dtype}, range {X_res.min():.2f}-{X_res.max():.2f}"
    )

# %%
# On a CPU, such timings say little: they include building and tracing the
# networks, and most CPUs have few 16-bit units. Mixed precision is meant for
# GPUs: with JAX on an H100, the article's 128x128 networks trained about
# twice as fast in bfloat16 as in float32 (:doc:`/benchmarks`). Use
# ``'bfloat16'`` on GPUs that support it (A100, H100 and newer), ``'float16'``
# on older ones, and keep ``'float32'`` on a CPU.
fig, axes = plt.subplots(2, 8, figsize=(8, 2.4), layout="constrained")
for row, (precision, (sampler, seconds)) in zip(axes, results.items(), strict=True):
    images = sampler.generate(9, 8, random_state=0)
    for ax, image in zip(row, images, strict=True):
        ax.imshow(image[..., 0], cmap="gray_r", vmin=0, vmax=1)
        ax.set_axis_off()
    row[0].set_title(f"{precision}, {seconds:.1f} s", fontsize=9, loc="left")

# %%
# On a GPU machine
# ----------------
# A typical run on a GPU, with the backend chosen in the shell, mixed
# precision and the default ``updates='auto'``:
#
# .. code-block:: python
#
#     # KERAS_BACKEND=jax python balance.py
#     from gansampler import DCGANOverSampler
#     from gansampler.datasets import load_elpv
#
#     X, y = load_elpv(image_size=64, return_X_y=True)
#     sampler = DCGANOverSampler(precision="bfloat16", random_state=0, verbose=1)
#     X_res, y_res = sampler.fit_resample(X, y)
#
# The command line takes the same settings:
# ``KERAS_BACKEND=jax gansampler compare --dataset elpv --precision bfloat16``.
