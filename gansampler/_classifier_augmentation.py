"""Augmentation of the classifier's training images, as Keras layers.

``KerasImageClassifier(augmentation=...)`` trains its network behind these
layers; they are active in training only, and the fitted network (``model_``)
does not hold them, so predictions take the same path with or without
augmentation. (The GAN's own augmentation, DiffAugment, is
:mod:`gansampler.augment`.)

Policies (names joined by commas, or a tuple of names), applied in order:

``"flip"``, ``"rot90"``, ``"translation"``
    The transforms of the GAN's DiffAugment, the same functions
    (:mod:`gansampler._transforms`): mirrors left-right and top-bottom, each
    with probability 1/2; a turn by 0, 90, 180 or 270 degrees, equally
    likely (square images only); a shift by a whole number of pixels, up to
    1/8 of the height and of the width in each direction, the border filled
    by reflection (DiffAugment fills it with 0, which here would be a black
    band). Each batch draws its own. ``keras.layers.RandomRotation`` is not
    used (its ``factor`` gives a range of angles and it interpolates between
    pixels), nor ``keras.layers.RandomTranslation`` (with it, Keras trains
    without ``jit_compile`` on JAX, several times slower).
``"zoom"``
    A zoom in or out by a factor drawn between 0.9 and 1.1 (the same for
    height and width), about the image's centre, each output pixel taking
    the value of the nearest input pixel, the border filled by reflection
    (``d c b a | a b c d | d c b a``). ``keras.layers.RandomZoom`` is not used (the
    same reason as ``RandomTranslation``).
``"brightness"``
    The same value added to every pixel of an image, drawn between -0.1 and
    0.1 times the image's range (its largest minus its smallest value), so
    that images in [0, 1] and in [0, 255] are treated alike.
``"contrast"``
    The differences from the image's mean multiplied by a factor drawn
    between 0.8 and 1.25 (a log-uniform draw, as likely to lower the
    contrast as to raise it).

Which policy suits which images: a transformation helps only where it is a
symmetry of the task, that is where the class of a transformed image is the
class of the image. ``"brightness"``, ``"contrast"``, ``"translation"`` and
``"zoom"`` are small and keep the class of most photographs, scans and
digits, but none is free: where the class is read from intensities (dark
areas of a cell, the density of a lesion), brightness and contrast change
the evidence, and where it is read from small details at given places, a
shift can hide them. The classifier's default is no augmentation; measure a
policy inside the training folds before using it
(docs/classifier_study.md). ``"flip"`` suits images without a left/right or
up/down (cells, tissue, textures, solar cells, whose busbars stay
horizontal under both flips), not digits, letters or faces. ``"rot90"``
suits only images without any orientation (micrographs of cells, aerial
tiles); on solar cells it turns the horizontal busbars vertical, images the
classifier never sees at test time (docs/results.md has what it cost on
ELPV).

Every layer is traced into the compiled training step on each backend.
"""

from functools import partial

import keras
import numpy as np
from keras import ops

from ._transforms import N_RANDOM, TRANSFORMS, pick, reflected, translation
from .augment import check_names

__all__ = ["POLICIES", "augmenting_model", "check_policy"]

POLICIES = ("flip", "rot90", "translation", "zoom", "brightness", "contrast")

#: The shared transforms of the policies: DiffAugment's, with a shifted
#: image's border filled by reflection instead of 0.
SHARED_TRANSFORMS = {**TRANSFORMS, "translation": partial(translation, edge=reflected)}
#: Zoom factors are drawn between 1 - ZOOM and 1 + ZOOM.
ZOOM = 0.1
#: Largest brightness change, as a fraction of each image's range.
BRIGHTNESS = 0.1
#: Largest contrast factor (the smallest is its inverse).
CONTRAST = 1.25


def check_policy(augmentation, image_shape=None):
    """The names of an augmentation policy, checked; () for None.

    Parameters
    ----------
    augmentation : str, sequence of str or None
        ``"flip,rot90,translation"``, ``("flip", "rot90")`` or None.
    image_shape : tuple of int or None, default=None
        ``(H, W, C)`` of the images, to refuse ``"rot90"`` for images that
        are not square; None skips that check.

    Returns
    -------
    tuple of str
        The names, in the order given.

    Raises
    ------
    ValueError
        For an empty policy, an unknown or repeated name, or ``"rot90"`` with
        images that are not square.
    """
    if augmentation is None:
        return ()
    names = (
        augmentation.split(",")
        if isinstance(augmentation, str)
        else list(augmentation)
        if isinstance(augmentation, list | tuple)
        else None
    )
    if names is None or not all(isinstance(n, str) for n in names):
        raise ValueError(
            "augmentation must be None, a string such as 'flip,rot90' or a tuple "
            f"of names; got {augmentation!r}."
        )
    names = tuple(n.strip() for n in names)
    if not names or not all(names):
        raise ValueError(
            f"augmentation={augmentation!r} names no augmentation (None means none); "
            f"choose from {', '.join(POLICIES)}."
        )
    check_names(names, POLICIES)
    if "rot90" in names and image_shape is not None:
        height, width = int(image_shape[0]), int(image_shape[1])
        if height != width:
            raise ValueError(
                f"augmentation 'rot90' turns images by quarter turns, which needs "
                f"square images; these are {height}x{width} (use 'flip' for half "
                "turns)."
            )
    return names


