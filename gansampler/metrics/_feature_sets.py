"""Sets of feature vectors: validation and exact, blockwise Euclidean distances.

What every metric shares: each set is checked and flattened to a float64
array ``(n_samples, n_features)``, and distances between sets are computed in
row blocks of bounded size with :func:`scipy.spatial.distance.cdist`.
"""

from numbers import Integral

import numpy as np
from scipy.spatial.distance import cdist

__all__ = [
    "as_feature_sets",
    "as_features",
    "check_int",
    "distance_blocks",
    "inside_any_ball",
    "knn_radii",
    "nearest",
    "real_and_fake",
    "row_blocks",
]

# Blocks of pairwise distances hold at most this many values (32 MiB).
DISTANCE_BLOCK = 2**22


def row_blocks(n_rows, n_columns):
    """Slices of rows such that each block of distances stays small."""
    step = max(1, DISTANCE_BLOCK // max(n_columns, 1))
    return [slice(start, start + step) for start in range(0, n_rows, step)]


def distance_blocks(A, B):
    """Euclidean distances from the rows of A to those of B, in row blocks.

    ``scipy.spatial.distance.cdist`` computes each pair the same way whatever
    the other rows are, so a distance compared with another one computed from
    other blocks (a radius) gives the same result for the same pair: ties stay
    ties and exact copies are at distance exactly 0.
    """
    for block in row_blocks(len(A), len(B)):
        yield cdist(A[block], B)


def nearest(A, B):
    """Distance from each row of A to its nearest row of B, and that row."""
    distances, indices = [], []
    for d in distance_blocks(A, B):
        index = np.argmin(d, axis=1)
        indices.append(index)
        distances.append(d[np.arange(len(d)), index])
    return np.concatenate(distances), np.concatenate(indices)


def knn_radii(X, k):
    """Distance of each row of X to its ``k``-th nearest other row.

    The radius of the row's k-nearest-neighbour ball; the row itself, its own
    0-th neighbour, is not counted.
    """
    return np.concatenate(
        [np.partition(d, k, axis=1)[:, k] for d in distance_blocks(X, X)]
    )


def inside_any_ball(points, centres, radii):
    """Whether each point lies in (on or within) the ball of at least one centre."""
    return np.concatenate(
        [(d <= radii).any(axis=1) for d in distance_blocks(points, centres)]
    )


def as_features(X, name, *, min_samples=1, what="this metric"):
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


def as_feature_sets(arrays, names, *, min_samples, what):
    """Validate several sets and check that they have the same feature size."""
    sets = [
        as_features(X, name, min_samples=m, what=what)
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


def real_and_fake(real_features, fake_features, what, *, min_real=2, min_fake=2):
    """The real and the generated features, validated as :func:`as_feature_sets`."""
    return as_feature_sets(
        (real_features, fake_features),
        ("real_features", "fake_features"),
        min_samples=(min_real, min_fake),
        what=what,
    )


def check_int(value, name, low):
    """``value`` as an int ``>= low``; booleans are refused."""
    if not isinstance(value, Integral) or isinstance(value, bool) or value < low:
        raise ValueError(f"{name} must be an int >= {low}; got {value!r}.")
    return int(value)
