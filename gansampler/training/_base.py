"""What every backend's trainer sets up the same way."""

from keras import ops

__all__ = ["BaseTrainer"]


class BaseTrainer:
    """Holds the working networks and optimizers; see ``gansampler.training``.

    Builds working copies of both networks and both optimizers from the
    settings and keeps the optimizers' state as built (zero moments, zero step
    count, the learning rate, the loss scale), which each backend restores for
    every new class. The discriminator's target for real images is
    ``real_target = 1 - label_smoothing`` (one-sided label smoothing).
    """

    def __init__(self, settings):
        self.settings = settings
        # The working networks' own initial weights are never used: ``load``
        # copies each class's freshly built networks in.
        generator, discriminator = settings.build_networks()
        self.generator = generator
        self.discriminator = discriminator
        self.d_optimizer, self.g_optimizer = settings.build_optimizers()
        self.real_target = 1.0 - settings.label_smoothing
        self.latent_dim = generator.input_shape[-1]
        self.d_optimizer.build(discriminator.trainable_variables)
        self.g_optimizer.build(generator.trainable_variables)
        self._fresh_optimizer_state = [
            [ops.convert_to_numpy(variable.value) for variable in optimizer.variables]
            for optimizer in (self.d_optimizer, self.g_optimizer)
        ]
