"""The image transforms that both augmentations apply: flip, rot90, translation.

DiffAugment (:mod:`gansampler.augment`, before the GAN's discriminator) and
the classifier's augmentation layers (:mod:`gansampler._classifier_augmentation`)
apply these functions, so a policy name means the same transform in both:

* ``"flip"``: mirror left-right and top-bottom, each with probability 1/2;
* ``"rot90"``: turn by 0, 90, 180 or 270 degrees, equally likely (square
  images);
* ``"translation"``: shift by a whole number of pixels, up to 1/8 of the
  height and of the width (rounded half up) in each direction, equally
  likely, the border filled with 0 (DiffAugment) or by reflection (the
  classifier, ``edge=reflected``).

Each function takes a batch ``(n, H, W, C)`` and its randomness as an
argument: ``u`` of shape ``(n, N_RANDOM[name])``, uniform numbers in
``[0, 1)``. Written with :mod:`keras.ops` only, they run inside the compiled
train step of every backend, pass gradients to the images and move whole
pixels (nothing is interpolated).

The augmentations differ in where ``u`` comes from and in a shift's border.
DiffAugment is given one ``u`` per call by the trainer and applies the same
transform to the real and to the generated batch of that call. The
classifier's layer draws a new ``u`` for every batch from its own seed. The
value 0 of DiffAugment's border is mid grey for the GAN's images in
``[-1, 1]``; for the classifier's images in ``[0, 1]`` it would be a black
band, content no real image has, so the classifier's translation mirrors the
image into its border instead, as its zoom does and as Keras'
``RandomTranslation`` does by default.
"""

from keras import ops

__all__ = ["N_RANDOM", "TRANSFORMS", "TRANSLATION_RATIO", "pick", "reflected"]

#: Largest shift of ``"translation"``, as a fraction of the height and width.
TRANSLATION_RATIO = 1 / 8


def pick(images, source, axis):
    """``images`` with row (``axis=1``) or column (``axis=2``) ``i`` of image
    ``n`` taken from row or column ``source[n, i]``; zeros where ``source[n, i]``
    lies outside the image.

    A product with one-hot matrices: exact, a gather that every backend
    compiles, and it passes gradients to ``images``.
    """
    index = ops.arange(images.shape[axis], dtype=source.dtype)
    matrix = ops.cast(ops.equal(source[:, :, None], index[None, None, :]), images.dtype)
    if axis == 1:
        return ops.einsum("nij,njwc->niwc", matrix, images)
    return ops.einsum("nij,nhjc->nhic", matrix, images)


def reflected(source, size):
    """Indices ``source`` brought into ``0 .. size - 1`` by mirroring at the
    border (``d c b a | a b c d | d c b a``)."""
    period = 2 * size
    source = ops.mod(source, period)
    return ops.where(source >= size, period - 1 - source, source)


def translation(x, u, edge=None):
    """Shift each image by whole pixels, filling with 0 (or by ``edge``).

    ``out[i, j] = x[i - dy, j - dx]`` where that lies inside the image, with
    ``dy = floor(u[:, 0] * (2 r + 1)) - r`` for ``r = round(H / 8)`` (half
    up), and ``dx`` alike from ``u[:, 1]`` and the width. Outside the image,
    0; or, with ``edge`` (such as :func:`reflected`), the pixel at
    ``edge(index, size)``.
    """
    for axis in (1, 2):
        size = x.shape[axis]
        reach = int(size * TRANSLATION_RATIO + 0.5)
        shift = ops.floor(u[:, axis - 1] * (2 * reach + 1)) - reach
        rows = ops.arange(size, dtype=shift.dtype)
        source = rows[None, :] - shift[:, None]
        x = pick(x, source if edge is None else edge(source, size), axis)
    return x


def _where(condition, a, b):
    return ops.where(condition[:, None, None, None], a, b)


def flip(x, u):
    """Mirror left-right where ``u[:, 0] < 0.5``, then top-bottom where
    ``u[:, 1] < 0.5``."""
    x = _where(u[:, 0] < 0.5, ops.flip(x, axis=2), x)
    return _where(u[:, 1] < 0.5, ops.flip(x, axis=1), x)


def rot90(x, u):
    """Turn by ``floor(4 u[:, 0])`` quarter turns (``u[:, 1]`` is unused)."""
    # A transpose and a flip make turns 1 and 3, a flip of both axes turn 2.
    k = ops.floor(u[:, 0] * 4)
    turned = ops.transpose(x, (0, 2, 1, 3))
    x = _where(ops.equal(k, 1), ops.flip(turned, axis=2), x)
    x = _where(ops.equal(k, 3), ops.flip(turned, axis=1), x)
    return _where(ops.equal(k, 2), ops.flip(ops.flip(x, axis=1), axis=2), x)


#: The shared transforms by policy name.
TRANSFORMS = {"translation": translation, "flip": flip, "rot90": rot90}

#: Uniform numbers each transform takes per image.
N_RANDOM = {"translation": 2, "flip": 2, "rot90": 2}