class _RandomLayer(keras.layers.Layer):
    """A layer that changes images at random in training and passes them
    unchanged otherwise; subclasses give :meth:`augment`.

    Parameters
    ----------
    seed : int or None, default=None
        Seed of the draws.
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=True):
        return self.augment(images) if training else images

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


class RandomTransform(_RandomLayer):
    """Apply a shared transform (``"flip"``, ``"rot90"`` or ``"translation"``)
    at random, in training.

    Each batch draws its uniform numbers from ``seed`` and passes them to the
    transform of :mod:`gansampler._transforms`. Outside training the images
    pass unchanged. Images are ``(n, H, W, C)``.

    Parameters
    ----------
    transform : {"flip", "rot90", "translation"}
        The transform.
    seed : int or None, default=None
        Seed of the draws.
    """

    def __init__(self, transform, seed=None, **kwargs):
        super().__init__(seed, **kwargs)
        self.transform = transform

    def augment(self, images):
        u = keras.random.uniform(
            (ops.shape(images)[0], N_RANDOM[self.transform]), seed=self.seed_generator
        )
        return SHARED_TRANSFORMS[self.transform](images, u)

    def get_config(self):
        return {**super().get_config(), "transform": self.transform}


class RandomZoom(_RandomLayer):
    """Zoom each image in or out about its centre at random, in training.

    The factor is drawn uniformly between ``1 - factor`` and ``1 + factor``
    per image (the same for both axes; above 1 zooms in). Each output pixel
    takes the nearest input pixel; pixels from outside the image are its own,
    mirrored at its border. Outside training the images pass unchanged.

    Parameters
    ----------
    factor : float, default=0.1
        Largest relative change of scale.
    seed : int or None, default=None
        Seed of the factors.
    """

    def __init__(self, factor=ZOOM, seed=None, **kwargs):
        super().__init__(seed, **kwargs)
        self.factor = factor

    def augment(self, images):
        scale = keras.random.uniform(
            (ops.shape(images)[0], 1),
            1 - self.factor,
            1 + self.factor,
            seed=self.seed_generator,
        )
        for axis in (1, 2):
            size = images.shape[axis]
            if size < 2:
                continue
            centre = (size - 1) / 2
            out = ops.arange(size, dtype="float32")[None, :]
            source = ops.cast(ops.round(centre + (out - centre) / scale), "int32")
            images = pick(images, reflected(source, size), axis)
        return images

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class RandomBrightnessContrast(_RandomLayer):
    """Change each image's brightness or contrast at random, in training.

    ``kind="brightness"`` adds to every pixel of an image one value drawn
    uniformly from ``-amount .. amount`` times the image's range (largest
    minus smallest value); ``kind="contrast"`` multiplies each pixel's
    difference from the image's mean by a factor drawn log-uniformly between
    ``1 / amount`` and ``amount``. Outside training the images pass unchanged.

    Parameters
    ----------
    kind : {"brightness", "contrast"}
    amount : float
        See above.
    seed : int or None, default=None
        Seed of the draws.
    """

    def __init__(self, kind, amount, seed=None, **kwargs):
        super().__init__(seed, **kwargs)
        self.kind = kind
        self.amount = amount

    def augment(self, images):
        shape = (ops.shape(images)[0], 1, 1, 1)
        if self.kind == "brightness":
            spread = ops.max(images, axis=(1, 2, 3), keepdims=True) - ops.min(
                images, axis=(1, 2, 3), keepdims=True
            )
            delta = keras.random.uniform(
                shape, -self.amount, self.amount, seed=self.seed_generator
            )
            return images + ops.cast(delta, images.dtype) * spread
        log_amount = float(np.log(self.amount))
        factor = ops.exp(
            keras.random.uniform(
                shape, -log_amount, log_amount, seed=self.seed_generator
            )
        )
        mean = ops.mean(images, axis=(1, 2, 3), keepdims=True)
        return mean + (images - mean) * ops.cast(factor, images.dtype)

    def get_config(self):
        return {**super().get_config(), "kind": self.kind, "amount": self.amount}


def _layers(names, seed):
    """The augmentation layers of ``names``, each with its own seed."""
    make = {
        **{name: partial(RandomTransform, name) for name in SHARED_TRANSFORMS},
        "zoom": lambda s: RandomZoom(ZOOM, seed=s),
        "brightness": lambda s: RandomBrightnessContrast("brightness", BRIGHTNESS, s),
        "contrast": lambda s: RandomBrightnessContrast("contrast", CONTRAST, s),
    }
    return [make[name](seed + i) for i, name in enumerate(names, start=1)]


def augmenting_model(network, names, seed):
    """``network`` behind the augmentation layers: the model that is trained.

    It shares its weights with ``network`` and is compiled as ``network``
    is, so training it trains ``network``; ``network`` itself is left without
    the augmentation layers.

    Parameters
    ----------
    network : keras.Model
        The compiled classifier network.
    names : tuple of str
        A checked policy (:func:`check_policy`).
    seed : int
        Seeds the layers.

    Returns
    -------
    keras.Model
    """
    inputs = keras.Input(shape=network.input_shape[1:])
    x = inputs
    for layer in _layers(names, seed):
        x = layer(x)
    model = keras.Model(inputs, network(x), name=f"{network.name}_augmented")
    model.compile_from_config(network.get_compile_config())
    return model
