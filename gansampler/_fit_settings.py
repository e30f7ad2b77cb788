"""A fit's settings, resolved and checked before any training.

:class:`~gansampler.DCGANOverSampler` stores its parameters unchanged; at the
start of ``fit_resample`` this module resolves each ``'auto'`` (per network
family, per device, per budget, per kind of data) into ``settings_``, and
refuses every combination of parameters that one of them could not honour,
naming both, before a network is built.
"""

import math
import os
from numbers import Integral

import numpy as np

from ._anchoring import check_anchoring
from ._teacher import check_teacher_input
from .architectures import network_settings
from .augment import check_policy
from .labels import label_text
from .recipes import (
    DEFAULTS,
    LONG_TRAINING,
    LONG_TRAINING_UPDATES,
    NETWORK_PARAMETERS,
    SHORT_TRAINING,
)
from .training import GANSettings, default_updates, trainer_for

__all__ = [
    "MIN_HOLD_OUT_CLASS",
    "check_before_training",
    "check_counts",
    "epochs_for",
    "gan_settings",
    "n_held_back",
    "resolve_settings",
]

# Classes smaller than this hold no images back for choosing the generator.
MIN_HOLD_OUT_CLASS = 10


def check_counts(sampling_strategy, y):
    """Refuse sample counts that are not integers, as imbalanced-learn does.

    imbalanced-learn's own samplers fail on them deep inside numpy; this says
    which class and count, before any training.
    """
    for label, n_new in sampling_strategy.items():
        if not isinstance(n_new, Integral) or isinstance(n_new, bool | np.bool_):
            target = n_new + np.count_nonzero(y == label)
            raise TypeError(
                f"sampling_strategy asks for {target} samples of class "
                f"{label_text(label)}: sample counts must be integers, as in "
                "every imbalanced-learn sampler."
            )


def _architecture(sampler, fmt):
    if sampler.architecture == "auto":
        return "conv" if fmt.is_image else "dense"
    if sampler.architecture in ("conv", "seed") and not fmt.is_image:
        raise ValueError(
            f"architecture={sampler.architecture!r} needs images; got samples "
            f"of shape {tuple(fmt.sample_shape)}. Pass image_shape for flattened "
            "images, or use architecture='dense' for tabular data."
        )
    return sampler.architecture


def resolve_settings(sampler, fmt):
    """Every GAN setting of this fit, each ``'auto'`` resolved (``settings_``).

    Parameters
    ----------
    sampler : DCGANOverSampler
        Its parameters, as given.
    fmt : DataFormat
        The training data's layout (:func:`gansampler._images.describe`).

    Returns
    -------
    dict
        ``architecture``, then one value per name of
        :data:`gansampler.recipes.DEFAULTS`.

    Raises
    ------
    ValueError
        For two parameters that do not go together; the message names both.
    """
    architecture = _architecture(sampler, fmt)
    networks = network_settings(
        architecture, **{name: getattr(sampler, name) for name in NETWORK_PARAMETERS}
    )
    updates = default_updates() if sampler.updates == "auto" else sampler.updates
    budget = LONG_TRAINING if updates >= LONG_TRAINING_UPDATES else SHORT_TRAINING
    generator_ema = sampler.generator_ema
    if generator_ema == "auto":
        generator_ema = budget["generator_ema"]
    augmentation = sampler.augmentation
    if augmentation == "auto":
        images = architecture != "dense"
        augmentation = budget["augmentation"] if images else ()
    augmentation = check_policy(augmentation)
    if augmentation and architecture == "dense":
        raise ValueError(
            f"augmentation={sampler.augmentation!r} transforms images, and "
            "architecture='dense' trains on rows of values; pass "
            "augmentation=() with architecture='dense', or use "
            "architecture='conv' for images."
        )
    augmentation = check_policy(augmentation, fmt.sample_shape)
    if sampler.loss == "hinge" and sampler.label_smoothing > 0:
        raise ValueError(
            f"label_smoothing={sampler.label_smoothing!r} smooths the target of "
            "loss='bce'; loss='hinge' has no target to smooth. Pass "
            "label_smoothing=0 with loss='hinge'."
        )
    if sampler.freeze_discriminator and not sampler.pretrain:
        raise ValueError(
            f"freeze_discriminator={sampler.freeze_discriminator} freezes blocks "
            "of the pretrained discriminator while fine-tuning; it needs "
            "pretrain=True."
        )
    resolved = {
        **networks,
        "augmentation": augmentation,
        "generator_ema": generator_ema,
        "updates": updates,
    }
    settings = {"architecture": architecture}
    for name, default in DEFAULTS.items():
        if name in resolved:
            settings[name] = resolved[name]
        else:
            settings[name] = getattr(sampler, name, default)
    return settings


