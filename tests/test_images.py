"""Layouts, dtypes and value ranges survive the round trip through [-1, 1]."""

import numpy as np
import pytest

from gansampler import _images


@pytest.mark.parametrize(
    "shape, image_shape, layout",
    [
        ((5, 6, 7, 3), None, "nhwc"),
        ((5, 6, 7), None, "nhw"),
        ((5, 6 * 7 * 3), (6, 7, 3), "flat"),
        ((5, 6 * 7), (6, 7), "flat"),
        ((5, 4), None, "tabular"),
    ],
)
@pytest.mark.parametrize("kind", ["uint8", "unit_float", "wide_float", "int"])
def test_round_trip_keeps_layout_dtype_and_values(shape, image_shape, layout, kind):
    rng = np.random.default_rng(0)
    if kind == "uint8":
        X = rng.integers(0, 256, size=shape).astype(np.uint8)
    elif kind == "unit_float":
        X = rng.random(shape).astype(np.float32)
    elif kind == "wide_float":
        X = rng.normal(50, 20, size=shape)
    else:
        X = rng.integers(-7, 17, size=shape).astype(np.int64)
    original = X.copy()

    fmt = _images.describe(X, image_shape)
    Z = _images.to_training(X, fmt)
    back = _images.from_training(Z, fmt)

    assert fmt.layout == layout
    assert Z.dtype == np.float32
    assert Z.min() >= -1 and Z.max() <= 1
    assert back.shape == X.shape and back.dtype == X.dtype
    if np.issubdtype(X.dtype, np.floating):
        np.testing.assert_allclose(back, X, rtol=1e-5, atol=1e-4 * np.ptp(X))
    else:
        np.testing.assert_array_equal(back, X)
    np.testing.assert_array_equal(X, original)


def test_uint8_uses_the_full_0_255_scale():
    X = np.array([[[[10]], [[20]]]], dtype=np.uint8)  # a 2x1 image, values 10, 20
    fmt = _images.describe(X)
    np.testing.assert_allclose(
        _images.to_training(X, fmt).ravel(), [10 / 127.5 - 1, 20 / 127.5 - 1]
    )


def test_unit_floats_stay_in_unit_range_and_others_in_their_range():
    fmt = _images.describe(np.array([[[0.2, 0.7]]]))
    assert (fmt.low, fmt.high) == (0.0, 1.0)
    out = _images.from_training(np.array([[[[-1.0], [1.0]]]]), fmt)
    np.testing.assert_allclose(out.ravel(), [0.0, 1.0])

    fmt = _images.describe(np.array([[[-3.0, 5.0]]]))
    out = _images.from_training(np.array([[[[-1.5], [2.0]]]]), fmt)  # clipped
    np.testing.assert_allclose(out.ravel(), [-3.0, 5.0])


def test_tabular_ranges_are_per_column_and_constant_columns_survive():
    X = np.array([[0.0, 100.0, 7.0], [10.0, 300.0, 7.0]])
    fmt = _images.describe(X)
    Z = _images.to_training(X, fmt)
    np.testing.assert_allclose(Z, [[-1, -1, 0], [1, 1, 0]])
    np.testing.assert_allclose(_images.from_training(Z, fmt), X)


@pytest.mark.parametrize(
    "shape, image_shape, message",
    [
        ((4, 10), (3, 3), "holds 9 values per image, but X has 10 features"),
        ((4, 8, 8, 1), (8, 9), "does not match"),
        ((4, 2, 2, 2, 2), None, "got 5-D data"),
        ((4, 9), (3, 3, 0), "positive sizes"),
    ],
)
def test_layout_errors_name_the_problem(shape, image_shape, message):
    with pytest.raises(ValueError, match=message):
        _images.describe(np.zeros(shape), image_shape)
