"""Differentiable augmentation of the discriminator's input (DiffAugment).

A GAN trained on a hundred images lets its discriminator memorise them; the
generator then gets no useful signal. DiffAugment (Zhao et al., NeurIPS 2020)
applies the same random, differentiable transformations to real and to
generated images before the discriminator sees them, in the discriminator's
updates and in the generator's, so the generator is never asked to produce
augmented images (augmenting only the real images would teach it to).

Every transformation is written once with :mod:`keras.ops` and takes its
randomness as an argument (uniform numbers in ``[0, 1)``, ``n_random`` per
image, drawn by the trainer), so it runs inside the compiled train step of
every backend and is reproducible. Each call draws one set of numbers and
applies the same transforms to the real and to the generated batch.
``"translation"``, ``"flip"`` and ``"rot90"`` are the transforms of the
classifier's augmentation too (:mod:`gansampler._transforms`).

Policies:

* ``"translation"``: shift by up to 1/8 of the height and width (rounded half
  up), the border filled with 0 (mid grey in ``[-1, 1]``);
* ``"cutout"``: set a square of half the height and width, anywhere in the
  image, to 0;
* ``"color"``: random brightness, contrast and, for images of several
  channels, saturation;
* ``"flip"``: mirror left-right and top-bottom, each with probability 1/2;
* ``"rot90"``: rotate by a random multiple of 90 degrees (square images).

Flips and rotations suit images without a natural orientation (cells, tissue,
textures), not digits or faces.
"""

from keras import ops

from ._transforms import N_RANDOM, TRANSFORMS

__all__ = ["POLICIES", "DiffAugment", "check_policy"]

#: The augmentation policies, in the order they are documented.
POLICIES = ("translation", "cutout", "color", "flip", "rot90")

CUTOUT_RATIO = 1 / 2


def _cutout(x, u):
    height, width = x.shape[1], x.shape[2]

    def outside(size, ratio_u):
        box = int(size * CUTOUT_RATIO + 0.5)
        start = ops.floor(ratio_u * size) - box // 2
        index = ops.arange(size, dtype="float32")[None, :]
        return ops.logical_or(index < start[:, None], index >= start[:, None] + box)

    keep = ops.logical_or(
        outside(height, u[:, 0])[:, :, None], outside(width, u[:, 1])[:, None, :]
    )
    return x * ops.cast(keep, x.dtype)[..., None]


def _color(x, u):
    # Brightness, saturation, contrast as in DiffAugment, on [-1, 1] images.
    x = x + (u[:, 0] - 0.5)[:, None, None, None]
    if x.shape[-1] > 1:
        mean = ops.mean(x, axis=-1, keepdims=True)
        x = (x - mean) * (2 * u[:, 1])[:, None, None, None] + mean
    mean = ops.mean(x, axis=(1, 2, 3), keepdims=True)
    return (x - mean) * (u[:, 2] + 0.5)[:, None, None, None] + mean


_FUNCTIONS = {**TRANSFORMS, "cutout": _cutout, "color": _color}

# Uniform numbers each policy uses per image.
_N_RANDOM = {**N_RANDOM, "cutout": 2, "color": 3}


def check_policy(policy, image_shape=None):
    """``policy`` as a tuple of policy names; a ValueError names what is wrong.

    Parameters
    ----------
    policy : None, str or sequence of str
        None or ``""``: no augmentation; a comma-separated string or a
        sequence of names from :data:`POLICIES`.
    image_shape : tuple of int or None, default=None
        ``(H, W, C)``; ``"rot90"`` needs square images.

    Returns
    -------
    tuple of str
        The names, in the order they are applied.

    Examples
    --------
    >>> from gansampler.augment import check_policy
    >>> check_policy("translation, cutout")
    ('translation', 'cutout')
    >>> check_policy(None)
    ()
    """
    if policy is None:
        return ()
    names = policy.split(",") if isinstance(policy, str) else list(policy)
    names = tuple(str(name).strip() for name in names if str(name).strip())
    check_names(names, POLICIES)
    if names and image_shape is not None:
        if len(image_shape) != 3:
            raise ValueError(
                "augmentation applies to images; the data are rows of "
                f"{image_shape[0]} features. Use augmentation=None."
            )
        if "rot90" in names and image_shape[0] != image_shape[1]:
            raise ValueError(
                f"augmentation 'rot90' needs square images; these are "
                f"{image_shape[0]}x{image_shape[1]}. Use 'flip' instead."
            )
    return names


def check_names(names, allowed):
    """Raise a ValueError for a name of ``names`` not in ``allowed`` or repeated.

    Parameters
    ----------
    names : tuple of str
        The names of a policy.
    allowed : tuple of str
        The names it may use.
    """
    unknown = [name for name in names if name not in allowed]
    if unknown:
        raise ValueError(
            f"unknown augmentation {', '.join(map(repr, unknown))}; choose from "
            f"{', '.join(allowed)}."
        )
    if len(set(names)) != len(names):
        raise ValueError(f"augmentation names a policy twice: {names!r}.")


class DiffAugment:
    """A differentiable augmentation policy for batches of ``[-1, 1]`` images.

    Parameters
    ----------
    policy : None, str or sequence of str
        Names from :data:`POLICIES`, applied in that order.

    Attributes
    ----------
    policy : tuple of str
        The validated names.
    n_random : int
        Uniform random numbers needed per image.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.augment import DiffAugment
    >>> augment = DiffAugment("translation,cutout")
    >>> x = np.random.default_rng(0).uniform(-1, 1, (4, 8, 8, 1)).astype("float32")
    >>> u = np.random.default_rng(1).random((4, augment.n_random)).astype("float32")
    >>> tuple(augment(x, u).shape)
    (4, 8, 8, 1)
    >>> bool(np.all(augment(x, u) == augment(x, u)))  # the randomness is u
    True
    """

    def __init__(self, policy):
        self.policy = check_policy(policy)
        self.n_random = sum(_N_RANDOM[name] for name in self.policy)

    def __bool__(self):
        return bool(self.policy)

    def __call__(self, images, random):
        """Augment ``images`` (n, H, W, C) with ``random`` (n, n_random) in [0, 1)."""
        x = images
        start = 0
        for name in self.policy:
            stop = start + _N_RANDOM[name]
            x = _FUNCTIONS[name](x, random[:, start:stop])
            start = stop
        return x
