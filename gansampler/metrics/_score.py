"""Every metric of a set of generated samples at once."""

from ._distances import frechet_distance, kernel_distance
from ._extractor import FeatureExtractor
from ._feature_sets import as_features
from ._fidelity import density_coverage, precision_recall
from ._memorisation import memorisation

__all__ = ["score_samples"]


def _features(extractor, real):
    """``features(X, name)``: the features of a set, as ``extractor`` makes them."""
    if extractor is None:
        return as_features
    if isinstance(extractor, str):
        if extractor != "pixel":
            raise ValueError(
                f"extractor must be None, 'pixel' or a fitted FeatureExtractor; "
                f"got {extractor!r}. For CNN features, fit one with "
                "fit_feature_extractor(X, y) on the real labelled images."
            )
        extractor = FeatureExtractor("pixel").fit(real)
    elif not hasattr(extractor, "transform"):
        raise TypeError(
            "extractor must be None, 'pixel' or a fitted FeatureExtractor (an "
            f"object with transform); got {type(extractor).__name__}."
        )
    return lambda X, name: extractor.transform(X)


def score_samples(
    real,
    fake,
    *,
    extractor=None,
    train=None,
    k=5,
    precision_recall_k=3,
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
    precision_recall_k : int, default=3
        Neighbourhood size of precision and recall.
    n_subsets, subset_size : int, default=100, 1000
        Subsets of :func:`kernel_distance`.
    random_state : int, RandomState instance or None, default=None
        Seeds the KID subsets.

    Returns
    -------
    dict
        ``fid``, ``kid``, ``kid_std``, ``density``, ``coverage``,
        ``precision`` and ``recall``; with
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
    ['coverage', 'density', 'fid', 'kid', 'kid_std', 'precision', 'recall']
    >>> round(scores["fid"], 6), round(scores["coverage"], 2), scores["recall"]
    (0.0, 1.0, 1.0)
    """
    features = _features(extractor, real)
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
    precision, recall = precision_recall(real_f, fake_f, k=precision_recall_k)
    scores = {
        "fid": frechet_distance(real_f, fake_f),
        "kid": kid,
        "kid_std": kid_std,
        "density": density,
        "coverage": coverage,
        "precision": precision,
        "recall": recall,
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
