"""What every backend's trainer does the same way: set up, load, save, generate."""

import keras
import numpy as np
from keras import layers, ops

from ..augment import DiffAugment
from ._host_init import host_initialized

__all__ = ["GENERATION_CHUNK", "BaseTrainer"]

#: Generated images are drawn in chunks of this many rows: one compiled shape,
#: and a bounded memory whatever the number of images (the sampler draws its
#: noise chunk by chunk too).
GENERATION_CHUNK = 256


def _copy(targets, sources):
    """Assign each source (a Keras variable or an array) to its target variable."""
    for target, source in zip(targets, sources, strict=True):
        target.assign(source.value if isinstance(source, keras.Variable) else source)


class BaseTrainer:
    """Holds the working networks and optimizers; see ``gansampler.training``.

    Builds working copies of both networks and both optimizers from the
    settings and keeps the optimizers' state as built (zero moments, zero step
    count, the learning rate, the loss scale), which :meth:`load` restores for
    every new class. The discriminator's target for real images is
    ``real_target = 1 - label_smoothing`` (one-sided label smoothing, for
    ``loss="bce"``).

    :meth:`load`, :meth:`save` and :meth:`generate` work on the Keras variables
    of the working networks, which the train step updates in place (the
    TensorFlow and PyTorch trainers). A backend whose train step keeps the
    state elsewhere (JAX) overrides :meth:`load` and :meth:`save`. A backend
    sets up its own training state in :meth:`_reset` (the generator's moving
    average ``_average``, the discriminator's gradient mask) and draws one
    chunk of images in :meth:`_generate_chunk`.
    """

    # The generator's moving average, one value per trainable variable, when
    # ``settings.generator_ema`` (set by each backend).
    _average = ()

    #: Whether the epoch loop may cut a call into parts: ``run_epoch(images,
    #: indices[i:j], seed, first_batch=i)`` for consecutive parts trains
    #: exactly as ``run_epoch(images, indices, seed)`` does. It does so that a
    #: compiled call, during which Python cannot answer Ctrl-C, stays short.
    #: False where a call returns to Python between batches anyway (PyTorch)
    #: or each number of batches compiles a new program (TensorFlow with XLA).
    split_calls = True

    def __init__(self, settings):
        self.settings = settings
        # The working networks' own initial weights are never used: ``load``
        # copies each class's freshly built networks in.
        generator, discriminator = settings.build_networks()
        self.generator = generator
        self.discriminator = discriminator
        self.d_optimizer, self.g_optimizer = settings.build_optimizers()
        self.loss = settings.loss
        self.real_target = (
            1.0 - settings.label_smoothing if settings.loss == "bce" else 1.0
        )
        self.augment = DiffAugment(settings.augmentation)
        self.ema = settings.generator_ema
        self.latent_dim = generator.input_shape[-1]
        host_initialized(
            lambda: (
                self.d_optimizer.build(discriminator.trainable_variables),
                self.g_optimizer.build(generator.trainable_variables),
            )
        )
        self._fresh_optimizer_state = [
            [ops.convert_to_numpy(variable.value) for variable in optimizer.variables]
            for optimizer in (self.d_optimizer, self.g_optimizer)
        ]

    def load(self, generator, discriminator, frozen_blocks=0):
        """Copy in a class's freshly built networks and reset the training state.

        Both optimizers go back to their state as built, the generator's
        moving average starts from ``generator``'s weights, and the first
        ``frozen_blocks`` blocks of the discriminator are frozen
        (:meth:`trainable_mask`).
        """
        _copy(self.generator.variables, generator.variables)
        _copy(self.discriminator.variables, discriminator.variables)
        for optimizer, state in zip(
            (self.d_optimizer, self.g_optimizer),
            self._fresh_optimizer_state,
            strict=True,
        ):
            _copy(optimizer.variables, state)
        self._reset(self.trainable_mask(frozen_blocks))

    def _reset(self, mask):
        """Reset the backend's own training state after :meth:`load`.

        ``mask`` is :meth:`trainable_mask`'s list; the moving average starts
        from the working generator's (just loaded) weights.
        """
        raise NotImplementedError

    def save(self, generator, discriminator=None, average=True):
        """Copy the trained weights into Keras models.

        ``generator``, when given, gets the moving average of the generator's
        weights when there is one and ``average`` is true, else the weights as
        trained; ``discriminator``, when given, gets the trained
        discriminator's.
        """
        if generator is not None:
            _copy(generator.variables, self.generator.variables)
            if self.ema and average:
                _copy(generator.trainable_variables, self._average)
        if discriminator is not None:
            _copy(discriminator.variables, self.discriminator.variables)

    def generate(self, generator, noise):
        """``generator``'s images for ``noise``, as float32 numpy, in chunks.

        Each chunk of at most ``GENERATION_CHUNK`` rows is drawn by
        :meth:`_generate_chunk`; no noise gives no images.
        """
        noise = np.asarray(noise, np.float32)
        chunks = [
            self._generate_chunk(generator, noise[start : start + GENERATION_CHUNK])
            for start in range(0, len(noise), GENERATION_CHUNK)
        ]
        if not chunks:
            return np.zeros((0, *generator.output_shape[1:]), np.float32)
        return np.concatenate(chunks).astype(np.float32, copy=False)

    def _generate_chunk(self, generator, noise):
        """The images of one chunk of ``noise`` (a float32 array), as numpy."""
        return ops.convert_to_numpy(generator(noise, training=False))

    def trainable_mask(self, frozen_blocks):
        """1.0 per trainable discriminator variable, 0.0 for the frozen ones.

        A block is a convolution (or dense layer) with what follows it up to
        the next one; the first ``frozen_blocks`` blocks are frozen (FreezeD,
        Mo et al. 2020). The output layer is never frozen.
        """
        weighted = [
            layer
            for layer in self.discriminator.layers
            if isinstance(getattr(layer, "layer", layer), layers.Conv2D | layers.Dense)
        ]
        if frozen_blocks >= len(weighted):
            raise ValueError(
                f"freeze_discriminator={frozen_blocks} would freeze every block of "
                f"the discriminator, which has {len(weighted)} (the last is its "
                f"output layer); freeze at most {len(weighted) - 1}."
            )
        frozen = set()
        if frozen_blocks:
            stop = self.discriminator.layers.index(weighted[frozen_blocks])
            for layer in self.discriminator.layers[:stop]:
                frozen.update(id(v) for v in layer.trainable_variables)
        return [
            np.float32(0.0 if id(v) in frozen else 1.0)
            for v in self.discriminator.trainable_variables
        ]
