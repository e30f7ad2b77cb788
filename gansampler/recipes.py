"""The GAN defaults in one table, and the article's recipe as a preset.

A GAN trained on a hundred images of one class is fragile, and its settings
work together: the study behind the defaults (docs/gan_study.md) found that
single changes to the article's recipe did not help and some hurt.

* :data:`DEFAULTS`: the value of every GAN setting when none is given. The
  signature of :class:`~gansampler.DCGANOverSampler`, the fields of
  :class:`gansampler.training.GANSettings` and the keyword arguments of
  :func:`gansampler.architectures.build_gan` take their defaults from this
  table, so a default is changed here and nowhere else. They are the recipe
  the study chose inside training folds: the article's, with a ``'conv'``
  generator that upsamples by resizing and convolving instead of by
  transposed convolutions. Of the techniques the study tried one at a time
  and together (spectral or no normalisation in the discriminator, the hinge
  loss, differentiable augmentation, an average of the generator's weights,
  and all of them at once), this change made the images most like held-back
  real ones and did the most for a classifier across digits and ELPV solar
  cells; docs/gan_study.md has the figures.
* :data:`ARTICLE`: what differs in the recipe of the article "Conquer
  class-imbalanced dataset issues using GANs" (Adam 1e-3 / 1e-4, batch
  normalisation in both networks, transposed convolutions, binary
  cross-entropy, no augmentation; the defaults add one-sided label smoothing
  of 0.1). Spread it into the sampler::

      DCGANOverSampler(**ARTICLE, random_state=0)

A value ``'auto'`` is resolved per network family by
:func:`gansampler.architectures.network_settings` (the widths, the
normalisations, the upsampling) or per device by
:func:`gansampler.training.default_updates` (the budget).

Examples
--------
>>> from gansampler import DCGANOverSampler
>>> from gansampler.recipes import ARTICLE, DEFAULTS
>>> ARTICLE
{'upsampling': 'transposed'}
>>> DCGANOverSampler(**ARTICLE).get_params()["upsampling"]
'transposed'
>>> DEFAULTS["label_smoothing"]
0.1
"""

__all__ = ["ARTICLE", "AUTO_UPSAMPLING", "CONV_WIDTHS", "DEFAULTS", "PRECISIONS"]

#: The default of every GAN setting, by parameter name.
DEFAULTS = {
    "latent_dim": 100,
    "updates": "auto",
    "batch_size": 32,
    "d_learning_rate": 1e-3,
    "g_learning_rate": 1e-4,
    "beta_1": 0.5,  # Adam's first-moment decay: the DCGAN value, fixed
    "generator_filters": "auto",
    "discriminator_filters": "auto",
    "batch_norm": "auto",
    "discriminator_norm": "auto",
    "upsampling": "auto",
    "loss": "bce",
    "label_smoothing": 0.1,
    "augmentation": (),
    "generator_ema": 0.0,
    "generator_dropout": 0.0,
    "pretrain": False,
    "freeze_discriminator": 0,
    "generated_fraction": 1.0,
    "validation_fraction": 0.2,
    "latent_sampling": "prior",
    "select": None,
}

#: ``generator_filters='auto'`` and ``discriminator_filters='auto'`` of the
#: ``'conv'`` and ``'dense'`` networks.
CONV_WIDTHS = {"generator_filters": 32, "discriminator_filters": 16}

#: ``upsampling='auto'`` of the ``'conv'`` generator (the study's choice).
AUTO_UPSAMPLING = "resize"

# The settings whose 'auto' each network family resolves its own way
# (architectures.network_settings).
NETWORK_PARAMETERS = (
    "generator_filters",
    "discriminator_filters",
    "batch_norm",
    "discriminator_norm",
    "upsampling",
)

#: The compute precisions of the hidden layers (``precision=``).
PRECISIONS = ("float32", "bfloat16", "float16")

#: The article's recipe: the settings in which it differs from the defaults.
ARTICLE = {"upsampling": "transposed"}
