"""The resamplers of a comparison: the defaults, and their pipelines.

Each resampler is put in an :class:`imblearn.pipeline.Pipeline` in front of a
clone of the same classifier, so resampling happens during ``fit`` only, on
the training folds.
"""

__all__ = [
    "DEFAULT_RESAMPLERS",
    "NAMED_RESAMPLERS",
    "build_pipelines",
    "default_classifier",
    "default_resamplers",
]

DEFAULT_RESAMPLERS = ("none", "random_over", "smote", "adasyn", "random_under", "dcgan")

#: Every name :func:`default_resamplers` builds: the defaults, and
#: ``"dcgan_article"``, the sampler with the article's recipe
#: (:data:`gansampler.recipes.ARTICLE`).
NAMED_RESAMPLERS = (*DEFAULT_RESAMPLERS, "dcgan_article")


def default_resamplers(
    names=None,
    *,
    random_state=0,
    min_train_count=None,
    gan_params=None,
):
    """Build the default resamplers of :func:`compare_resamplers`.

    Parameters
    ----------
    names : sequence of str or None, default=None
        Which of ``"none"``, ``"random_over"``, ``"smote"``, ``"adasyn"``,
        ``"random_under"``, ``"dcgan"`` and ``"dcgan_article"`` (the sampler
        with :data:`gansampler.recipes.ARTICLE`) to build, in this order; None
        builds the first six (:data:`DEFAULT_RESAMPLERS`).
    random_state : int, default=0
        Seed given to every resampler.
    min_train_count : int or None, default=None
        Size of the smallest class in a training fold. When given, SMOTE's
        ``k_neighbors`` and ADASYN's ``n_neighbors`` are lowered from 5 to
        ``min_train_count - 1`` if needed (they need more neighbours than that).
    gan_params : dict or None, default=None
        Extra parameters of :class:`~gansampler.DCGANOverSampler` (``updates``,
        ``precision``, ...), for both DC-GAN resamplers.

    Returns
    -------
    dict
        Maps each name to an unfitted resampler, or to None for ``"none"``.

    Raises
    ------
    ValueError
        For an unknown name.

    Examples
    --------
    >>> from gansampler.evaluation import default_resamplers
    >>> sorted(default_resamplers(["smote", "none"]).items())  # doctest: +ELLIPSIS
    [('none', None), ('smote', SMOTE(...))]
    """
    from imblearn.over_sampling import ADASYN, SMOTE, RandomOverSampler
    from imblearn.under_sampling import RandomUnderSampler

    from .._sampler import DCGANOverSampler
    from ..recipes import ARTICLE

    names = list(DEFAULT_RESAMPLERS if names is None else names)
    unknown = [n for n in names if n not in NAMED_RESAMPLERS]
    if unknown:
        raise ValueError(
            f"unknown resampler name(s) {', '.join(map(repr, unknown))}; choose "
            f"from {', '.join(NAMED_RESAMPLERS)}."
        )
    k = 5
    if min_train_count is not None:
        k = max(1, min(5, int(min_train_count) - 1))
    builders = {
        "none": lambda: None,
        "random_over": lambda: RandomOverSampler(random_state=random_state),
        "smote": lambda: SMOTE(k_neighbors=k, random_state=random_state),
        "adasyn": lambda: ADASYN(n_neighbors=k, random_state=random_state),
        "random_under": lambda: RandomUnderSampler(random_state=random_state),
        "dcgan": lambda: DCGANOverSampler(
            random_state=random_state, **(gan_params or {})
        ),
        "dcgan_article": lambda: DCGANOverSampler(
            random_state=random_state, **{**ARTICLE, **(gan_params or {})}
        ),
    }
    return {name: builders[name]() for name in names}


def default_classifier(random_state):
    """The classifier of :func:`compare_resamplers` when none is given."""
    from ..classifiers import KerasImageClassifier

    return KerasImageClassifier(random_state=random_state)


def _with_image_shape(estimator, shape):
    """A clone of ``estimator``, given ``image_shape=shape`` if it takes one."""
    from sklearn.base import clone

    if estimator is None:
        return None
    estimator = clone(estimator)
    params = estimator.get_params(deep=False)
    if "image_shape" in params and params["image_shape"] is None:
        estimator.set_params(image_shape=shape)
    return estimator


def build_pipelines(
    resamplers, classifier, image_shape, *, memory, verbose, n_jobs=None
):
    """One imbalanced-learn Pipeline per resampler, in front of the classifier.

    Resamplers and the classifier are cloned and given ``image_shape`` where
    they take one (the images travel flat). With ``verbose >= 2`` both print
    their own progress (a resampler at its ``verbose=2``: the GAN's line per
    epoch); with ``verbose == 1`` and the folds run in this process
    (``n_jobs`` None or 1), a resampler that takes ``verbose`` shows its own
    progress bars (a bar per GAN class, with the time left) below the folds
    bar. ``None`` stands for no resampling.
    """
    from imblearn.pipeline import Pipeline
    from sklearn.base import clone

    classifier = _with_image_shape(classifier, image_shape)
    pipelines = {}
    for name, sampler in resamplers.items():
        sampler = _with_image_shape(sampler, image_shape)
        in_process = n_jobs in (None, 1)
        talking = {classifier: 1} if verbose >= 2 else {}
        if verbose >= 2 or (verbose >= 1 and in_process):
            talking[sampler] = min(verbose, 2)
        for estimator, level in talking.items():
            if estimator is not None and "verbose" in estimator.get_params(deep=False):
                estimator.set_params(verbose=level)
        steps = [] if sampler is None else [("resampler", sampler)]
        steps.append(("classifier", clone(classifier)))
        pipelines[name] = Pipeline(steps, memory=memory)
    return pipelines
