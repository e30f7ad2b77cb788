"""What shapes a trainer: its networks, its optimizers and its train step."""

from dataclasses import asdict, dataclass

import keras

from .._seeding import python_random_seeded
from ..architectures import build_gan
from ..augment import check_policy
from ..recipes import DEFAULTS, NETWORK_PARAMETERS, PRECISIONS, SHORT_TRAINING
from ._host_init import host_initialized
from ._losses import LOSSES

__all__ = ["GANSettings"]

# Keras dtype policy of the hidden layers for each precision.
DTYPE_POLICIES = dict(
    zip(PRECISIONS, ("float32", "mixed_bfloat16", "mixed_float16"), strict=True)
)


def _low_precision_output_works():
    """Whether the generator's last convolution may run in bfloat16 / float16.

    It may, and on a GPU it should (computing it in float32 took 58 % of the
    bf16 seed generator's time on an H100). PyTorch's CPU kernels cannot: the
    backward pass of a half-precision convolution with few output channels
    fails there ("slow_conv2d: grad_weight must be contiguous").
    """
    if keras.config.backend() == "torch":
        import torch

        return torch.cuda.is_available()
    return True


@dataclass(frozen=True)
class GANSettings:
    """The settings that shape a trainer: two fits with equal settings share one.

    The defaults are those of :data:`gansampler.recipes.DEFAULTS`. A trainer
    holds working copies of the networks, both optimizers and the
    compiled train step; building and compiling them is the costly part of a
    first fit. Everything that changes any of these is a field here, and
    nothing else is: the class, its images, the seeds and the number of epochs
    are given to each fit.

    Attributes
    ----------
    architecture : {"conv", "seed", "dense"}
        Network family (:func:`gansampler.architectures.build_gan`).
    sample_shape : tuple of int
        ``(H, W, C)`` for images, ``(n_features,)`` for rows.
    latent_dim : int
        Size of the noise vector.
    generator_filters, discriminator_filters : int or "auto"
        Widths of the networks (``"auto"``: the family's own,
        :func:`gansampler.architectures.network_settings`).
    batch_norm : bool or "auto"
        Batch normalisation ("auto": the family's own choice).
    generator_dropout : float
        Dropout in the generator.
    precision : {"float32", "bfloat16", "float16"}
        Compute precision of the hidden layers.
    d_learning_rate, g_learning_rate, beta_1 : float
        Adam's settings for the discriminator and the generator.
    label_smoothing : float
        The discriminator's target for real images is ``1 - label_smoothing``
        (``loss="bce"`` only).
    upsampling : {"transposed", "resize", "auto"}
        Upsampling of the ``"conv"`` generator ("auto": the family's own).
    discriminator_norm : {"batch", "spectral", "none", "auto"}
        Normalisation of the ``"conv"`` discriminator ("auto" follows
        ``batch_norm``).
    loss : {"bce", "hinge"}
        The GAN loss (:mod:`gansampler.training._losses`).
    augmentation : tuple of str
        Differentiable augmentation before the discriminator
        (:class:`gansampler.augment.DiffAugment`); empty: none.
    generator_ema : float
        Decay of the exponential moving average of the generator's weights
        that checkpoints and sampling use; 0: the raw weights.
    reuse_fakes : bool
        One batch of generated images per step serves the discriminator's
        update on fakes and the generator's update (one generator forward pass
        fewer; the generator's weights do not change in between). False: the
        article's fresh noise for each. A speed trick for the benchmarks; the
        sampler never sets it.
    jit_compile : bool or "auto"
        Whether the backend compiles the train step.

    Examples
    --------
    >>> from gansampler.training import GANSettings
    >>> settings = GANSettings("conv", (8, 8, 1), latent_dim=16)
    >>> generator, discriminator = settings.build_networks(seed=0)
    >>> generator.output_shape, discriminator.output_shape
    ((None, 8, 8, 1), (None, 1))
    >>> settings == GANSettings("conv", (8, 8, 1), latent_dim=16)  # a cache key
    True
    """

    architecture: str
    sample_shape: tuple
    latent_dim: int = DEFAULTS["latent_dim"]
    generator_filters: int | str = DEFAULTS["generator_filters"]
    discriminator_filters: int | str = DEFAULTS["discriminator_filters"]
    batch_norm: bool | str = DEFAULTS["batch_norm"]
    generator_dropout: float = DEFAULTS["generator_dropout"]
    precision: str = "float32"
    d_learning_rate: float = DEFAULTS["d_learning_rate"]
    g_learning_rate: float = DEFAULTS["g_learning_rate"]
    beta_1: float = DEFAULTS["beta_1"]
    label_smoothing: float = DEFAULTS["label_smoothing"]
    upsampling: str = DEFAULTS["upsampling"]
    discriminator_norm: str = DEFAULTS["discriminator_norm"]
    loss: str = DEFAULTS["loss"]
    augmentation: tuple = SHORT_TRAINING["augmentation"]
    generator_ema: float = SHORT_TRAINING["generator_ema"]
    reuse_fakes: bool = False
    jit_compile: bool | str = "auto"

    def __post_init__(self):
        object.__setattr__(
            self, "sample_shape", tuple(int(v) for v in self.sample_shape)
        )
        object.__setattr__(
            self, "augmentation", check_policy(self.augmentation, self.sample_shape)
        )
        if self.loss not in LOSSES:
            raise ValueError(
                f"loss must be one of {', '.join(map(repr, LOSSES))}; "
                f"got {self.loss!r}."
            )

    def build_networks(self, seed=None):
        """Build a fresh ``(generator, discriminator)`` pair.

        Parameters
        ----------
        seed : int or None, default=None
            Seeds the initial weights (through the seeds Keras draws from
            Python's :mod:`random`, whose global state is left unchanged).

        Returns
        -------
        generator, discriminator : keras.Model
            The discriminator outputs a raw score (no sigmoid): the losses
            take the score.
        """

        def build():
            with python_random_seeded(seed):
                return build_gan(
                    self.architecture,
                    self.sample_shape,
                    latent_dim=self.latent_dim,
                    **{name: getattr(self, name) for name in NETWORK_PARAMETERS},
                    generator_dropout=self.generator_dropout,
                    dtype=DTYPE_POLICIES[self.precision],
                    output_dtype=None if _low_precision_output_works() else "float32",
                    output_activation=None,
                )

        return host_initialized(build)

    def build_optimizers(self):
        """Fresh Adam optimizers ``(discriminator's, generator's)``.

        ``precision="float16"`` wraps each in a
        :class:`keras.optimizers.LossScaleOptimizer`.

        Returns
        -------
        d_optimizer, g_optimizer : keras.optimizers.Optimizer
        """
        optimizers = []
        for learning_rate in (self.d_learning_rate, self.g_learning_rate):
            optimizer = keras.optimizers.Adam(learning_rate, beta_1=self.beta_1)
            if self.precision == "float16":
                optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
            optimizers.append(optimizer)
        return tuple(optimizers)

    def replace(self, **changes):
        """A copy with some fields changed."""
        return type(self)(**{**asdict(self), **changes})
