"""Is the GAN any good? Sample-quality metrics that need no download.

The article "Conquer class-imbalanced dataset issues using GANs" names its
hardest problem: there is no metric of GAN performance, so an operator has to
judge the generated images by eye. This module gives that operator numbers to
go with the pictures, computed on features of the task's own images:

* :func:`frechet_distance` (FID) compares the mean and covariance of real and
  generated features;
* :func:`kernel_distance` (KID) is an unbiased, subset-averaged MMD² with a
  polynomial kernel, usable on small sets;
* :func:`density_coverage` (Naeem et al., 2020) separates fidelity (are the
  generated samples where real ones are dense?) from diversity (is every real
  sample's neighbourhood reached? Mode collapse lowers coverage);
* :func:`memorisation` tells whether generated samples are copies of training
  samples, by comparing their distance to the training set with that of
  held-out real samples.

The Inception network behind the usual FID cannot be downloaded here and knows
nothing of 8x8 digits or solar cells anyway, so :class:`FeatureExtractor`
trains a small CNN on the task's own labelled real images and uses its
penultimate layer (``method="cnn"``), or takes the pixels scaled to ``[-1, 1]``
(``method="pixel"``) for tiny images. Values from different extractors are not
comparable with each other nor with published Inception FIDs: compare
generators (epochs, settings, seeds) under one fitted extractor, and compare
with a real-versus-real baseline (for example two halves of the real class).

:func:`score_samples` computes all of them at once.
"""

import warnings
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from scipy import linalg
from scipy.spatial.distance import cdist
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._seeding import python_random_seeded

__all__ = [
    "DensityCoverage",
    "FeatureExtractor",
    "MemorisationResult",
    "density_coverage",
    "fit_feature_extractor",
    "frechet_distance",
    "kernel_distance",
    "memorisation",
    "score_samples",
]

_MAX_SEED = 2**31 - 1

# Blocks of pairwise distances hold at most this many values (32 MiB).
_DISTANCE_BLOCK = 2**22


def _row_blocks(n_rows, n_columns):
    """Slices of rows such that each block of distances stays small."""
    step = max(1, _DISTANCE_BLOCK // max(n_columns, 1))
    return [slice(start, start + step) for start in range(0, n_rows, step)]


def _distance_blocks(A, B):
    """Euclidean distances from the rows of A to those of B, in row blocks.

    ``scipy.spatial.distance.cdist`` computes each pair the same way whatever
    the other rows are, so a distance compared with another one computed from
    other blocks (a radius) gives the same result for the same pair: ties stay
    ties and exact copies are at distance exactly 0.
    """
    for block in _row_blocks(len(A), len(B)):
        yield cdist(A[block], B)


def _nearest(A, B):
    """Distance from each row of A to its nearest row of B, and that row."""
    distances, indices = [], []
    for d in _distance_blocks(A, B):
        index = np.argmin(d, axis=1)
        indices.append(index)
        distances.append(d[np.arange(len(d)), index])
    return np.concatenate(distances), np.concatenate(indices)


# --------------------------------------------------------------------- checks
def _as_features(X, name, *, min_samples=1, what="this metric"):
    """Validate samples and return them as a float64 array (n, n_features).

    Images ``(n, H, W, C)`` or ``(n, H, W)`` are flattened.
    """
    X = np.asarray(X)
    if not (np.issubdtype(X.dtype, np.number) or X.dtype == np.bool_) or (
        np.iscomplexobj(X)
    ):
        raise ValueError(
            f"{name} must hold real numbers; got an array of dtype {X.dtype}."
        )
    if X.ndim < 2:
        raise ValueError(
            f"{name} must be (n_samples, n_features) or images (n_samples, H, W) "
            f"or (n_samples, H, W, C); got an array of shape {X.shape}."
        )
    X = X.reshape(X.shape[0], -1).astype(np.float64)
    if X.shape[1] == 0:
        raise ValueError(f"{name} has no features (shape {X.shape}).")
    if X.shape[0] < min_samples:
        raise ValueError(
            f"{name} has {X.shape[0]} sample(s); {what} needs at least {min_samples}."
        )
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} contains NaN or infinity.")
    return X


def _as_feature_sets(arrays, names, *, min_samples, what):
    """Validate several sets and check that they have the same feature size."""
    sets = [
        _as_features(X, name, min_samples=m, what=what)
        for X, name, m in zip(arrays, names, min_samples, strict=True)
    ]
    sizes = {X.shape[1] for X in sets}
    if len(sizes) > 1:
        described = ", ".join(
            f"{name} {X.shape[1]}" for X, name in zip(sets, names, strict=True)
        )
        raise ValueError(
            f"The sets must have the same number of features per sample; got "
            f"{described}. Extract the features of all sets with the same "
            "extractor."
        )
    return sets


