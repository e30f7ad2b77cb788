"""Sample-quality metrics against known answers."""

import doctest
import importlib
import pickle
import pkgutil
import random

import numpy as np
import pytest
from conftest import unit_digits
from scipy.spatial.distance import cdist

from gansampler import metrics
from gansampler.metrics import (
    FeatureExtractor,
    PrecisionRecall,
    density_coverage,
    fit_feature_extractor,
    frechet_distance,
    kernel_distance,
    memorisation,
    precision_recall,
    score_samples,
)


def test_doctests():
    # Every module of the package that defines a public name has examples, and
    # they all pass.
    for info in pkgutil.iter_modules(metrics.__path__):
        module = importlib.import_module(f"{metrics.__name__}.{info.name}")
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, module.__name__
        if set(module.__all__) & set(metrics.__all__):
            assert result.attempted > 0, module.__name__


@pytest.fixture(scope="module")
def digits():
    return unit_digits()


@pytest.fixture(scope="module")
def cnn_features(digits):
    images, y = digits
    extractor = fit_feature_extractor(images, y, epochs=5, random_state=0)
    return extractor, extractor.transform(images)


def _gaussian(n, dim, seed, shift=0.0):
    return np.random.default_rng(seed).standard_normal((n, dim)) + shift


# ------------------------------------------------------------------------ FID
def test_fid_of_identical_sets_is_zero():
    real = _gaussian(500, 8, 0)
    assert frechet_distance(real, real) == pytest.approx(0.0, abs=1e-8)


@pytest.mark.parametrize("shift", [0.5, 1.0, 3.0])
def test_fid_of_shifted_copy_is_squared_shift(shift):
    # Same covariance exactly: the trace term vanishes, FID = ||mu1 - mu2||^2.
    real = _gaussian(1000, 5, 0)
    offset = np.full(5, shift)
    assert frechet_distance(real, real + offset) == pytest.approx(
        offset @ offset, rel=1e-6
    )


def test_fid_grows_with_shift_between_independent_samples():
    real = _gaussian(3000, 3, 0)
    fids = [frechet_distance(real, _gaussian(3000, 3, 1, s)) for s in (0, 0.5, 1, 2)]
    assert np.all(np.diff(fids) > 0)
    assert fids[0] < 0.02
    assert fids[-1] == pytest.approx(3 * 2.0**2, rel=0.05)


def test_fid_matches_analytic_value_for_different_covariances():
    # N(0, diag(1, 4)) vs N(1, diag(4, 1)): sum of (sqrt s1 - sqrt s2)^2 plus
    # the squared mean difference = 1 + 1 + 2 * 1 = 4.
    rng = np.random.default_rng(0)
    real = rng.standard_normal((20000, 2)) * [1.0, 2.0]
    fake = rng.standard_normal((20000, 2)) * [2.0, 1.0] + 1.0
    assert frechet_distance(real, fake) == pytest.approx(4.0, rel=0.03)


def test_fid_with_fewer_samples_than_features_is_finite_and_stable():
    real, fake = _gaussian(20, 50, 0), _gaussian(20, 50, 1, 0.2)
    fid = frechet_distance(real, fake)
    # The same trace from the symmetric form sqrt(S1) S2 sqrt(S1).
    s1, s2 = np.cov(real, rowvar=False), np.cov(fake, rowvar=False)
    values, vectors = np.linalg.eigh(s1)
    root = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    spectrum = np.clip(np.linalg.eigvalsh(root @ s2 @ root), 0, None)
    diff = real.mean(0) - fake.mean(0)
    expected = diff @ diff + np.trace(s1) + np.trace(s2) - 2 * np.sqrt(spectrum).sum()
    assert np.isfinite(fid)
    assert fid == pytest.approx(expected, rel=1e-3)


