"""What every backend's trainer sets up the same way."""

import numpy as np
from keras import layers, ops

from ..augment import DiffAugment
from ._host_init import host_initialized

__all__ = ["BaseTrainer"]

# Generated images are drawn in chunks of this many rows: one compiled shape.
SAMPLE_CHUNK = 256


class BaseTrainer:
    """Holds the working networks and optimizers; see ``gansampler.training``.

    Builds working copies of both networks and both optimizers from the
    settings and keeps the optimizers' state as built (zero moments, zero step
    count, the learning rate, the loss scale), which each backend restores for
    every new class. The discriminator's target for real images is
    ``real_target = 1 - label_smoothing`` (one-sided label smoothing, for
    ``loss="bce"``).
    """

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
