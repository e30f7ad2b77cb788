"""compare_resamplers: one classifier behind several resamplers, on the same folds."""

from numbers import Integral

import numpy as np

from .._images import to_nhwc, unit_float32
from ._folds import Data, Progress, Split, run_folds
from ._resamplers import build_pipelines, default_classifier, default_resamplers
from ._result import ComparisonResult
from ._statistics import paired_tests, summarise

__all__ = ["compare_resamplers"]


def compare_resamplers(
    X,
    y,
    *,
    classifier=None,
    resamplers=None,
    n_splits=5,
    n_repeats=1,
    random_state=0,
    image_shape=None,
    memory=None,
    reference="dcgan",
    error_score=np.nan,
    n_jobs=None,
    verbose=0,
    callback=None,
):
    """Cross-validate one classifier behind several resamplers on the same folds.

    Every resampler is put in an :class:`imblearn.pipeline.Pipeline` in front of
    a clone of the same ``classifier``; all pipelines are fitted and scored on
    the same :class:`~sklearn.model_selection.RepeatedStratifiedKFold` splits.
    Resampling happens only in the training folds; test folds keep their
    original, imbalanced class counts. Images are passed flat ``(n, H*W*C)``
    with ``image_shape`` set on the resamplers and the classifier that have
    such a parameter, so imbalanced-learn's 2-D samplers work on them.

    Scores per test fold: balanced accuracy (mean per-class recall), the
    geometric mean of the per-class recalls
    (:func:`imblearn.metrics.geometric_mean_score`), macro-F1, the recall of
    the smallest class of ``y`` (minority recall), macro one-vs-rest ROC-AUC
    (plain ROC-AUC for two classes) and the fit time. The reference resampler
    is compared with every other one, paired over the folds, with the
    Nadeau-Bengio corrected resampled t-test (the primary test; the folds of
    k-fold share training data, so a plain t-test would be too optimistic) and
    the Wilcoxon signed-rank test.

    Parameters
    ----------
    X : array-like of shape (n, H, W, C), (n, H, W) or (n, H*W*C)
        Images. uint8 values are scaled to ``[0, 1]`` float32 once, up front,
        so that every resampler and the classifier see the same values.
    y : array-like of shape (n,)
        Class labels.
    classifier : estimator or None, default=None
        A scikit-learn classifier with ``predict_proba``; None uses
        ``KerasImageClassifier(epochs=10, batch_size=32,
        random_state=random_state)``.
    resamplers : dict, sequence of str or None, default=None
        Maps names to resamplers (imbalanced-learn samplers; None means no
        resampling), or names of the defaults of :func:`default_resamplers`;
        None uses all six defaults: ``none``, ``random_over``, ``smote``,
        ``adasyn``, ``random_under`` and ``dcgan``, each seeded with
        ``random_state`` (SMOTE's and ADASYN's neighbours lowered when the
        smallest class of a training fold is very small).
    n_splits : int, default=5
        Folds per repetition.
    n_repeats : int, default=1
        Repetitions of the k-fold split with different shuffles.
    random_state : int, default=0
        Seeds the splits, the default resamplers and the default classifier.
    image_shape : tuple of int or None, default=None
        ``(H, W)`` or ``(H, W, C)`` when ``X`` is flat.
    memory : str, joblib.Memory or None, default=None
        Cache for the fitted resamplers (``Pipeline(memory=...)``): a rerun on
        the same data with the same parameters loads each fitted GAN from the
        cache instead of training it again.
    reference : str or None, default="dcgan"
        The resampler tested against every other one; None or a name not in
        ``resamplers`` gives an empty ``tests`` table.
    error_score : 'raise' or float, default=np.nan
        Score of a fold whose fit fails (e.g. ADASYN finding no neighbours);
        a warning names the error. A number counts in the means of ``table``
        and in ``tests`` (as in scikit-learn's ``cross_validate``); NaN
        leaves the fold out of both. 'raise' re-raises the error.
    n_jobs : int or None, default=None
        Folds run in parallel with joblib (None: one at a time).
    verbose : int, default=0
        1: a progress bar of the folds on stderr, with the time left (drawn
        in place on a terminal, written once when it ends elsewhere), and a
        line per scored fold; 2: also the resamplers' and the classifier's
        own progress.
    callback : callable or None, default=None
        Called with each fold's record (a dict, a row of ``folds``) as soon as
        it is scored (with ``n_jobs`` above 1 in the order the folds finish),
        e.g. to save partial results.

    Returns
    -------
    ComparisonResult
        ``table`` (mean and std per resampler), ``folds``, ``tests``,
        ``params``; ``to_csv``, ``to_json``, ``plot`` and ``format_table``.

    Examples
    --------
    Tiny settings, to show the calls (the defaults train far longer):

    >>> import numpy as np
    >>> from imblearn.over_sampling import SMOTE
    >>> from gansampler import DCGANOverSampler
    >>> from gansampler.classifiers import KerasImageClassifier
    >>> from gansampler.datasets import load_imbalanced_digits
    >>> from gansampler.evaluation import compare_resamplers
    >>> X, y = load_imbalanced_digits(return_X_y=True)
    >>> keep = np.isin(y, [0, 9])                    # 178 zeros, 18 nines
    >>> result = compare_resamplers(
    ...     X[keep], y[keep],
    ...     classifier=KerasImageClassifier(epochs=1, random_state=0),
    ...     resamplers={"smote": SMOTE(random_state=0),
    ...                 "dcgan": DCGANOverSampler(updates=1, random_state=0)},
    ...     n_splits=2,
    ... )
    >>> result.table.index.tolist(), result.table["n_folds"].tolist()
    (['smote', 'dcgan'], [2, 2])
    >>> sorted(set(result.tests["other"]))  # dcgan, the reference, against
    ['smote']
    >>> print(result.format_table(metrics=["balanced_accuracy"]).splitlines()[0])
    resampler  balanced accuracy  folds scored
    >>> figure = result.plot()  # or result.plot("comparison.png")
    """
    data = _checked_data(X, y, image_shape, n_splits)
    pipelines = build_pipelines(
        _resamplers(resamplers, random_state, data, n_splits),
        default_classifier(random_state) if classifier is None else classifier,
        data.image_shape,
        memory=memory,
        verbose=verbose,
        n_jobs=n_jobs,
    )
    splits = _splits(data, n_splits, n_repeats, random_state)
    progress = Progress(verbose, len(splits) * len(pipelines), n_splits, n_repeats)
    progress.say(
        f"compare_resamplers: {len(data.y)} images {data.image_shape}, "
        f"{len(data.classes)} classes, {n_splits}-fold x {n_repeats}, "
        f"resamplers: {', '.join(pipelines)}"
    )

    def on_record(record):
        progress.fold_done(record)
        if callback is not None:
            callback(dict(record))

    with progress.shown():
        records, fitted = run_folds(
            pipelines,
            splits,
            data,
            error_score=error_score,
            n_jobs=n_jobs,
            verbose=verbose,
            on_record=on_record,
        )
    params = _params(data, pipelines, n_splits, n_repeats, random_state)
    return _result(records, fitted, pipelines, splits, reference, params)


