"""GAN training: one backend-neutral epoch loop, one trainer per backend.

This package is the only place that knows which Keras backend runs. What
shapes a trainer (its networks, optimizers and train step) is a
:class:`GANSettings`; :func:`trainer_for` hands out the running backend's
trainer for those settings, reusing a recent one of the same settings in this
thread, so that a later fit (another class, another fold) compiles nothing
new. Each backend module (``_tensorflow``, ``_jax``, ``_torch``) provides a
``Trainer``, a subclass of ``_base.BaseTrainer``, with the same small
interface:

``Trainer(settings)``
    Working copies of the two networks and their optimizers, and the compiled
    train step. ``real_target`` is the discriminator's target for real
    images (below 1 with label smoothing).
``load(generator, discriminator, frozen_blocks=0)``
    Copy the weights of a class's freshly built networks in, reset both
    optimizers and the generator's moving average, and freeze the first
    ``frozen_blocks`` blocks of the discriminator.
``to_device(images)``
    Put one class's training images on the device for the whole fit.
``run_epoch(images, indices, seed)``
    Run several epochs in one compiled call: for each row of ``indices`` (the
    images of one batch), one discriminator update on the real batch, one on a
    batch of generated images, and one generator update. Returns the
    per-batch metrics, shape ``(n_batches, len(HISTORY_KEYS))``. Where
    ``split_calls`` is true, ``first_batch=i`` runs the part of a call that
    starts at its batch ``i`` (the same noise as in the whole call).
``save(generator, discriminator=None, average=True)``
    Copy the trained weights into Keras models: into ``generator`` the
    generator's moving average (when there is one and ``average``) or its
    weights as trained, into ``discriminator`` (when given) the
    discriminator's.
``generate(generator, noise)``
    ``generator``'s images for ``noise`` as a float32 numpy array, drawn in
    chunks of ``GENERATION_CHUNK`` rows (one compiled shape, on JAX).

The base class holds what the backends share (the set-up, ``load``,
``save`` and ``generate`` on Keras variables, the frozen-block mask); JAX,
whose train step keeps the state in its own arrays, has its own ``load`` and
``save``.

:func:`train_gan` runs the epochs, checkpoints and failure checks of one
class with such a trainer; a :class:`CheckpointMonitor` looks at the generator
at each checkpoint (snapshots, the choice of the best generator, mode
collapse). Every stopped training is reported as a
:class:`GANTrainingWarning`.
"""

import contextlib
import threading
from collections import OrderedDict

import keras

from .._history import HISTORY_KEYS
from ._base import GENERATION_CHUNK
from ._loop import train_gan
from ._losses import LOSSES
from ._monitor import CheckpointMonitor
from ._settings import DTYPE_POLICIES, GANSettings
from ._warnings import GANTrainingWarning

__all__ = [
    "DTYPE_POLICIES",
    "GENERATION_CHUNK",
    "HISTORY_KEYS",
    "LOSSES",
    "CheckpointMonitor",
    "GANSettings",
    "GANTrainingWarning",
    "CPU_UPDATES",
    "GPU_UPDATES",
    "backend",
    "default_updates",
    "device_for",
    "gpu_count",
    "make_trainer",
    "train_gan",
    "trainer_for",
]

# Trainers of recent settings, per thread (a trainer in use is never shared
# between threads). Each new trace costs time and, on TensorFlow, memory that
# is never given back (see docs/reliability.md).
_RECENT = threading.local()
N_RECENT_TRAINERS = 4


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


def make_trainer(settings):
    """Make a new ``Trainer`` of the running Keras backend (see module docstring).

    Parameters
    ----------
    settings : GANSettings
        The networks, optimizers and train step to build.

    Returns
    -------
    Trainer
        The backend's trainer: ``load``, ``to_device``, ``run_epoch``,
        ``save``, ``generate``.

    Examples
    --------
    >>> import keras
    >>> import numpy as np
    >>> from gansampler.training import GANSettings, make_trainer
    >>> settings = GANSettings("conv", (8, 8, 1), latent_dim=16, jit_compile=False)
    >>> trainer = make_trainer(settings)
    >>> trainer.load(*settings.build_networks(seed=0))
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
    return Trainer(settings)


def trainer_for(settings):
    """The trainer for ``settings``: a recent one of this thread, or a new one.

    The last ``N_RECENT_TRAINERS`` trainers made in a thread are kept, keyed
    on their settings; one in use is never handed to another thread. Load a
    class's networks into it before training (``load``).

    Parameters
    ----------
    settings : GANSettings
        What the trainer must train.

    Returns
    -------
    Trainer
        As :func:`make_trainer` makes it.

    Examples
    --------
    >>> from gansampler.training import GANSettings, trainer_for
    >>> settings = GANSettings("dense", (4,), latent_dim=8, jit_compile=False)
    >>> trainer_for(settings) is trainer_for(GANSettings("dense", (4,),
    ...                                                   latent_dim=8,
    ...                                                   jit_compile=False))
    True
    """
    recent = getattr(_RECENT, "trainers", None)
    if recent is None:
        recent = _RECENT.trainers = OrderedDict()
    if settings in recent:
        recent.move_to_end(settings)
    else:
        recent[settings] = make_trainer(settings)
        while len(recent) > N_RECENT_TRAINERS:
            recent.popitem(last=False)
    return recent[settings]


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


#: Generator updates per class of ``updates='auto'`` on a CPU.
CPU_UPDATES = 1000

#: Generator updates per class of ``updates='auto'`` on a GPU: a long
#: training (:data:`gansampler.recipes.LONG_TRAINING_UPDATES`), so the
#: sampler's ``'auto'`` techniques switch on.
GPU_UPDATES = 10000


def default_updates():
    """The budget of ``updates='auto'``: generator updates per class.

    :data:`GPU_UPDATES` when the running backend sees a GPU, else
    :data:`CPU_UPDATES`.

    Returns
    -------
    int

    Examples
    --------
    >>> from gansampler.training import default_updates
    >>> default_updates() >= 1
    True
    """
    return GPU_UPDATES if gpu_count() else CPU_UPDATES


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
        The task's device for the arrays made in its ``with`` block.

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
