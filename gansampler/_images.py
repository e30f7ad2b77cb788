"""Image layouts, value ranges and resizing.

:func:`to_nhwc` is the one place that parses ``image_shape`` and brings images
given as ``(n, H, W, C)``, ``(n, H, W)`` or flat ``(n, H*W*C)`` to ``(n, H, W,
C)``; the sampler, the classifier, the metrics' feature extractor, the
comparison and the image-folder writer all go through it. :func:`resize` is
the one Pillow resize.

The sampler accepts images as ``(n, H, W, C)``, ``(n, H, W)`` or flattened
``(n, H*W*C)`` together with ``image_shape``, and plain tabular rows
``(n, n_features)``. Whatever it is given, the GAN trains on float32 values in
``[-1, 1]`` (the article's tip 5), and the generated rows are mapped back to
the caller's layout, dtype and value range.

Value ranges (:func:`value_range`; :func:`rescale` maps one to ``[-1, 1]``):

* ``uint8`` is taken as 0-255,
* booleans and floats that lie in ``[0, 1]`` are taken as ``[0, 1]``,
* anything else (other floats, other integer types) is taken as the observed
  ``[min, max]``: one range for the whole image, or one per column for tabular
  data.
"""

from dataclasses import dataclass
from numbers import Integral

import numpy as np

__all__ = [
    "DataFormat",
    "check_image_shape",
    "check_size",
    "describe",
    "from_training",
    "rescale",
    "resize",
    "to_nhwc",
    "to_training",
    "unit_float32",
    "value_range",
]


@dataclass(frozen=True)
class DataFormat:
    """What the caller's data looks like, so generated rows can match it.

    Attributes
    ----------
    layout : {"nhwc", "nhw", "flat", "tabular"}
        ``"flat"`` is images flattened to ``(n, H*W*C)``; ``"tabular"`` is plain
        2-D data without an image shape.
    sample_shape : tuple of int
        ``(H, W, C)`` for images, ``(n_features,)`` for tabular data: the shape
        of one sample as the GAN sees it.
    dtype : numpy.dtype
        The caller's dtype.
    low, high : float or ndarray
        The value range that maps to ``[-1, 1]``.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler._images import describe
    >>> fmt = describe(np.zeros((5, 8, 8, 1), np.uint8))
    >>> fmt.layout, fmt.sample_shape, fmt.dtype.name, fmt.low, fmt.high
    ('nhwc', (8, 8, 1), 'uint8', 0.0, 255.0)
    >>> fmt.is_image
    True
    """

    layout: str
    sample_shape: tuple
    dtype: np.dtype
    low: object
    high: object

    @property
    def is_image(self):
        return self.layout != "tabular"


def check_image_shape(image_shape):
    """``image_shape`` as ``(H, W, C)``: ``(H, W)`` or ``(H, W, C)`` of positive ints.

    Parameters
    ----------
    image_shape : tuple of int
        ``(height, width)`` (one channel) or ``(height, width, channels)``.
        Booleans are refused.

    Returns
    -------
    tuple of int
        ``(height, width, channels)``.

    Examples
    --------
    >>> from gansampler._images import check_image_shape
    >>> check_image_shape((8, 8)), check_image_shape([4, 6, 3])
    ((8, 8, 1), (4, 6, 3))
    """
    try:
        values = tuple(image_shape)
    except TypeError:
        values = None
    if values is None or not all(
        isinstance(v, Integral) and not isinstance(v, bool | np.bool_) for v in values
    ):
        raise ValueError(
            "image_shape must be a tuple of integers, (height, width) or (height, "
            f"width, channels); got {image_shape!r}."
        )
    shape = tuple(int(s) for s in values)
    if len(shape) == 2:
        shape = (*shape, 1)
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(
            "image_shape must be (height, width) or (height, width, channels) "
            f"with positive sizes; got {image_shape!r}."
        )
    return shape