def test_fid_accepts_images_and_one_feature():
    images = np.random.default_rng(0).uniform(size=(30, 4, 4, 2))
    assert frechet_distance(images, images[::-1]) == pytest.approx(
        frechet_distance(images.reshape(30, -1), images.reshape(30, -1)[::-1])
    )
    one = _gaussian(100, 1, 0)
    assert frechet_distance(one, one + 2) == pytest.approx(4.0)


@pytest.mark.parametrize(
    ("real", "fake", "match"),
    [
        (np.zeros((1, 3)), np.zeros((5, 3)), "at least 2"),
        (np.zeros((5, 3)), np.zeros((5, 4)), "same number of features"),
        (np.full((5, 3), np.nan), np.zeros((5, 3)), "NaN"),
        (np.zeros(5), np.zeros(5), "n_samples"),
        (np.array([["a", "b"], ["c", "d"]]), np.zeros((2, 2)), "real numbers"),
    ],
)
def test_fid_rejects_bad_input(real, fake, match):
    with pytest.raises(ValueError, match=match):
        frechet_distance(real, fake)


# ------------------------------------------------------------------------ KID
def test_kid_of_identical_sets_is_about_zero():
    real = _gaussian(300, 6, 0)
    kid = kernel_distance(real, real, n_subsets=5, random_state=0)
    # Unbiased for independent samples; a set against itself is slightly
    # negative, -2 (mean k(x, x) - mean k(x, y)) / (m - 1).
    kxx = (real @ real.T / 6 + 1) ** 3
    expected = -2 * (np.trace(kxx) / 300 - kxx.mean()) / 299
    assert kid == pytest.approx(expected, rel=1e-9)
    assert -0.1 < kid <= 0
    shifted = kernel_distance(real, real + 1.0, n_subsets=5, random_state=0)
    assert abs(kid) < 0.05 * shifted


def test_kid_equals_hand_computed_unbiased_mmd_on_full_sets():
    real, fake = _gaussian(40, 3, 0), _gaussian(50, 3, 1, 0.3)
    # One subset of 40 from each set; with 40 real samples, the real subset is
    # the whole set (in some order, which does not matter).
    value = kernel_distance(real, fake[:40], n_subsets=1, subset_size=1000)

    def k(a, b):
        return (a @ b.T / 3 + 1) ** 3

    m = 40
    kxx, kyy, kxy = k(real, real), k(fake[:40], fake[:40]), k(real, fake[:40])
    expected = (
        (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
        + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
        - 2 * kxy.mean()
    )
    assert value == pytest.approx(expected, rel=1e-9)


def test_kid_grows_with_shift_and_is_seeded():
    real = _gaussian(400, 4, 0)
    kids = [
        kernel_distance(
            real, _gaussian(400, 4, 1, s), subset_size=200, n_subsets=20, random_state=0
        )
        for s in (0, 0.5, 1, 2)
    ]
    assert np.all(np.diff(kids) > 0)
    assert abs(kids[0]) < 0.02
    fake = _gaussian(400, 4, 1, 0.5)
    kwargs = {"subset_size": 100, "n_subsets": 10, "random_state": 3}
    assert kernel_distance(real, fake, **kwargs) == kernel_distance(
        real, fake, **kwargs
    )
    mean, std = kernel_distance(real, fake, return_std=True, **kwargs)
    assert mean == kernel_distance(real, fake, **kwargs) and std > 0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"degree": 0}, "degree"),
        ({"gamma": -1.0}, "gamma"),
        ({"n_subsets": 0}, "n_subsets"),
        ({"subset_size": 1}, "subset_size"),
    ],
)
def test_kid_rejects_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        kernel_distance(_gaussian(10, 2, 0), _gaussian(10, 2, 1), **kwargs)


def test_kid_needs_two_samples():
    with pytest.raises(ValueError, match="at least 2"):
        kernel_distance(np.zeros((5, 2)), np.zeros((1, 2)))


# ----------------------------------------------------------- density/coverage
def test_density_and_coverage_of_identical_sets_are_one():
    real = _gaussian(400, 3, 0)
    result = density_coverage(real, real, k=5)
    assert result.density == pytest.approx(1.0)
    assert result.coverage == 1.0


