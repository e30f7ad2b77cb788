"""Property-based tests: whatever the layout, dtype, value range and labels,
the output starts with the unchanged input, has the requested class counts and
keeps the dtype and value range.

Examples are derandomised (the same ones every run, so CI is reproducible) and
few: each end-to-end example trains tiny GANs (one epoch, 4 filters).
"""

from collections import Counter

import numpy as np
from conftest import TINY_GAN
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from gansampler import DCGANOverSampler, _images

FAST = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
FITS = settings(FAST, max_examples=12)

TINY = dict(
    TINY_GAN,
    updates=1,
    batch_size=8,
    latent_dim=4,
    validation_fraction=None,  # classes of one sample are allowed here
)

DTYPES = ["uint8", "float32", "float64"]
RANGES = ["full", "unit", "symmetric", "arbitrary"]


@st.composite
def datasets(draw, min_side=8, max_side=10):
    """(X, image_shape, range kind) in one of the four layouts."""
    layout = draw(st.sampled_from(["nhwc", "nhw", "flat", "tabular"]))
    dtype = np.dtype(draw(st.sampled_from(DTYPES)))
    kind = "full" if dtype == np.uint8 else draw(st.sampled_from(RANGES[1:]))
    n = draw(st.integers(2, 14))
    if layout == "tabular":
        sample = (draw(st.integers(1, 6)),)
    else:
        side = st.integers(min_side, max_side)
        sample = (draw(side), draw(side), draw(st.sampled_from([1, 3])))
        if layout == "nhw":
            sample = sample[:2]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shape = (n, *sample)
    if kind == "full":
        X = rng.integers(0, 256, size=shape)
    elif kind == "unit":
        X = rng.random(shape)
    elif kind == "symmetric":
        X = rng.uniform(-1, 1, shape)
    else:
        low = draw(st.floats(-1e6, 1e6))
        span = draw(st.sampled_from([0.0, 1e-3, 1.0, 255.0, 1e6]))
        X = low + span * rng.random(shape)
    X = X.astype(dtype)
    image_shape = None
    if layout == "flat":
        image_shape = sample
        X = X.reshape(n, -1)
    return X, image_shape, kind


def _range_of(X, kind, tabular):
    """The value range the output must stay in: what the docs promise."""
    if X.dtype == np.uint8:
        return 0, 255
    if np.all((X >= 0) & (X <= 1)):
        return 0.0, 1.0
    if tabular:
        return X.min(axis=0), X.max(axis=0)
    return X.min(), X.max()


@FAST
@given(data=datasets(min_side=1, max_side=9))
def test_mapping_to_training_and_back(data):
    X, image_shape, kind = data
    original = X.copy()
    fmt = _images.describe(X, image_shape)
    Z = _images.to_training(X, fmt)
    assert Z.dtype == np.float32 and Z.shape == (len(X), *fmt.sample_shape)
    assert np.all(Z >= -1) and np.all(Z <= 1)

    back = _images.from_training(Z, fmt)
    assert back.dtype == X.dtype and back.shape == X.shape
    if X.dtype == np.uint8:
        np.testing.assert_array_equal(back, X)
    else:
        span = float(np.max(X) - np.min(X)) or 1.0
        np.testing.assert_allclose(back, X, rtol=0, atol=1e-6 * span + 1e-6)

    # Whatever a generator puts out, the samples keep dtype, layout and range.
    noise = np.random.default_rng(0).uniform(-1.5, 1.5, Z.shape)
    out = _images.from_training(noise, fmt)
    assert out.dtype == X.dtype and out.shape == X.shape
    low, high = _range_of(X, kind, fmt.layout == "tabular")
    assert np.all(out >= low) and np.all(out <= high)
    np.testing.assert_array_equal(X, original)


@st.composite
def problems(draw):
    X, image_shape, kind = draw(datasets())
    n = len(X)
    n_classes = draw(st.integers(2, min(3, n)))
    # Every class present, the rest at random.
    codes = np.array(
        list(range(n_classes))
        + draw(st.lists(st.integers(0, n_classes - 1), min_size=n - n_classes, max_size=n - n_classes))
    )  # fmt: skip
    names = draw(st.sampled_from(["int", "str"]))
    classes = np.array([7, -2, 30]) if names == "int" else np.array(["b", "ä z", "a"])
    y = classes[codes]
    if draw(st.booleans()):
        strategy = "auto"
    else:
        counts = Counter(y.tolist())
        strategy = {
            label: count + draw(st.integers(0, 4)) for label, count in counts.items()
        }
    return X, y, image_shape, kind, strategy


@FITS
@given(problem=problems(), seed=st.integers(0, 1000))
def test_fit_resample_properties(problem, seed):
    X, y, image_shape, kind, strategy = problem
    layout = "flat" if image_shape else {2: "tabular", 3: "nhw", 4: "nhwc"}[X.ndim]
    event(f"{layout}, {X.dtype}, {kind}, {y.dtype.kind} labels")
    X_before, y_before = X.copy(), y.copy()
    sampler = DCGANOverSampler(
        **TINY, sampling_strategy=strategy, image_shape=image_shape, random_state=seed
    )
    X_res, y_res = sampler.fit_resample(X, y)

    # The input comes first, unchanged; the caller's arrays are not touched.
    n = len(X)
    np.testing.assert_array_equal(X_res[:n], X_before)
    np.testing.assert_array_equal(y_res[:n], y_before)
    np.testing.assert_array_equal(X, X_before)

    # The requested class counts, new rows in the order of sampling_strategy_.
    counts = Counter(y.tolist())
    if strategy == "auto":
        majority = max(counts.values())
        expected = {label: max(c, majority) for label, c in counts.items()}
    else:
        expected = strategy
    assert Counter(y_res.tolist()) == expected
    assert y_res[n:].tolist() == [
        label for label, k in sampler.sampling_strategy_.items() for _ in range(k)
    ]

    # Layout, dtype and value range.
    assert X_res.dtype == X.dtype and X_res.shape[1:] == X.shape[1:]
    assert y_res.dtype == y.dtype
    new = X_res[n:]
    assert np.all(np.isfinite(new))
    low, high = _range_of(X, kind, image_shape is None and X.ndim == 2)
    assert np.all(new >= low) and np.all(new <= high)