def _one_image_shape(X_shape, image_shape):
    """``(H, W, C)`` of the images of an array of shape ``X_shape``."""
    given = None if image_shape is None else check_image_shape(image_shape)
    ndim = len(X_shape)
    if ndim in (3, 4):
        shape = (*X_shape[1:], 1) if ndim == 3 else tuple(X_shape[1:])
        if given is not None and given != shape:
            raise ValueError(
                f"image_shape={tuple(image_shape)!r} does not match the shape of "
                f"the images in X, {tuple(X_shape[1:])}."
            )
        return tuple(int(v) for v in shape)
    if ndim != 2:
        raise ValueError(
            "X must be (n_samples, H, W, C), (n_samples, H, W) or flat (n_samples, "
            f"H * W * C) with image_shape; got a {ndim}-D array of shape "
            f"{tuple(X_shape)}."
        )
    if given is None:
        raise ValueError(
            f"X is 2-D (flat images) of shape {tuple(X_shape)}; pass image_shape="
            "(H, W) or (H, W, C), or X as (n_samples, H, W) or (n_samples, H, W, C)."
        )
    if int(np.prod(given)) != X_shape[1]:
        raise ValueError(
            f"image_shape={tuple(image_shape)!r} holds {int(np.prod(given))} "
            f"values per image, but X has {X_shape[1]} features."
        )
    return given


def to_nhwc(X, image_shape=None, *, fitted_shape=None, fitted_by="the estimator"):
    """Images of any accepted layout as ``(n, H, W, C)``.

    ``(n, H, W, C)`` stays as it is, ``(n, H, W)`` gets one channel, and flat
    rows ``(n, H * W * C)`` are reshaped with ``image_shape`` (or, without
    it, with ``fitted_shape``). An ``image_shape`` given with 3-D or 4-D
    ``X`` must match its images; a ``fitted_shape`` must match the result.

    Parameters
    ----------
    X : ndarray of shape (n, H, W, C), (n, H, W) or (n, H * W * C)
        The images; their dtype and values are not looked at.
    image_shape : tuple of int or None, default=None
        ``(H, W)`` or ``(H, W, C)``, as the caller's ``image_shape``
        parameter gives it.
    fitted_shape : tuple of int or None, default=None
        ``(H, W, C)`` of the images an estimator was fitted on.
    fitted_by : str, default="the estimator"
        Who was fitted, for the error message.

    Returns
    -------
    ndarray of shape (n, H, W, C)
        A view of ``X`` where NumPy can make one.

    Raises
    ------
    ValueError
        Naming the problem: an invalid ``image_shape``, flat ``X`` without
        one or of another size, other dimensions, or images that do not match
        ``image_shape`` or ``fitted_shape``.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler._images import to_nhwc
    >>> to_nhwc(np.zeros((5, 8, 8))).shape
    (5, 8, 8, 1)
    >>> to_nhwc(np.zeros((5, 48)), (4, 4, 3)).shape
    (5, 4, 4, 3)
    >>> to_nhwc(np.zeros((5, 48)), (4, 4))
    Traceback (most recent call last):
    ...
    ValueError: image_shape=(4, 4) holds 16 values per image, but X has 48 features.
    """
    X = np.asarray(X)
    if image_shape is None and X.ndim == 2 and fitted_shape is not None:
        image_shape = fitted_shape
    shape = _one_image_shape(X.shape, image_shape)
    if fitted_shape is not None and shape != tuple(fitted_shape):
        raise ValueError(
            f"X has images of shape {shape}, but {fitted_by} was fitted on images "
            f"of shape {tuple(fitted_shape)}."
        )
    return X.reshape((len(X), *shape))


def unit_float32(images):
    """uint8 images scaled to ``[0, 1]``; any other dtype cast to float32 as it is.

    Parameters
    ----------
    images : ndarray
        Images of any numeric dtype.

    Returns
    -------
    ndarray of float32
        The same shape.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler._images import unit_float32
    >>> unit_float32(np.array([0, 51, 255], np.uint8)).tolist()
    [0.0, 0.20000000298023224, 1.0]
    """
    if images.dtype == np.uint8:
        return images.astype(np.float32) / np.float32(255.0)
    return images.astype(np.float32)


def check_size(size, name="image_size"):
    """An image size, an int (square) or ``(height, width)``, as ``(height, width)``.

    Parameters
    ----------
    size : int or tuple of int
        Positive ints; booleans are refused.
    name : str, default="image_size"
        The parameter's name, for the error message.

    Returns
    -------
    tuple of int
        ``(height, width)``.

    Examples
    --------
    >>> from gansampler._images import check_size
    >>> check_size(64), check_size((32, 48))
    ((64, 64), (32, 48))
    """
    if isinstance(size, Integral) and not isinstance(size, bool):
        shape = (int(size), int(size))
    else:
        try:
            shape = tuple(size)
        except TypeError:
            shape = ()
        if len(shape) != 2 or not all(
            isinstance(v, Integral) and not isinstance(v, bool) for v in shape
        ):
            raise ValueError(f"{name} must be an int or (height, width), got {size!r}.")
        shape = (int(shape[0]), int(shape[1]))
    if min(shape) < 1:
        raise ValueError(f"{name} must be positive, got {size!r}.")
    return shape


