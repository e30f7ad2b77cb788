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


# ------------------------------------------------------------- to_nhwc
def test_to_nhwc_brings_every_layout_to_nhwc_without_copying():
    X = np.arange(2 * 4 * 6 * 3, dtype=np.float32).reshape(2, 4, 6, 3)
    for given, image_shape in [
        (X, None),
        (X, (4, 6, 3)),
        (X.reshape(2, -1), (4, 6, 3)),
        (X[..., 0], None),
        (X[..., 0], (4, 6)),
        (X[..., 0].reshape(2, -1), (4, 6)),
        (X[..., 0].reshape(2, -1), [4, 6, 1]),
    ]:
        images = _images.to_nhwc(given, image_shape)
        assert images.ndim == 4 and images.shape[0] == 2
        assert np.shares_memory(images, given)
        np.testing.assert_array_equal(images.reshape(2, -1), given.reshape(2, -1))
    assert _images.to_nhwc(X[..., 0]).shape == (2, 4, 6, 1)
    assert _images.to_nhwc(X.reshape(2, -1), np.array([4, 6, 3])).shape == X.shape


@pytest.mark.parametrize(
    "shape, image_shape, message",
    [
        (
            (3, 64),
            None,
            r"X is 2-D \(flat images\) of shape \(3, 64\); pass image_shape",
        ),
        (
            (3, 64),
            (8, 7),
            r"image_shape=\(8, 7\) holds 56 values per image, but X has 64 features",
        ),
        (
            (3, 8, 8, 1),
            (8, 9),
            r"image_shape=\(8, 9\) does not match the shape of the images in X, \(8, 8, 1\)",
        ),
        (
            (3, 8, 8),
            (8, 8, 3),
            r"does not match the shape of the images in X, \(8, 8\)",
        ),
        ((3, 2, 2, 2, 2), None, r"got a 5-D array of shape \(3, 2, 2, 2, 2\)"),
        ((3,), None, "got a 1-D array"),
        ((3, 64), (8, 8, 1, 1), "positive sizes"),
        ((3, 64), (8, -8), "positive sizes"),
        ((3, 64), (8, True), "tuple of integers"),
        ((3, 64), (8.0, 8), "tuple of integers"),
        ((3, 64), 64, "tuple of integers"),
    ],
)
def test_to_nhwc_errors_name_the_problem(shape, image_shape, message):
    with pytest.raises(ValueError, match=message):
        _images.to_nhwc(np.zeros(shape), image_shape)


def test_to_nhwc_checks_the_fitted_shape_and_reads_flat_rows_with_it():
    flat = np.zeros((3, 48))
    assert _images.to_nhwc(flat, fitted_shape=(4, 4, 3)).shape == (3, 4, 4, 3)
    with pytest.raises(
        ValueError, match=r"but this model was fitted on images of shape \(4, 4, 3\)"
    ):
        _images.to_nhwc(
            np.zeros((3, 4, 4)), fitted_shape=(4, 4, 3), fitted_by="this model"
        )
    with pytest.raises(ValueError, match="holds 48 values per image, but X has 16"):
        _images.to_nhwc(np.zeros((3, 16)), fitted_shape=(4, 4, 3))
    # The caller's image_shape reads flat rows first, then the result is checked.
    with pytest.raises(ValueError, match=r"X has images of shape \(4, 12, 1\)"):
        _images.to_nhwc(flat, (4, 12), fitted_shape=(4, 4, 3))


def _flat_digits():
    rng = np.random.default_rng(0)
    return rng.random((20, 64)), np.arange(20) % 2


def _fit_classifier(X, y, image_shape):
    from gansampler.classifiers import KerasImageClassifier

    KerasImageClassifier(image_shape=image_shape, epochs=1).fit(X, y)


def _fit_extractor(X, y, image_shape):
    from gansampler.metrics import FeatureExtractor

    FeatureExtractor(image_shape=image_shape, epochs=1).fit(X, y)


