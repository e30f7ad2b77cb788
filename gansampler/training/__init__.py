"""GAN training: one backend-neutral epoch loop, one train step per backend.

This package is the only place that knows which Keras backend runs. Each
backend module (``_tensorflow``, ``_jax``, ``_torch``) provides a ``Trainer``
with the same small interface:

``Trainer(generator, discriminator, **settings)``
    The settings are keyword arguments (``d_optimizer``, ``g_optimizer``,
    ``batch_size``, ``jit_compile``, ...). Working copies of the two
    networks and their optimizers; the compiled
    epoch function is traced once and reused for every class of the same
    image shape (on JAX, also compiled once: see ``_jax``).
``load(generator, discriminator)``
    Copy the weights of freshly built networks in and reset both optimizers.
``to_device(images, capacity=None)``
    Put one class's training images on the device for the whole fit (JAX pads
    them to ``capacity`` rows, rounded up to a power of two, so that classes
    of different sizes share one compiled program).
``run_epoch(images, indices, seed)``
    Run one epoch in one compiled call: for each row of ``indices`` (the
    images of one batch), one discriminator update on the real batch, one on a
    batch of generated images, and one generator update. Returns the device
    array (a numpy array on JAX) of per-batch metrics, shape ``(n_batches, 5)``.
``save(generator)``
    Copy the trained generator weights into a Keras model.

On JAX only, ``train_gans_together`` trains the GANs of several classes in one
compiled program, a loop over the classes' stacked states
(``_jax_together``); ``check_classes_together`` says whether it can run.
"""

import contextlib

import keras

from ._loop import METRICS, GANTrainingWarning, common_batch_size, train_gan

__all__ = [
    "METRICS",
    "GANTrainingWarning",
    "backend",
    "check_classes_together",
    "common_batch_size",
    "device_for",
    "gpu_count",
    "low_precision_output_works",
    "make_trainer",
    "train_gan",
    "train_gans_together",
]


def backend():
    """The Keras backend in use: ``"tensorflow"``, ``"jax"`` or ``"torch"``.

    It is fixed when Keras is first imported, from ``KERAS_BACKEND``.

    Returns
    -------
    str
        ``keras.config.backend()``.

    Examples
    --------
    >>> import os
    >>> from gansampler.training import backend
    >>> backend() == os.environ.get("KERAS_BACKEND", "tensorflow")
    True
    """
    return keras.config.backend()


def make_trainer(generator, discriminator, **kwargs):
    """Make the ``Trainer`` of the running Keras backend (see module docstring).

    Parameters
    ----------
    generator, discriminator : keras.Model
        Networks of the shapes to train; the trainer keeps working copies.
    **kwargs
        ``d_optimizer``, ``g_optimizer`` (Keras optimizers), ``batch_size``,
        ``jit_compile`` and the other settings of the backend's ``Trainer``.

    Returns
    -------
    Trainer
        The backend's trainer: ``load``, ``to_device``, ``run_epoch``,
        ``save``.

    Examples
    --------
    >>> import keras
    >>> import numpy as np
    >>> from gansampler.architectures import build_gan
    >>> from gansampler.training import make_trainer
    >>> generator, discriminator = build_gan("conv", (8, 8, 1), latent_dim=16)
    >>> trainer = make_trainer(
    ...     generator, discriminator,
    ...     d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
    ...     g_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.5),
    ...     batch_size=4, jit_compile=False)
    >>> trainer.load(generator, discriminator)
    >>> images = trainer.to_device(np.zeros((8, 8, 8, 1), np.float32))
    >>> metrics = trainer.run_epoch(images, np.arange(8).reshape(2, 4), seed=0)
    >>> keras.ops.convert_to_numpy(metrics).shape  # 2 batches x 5 metrics
    (2, 5)
    """
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


def check_classes_together():
    """Raise a ValueError unless ``train_gans_together`` can run here.

    Training classes together runs one JAX program over the stacked
    per-class networks, so it needs the JAX backend.

    Raises
    ------
    ValueError
        On any other backend, naming it and ``KERAS_BACKEND=jax``.

    Examples
    --------
    >>> from gansampler.training import backend, check_classes_together
    >>> try:
    ...     check_classes_together()
    ... except ValueError as error:
    ...     print("KERAS_BACKEND=jax" in str(error))
    ... else:
    ...     print(backend() == "jax")
    True
    """
    name = backend()
    if name != "jax":
        raise ValueError(
            "train_classes_together=True needs the JAX backend (all classes "
            f"train in one JAX program), but Keras runs on {name!r}. "
            "Set KERAS_BACKEND=jax before Keras is imported, or leave "
            "train_classes_together=False."
        )


def train_gans_together(pairs, images, **kwargs):
    """Train the GANs of several classes in one compiled program (JAX only).

    Each class keeps its own networks, optimizer state, batch order, noise,
    epochs, checkpoints and failure checks, as with :func:`train_gan`; each
    compiled call runs a fixed number of steps, each step looping over the
    classes' stacked states (``jax.lax.map``), a finished class masked.

    Parameters
    ----------
    pairs : list of (keras.Model, keras.Model)
        Per class, its freshly built ``(generator, discriminator)``.
    images : list of ndarray
        Per class, its training samples, float32 in ``[-1, 1]``.
    **kwargs
        ``d_optimizer``, ``g_optimizer``, ``epochs`` (one per class),
        ``batch_size`` (capped at the smallest class, for all),
        ``rngs``, ``labels``, ``jit_compile``, ``label_smoothing``,
        ``verbose``, ``checkpoint_every``, ``on_checkpoint`` (one callable per
        class); see ``gansampler.training._jax_together``.

    Returns
    -------
    list of dict
        Per class, its history as :func:`train_gan` returns it.

    Raises
    ------
    ValueError
        On a backend other than JAX (``check_classes_together``).
    """
    check_classes_together()
    from ._jax_together import train_gans_together as train

    return train(pairs, images, **kwargs)


def gpu_count():
    """How many GPUs the running backend sees.

    Returns
    -------
    int
        0 on a machine without a GPU (or with a CPU-only build).

    Examples
    --------
    >>> from gansampler.training import gpu_count
    >>> gpu_count() >= 0
    True
    """
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

    Parameters
    ----------
    index : int
        Index of the task (the sampler passes the class's position).

    Returns
    -------
    contextmanager
        Use it in a ``with`` statement; it yields nothing.

    Examples
    --------
    >>> import keras
    >>> from gansampler.training import device_for
    >>> with device_for(3):
    ...     x = keras.ops.ones((2,))
    >>> keras.ops.convert_to_numpy(x).tolist()
    [1.0, 1.0]
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

    Returns
    -------
    bool
        False only for PyTorch without CUDA.

    Examples
    --------
    >>> from gansampler.training import backend, low_precision_output_works
    >>> low_precision_output_works() or backend() == "torch"
    True
    """
    if backend() == "torch":
        import torch

        return torch.cuda.is_available()
    return True