def resize(images, size):
    """Resize a stack of images with Pillow's LANCZOS filter (aspect not kept).

    Parameters
    ----------
    images : ndarray of shape (n, H, W) or (n, H, W, C)
        uint8 images with 1, 3 or 4 channels, or floats in ``[0, 1]``
        (resized as 8-bit images: values are rounded to 1/255).
    size : tuple of int
        ``(height, width)`` of the output.

    Returns
    -------
    ndarray of shape (n, height, width[, C])
        uint8 for uint8 input, otherwise float32 in ``[0, 1]``.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler._images import resize
    >>> resize(np.zeros((2, 8, 8, 3), np.uint8), (4, 6)).shape
    (2, 4, 6, 3)
    >>> resize(np.ones((1, 8, 8)), (2, 2)).tolist()
    [[[1.0, 1.0], [1.0, 1.0]]]
    """
    from PIL import Image

    images = np.asarray(images)
    height, width = size
    scaled = images.dtype != np.uint8
    if scaled:
        images = (np.clip(images, 0, 1) * 255).round().astype(np.uint8)
    out = np.empty((len(images), height, width, *images.shape[3:]), np.uint8)
    for i, image in enumerate(images):
        picture = Image.fromarray(
            image[..., 0] if image.ndim == 3 and image.shape[-1] == 1 else image
        )
        out[i] = np.asarray(
            picture.resize((width, height), Image.Resampling.LANCZOS)
        ).reshape(out.shape[1:])
    return out.astype(np.float32) / 255 if scaled else out


def value_range(X, per_column=False):
    """The range of ``X`` that maps to ``[-1, 1]``, by the rules above.

    Parameters
    ----------
    X : ndarray
        Numeric or boolean values.
    per_column : bool, default=False
        Observe one range per column (axis 0) instead of one for all of ``X``;
        uint8 and booleans keep their fixed range.

    Returns
    -------
    low, high : float or ndarray of float
        ``(0, 255)`` for uint8, ``(0, 1)`` for booleans and for floats within
        it, otherwise the observed minimum and maximum.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler._images import value_range
    >>> value_range(np.zeros(3, np.uint8)), value_range(np.array([0.5, 4.0]))
    ((0.0, 255.0), (0.5, 4.0))
    """
    if X.dtype == np.uint8:
        return 0.0, 255.0
    if X.dtype == np.bool_:
        return 0.0, 1.0
    axis = 0 if per_column else None
    low = np.min(X, axis=axis).astype(np.float64)
    high = np.max(X, axis=axis).astype(np.float64)
    if np.issubdtype(X.dtype, np.floating) and np.all(low >= 0) and np.all(high <= 1):
        return 0.0, 1.0
    if not per_column:
        low, high = float(low), float(high)
    return low, high


def rescale(X, low, high):
    """``X`` mapped from ``[low, high]`` to float32 in ``[-1, 1]``.

    Parameters
    ----------
    X : ndarray
        The values; ``low`` and ``high`` broadcast against them.
    low, high : float or ndarray
        The range that maps to ``[-1, 1]`` (:func:`value_range`).

    Returns
    -------
    ndarray of float32
        The same shape; a value without range (``high == low``) maps to 0.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler._images import rescale
    >>> rescale(np.array([0, 51, 255], np.uint8), 0.0, 255.0).tolist()
    [-1.0, -0.6000000238418579, 1.0]
    """
    X = np.asarray(X, dtype=np.float64)
    span = np.subtract(high, low)
    scaled = np.divide(
        X - low,
        span,
        out=np.full_like(X, 0.5),
        where=np.broadcast_to(span, X.shape[1:]) > 0,
    )
    return (scaled * 2.0 - 1.0).astype(np.float32)


