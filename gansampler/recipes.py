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
  and together at a CPU's budget of 1,000 updates (spectral or no
  normalisation in the discriminator, the hinge loss, differentiable
  augmentation, an average of the generator's weights, and all of them at
  once), this change made the images most like held-back real ones and did
  the most for a classifier across digits and ELPV solar cells. At a GPU's
  budget of 10,000 updates, differentiable augmentation and the generator
  average made the images closer still; so long trainings get them
  (:data:`LONG_TRAINING`), shorter ones do not. Half of each class's new
  samples are generated and half are copies of its own images
  (``generated_fraction=0.5``): on both data sets that mix did more for a
  classifier than generated images alone. docs/gan_study.md has the
  figures.
* :data:`ARTICLE`: what differs in the recipe of the article "Conquer
  class-imbalanced dataset issues using GANs" (Adam 1e-3 / 1e-4, batch
  normalisation in both networks, transposed convolutions, binary
  cross-entropy, no augmentation, no average of the generator's weights at
  any budget, every new sample generated; the defaults add one-sided label
  smoothing of 0.1). Spread it
  into the sampler::

      DCGANOverSampler(**ARTICLE, random_state=0)

A value ``'auto'`` is resolved per network family by
:func:`gansampler.architectures.network_settings` (the widths, the
normalisations, the upsampling), per device by
:func:`gansampler.training.default_updates` (the budget), or per budget
(``augmentation`` and ``generator_ema``: :data:`LONG_TRAINING` from
:data:`LONG_TRAINING_UPDATES` updates on, else :data:`SHORT_TRAINING`).

Examples
--------
>>> from gansampler import DCGANOverSampler
>>> from gansampler.recipes import ARTICLE, DEFAULTS
>>> sorted(ARTICLE)
['augmentation', 'generated_fraction', 'generator_ema', 'upsampling']
>>> ARTICLE["generated_fraction"], DEFAULTS["generated_fraction"]
(1.0, 0.5)
>>> DCGANOverSampler(**ARTICLE).get_params()["upsampling"]
'transposed'
>>> DEFAULTS["label_smoothing"]
0.1
"""

__all__ = [
    "ARTICLE",
    "AUTO_UPSAMPLING",
    "CONV_WIDTHS",
    "DEFAULTS",
    "LONG_TRAINING",
    "LONG_TRAINING_UPDATES",
    "PRECISIONS",
    "SHORT_TRAINING",
]

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
    "augmentation": "auto",
    "generator_ema": "auto",
    "generator_dropout": 0.0,
    "pretrain": False,
    "freeze_discriminator": 0,
    "generated_fraction": 0.5,
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

#: Budgets of at least this many generator updates per class are long
#: trainings, which ``augmentation='auto'`` and ``generator_ema='auto'`` give
#: the data-efficient techniques of :data:`LONG_TRAINING`.
LONG_TRAINING_UPDATES = 5000

#: ``augmentation='auto'`` and ``generator_ema='auto'`` of a long training:
#: DiffAugment's translation and cutout (images only) and an average of the
#: generator's weights, which keep a discriminator from overfitting a small
#: class over many updates.
LONG_TRAINING = {"augmentation": ("translation", "cutout"), "generator_ema": 0.999}

#: ``augmentation='auto'`` and ``generator_ema='auto'`` of a shorter training:
#: neither technique.
SHORT_TRAINING = {"augmentation": (), "generator_ema": 0.0}

#: The article's recipe: the settings in which it differs from the defaults.
ARTICLE = {"upsampling": "transposed", **SHORT_TRAINING, "generated_fraction": 1.0}
