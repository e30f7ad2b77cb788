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
    shape = tuple(int(s) for s in image_shape)
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
    low, high = _value_range(X, X.dtype, per_column=layout == "tabular")
    return DataFormat(layout, tuple(int(s) for s in sample_shape), X.dtype, low, high)


def to_training(X, fmt):
    """Map samples of format ``fmt`` to float32 in ``[-1, 1]``.

    Returns an array of shape ``(n, *fmt.sample_shape)``; ``X`` is not modified.
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

    Values are clipped to the caller's range; integer dtypes are rounded.
    """
    Z = np.clip(np.asarray(Z, dtype=np.float64), -1.0, 1.0)
    X = (Z + 1.0) / 2.0 * np.subtract(fmt.high, fmt.low) + fmt.low
    X = np.clip(X, fmt.low, fmt.high)
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