def _check_int(value, name, low):
    if not isinstance(value, Integral) or isinstance(value, bool) or value < low:
        raise ValueError(f"{name} must be an int >= {low}; got {value!r}.")
    return int(value)


# ------------------------------------------------------------------------ FID
def _sqrtm_product_trace(sigma1, sigma2, eps):
    """``trace(sqrtm(sigma1 @ sigma2))`` as in the reference FID code.

    ``scipy.linalg.sqrtm`` of the product; when that is not finite or has a
    non-negligible imaginary part (near-singular covariances, for example
    fewer samples than features), ``eps`` is added to both diagonals first. If
    even that fails, the trace is taken from the eigenvalues of the symmetric
    ``sqrt(sigma1) @ sigma2 @ sqrt(sigma1)``, which has the same spectrum.
    """

    def usable(covmean):
        if not np.all(np.isfinite(covmean)):
            return False
        return not np.iscomplexobj(covmean) or np.allclose(
            np.diagonal(covmean).imag, 0, atol=1e-3
        )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        covmean = linalg.sqrtm(sigma1 @ sigma2)
        if not usable(covmean):
            offset = np.eye(sigma1.shape[0]) * eps
            covmean = linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    if usable(covmean):
        return float(np.trace(covmean).real)
    values, vectors = np.linalg.eigh(sigma1)
    root1 = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    spectrum = np.linalg.eigvalsh(root1 @ sigma2 @ root1)
    return float(np.sum(np.sqrt(np.clip(spectrum, 0, None))))


def frechet_distance(real_features, fake_features, *, eps=1e-6):
    """Fréchet distance between Gaussians fitted to two sets of features (FID).

    ``||mu_r - mu_f||² + Tr(S_r + S_f - 2 (S_r S_f)^(1/2))``, the formula of the
    Fréchet Inception Distance (Heusel et al., 2017), on whatever features are
    given. 0 means equal means and covariances; lower is better.

    Parameters
    ----------
    real_features : array-like of shape (n_real, n_features)
        Features of real samples (images are flattened), at least 2.
    fake_features : array-like of shape (n_fake, n_features)
        Features of generated samples, at least 2.
    eps : float, default=1e-6
        Added to the diagonals of both covariances when the matrix square root
        of their product is not finite or is complex (near-singular
        covariances, as with fewer samples than features), as the reference
        FID code does.

    Returns
    -------
    float
        The distance, clipped at 0 (rounding can otherwise give -1e-12 for
        identical sets).

    Raises
    ------
    ValueError
        If a set has fewer than 2 samples, the feature sizes differ, or a value
        is NaN or infinite.

    Notes
    -----
    The covariance of ``n`` samples in ``d`` dimensions has rank at most
    ``n - 1``; with ``n`` not well above ``d`` the estimate is noisy and FID is
    biased upwards, more so for smaller sets. Compare FIDs of sets of equal
    size only.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.metrics import frechet_distance
    >>> rng = np.random.default_rng(0)
    >>> real = rng.standard_normal((2000, 2))
    >>> frechet_distance(real, real)
    0.0
    >>> shifted = real + [3.0, 4.0]      # same covariance, mean shifted by 5
    >>> round(frechet_distance(real, shifted), 6)
    25.0
    """
    real, fake = _as_feature_sets(
        (real_features, fake_features),
        ("real_features", "fake_features"),
        min_samples=(2, 2),
        what="the Fréchet distance (a covariance)",
    )
    if not (isinstance(eps, Real) and eps >= 0):
        raise ValueError(f"eps must be a float >= 0; got {eps!r}.")
    diff = real.mean(axis=0) - fake.mean(axis=0)
    sigma1 = np.atleast_2d(np.cov(real, rowvar=False))
    sigma2 = np.atleast_2d(np.cov(fake, rowvar=False))
    trace_covmean = _sqrtm_product_trace(sigma1, sigma2, float(eps))
    distance = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * trace_covmean
    return max(float(distance), 0.0)