def _compare(X, y, image_shape):
    from gansampler.evaluation import compare_resamplers

    compare_resamplers(X, y, image_shape=image_shape, resamplers=["none"], n_splits=2)


def _save(X, y, image_shape, folder):
    from gansampler.datasets import save_image_folder

    save_image_folder(X, y, folder, image_shape=image_shape)


def _oversample(X, y, image_shape):
    from gansampler import DCGANOverSampler

    DCGANOverSampler(image_shape=image_shape, updates=1).fit_resample(X, y)


@pytest.mark.parametrize(
    "image_shape, message",
    [
        ((8, 7), "holds 56 values per image, but X has 64 features"),
        ((8, 0), "positive sizes"),
        ((8, True), "tuple of integers"),
    ],
)
@pytest.mark.parametrize(
    "call", ["classifier", "extractor", "compare", "save", "sampler"]
)
def test_every_caller_reads_image_shape_alike(tmp_path, call, image_shape, message):
    X, y = _flat_digits()
    run = {
        "classifier": _fit_classifier,
        "extractor": _fit_extractor,
        "compare": _compare,
        "save": lambda X, y, shape: _save(X, y, shape, tmp_path / "out"),
        "sampler": _oversample,
    }[call]
    with pytest.raises(ValueError, match=message):
        run(X, y, image_shape)
    if call != "sampler":  # the sampler reads flat rows without a shape as tabular
        with pytest.raises(ValueError, match="pass image_shape"):
            run(X, y, None)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.png"))


# -------------------------------------------------------------- resize
@pytest.mark.parametrize(
    "shape", [(3, 9, 11), (3, 9, 11, 1), (3, 9, 11, 3), (3, 9, 11, 4)]
)
def test_resize_is_pillow_lanczos_per_image(shape):
    from PIL import Image

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, shape, dtype=np.uint8)
    out = _images.resize(images, (5, 7))
    assert out.dtype == np.uint8 and out.shape == (3, 5, 7, *shape[3:])
    for image, resized in zip(images, out, strict=True):
        squeezed = image[..., 0] if image.ndim == 3 and image.shape[-1] == 1 else image
        expected = np.asarray(
            Image.fromarray(squeezed).resize((7, 5), Image.Resampling.LANCZOS)
        )
        np.testing.assert_array_equal(resized.reshape(expected.shape), expected)


def test_resize_takes_unit_floats_through_8_bit():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (2, 6, 6, 1), dtype=np.uint8)
    floats = _images.resize(images.astype(np.float64) / 255, (3, 3))
    assert floats.dtype == np.float32 and floats.min() >= 0 and floats.max() <= 1
    np.testing.assert_allclose(floats * 255, _images.resize(images, (3, 3)), atol=1e-3)
    # Out-of-range floats are clipped to [0, 1] first.
    assert _images.resize(np.full((1, 4, 4), 7.0), (2, 2)).max() == 1.0
    assert _images.resize(np.zeros((0, 4, 4), np.uint8), (2, 3)).shape == (0, 2, 3)


@pytest.mark.parametrize(
    "size, message",
    [((0, 4), "must be positive"), ((4,), r"must be an int or \(height, width\)"),
     (True, r"must be an int or \(height, width\)"), ((4, 4.0), r"must be an int or \(height, width\)")],
)  # fmt: skip
def test_check_size(size, message):
    assert _images.check_size(8) == (8, 8) and _images.check_size([3, 5]) == (3, 5)
    with pytest.raises(ValueError, match=f"image_size {message}"):
        _images.check_size(size)


def test_unit_float32():
    assert _images.unit_float32(np.array([0, 255], np.uint8)).tolist() == [0.0, 1.0]
    same = _images.unit_float32(np.array([-3, 300], np.int64))
    assert same.dtype == np.float32 and same.tolist() == [-3.0, 300.0]