def test_density_and_coverage_of_a_fresh_sample_are_near_one():
    real, fake = _gaussian(1000, 2, 0), _gaussian(1000, 2, 1)
    density, coverage = density_coverage(real, fake)
    assert 0.85 < density < 1.15
    assert coverage > 0.9


def test_mode_collapse_lowers_coverage():
    real = _gaussian(500, 2, 0)
    collapsed = np.repeat(real[:1], 500, axis=0)  # every fake is one real image
    assert density_coverage(real, collapsed).coverage < 0.05
    # Fakes covering only half of the distribution cover about half of it.
    fresh = _gaussian(2000, 2, 1)
    half = fresh[fresh[:, 0] > 0][:500]
    density, coverage = density_coverage(real, half)
    assert 0.35 < coverage < 0.65
    assert density > 0.7  # what is generated is still realistic


def test_far_away_fakes_have_no_density_or_coverage():
    real = _gaussian(200, 2, 0)
    assert tuple(density_coverage(real, real + 100.0)) == (0.0, 0.0)


def test_density_coverage_matches_reference_formula():
    real, fake = _gaussian(120, 4, 0), _gaussian(90, 4, 1, 0.3)
    k = 3
    real_d = cdist(real, real)
    radii = np.sort(real_d, axis=1)[:, k]
    d = cdist(real, fake)
    density = (d < radii[:, None]).sum(axis=0).mean() / k
    coverage = (d.min(axis=1) < radii).mean()
    assert tuple(density_coverage(real, fake, k=k)) == pytest.approx(
        (density, coverage)
    )


def test_density_coverage_needs_more_real_samples_than_k():
    with pytest.raises(ValueError, match="k=5"):
        density_coverage(np.zeros((5, 2)), np.zeros((5, 2)), k=5)
    with pytest.raises(ValueError, match="k must be"):
        density_coverage(np.zeros((5, 2)), np.zeros((5, 2)), k=0)


# ---------------------------------------------------------- precision/recall
def test_precision_and_recall_of_identical_sets_are_one():
    real = _gaussian(400, 3, 0)
    result = precision_recall(real, real)
    assert isinstance(result, PrecisionRecall)
    assert tuple(result) == (1.0, 1.0)


def test_disjoint_sets_have_no_precision_or_recall():
    real = _gaussian(300, 2, 0)
    assert tuple(precision_recall(real, real + 100.0)) == (0.0, 0.0)


def test_a_collapsed_fake_set_is_precise_but_recalls_little():
    real = _gaussian(500, 2, 0)
    collapsed = 0.01 * _gaussian(500, 2, 1)  # every fake near the real mode
    precision, recall = precision_recall(real, collapsed)
    assert precision > 0.95
    assert recall < 0.05
    # The other way round: fakes spread far wider than the real samples reach
    # every real sample but are mostly outside the real manifold.
    precision, recall = precision_recall(real, 10.0 * _gaussian(500, 2, 2))
    assert recall > 0.9
    assert precision < 0.2


def test_precision_recall_of_a_fresh_sample_are_high():
    precision, recall = precision_recall(_gaussian(1000, 2, 0), _gaussian(1000, 2, 1))
    assert precision > 0.9 and recall > 0.9


def test_precision_recall_matches_reference_formula():
    real, fake = _gaussian(120, 4, 0), 1.5 * _gaussian(90, 4, 1, 0.5)
    k = 3
    real_radii = np.sort(cdist(real, real), axis=1)[:, k]
    fake_radii = np.sort(cdist(fake, fake), axis=1)[:, k]
    d = cdist(fake, real)
    precision = (d <= real_radii[None, :]).any(axis=1).mean()
    recall = (d.T <= fake_radii[None, :]).any(axis=1).mean()
    assert 0 < precision < 1 and 0 < recall < 1
    assert tuple(precision_recall(real, fake, k=k)) == (precision, recall)
    # k is the paper's 3 by default.
    assert precision_recall(real, fake) == precision_recall(real, fake, k=3)