# ------------------------------------------------------------------------ KID
def _unbiased_mmd2(kxx, kyy, kxy):
    m, n = len(kxx), len(kyy)
    xx = (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
    yy = (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
    return xx + yy - 2 * kxy.mean()


def kernel_distance(
    real_features,
    fake_features,
    *,
    degree=3,
    gamma=None,
    coef0=1,
    n_subsets=100,
    subset_size=1000,
    return_std=False,
    random_state=None,
):
    """Kernel distance (KID): unbiased MMD² with a polynomial kernel.

    The Kernel Inception Distance of Bińkowski et al. (2018) on whatever
    features are given: the unbiased estimate of the squared maximum mean
    discrepancy with the kernel ``k(x, y) = (gamma <x, y> + coef0) ** degree``,
    averaged over ``n_subsets`` random subsets of ``subset_size`` samples of
    each set. Unlike FID it is unbiased, so small sets can be compared; its
    expected value is 0 for independent samples of the same distribution, and
    single estimates can then be slightly negative. A set compared with itself
    is not an independent sample: it gives a small negative value, about
    ``-2 mean(k(x, x)) / subset_size``.

    Parameters
    ----------
    real_features : array-like of shape (n_real, n_features)
        Features of real samples (images are flattened), at least 2.
    fake_features : array-like of shape (n_fake, n_features)
        Features of generated samples, at least 2.
    degree : int, default=3
        Degree of the polynomial kernel.
    gamma : float, default=None
        Scale of the inner product; None means ``1 / n_features``.
    coef0 : float, default=1
        Constant term of the kernel.
    n_subsets : int, default=100
        Number of random subset pairs averaged.
    subset_size : int, default=1000
        Samples per subset, capped at the size of the smaller set. Subsets are
        drawn without replacement.
    return_std : bool, default=False
        Also return the standard deviation over the subsets.
    random_state : int, RandomState instance or None, default=None
        Seeds the subsets.

    Returns
    -------
    kid : float
        Mean unbiased MMD² over the subsets; lower is better.
    std : float
        Its standard deviation over the subsets, if ``return_std``.

    Raises
    ------
    ValueError
        If a set has fewer than 2 samples, the feature sizes differ, a value is
        NaN or infinite, or a parameter is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.metrics import kernel_distance
    >>> rng = np.random.default_rng(0)
    >>> real = rng.standard_normal((200, 4))
    >>> same = rng.standard_normal((200, 4))
    >>> abs(kernel_distance(real, same, random_state=0)) < 0.01
    True
    >>> kernel_distance(real, same + 1.0, random_state=0) > 0.5
    True
    """
    real, fake = _as_feature_sets(
        (real_features, fake_features),
        ("real_features", "fake_features"),
        min_samples=(2, 2),
        what="the kernel distance (unbiased MMD²)",
    )
    degree = _check_int(degree, "degree", 1)
    n_subsets = _check_int(n_subsets, "n_subsets", 1)
    subset_size = _check_int(subset_size, "subset_size", 2)
    if gamma is None:
        gamma = 1.0 / real.shape[1]
    elif not (isinstance(gamma, Real) and gamma > 0):
        raise ValueError(f"gamma must be a float > 0 or None; got {gamma!r}.")
    if not isinstance(coef0, Real):
        raise ValueError(f"coef0 must be a float; got {coef0!r}.")
    size = min(subset_size, len(real), len(fake))
    rng = check_random_state(random_state)

    def kernel(a, b):
        # (gamma <a, b> + coef0) ** degree by repeated products: float powers
        # are several times slower.
        base = a @ b.T
        base *= gamma
        base += coef0
        out = base.copy()
        for _ in range(degree - 1):
            out *= base
        return out

    values = np.empty(n_subsets)
    for i in range(n_subsets):
        x = real[rng.choice(len(real), size, replace=False)]
        y = fake[rng.choice(len(fake), size, replace=False)]
        values[i] = _unbiased_mmd2(kernel(x, x), kernel(y, y), kernel(x, y))
    if return_std:
        return float(values.mean()), float(values.std())
    return float(values.mean())


# ------------------------------------------------------------ density/coverage
class DensityCoverage(NamedTuple):
    """Result of :func:`density_coverage`.

    Attributes
    ----------
    density : float
        Fidelity: average number of real k-nearest-neighbour balls a generated
        sample falls into, divided by ``k``. About 1 when the generated samples
        follow the real distribution; above 1 when they crowd where real
        samples are dense; near 0 when they lie away from real ones.
    coverage : float
        Diversity: fraction of real samples whose k-nearest-neighbour ball
        holds at least one generated sample, in ``[0, 1]``. Mode collapse
        lowers it.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.metrics import density_coverage
    >>> real = np.random.default_rng(0).standard_normal((100, 2))
    >>> result = density_coverage(real, real[:10])  # 10 of the real samples
    >>> result
    DensityCoverage(density=1.14, coverage=0.52)
    >>> density, coverage = result
    """

    density: float
    coverage: float


def density_coverage(real_features, fake_features, k=5):
    """Density and coverage of generated samples (Naeem et al., 2020).

    Each real sample gets a ball reaching to its ``k``-th nearest real
    neighbour. Density counts how many balls each generated sample falls into
    (fidelity); coverage is the fraction of balls that hold a generated sample
    (diversity). Unlike precision and recall, both are robust to outliers.

    Parameters
    ----------
    real_features : array-like of shape (n_real, n_features)
        Features of real samples (images are flattened), more than ``k``.
    fake_features : array-like of shape (n_fake, n_features)
        Features of generated samples, at least 1.
    k : int, default=5
        Neighbourhood size (the paper's default).

    Returns
    -------
    DensityCoverage
        A named tuple ``(density, coverage)``.

    Raises
    ------
    ValueError
        If there are ``k`` real samples or fewer, no generated sample, the
        feature sizes differ, or a value is NaN or infinite.

    Notes
    -----
    Distances are Euclidean and all features count equally, so features of
    very different scales should be standardised first (the features of
    :class:`FeatureExtractor` are used as they are). Use roughly as many
    generated samples as real ones: coverage grows with the number of
    generated samples.

    All ``n_real * (n_real + n_fake)`` distances are computed exactly, in
    blocks, with :func:`scipy.spatial.distance.cdist` rather than a
    nearest-neighbour index: a pair compared with a radius gets the same value
    that set the radius, so a set compared with itself gives density 1 and
    coverage 1 exactly (with the dot-product shortcut of
    ``sklearn.metrics.pairwise_distances``, rounding counted some k-th
    neighbours inside their own ball, density 1.09).

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.metrics import density_coverage
    >>> rng = np.random.default_rng(0)
    >>> real = rng.standard_normal((500, 2))
    >>> density, coverage = density_coverage(real, real)
    >>> round(density, 2), round(coverage, 2)
    (1.0, 1.0)
    >>> collapsed = np.zeros((500, 2))          # every sample the same point
    >>> density_coverage(real, collapsed).coverage < 0.1
    True
    """
    k = _check_int(k, "k", 1)
    real, fake = _as_feature_sets(
        (real_features, fake_features),
        ("real_features", "fake_features"),
        min_samples=(k + 1, 1),
        what=f"density and coverage with k={k} (k + 1 real samples)",
    )
    # Distance of each real sample to its k-th nearest real neighbour, itself
    # not counted (it is its own 0-th neighbour).
    radii = np.concatenate(
        [np.partition(d, k, axis=1)[:, k] for d in _distance_blocks(real, real)]
    )
    inside, nearest_fake = 0, []
    for block, distances in zip(
        _row_blocks(len(real), len(fake)), _distance_blocks(real, fake), strict=True
    ):
        inside += int(np.count_nonzero(distances < radii[block, np.newaxis]))
        nearest_fake.append(distances.min(axis=1))
    density = inside / (k * len(fake))
    coverage = float(np.mean(np.concatenate(nearest_fake) < radii))
    return DensityCoverage(float(density), coverage)


# --------------------------------------------------------------- memorisation
@dataclass(frozen=True)
class MemorisationResult:
    """Result of :func:`memorisation`.

    Attributes
    ----------
    fake_median : float
        Median distance of a generated sample to its nearest training sample.
    heldout_median : float
        The same for held-out real samples: how far new samples of the
        distribution usually lie from the training set.
    ratio : float
        ``fake_median / heldout_median``. About 1 or more for a generator that
        does not copy; near 0 when it reproduces training samples. NaN when
        ``heldout_median`` is 0.
    threshold : float
        The ``quantile`` of the held-out distances.
    memorised_fraction : float
        Fraction of generated samples at most ``threshold`` from a training
        sample: about ``quantile`` for a generator that does not copy, near 1
        for one that does.
    quantile : float
        The quantile that set ``threshold``.
    fake_distances : ndarray of shape (n_fake,)
        Each generated sample's distance to its nearest training sample.
    heldout_distances : ndarray of shape (n_heldout,)
        Each held-out sample's distance to its nearest training sample.
    nearest_train : ndarray of shape (n_fake,)
        Index in the training set of each generated sample's nearest training
        sample (to show the pairs side by side).

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.metrics import memorisation
    >>> rng = np.random.default_rng(0)
    >>> train = rng.standard_normal((50, 3))
    >>> result = memorisation(train, train[[4, 7]], rng.standard_normal((50, 3)))
    >>> result.nearest_train.tolist(), result.memorised_fraction
    ([4, 7], 1.0)
    >>> sorted(result.as_dict())  # doctest: +NORMALIZE_WHITESPACE
    ['fake_median', 'heldout_median', 'memorised_fraction', 'quantile',
     'ratio', 'threshold']
    """

    fake_median: float
    heldout_median: float
    ratio: float
    threshold: float
    memorised_fraction: float
    quantile: float
    fake_distances: np.ndarray = field(repr=False)
    heldout_distances: np.ndarray = field(repr=False)
    nearest_train: np.ndarray = field(repr=False)

    def as_dict(self):
        """The scalar results as a dict (without the per-sample arrays).

        Returns
        -------
        dict
            ``fake_median``, ``heldout_median``, ``ratio``, ``threshold``,
            ``memorised_fraction`` and ``quantile``.
        """
        return {
            "fake_median": self.fake_median,
            "heldout_median": self.heldout_median,
            "ratio": self.ratio,
            "threshold": self.threshold,
            "memorised_fraction": self.memorised_fraction,
            "quantile": self.quantile,
        }


def memorisation(train_features, fake_features, heldout_features, *, quantile=0.05):
    """Are the generated samples copies of training samples?

    Compares each generated sample's distance to its nearest training sample
    with the same distance for real samples the GAN never saw. A generator that
    learned the distribution puts its samples about as far from the training
    set as new real samples are; one that memorised puts them much closer.

    Parameters
    ----------
    train_features : array-like of shape (n_train, n_features)
        Features of the samples the GAN was trained on (images are flattened).
    fake_features : array-like of shape (n_fake, n_features)
        Features of generated samples.
    heldout_features : array-like of shape (n_heldout, n_features)
        Features of real samples of the same class that were *not* used for
        training. Sharing samples with the training set makes their distances
        0 and the comparison meaningless.
    quantile : float, default=0.05
        A generated sample counts as memorised when it is at most as far from
        the training set as this quantile of the held-out distances.

    Returns
    -------
    MemorisationResult
        Medians, their ratio, the memorised fraction and the distances.

    Raises
    ------
    ValueError
        If a set is empty, the feature sizes differ, a value is NaN or
        infinite, or ``quantile`` is not in ``[0, 1]``.

    Warns
    -----
    UserWarning
        When the median held-out distance is 0 (held-out samples duplicate
        training samples); the ratio is then NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.metrics import memorisation
    >>> rng = np.random.default_rng(0)
    >>> train = rng.standard_normal((300, 5))
    >>> heldout = rng.standard_normal((300, 5))
    >>> copies = memorisation(train, train[:100], heldout)
    >>> copies.ratio, copies.memorised_fraction
    (0.0, 1.0)
    >>> fresh = memorisation(train, rng.standard_normal((300, 5)), heldout)
    >>> 0.8 < fresh.ratio < 1.25, fresh.memorised_fraction < 0.15
    (True, True)
    """
    train, fake, heldout = _as_feature_sets(
        (train_features, fake_features, heldout_features),
        ("train_features", "fake_features", "heldout_features"),
        min_samples=(1, 1, 1),
        what="memorisation",
    )
    if not (isinstance(quantile, Real) and 0 <= quantile <= 1):
        raise ValueError(f"quantile must be a float in [0, 1]; got {quantile!r}.")
    fake_distances, nearest = _nearest(fake, train)
    heldout_distances = _nearest(heldout, train)[0]
    fake_median = float(np.median(fake_distances))
    heldout_median = float(np.median(heldout_distances))
    if heldout_median > 0:
        ratio = fake_median / heldout_median
    else:
        warnings.warn(
            "The median distance of held-out samples to the training set is 0: "
            "heldout_features duplicates training samples, so the memorisation "
            "ratio is undefined (NaN). Pass real samples that were not used to "
            "train the GAN.",
            UserWarning,
            stacklevel=2,
        )
        ratio = float("nan")
    threshold = float(np.quantile(heldout_distances, quantile))
    return MemorisationResult(
        fake_median=fake_median,
        heldout_median=heldout_median,
        ratio=float(ratio),
        threshold=threshold,
        memorised_fraction=float(np.mean(fake_distances <= threshold)),
        quantile=float(quantile),
        fake_distances=fake_distances,
        heldout_distances=heldout_distances,
        nearest_train=nearest,
    )


# ---------------------------------------------------------- feature extractor
def _value_range(X):
    """The range that maps to ``[-1, 1]``: 0-255 for uint8, [0, 1] for floats
    within it, else the observed minimum and maximum."""
    if X.dtype == np.uint8:
        return 0.0, 255.0
    if X.dtype == np.bool_:
        return 0.0, 1.0
    low, high = float(np.min(X)), float(np.max(X))
    if np.issubdtype(X.dtype, np.floating) and low >= 0 and high <= 1:
        return 0.0, 1.0
    return low, high


def _image_shape(shape):
    shape = tuple(shape)
    if len(shape) == 2:
        shape = (*shape, 1)
    if len(shape) != 3 or not all(
        isinstance(v, Integral) and not isinstance(v, bool) and v > 0 for v in shape
    ):
        raise ValueError(
            f"image_shape must be (H, W) or (H, W, C) with positive ints; got "
            f"{shape!r}."
        )
    return tuple(int(v) for v in shape)


class FeatureExtractor(TransformerMixin, BaseEstimator):
    """Features of images for the metrics, learned from the task's own images.

    ``method="cnn"`` trains :class:`~gansampler.classifiers.KerasImageClassifier`
    (the default CNN) to tell the classes of the real labelled images apart and
    returns its penultimate layer (the globally pooled last convolution):
    features that capture what distinguishes the classes of this task, in place
    of the Inception features of the usual FID, which would need a download.
    ``method="pixel"`` returns the pixels, flattened and scaled to ``[-1, 1]``:
    enough for tiny images such as 8x8 digits, and needs no labels.

    Parameters
    ----------
    method : {'cnn', 'pixel'}, default='cnn'
        How features are made (see above).
    image_shape : tuple of int, default=None
        ``(H, W)`` or ``(H, W, C)`` when ``X`` holds flattened images; needed
        for ``'cnn'`` only.
    epochs : int, default=10
        Training epochs of the CNN.
    batch_size : int, default=32
        Training batch size of the CNN.
    random_state : int, RandomState instance or None, default=None
        Seeds the CNN. An int gives identical features on the CPU.
    verbose : int, default=0
        Keras verbosity while training.

    Attributes
    ----------
    value_range_ : tuple of float
        ``(low, high)`` of the fitted images, mapped to ``[-1, 1]``: ``(0,
        255)`` for uint8, ``(0, 1)`` for floats within it, otherwise the
        observed minimum and maximum. Generated images must come in the same
        dtype and range as the real ones (as ``DCGANOverSampler`` returns them).
    n_features_in_ : int
        Values per image.
    image_shape_ : tuple of int or None
        ``(H, W, C)`` of the fitted images (None for flat ``'pixel'`` input).
    n_features_out_ : int
        Length of a feature vector.
    classifier_ : KerasImageClassifier
        The trained CNN (``'cnn'`` only). It takes images scaled to ``[-1,
        1]``; :meth:`predict` scales them first.
    classes_ : ndarray
        Class labels of the CNN (``'cnn'`` only).

    Notes
    -----
    Fit the extractor once, on all real labelled images, and use it for every
    comparison: features, and so metric values, differ between fits. Python's
    :mod:`random` state and Keras' global settings are left unchanged.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from gansampler.metrics import FeatureExtractor
    >>> X, y = load_digits(return_X_y=True)
    >>> images = X.reshape(-1, 8, 8) / 16
    >>> FeatureExtractor("pixel").fit(images).transform(images[:3]).shape
    (3, 64)
    >>> cnn = FeatureExtractor(epochs=1, random_state=0).fit(images[:300], y[:300])
    >>> cnn.transform(images[:3]).shape
    (3, 64)
    """

    def __init__(
        self,
        method="cnn",
        *,
        image_shape=None,
        epochs=10,
        batch_size=32,
        random_state=None,
        verbose=0,
    ):
        self.method = method
        self.image_shape = image_shape
        self.epochs = epochs
        self.batch_size = batch_size
        self.random_state = random_state
        self.verbose = verbose

    def _check_input(self, X):
        X = np.asarray(X)
        if not (np.issubdtype(X.dtype, np.number) or X.dtype == np.bool_) or (
            np.iscomplexobj(X)
        ):
            raise ValueError(f"X must hold real numbers; got dtype {X.dtype}.")
        if X.ndim not in (2, 3, 4):
            raise ValueError(
                "X must be images (n_samples, H, W, C) or (n_samples, H, W), or "
                f"flat (n_samples, H * W * C); got shape {X.shape}."
            )
        if len(X) == 0:
            raise ValueError("X has no samples.")
        if not np.all(np.isfinite(X)):
            raise ValueError("X contains NaN or infinity.")
        return X

    def _scaled(self, X):
        low, high = self.value_range_
        span = high - low if high > low else 1.0
        return ((X.astype(np.float64) - low) / span * 2.0 - 1.0).astype(np.float32)

    def _images(self, X, shape):
        """Reshape to (n, H, W, C) and check against ``shape`` (if known)."""
        if X.ndim == 4:
            images = X
        elif X.ndim == 3:
            images = X[..., np.newaxis]
        else:
            if shape is None:
                raise ValueError(
                    f"X is flat, of shape {X.shape}; pass image_shape=(H, W) or "
                    "(H, W, C), or images of shape (n_samples, H, W[, C])."
                )
            if int(np.prod(shape)) != X.shape[1]:
                raise ValueError(
                    f"image_shape={shape} holds {int(np.prod(shape))} values per "
                    f"image but X has {X.shape[1]}."
                )
            images = X.reshape((len(X), *shape))
        return images

    def fit(self, X, y=None):
        """Fit the extractor on real images.

        Parameters
        ----------
        X : array-like of shape (n_samples, H, W, C), (n_samples, H, W) or \
(n_samples, H * W * C)
            Real images.
        y : array-like of shape (n_samples,), default=None
            Their class labels (at least two classes); needed for ``'cnn'``.

        Returns
        -------
        self : FeatureExtractor
            The fitted extractor.
        """
        if self.method not in ("cnn", "pixel"):
            raise ValueError(f"method must be 'cnn' or 'pixel'; got {self.method!r}.")
        X = self._check_input(X)
        shape = None if self.image_shape is None else _image_shape(self.image_shape)
        self.value_range_ = _value_range(X)
        self.n_features_in_ = int(np.prod(X.shape[1:]))
        self._feature_model = None
        if self.method == "pixel":
            self.image_shape_ = (
                shape if X.ndim == 2 else self._images(X, None).shape[1:]
            )
            if shape is not None and int(np.prod(shape)) != self.n_features_in_:
                raise ValueError(
                    f"image_shape={shape} holds {int(np.prod(shape))} values per "
                    f"image but X has {self.n_features_in_}."
                )
            self.n_features_out_ = self.n_features_in_
            return self
        if y is None:
            raise ValueError(
                "method='cnn' trains a classifier on the real images and needs "
                "their labels y (at least two classes); use method='pixel' "
                "without labels."
            )
        from .classifiers import KerasImageClassifier

        images = self._images(self._scaled(X), shape)
        seed = int(check_random_state(self.random_state).randint(_MAX_SEED))
        classifier = KerasImageClassifier(
            epochs=self.epochs,
            batch_size=self.batch_size,
            random_state=seed,
            verbose=self.verbose,
        )
        with python_random_seeded():
            classifier.fit(images, y)
        self.classifier_ = classifier
        self.classes_ = classifier.classes_
        self.image_shape_ = tuple(int(v) for v in images.shape[1:])
        self.n_features_out_ = int(self._get_feature_model().output_shape[-1])
        return self

    def _get_feature_model(self):
        if getattr(self, "_feature_model", None) is None:
            import keras

            model = self.classifier_.model_
            with python_random_seeded():
                # Penultimate layer: the input of the final (softmax) layer.
                self._feature_model = keras.Model(model.inputs, model.layers[-1].input)
        return self._feature_model

    def transform(self, X):
        """Features of images.

        Parameters
        ----------
        X : array-like of shape (n_samples, H, W, C), (n_samples, H, W) or \
(n_samples, H * W * C)
            Images of the same shape, dtype and value range as the fitted ones.

        Returns
        -------
        ndarray of float64, shape (n_samples, n_features)
            The features, ``n_features_out_`` per image.
        """
        check_is_fitted(self, "value_range_")
        X = self._check_input(X)
        if int(np.prod(X.shape[1:])) != self.n_features_in_:
            raise ValueError(
                f"X has {int(np.prod(X.shape[1:]))} values per image but the "
                f"extractor was fitted on images of {self.n_features_in_}."
            )
        if self.method == "pixel":
            return self._scaled(X).reshape(len(X), -1).astype(np.float64)
        images = self._images(self._scaled(X), self.image_shape_)
        if images.shape[1:] != self.image_shape_:
            raise ValueError(
                f"X has images of shape {images.shape[1:]}; the extractor was "
                f"fitted on {self.image_shape_}."
            )
        with python_random_seeded():
            features = self._get_feature_model().predict(
                images, batch_size=256, verbose=0
            )
        return np.asarray(features, dtype=np.float64).reshape(len(X), -1)

    def predict(self, X):
        """The class each image looks like to the CNN (``'cnn'`` only).

        The share of generated images of a class that the CNN recognises as
        that class is a quality measure of its own (docs/quality.md).

        Parameters
        ----------
        X : array-like of shape (n_samples, H, W, C), (n_samples, H, W) or \
(n_samples, H * W * C)
            Images of the same shape, dtype and value range as the fitted ones.

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        check_is_fitted(self, "value_range_")
        if self.method != "cnn":
            raise ValueError(
                f"predict needs method='cnn'; this extractor is {self.method!r}."
            )
        X = self._check_input(X)
        images = self._images(self._scaled(X), self.image_shape_)
        with python_random_seeded():
            return self.classifier_.predict(images)

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_feature_model", None)  # rebuilt from classifier_ on demand
        return state


def fit_feature_extractor(
    X, y=None, *, method="cnn", image_shape=None, epochs=10, random_state=None
):
    """Fit a :class:`FeatureExtractor` on real (labelled) images.

    Parameters
    ----------
    X : array-like of shape (n_samples, H, W, C), (n_samples, H, W) or \
(n_samples, H * W * C)
        Real images of all classes.
    y : array-like of shape (n_samples,), default=None
        Their labels; needed for ``method='cnn'``.
    method : {'cnn', 'pixel'}, default='cnn'
        Penultimate-layer features of a CNN trained on ``(X, y)``, or scaled
        pixels.
    image_shape : tuple of int, default=None
        ``(H, W)`` or ``(H, W, C)`` for flat ``X``.
    epochs : int, default=10
        Training epochs of the CNN.
    random_state : int, RandomState instance or None, default=None
        Seeds the CNN.

    Returns
    -------
    FeatureExtractor
        The fitted extractor; call ``transform`` on real and generated images.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.metrics import fit_feature_extractor
    >>> images = np.random.default_rng(0).integers(0, 256, (10, 4, 4, 3), np.uint8)
    >>> features = fit_feature_extractor(images, method="pixel").transform(images)
    >>> features.shape, features.min() >= -1, features.max() <= 1
    ((10, 48), np.True_, np.True_)
    """
    return FeatureExtractor(
        method,
        image_shape=image_shape,
        epochs=epochs,
        random_state=random_state,
    ).fit(X, y)


# ---------------------------------------------------------------------- score
def score_samples(
    real,
    fake,
    *,
    extractor=None,
    train=None,
    k=5,
    n_subsets=100,
    subset_size=1000,
    random_state=None,
):
    """All metrics of generated samples against real ones, in one dict.

    Parameters
    ----------
    real : array-like
        Real samples of one class: images ``(n, H, W[, C])``, flat rows, or
        features (with ``extractor=None``). With ``train``, these must be
        held-out samples, not used to train the GAN.
    fake : array-like
        Generated samples of that class, in the same layout, dtype and value
        range.
    extractor : None, 'pixel' or fitted FeatureExtractor, default=None
        None: ``real`` and ``fake`` are used as they are (flattened), for
        precomputed features. ``'pixel'``: pixels scaled to ``[-1, 1]`` with
        the value range of ``real``. A fitted :class:`FeatureExtractor` (or any
        object with ``transform``): its features.
    train : array-like, default=None
        The samples the GAN was trained on. When given, memorisation is
        measured with ``real`` as the held-out set.
    k : int, default=5
        Neighbourhood size of density and coverage.
    n_subsets, subset_size : int, default=100, 1000
        Subsets of :func:`kernel_distance`.
    random_state : int, RandomState instance or None, default=None
        Seeds the KID subsets.

    Returns
    -------
    dict
        ``fid``, ``kid``, ``kid_std``, ``density`` and ``coverage``; with
        ``train`` also ``memorisation_ratio``, ``memorised_fraction``,
        ``memorisation_fake_median`` and ``memorisation_heldout_median`` (see
        :class:`MemorisationResult`).

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.metrics import score_samples
    >>> rng = np.random.default_rng(0)
    >>> real = rng.uniform(0, 1, (200, 4, 4))
    >>> scores = score_samples(real, real, extractor="pixel", random_state=0)
    >>> sorted(scores)
    ['coverage', 'density', 'fid', 'kid', 'kid_std']
    >>> round(scores["fid"], 6), round(scores["coverage"], 2)
    (0.0, 1.0)
    """
    if extractor is None:

        def features(X, name):
            return _as_features(X, name)

    elif isinstance(extractor, str):
        if extractor != "pixel":
            raise ValueError(
                f"extractor must be None, 'pixel' or a fitted FeatureExtractor; "
                f"got {extractor!r}. For CNN features, fit one with "
                "fit_feature_extractor(X, y) on the real labelled images."
            )
        pixel = FeatureExtractor("pixel").fit(real)

        def features(X, name):
            return pixel.transform(X)

    elif hasattr(extractor, "transform"):

        def features(X, name):
            return extractor.transform(X)

    else:
        raise TypeError(
            "extractor must be None, 'pixel' or a fitted FeatureExtractor (an "
            f"object with transform); got {type(extractor).__name__}."
        )
    real_f = features(real, "real")
    fake_f = features(fake, "fake")
    kid, kid_std = kernel_distance(
        real_f,
        fake_f,
        n_subsets=n_subsets,
        subset_size=subset_size,
        return_std=True,
        random_state=random_state,
    )
    density, coverage = density_coverage(real_f, fake_f, k=k)
    scores = {
        "fid": frechet_distance(real_f, fake_f),
        "kid": kid,
        "kid_std": kid_std,
        "density": density,
        "coverage": coverage,
    }
    if train is not None:
        result = memorisation(features(train, "train"), fake_f, real_f)
        scores.update(
            memorisation_ratio=result.ratio,
            memorised_fraction=result.memorised_fraction,
            memorisation_fake_median=result.fake_median,
            memorisation_heldout_median=result.heldout_median,
        )
    return scores
