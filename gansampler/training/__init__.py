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

import keras

from ._loop import METRICS, GANTrainingWarning, train_gan

__all__ = ["METRICS", "GANTrainingWarning", "make_trainer", "train_gan", "backend"]


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