def gan_settings(sampler, fmt, settings):
    """The :class:`~gansampler.training.GANSettings` of this fit's trainers.

    The network settings go as the sampler holds them (``'auto'`` included;
    :func:`~gansampler.architectures.build_gan` resolves them as
    :func:`resolve_settings` did).
    """
    return GANSettings(
        settings["architecture"],
        fmt.sample_shape,
        latent_dim=sampler.latent_dim,
        **{name: getattr(sampler, name) for name in NETWORK_PARAMETERS},
        generator_dropout=sampler.generator_dropout,
        precision=sampler.precision,
        d_learning_rate=sampler.d_learning_rate,
        g_learning_rate=sampler.g_learning_rate,
        beta_1=settings["beta_1"],
        label_smoothing=sampler.label_smoothing,
        loss=sampler.loss,
        augmentation=settings["augmentation"],
        generator_ema=settings["generator_ema"],
        jit_compile=sampler.jit_compile,
    )


def epochs_for(updates, n_images, batch_size):
    """Epochs for about ``updates`` generator updates on ``n_images`` images.

    ``ceil(updates / n_batches)``: a small class, which has few batches per
    epoch, trains as long as a large one.
    """
    n_batches = max(1, n_images // min(batch_size, n_images))
    return math.ceil(updates / n_batches)


def n_held_back(validation_fraction, n_images):
    """How many of a class's ``n_images`` are held back for scoring (0: none).

    None holds nothing back; classes smaller than ``MIN_HOLD_OUT_CLASS``, and
    those where the fraction comes to fewer than 2 images, hold none back and
    are scored against their training images.
    """
    if validation_fraction is None or n_images < MIN_HOLD_OUT_CLASS:
        return 0
    n_held = round(validation_fraction * n_images)
    return n_held if n_held >= 2 else 0


def check_snapshot_dir(snapshot_dir):
    """Refuse a ``snapshot_dir`` that names no folder or cannot become one.

    The folder is made when the first class trains; a file at its path or on
    the way to it would stop the fit there.
    """
    if snapshot_dir is None:
        return
    name = os.fspath(snapshot_dir)
    if not name:
        raise ValueError(
            "snapshot_dir='' names no folder; pass a folder for the "
            "snapshots, or None for none."
        )
    path = existing = os.path.abspath(name)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        where = "exists and" if existing == path else f"lies inside {existing!r}, which"
        raise NotADirectoryError(f"snapshot_dir={name!r} {where} is not a folder.")


def check_before_training(sampler, y, plan, settings, fmt):
    """Refuse, before any training, what would fail halfway through a fit.

    ``plan`` lists ``(class, new samples, of which generated)``; ``settings``
    is the fit's :class:`~gansampler.training.GANSettings`; ``fmt`` the
    training data's layout.
    """
    generated = [label for label, _, n_gen in plan if n_gen]
    check_anchoring(sampler.latent_sampling, y, generated)
    if sampler.select == "teacher" and generated:
        check_teacher_input(fmt, y)
    check_snapshot_dir(sampler.snapshot_dir)
    frozen = sampler.freeze_discriminator
    if frozen and any(n_gen for _, _, n_gen in plan):
        trainer_for(settings).trainable_mask(frozen)  # raises if too many
    fraction = sampler.validation_fraction
    if fraction is None:
        return
    for label, _, n_gen in plan:
        n_class = int(np.count_nonzero(y == label))
        if n_gen and n_class < 2:
            raise ValueError(
                f"Class {label_text(label)} has {n_class} sample: "
                f"validation_fraction={fraction!r} scores its generator against "
                "real samples of the class and needs at least 2. Pass "
                "validation_fraction=None to train on the single sample "
                "anyway, or leave the class out of sampling_strategy."
            )
        if n_gen and n_held_back(fraction, n_class) >= n_class:
            raise ValueError(
                f"validation_fraction={fraction!r} holds back all {n_class} "
                f"samples of class {label_text(label)} to score its generator, "
                "leaving none to train it on. Pass a smaller "
                "validation_fraction, or validation_fraction=None to choose no "
                "checkpoint."
            )
