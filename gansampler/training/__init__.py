"""GAN training: one backend-neutral epoch loop, one train step per backend.

This package is the only place that knows which Keras backend runs. Each
backend module (``_tensorflow``, ``_jax``, ``_torch``) provides a ``Trainer``
with the same small interface:

``Trainer(generator, discriminator, *, d_optimizer, g_optimizer, batch_size,
jit_compile)``
    Working copies of the two networks and their optimizers; the compiled
    epoch function is traced once and reused for every class of the same
    image shape.
``load(generator, discriminator)``
    Copy the weights of freshly built networks in and reset both optimizers.
``to_device(images)``
    Put one class's training images on the device for the whole fit.
``run_epoch(images, indices, seed)``
    Run one epoch in one compiled call: for each row of ``indices`` (the
    images of one batch), one discriminator update on the real batch, one on a
    batch of generated images, and one generator update. Returns the device
    array of per-batch metrics, shape ``(n_batches, 5)``.
``save(generator)``
    Copy the trained generator weights into a Keras model.
"""

import contextlib

import keras

from ._loop import METRICS, GANTrainingWarning, train_gan

__all__ = [
    "METRICS",
    "GANTrainingWarning",
    "backend",
    "device_for",
    "gpu_count",
    "low_precision_output_works",
    "make_trainer",
    "train_gan",
]


def backend():
    """The Keras backend in use: ``"tensorflow"``, ``"jax"`` or ``"torch"``."""
    return keras.config.backend()


def make_trainer(generator, discriminator, **kwargs):
    """Make the ``Trainer`` of the running Keras backend (see module docstring)."""
    name = backend()
    if name == "tensorflow":
        from ._tensorflow import Trainer
    elif name == "jax":
        from ._jax import Trainer
    elif name == "torch":
        from ._torch import Trainer
    else:
        raise RuntimeError(
            f"Keras backend {name!r} is not supported; set KERAS_BACKEND to "
            "'tensorflow', 'jax' or 'torch'."
        )
    return Trainer(generator, discriminator, **kwargs)


def gpu_count():
    """How many GPUs the running backend sees."""
    name = backend()
    if name == "tensorflow":
        import tensorflow as tf

        return len(tf.config.list_logical_devices("GPU"))
    if name == "jax":
        import jax

        return sum(device.platform == "gpu" for device in jax.devices())
    if name == "torch":
        import torch

        return torch.cuda.device_count()
    return 0


@contextlib.contextmanager
def device_for(index):
    """Place work on GPU ``index % gpu_count()`` when there are several GPUs.

    With one GPU or none this changes nothing (the backend's default device).
    """
    n_gpus = gpu_count()
    if n_gpus < 2:
        yield
        return
    with keras.device(f"gpu:{index % n_gpus}"):
        yield


def low_precision_output_works():
    """Whether the generator's last convolution may run in bfloat16 / float16.

    It may, and on a GPU it should (computing it in float32 took 58 % of the
    bf16 seed generator's time on an H100). PyTorch's CPU kernels cannot: the
    backward pass of a half-precision convolution with few output channels
    fails there ("slow_conv2d: grad_weight must be contiguous").
    """
    if backend() == "torch":
        import torch

        return torch.cuda.is_available()
    return True