def describe(X, image_shape=None):
    """Describe the layout, dtype and value range of ``X``.

    Parameters
    ----------
    X : ndarray of shape (n, H, W, C), (n, H, W) or (n, n_features)
        Validated, finite, numeric samples.
    image_shape : tuple of int, default=None
        ``(H, W)`` or ``(H, W, C)`` when ``X`` holds flattened images.

    Returns
    -------
    DataFormat
        The layout, the shape of one sample as the GAN sees it, the dtype and
        the value range.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler._images import describe
    >>> describe(np.full((4, 12), 0.5), image_shape=(2, 6)).sample_shape
    (2, 6, 1)
    >>> fmt = describe(np.array([[0.0, 10.0], [4.0, 30.0]]))
    >>> fmt.layout, fmt.low.tolist(), fmt.high.tolist()
    ('tabular', [0.0, 10.0], [4.0, 30.0])
    """
    if X.ndim == 2 and image_shape is None:
        layout, sample_shape = "tabular", X.shape[1:]
    elif X.ndim in (2, 3, 4):
        layout = {4: "nhwc", 3: "nhw", 2: "flat"}[X.ndim]
        sample_shape = _one_image_shape(X.shape, image_shape)
    else:
        raise ValueError(
            "X must be 2-D (n_samples, n_features), 3-D (n_samples, height, "
            f"width) or 4-D (n_samples, height, width, channels); got {X.ndim}-D "
            f"data of shape {X.shape}."
        )
    if X.size == 0:
        raise ValueError(
            f"X has no values to learn from: its shape is {X.shape} (each sample "
            f"is {tuple(X.shape[1:])})."
        )
    low, high = value_range(X, per_column=layout == "tabular")
    with np.errstate(over="ignore"):
        span = np.subtract(high, low)
    if not np.all(np.isfinite(span)):
        raise ValueError(
            f"The values of X span [{np.min(low):g}, {np.max(high):g}], a range too "
            "wide to scale in float64 (max - min overflows); rescale X first."
        )
    return DataFormat(layout, tuple(int(s) for s in sample_shape), X.dtype, low, high)


def to_training(X, fmt):
    """Map samples of format ``fmt`` to float32 in ``[-1, 1]``.

    Parameters
    ----------
    X : ndarray
        Samples in the caller's layout, described by ``fmt``.
    fmt : DataFormat
        What :func:`describe` returned for the training data.

    Returns
    -------
    ndarray of float32, shape (n, *fmt.sample_shape)
        The samples scaled to ``[-1, 1]``; ``X`` is not modified. A constant
        feature (no range) maps to 0.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler._images import describe, to_training
    >>> X = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    >>> to_training(X, describe(X))[..., 0].tolist()
    [[[-1.0, 1.0], [-0.6000000238418579, -0.20000000298023224]]]
    """
    return rescale(np.reshape(X, (-1, *fmt.sample_shape)), fmt.low, fmt.high)


def from_training(Z, fmt):
    """Map generated values in ``[-1, 1]`` back to the caller's format.

    Parameters
    ----------
    Z : array-like of shape (n, *fmt.sample_shape)
        Generated values, as the generator outputs them.
    fmt : DataFormat
        What :func:`describe` returned for the training data.

    Returns
    -------
    ndarray
        The samples in the caller's layout and dtype. Values are clipped to
        the caller's range; integer dtypes are rounded.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler._images import describe, from_training
    >>> fmt = describe(np.zeros((3, 2, 2), np.uint8))
    >>> from_training(np.array([[-1.0, 0.0, 1.0, 2.0]]).reshape(1, 2, 2, 1), fmt)
    array([[[  0, 128],
            [255, 255]]], dtype=uint8)
    """
    Z = np.clip(np.asarray(Z, dtype=np.float64), -1.0, 1.0)
    X = (Z + 1.0) / 2.0 * np.subtract(fmt.high, fmt.low) + fmt.low
    high = fmt.high
    if np.issubdtype(fmt.dtype, np.integer):
        # float64(int64 max) rounds up to 2**63, which would wrap around when
        # cast back: clip to the largest float that fits the dtype.
        top = np.float64(np.iinfo(fmt.dtype).max)
        if int(top) > np.iinfo(fmt.dtype).max:
            top = np.nextafter(top, -np.inf)
        high = np.minimum(high, top)
    X = np.clip(X, fmt.low, high)
    if not np.issubdtype(fmt.dtype, np.floating):
        X = np.rint(X)
    n = X.shape[0]
    if fmt.layout == "nhwc":
        X = X.reshape((n, *fmt.sample_shape))
    elif fmt.layout == "nhw":
        X = X.reshape((n, *fmt.sample_shape[:2]))
    else:
        X = X.reshape((n, -1))
    return X.astype(fmt.dtype)
