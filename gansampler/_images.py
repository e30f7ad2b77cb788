"""Image layouts and value ranges.

The sampler accepts images as ``(n, H, W, C)``, ``(n, H, W)`` or flattened
``(n, H*W*C)`` together with ``image_shape``, and plain tabular rows
``(n, n_features)``. Whatever it is given, the GAN trains on float32 values in
``[-1, 1]`` (the article's tip 5), and the generated rows are mapped back to
the caller's layout, dtype and value range.

Value ranges:

* ``uint8`` is taken as 0-255,
* floats that lie in ``[0, 1]`` are taken as ``[0, 1]``,
* anything else (other floats, other integer types) is taken as the observed
  ``[min, max]``: one range for the whole image, or one per column for tabular
  data.
"""

from dataclasses import dataclass
from numbers import Integral

import numpy as np

__all__ = ["DataFormat", "describe", "to_training", "from_training"]


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


def _normalise_image_shape(image_shape):
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


def _value_range(X, dtype, per_column):
    if dtype == np.uint8:
        return 0.0, 255.0
    axis = 0 if per_column else None
    low = np.min(X, axis=axis).astype(np.float64)
    high = np.max(X, axis=axis).astype(np.float64)
    if np.issubdtype(dtype, np.floating) and np.all(low >= 0) and np.all(high <= 1):
        return 0.0, 1.0
    if not per_column:
        low, high = float(low), float(high)
    return low, high


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
    if X.ndim == 4:
        layout, sample_shape = "nhwc", X.shape[1:]
    elif X.ndim == 3:
        layout, sample_shape = "nhw", (*X.shape[1:], 1)
    elif X.ndim == 2 and image_shape is None:
        layout, sample_shape = "tabular", X.shape[1:]
    elif X.ndim == 2:
        layout, sample_shape = "flat", _normalise_image_shape(image_shape)
        if int(np.prod(sample_shape)) != X.shape[1]:
            raise ValueError(
                f"image_shape={tuple(image_shape)!r} holds "
                f"{int(np.prod(sample_shape))} values per image, but X has "
                f"{X.shape[1]} features."
            )
    else:
        raise ValueError(
            "X must be 2-D (n_samples, n_features), 3-D (n_samples, height, "
            f"width) or 4-D (n_samples, height, width, channels); got {X.ndim}-D "
            f"data of shape {X.shape}."
        )
    if image_shape is not None and layout in ("nhwc", "nhw"):
        if _normalise_image_shape(image_shape) != tuple(sample_shape):
            raise ValueError(
                f"image_shape={tuple(image_shape)!r} does not match the shape of "
                f"the images in X, {X.shape[1:]}."
            )
    if X.size == 0:
        raise ValueError(
            f"X has no values to learn from: its shape is {X.shape} (each sample "
            f"is {tuple(X.shape[1:])})."
        )
    low, high = _value_range(X, X.dtype, per_column=layout == "tabular")
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
    X = np.asarray(X, dtype=np.float64).reshape((-1, *fmt.sample_shape))
    span = np.subtract(fmt.high, fmt.low)
    scaled = np.divide(
        X - fmt.low,
        span,
        out=np.full_like(X, 0.5),
        where=np.broadcast_to(span, X.shape[1:]) > 0,
    )
    return (scaled * 2.0 - 1.0).astype(np.float32)


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