def _checked_data(X, y, image_shape, n_splits):
    """The images, flat float32 (uint8 scaled to [0, 1]), their labels and classes."""
    from sklearn.utils import assert_all_finite
    from sklearn.utils.multiclass import check_classification_targets

    images = to_nhwc(np.asarray(X), image_shape)
    flat = np.ascontiguousarray(unit_float32(images).reshape(len(images), -1))
    # Now, not as a failure of every fold that holds such an image.
    assert_all_finite(flat, input_name="X")
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != len(flat):
        raise ValueError(
            f"y must be 1-D with one label per image; X has {len(flat)} images, y has "
            f"shape {y.shape}."
        )
    check_classification_targets(y)
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise ValueError(f"y needs at least 2 classes, got {classes.tolist()}.")
    if not (isinstance(n_splits, Integral) and n_splits >= 2):
        raise ValueError(f"n_splits must be an int >= 2, got {n_splits!r}.")
    if counts.min() < n_splits:
        raise ValueError(
            f"the smallest class ({classes[np.argmin(counts)]!r}) has "
            f"{counts.min()} images, fewer than n_splits={n_splits}."
        )
    return Data(flat, y, images.shape[1:], classes, counts, classes[np.argmin(counts)])


def _resamplers(resamplers, random_state, data, n_splits):
    """``resamplers`` as a non-empty dict: names become default resamplers."""
    if resamplers is None or not isinstance(resamplers, dict):
        names = None if resamplers is None else list(resamplers)
        min_train = int(data.counts.min() * (n_splits - 1) // n_splits)
        resamplers = default_resamplers(
            names, random_state=random_state, min_train_count=min_train
        )
    if not resamplers:
        raise ValueError("resamplers is empty.")
    return resamplers


def _splits(data, n_splits, n_repeats, random_state):
    """The repeated stratified k-fold splits, every pipeline's the same."""
    from sklearn.model_selection import RepeatedStratifiedKFold

    cv = RepeatedStratifiedKFold(
        n_splits=n_splits, n_repeats=n_repeats, random_state=random_state
    )
    return [
        Split(i // n_splits, i % n_splits, train, test)
        for i, (train, test) in enumerate(cv.split(data.X, data.y))
    ]


def _params(data, pipelines, n_splits, n_repeats, random_state):
    """How the comparison was run, for ``ComparisonResult.params``."""
    minority = data.minority
    counts = zip(data.classes, data.counts, strict=True)
    return {
        "n_samples": len(data.y),
        "image_shape": list(data.image_shape),
        "classes": data.classes.tolist(),
        "class_counts": {str(c): int(n) for c, n in counts},
        "minority_class": minority.item() if hasattr(minority, "item") else minority,
        "n_splits": n_splits,
        "n_repeats": n_repeats,
        "random_state": random_state,
        "cv": "RepeatedStratifiedKFold",
        "significance_test": "Nadeau-Bengio corrected resampled t-test "
        "(p_value); Wilcoxon signed-rank (p_wilcoxon)",
        "classifier": repr(next(iter(pipelines.values())).steps[-1][1]),
        "resamplers": {
            name: repr(p.steps[0][1]) if len(p.steps) > 1 else None
            for name, p in pipelines.items()
        },
    }


def _result(records, fitted, pipelines, splits, reference, params):
    """The ComparisonResult of the scored folds: the summary and the tests."""
    import pandas as pd

    names = list(pipelines)
    folds = pd.DataFrame.from_records(records)
    n_train = int(np.mean([len(split.train) for split in splits]))
    n_test = int(np.mean([len(split.test) for split in splits]))
    return ComparisonResult(
        table=summarise(folds, names),
        folds=folds,
        tests=paired_tests(folds, names, reference, n_train, n_test),
        params=params,
        fitted_resamplers=fitted,
    )