def test_precision_recall_needs_more_samples_than_k():
    with pytest.raises(ValueError, match="k=3"):
        precision_recall(np.zeros((3, 2)), np.zeros((5, 2)))
    with pytest.raises(ValueError, match="fake_features has 3"):
        precision_recall(np.zeros((5, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="k must be"):
        precision_recall(np.zeros((5, 2)), np.zeros((5, 2)), k=0)
    with pytest.raises(ValueError, match="same number of features"):
        precision_recall(np.zeros((5, 2)), np.zeros((5, 3)))


# --------------------------------------------------------------- memorisation
def test_exact_copies_are_flagged_and_fresh_samples_are_not():
    train, heldout = _gaussian(400, 6, 0), _gaussian(400, 6, 1)
    copies = memorisation(train, train[50:250], heldout)
    assert copies.ratio == 0.0
    assert copies.memorised_fraction == 1.0
    np.testing.assert_array_equal(copies.nearest_train, np.arange(50, 250))

    fresh = memorisation(train, _gaussian(400, 6, 2), heldout)
    assert 0.8 < fresh.ratio < 1.25
    assert fresh.memorised_fraction < 0.15
    assert fresh.threshold == pytest.approx(np.quantile(fresh.heldout_distances, 0.05))
    assert set(fresh.as_dict()) == {
        "fake_median",
        "heldout_median",
        "ratio",
        "threshold",
        "memorised_fraction",
        "quantile",
    }


def test_nearly_copied_samples_are_flagged():
    train, heldout = _gaussian(400, 6, 0), _gaussian(400, 6, 1)
    noisy = train[:200] + 0.01 * _gaussian(200, 6, 2)
    result = memorisation(train, noisy, heldout)
    assert result.ratio < 0.05
    assert result.memorised_fraction > 0.95


def test_memorisation_warns_when_heldout_is_the_training_set():
    train = _gaussian(50, 3, 0)
    with pytest.warns(UserWarning, match="held-out"):
        result = memorisation(train, _gaussian(50, 3, 1), train)
    assert np.isnan(result.ratio)


def test_memorisation_rejects_bad_input():
    with pytest.raises(ValueError, match="quantile"):
        memorisation(np.zeros((3, 2)), np.zeros((3, 2)), np.ones((3, 2)), quantile=2)
    with pytest.raises(ValueError, match="heldout_features 3"):
        memorisation(np.zeros((3, 2)), np.zeros((3, 2)), np.ones((3, 3)))


# ---------------------------------------------------------- feature extractor
def test_cnn_features_separate_digit_classes(digits, cnn_features):
    _, y = digits
    extractor, features = cnn_features
    assert features.shape == (len(y), extractor.n_features_out_)
    threes, eights = features[y == 3], features[y == 8]
    between = frechet_distance(threes, eights)
    within = frechet_distance(threes[::2], threes[1::2])
    assert between > 10 * within
    assert kernel_distance(threes, eights, random_state=0) > 10 * abs(
        kernel_distance(threes[::2], threes[1::2], random_state=0)
    )


def test_cnn_extractor_recognises_digits(digits, cnn_features):
    images, y = digits
    extractor, _ = cnn_features
    assert np.mean(extractor.predict(images) == y) > 0.8
    # Flat rows give the same features as the images they hold.
    flat = images.reshape(len(images), -1)[:20]
    np.testing.assert_allclose(
        extractor.transform(flat), extractor.transform(images[:20]), rtol=1e-6
    )


def test_cnn_extractor_is_deterministic_and_keeps_global_state(digits):
    images, y = digits
    python_state = random.getstate()
    numpy_state = np.random.get_state()  # noqa: NPY002
    first = fit_feature_extractor(images[:150], y[:150], epochs=1, random_state=1)
    features = first.transform(images[:50])
    assert random.getstate() == python_state
    numpy_after = np.random.get_state()  # noqa: NPY002
    assert numpy_after[0] == numpy_state[0]
    np.testing.assert_array_equal(numpy_after[1], numpy_state[1])

    second = fit_feature_extractor(images[:150], y[:150], epochs=1, random_state=1)
    np.testing.assert_array_equal(second.transform(images[:50]), features)

    restored = pickle.loads(pickle.dumps(first))
    np.testing.assert_allclose(restored.transform(images[:50]), features, rtol=1e-6)


def test_pixel_features_scale_to_minus_one_one():
    uint8 = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    features = FeatureExtractor("pixel").fit(uint8).transform(uint8)
    np.testing.assert_allclose(features, [[-1.0, 1.0, -0.6, -0.2]])
    # Floats outside [0, 1] use the range of the fitted (real) images.
    raw = np.array([[0.0, 16.0], [8.0, 4.0]])
    extractor = FeatureExtractor("pixel").fit(raw)
    assert extractor.value_range_ == (0.0, 16.0)
    np.testing.assert_allclose(extractor.transform([[8.0, 16.0]]), [[0.0, 1.0]])


def test_extractor_errors(digits):
    images, y = digits
    with pytest.raises(ValueError, match="labels"):
        FeatureExtractor().fit(images)
    with pytest.raises(ValueError, match="method"):
        FeatureExtractor("inception").fit(images)
    with pytest.raises(ValueError, match="image_shape"):
        FeatureExtractor().fit(images.reshape(len(images), -1), y)
    pixel = FeatureExtractor("pixel").fit(images)
    with pytest.raises(ValueError, match="64"):
        pixel.transform(np.zeros((2, 4, 4)))
    with pytest.raises(ValueError, match="NaN"):
        pixel.transform(np.full((2, 8, 8), np.nan))
    with pytest.raises(ValueError, match="cnn"):
        pixel.predict(images)


# ----------------------------------------------------------------------- score
def test_score_samples_with_pixels_and_memorisation(digits):
    images, y = digits
    threes = images[y == 3]
    train, heldout = threes[::2], threes[1::2]
    kwargs = {"extractor": "pixel", "train": train, "n_subsets": 10}
    copied = score_samples(heldout, train, **kwargs)
    fresh = score_samples(heldout, heldout, **kwargs)
    assert set(fresh) == {
        "fid",
        "kid",
        "kid_std",
        "density",
        "coverage",
        "precision",
        "recall",
        "memorisation_ratio",
        "memorised_fraction",
        "memorisation_fake_median",
        "memorisation_heldout_median",
    }
    assert copied["memorisation_ratio"] == 0.0
    assert copied["memorised_fraction"] == 1.0
    assert fresh["memorisation_ratio"] == pytest.approx(1.0)
    assert fresh["fid"] == pytest.approx(0.0, abs=1e-6)
    assert fresh["coverage"] == 1.0
    assert (fresh["precision"], fresh["recall"]) == (1.0, 1.0)


def test_score_samples_with_cnn_extractor(digits, cnn_features):
    images, y = digits
    extractor, _ = cnn_features
    threes, eights = images[y == 3], images[y == 8]
    kwargs = {"extractor": extractor, "n_subsets": 20, "random_state": 0}
    same = score_samples(threes[::2], threes[1::2], **kwargs)
    other = score_samples(threes[::2], eights, **kwargs)
    assert other["fid"] > 10 * same["fid"]
    assert other["kid"] > same["kid"]
    assert other["density"] < 0.2 < same["density"]
    assert other["coverage"] < 0.2 < same["coverage"]


def test_score_samples_rejects_unknown_extractor():
    with pytest.raises(ValueError, match="fit_feature_extractor"):
        score_samples(np.zeros((10, 2)), np.zeros((10, 2)), extractor="cnn")
    with pytest.raises(TypeError, match="extractor"):
        score_samples(np.zeros((10, 2)), np.zeros((10, 2)), extractor=3)
