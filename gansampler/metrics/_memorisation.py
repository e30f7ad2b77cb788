"""Memorisation: are generated samples copies of training samples?"""

import warnings
from dataclasses import dataclass, field
from numbers import Real

import numpy as np

from ._feature_sets import as_feature_sets, nearest

__all__ = ["MemorisationResult", "memorisation"]


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
    train, fake, heldout = as_feature_sets(
        (train_features, fake_features, heldout_features),
        ("train_features", "fake_features", "heldout_features"),
        min_samples=(1, 1, 1),
        what="memorisation",
    )
    if not (isinstance(quantile, Real) and 0 <= quantile <= 1):
        raise ValueError(f"quantile must be a float in [0, 1]; got {quantile!r}.")
    fake_distances, nearest_train = nearest(fake, train)
    heldout_distances = nearest(heldout, train)[0]
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
        nearest_train=nearest_train,
    )
