"""Fidelity and diversity of generated samples from k-nearest-neighbour balls.

* :func:`density_coverage` (Naeem et al., 2020): how crowded the generated
  samples are where real ones are (density) and how many real neighbourhoods
  they reach (coverage);
* :func:`precision_recall` (Kynkäänniemi et al., 2019): the share of generated
  samples inside the real manifold (precision) and of real samples inside the
  generated one (recall).

Each manifold is the union of the balls that reach from each of its samples
to its ``k``-th nearest neighbour in the same set.
"""

from typing import NamedTuple

import numpy as np

from ._feature_sets import (
    check_int,
    distance_blocks,
    inside_any_ball,
    knn_radii,
    real_and_fake,
    row_blocks,
)

__all__ = [
    "DensityCoverage",
    "PrecisionRecall",
    "density_coverage",
    "precision_recall",
]


def _checked_sets(real_features, fake_features, k, *, min_fake, what):
    """Check ``k`` and both sets: more than ``k`` real samples, ``min_fake`` fakes."""
    k = check_int(k, "k", 1)
    real, fake = real_and_fake(
        real_features, fake_features, what, min_real=k + 1, min_fake=min_fake
    )
    return k, real, fake


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
    (diversity). Unlike precision and recall (:func:`precision_recall`), both
    are robust to outliers.

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
    coverage 1 exactly (the dot-product shortcut of
    ``sklearn.metrics.pairwise_distances`` rounds the two differently and
    counts some k-th neighbours inside their own ball).

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
    k, real, fake = _checked_sets(
        real_features,
        fake_features,
        k,
        min_fake=1,
        what=f"density and coverage with k={k} (k + 1 real samples)",
    )
    radii = knn_radii(real, k)
    inside, nearest_fake = 0, []
    for block, distances in zip(
        row_blocks(len(real), len(fake)), distance_blocks(real, fake), strict=True
    ):
        inside += int(np.count_nonzero(distances < radii[block, np.newaxis]))
        nearest_fake.append(distances.min(axis=1))
    density = inside / (k * len(fake))
    coverage = float(np.mean(np.concatenate(nearest_fake) < radii))
    return DensityCoverage(float(density), coverage)


class PrecisionRecall(NamedTuple):
    """Result of :func:`precision_recall`.

    Attributes
    ----------
    precision : float
        Fidelity: fraction of generated samples that lie in the real manifold
        (in at least one real sample's k-nearest-neighbour ball), in ``[0,
        1]``.
    recall : float
        Diversity: fraction of real samples that lie in the generated manifold
        (in at least one generated sample's k-nearest-neighbour ball), in
        ``[0, 1]``. A generator that covers only part of the real
        distribution, as in mode collapse, has low recall.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.metrics import precision_recall
    >>> real = np.random.default_rng(0).standard_normal((100, 2))
    >>> precision_recall(real, real)
    PrecisionRecall(precision=1.0, recall=1.0)
    >>> precision, recall = precision_recall(real, real + 100.0)
    >>> precision, recall
    (0.0, 0.0)
    """

    precision: float
    recall: float


def precision_recall(real_features, fake_features, k=3):
    """Improved precision and recall of generated samples (Kynkäänniemi et al., 2019).

    Each set's manifold is the union of balls around its samples, each ball
    reaching to the sample's ``k``-th nearest neighbour in the same set.
    Precision is the fraction of generated samples inside the real manifold
    (do they look real?); recall the fraction of real samples inside the
    generated manifold (is all of the real distribution produced?). A point
    on a ball's boundary counts as inside, as in the paper.

    Parameters
    ----------
    real_features : array-like of shape (n_real, n_features)
        Features of real samples (images are flattened), more than ``k``.
    fake_features : array-like of shape (n_fake, n_features)
        Features of generated samples, more than ``k``.
    k : int, default=3
        Neighbourhood size (the paper's default).

    Returns
    -------
    PrecisionRecall
        A named tuple ``(precision, recall)``.

    Raises
    ------
    ValueError
        If a set has ``k`` samples or fewer, the feature sizes differ, or a
        value is NaN or infinite.

    See Also
    --------
    density_coverage : Fidelity and diversity that outliers sway less.

    Notes
    -----
    One outlier makes a large ball: a generated outlier far from the real
    samples can raise recall, a real outlier precision. Compare sets of about
    the same size, in the features of one extractor, and with a real-versus-
    real baseline. Distances are computed exactly, in blocks, as for
    :func:`density_coverage`.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.metrics import precision_recall
    >>> rng = np.random.default_rng(0)
    >>> real = rng.standard_normal((500, 2))
    >>> collapsed = rng.normal(0.0, 0.01, (500, 2))   # all near one point
    >>> precision, recall = precision_recall(real, collapsed)
    >>> precision > 0.9, recall < 0.1
    (True, True)
    """
    k, real, fake = _checked_sets(
        real_features,
        fake_features,
        k,
        min_fake=k + 1,
        what=f"precision and recall with k={k} (k + 1 samples per set)",
    )
    precision = np.mean(inside_any_ball(fake, real, knn_radii(real, k)))
    recall = np.mean(inside_any_ball(real, fake, knn_radii(fake, k)))
    return PrecisionRecall(float(precision), float(recall))
