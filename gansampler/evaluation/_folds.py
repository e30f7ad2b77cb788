"""The folds of a comparison: one pipeline fitted and scored on one split."""

import contextlib
import math
import sys
import time
import warnings
from dataclasses import dataclass

import numpy as np

from .._progress import progress_bar
from ._scores import SCORES

__all__ = ["Data", "Progress", "Split", "fold_scores", "run_fold", "run_folds"]


@dataclass(frozen=True)
class Data:
    """The images and labels that every fold of a comparison draws from.

    Attributes
    ----------
    X : ndarray of float32, shape (n, H * W * C)
        The images, flat.
    y : ndarray of shape (n,)
        Their labels.
    image_shape : tuple of int
        ``(H, W, C)``.
    classes, counts : ndarray
        The sorted classes of ``y`` and their sizes.
    minority : object
        The smallest class (the first of equal ones).
    """

    X: np.ndarray
    y: np.ndarray
    image_shape: tuple
    classes: np.ndarray
    counts: np.ndarray
    minority: object


@dataclass(frozen=True)
class Split:
    """One train/test split of the repeated k-fold: which repeat, which fold."""

    repeat: int
    fold: int
    train: np.ndarray
    test: np.ndarray


def fold_scores(y_true, proba, classes, minority):
    """The :data:`SCORES` of one test fold, from its class probabilities.

    What :func:`compare_resamplers` records for each fold, for a script that
    fits its own models on the same splits.

    Parameters
    ----------
    y_true : ndarray of shape (n,)
        The test fold's labels.
    proba : ndarray of shape (n, n_classes)
        The classifier's probabilities, one column per class of ``classes``.
    classes : ndarray
        The sorted classes; the prediction is the class of the largest
        probability.
    minority : object
        The class whose recall is ``minority_recall``.

    Returns
    -------
    dict
        One float per name in :data:`SCORES`; ``roc_auc`` is NaN when it is
        undefined (a class missing from ``y_true``).

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.evaluation import fold_scores
    >>> proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    >>> scores = fold_scores(np.array([0, 1, 1, 1]), proba, np.array([0, 1]), 1)
    >>> round(scores["minority_recall"], 3), scores["roc_auc"]
    (0.667, 1.0)
    """
    from imblearn.metrics import geometric_mean_score
    from sklearn.metrics import (
        balanced_accuracy_score,
        f1_score,
        recall_score,
        roc_auc_score,
    )

    y_pred = classes[np.argmax(proba, axis=1)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = {
            "balanced_accuracy": balanced_accuracy_score(y_true, y_pred),
            "geometric_mean": geometric_mean_score(
                y_true, y_pred, labels=classes, average="multiclass"
            ),
            "macro_f1": f1_score(
                y_true, y_pred, labels=classes, average="macro", zero_division=0
            ),
            "minority_recall": recall_score(
                y_true, y_pred, labels=[minority], average="macro", zero_division=0
            ),
        }
        try:
            if len(classes) == 2:
                auc = roc_auc_score(y_true == classes[1], proba[:, 1])
            else:
                auc = roc_auc_score(
                    y_true, proba, multi_class="ovr", average="macro", labels=classes
                )
        except ValueError:
            auc = math.nan
    scores["roc_auc"] = auc
    return {k: float(v) for k, v in scores.items()}


def _aligned_proba(pipeline, X, classes):
    """Probabilities with one column per class of ``classes``, 0 where unseen."""
    proba = np.asarray(pipeline.predict_proba(X), dtype=np.float64)
    fitted = np.asarray(pipeline.classes_)
    if len(fitted) == len(classes) and np.array_equal(fitted, classes):
        return proba
    out = np.zeros((len(X), len(classes)))
    for j, label in enumerate(fitted):
        out[:, int(np.searchsorted(classes, label))] = proba[:, j]
    return out


def run_fold(name, pipeline, split, data, error_score, verbose=0):
    """Fit ``pipeline`` on the training part of ``split``, score it on the test part.

    Returns the fold's record (a row of ``ComparisonResult.folds``) and the
    fitted resampler (None without one). A fit or scoring that fails gives
    the record ``error`` and ``error_score`` as every score, with a warning
    unless ``verbose`` (the progress line then reports it); with
    ``error_score="raise"`` the error is raised.
    """
    X, y, train, test = data.X, data.y, split.train, split.test
    record = {
        "resampler": name,
        "repeat": split.repeat,
        "fold": split.fold,
        "n_train": len(train),
        "n_train_resampled": math.nan,
        "n_test": len(test),
        **dict.fromkeys(SCORES, math.nan),
        "fit_time": math.nan,
        "score_time": math.nan,
        "error": "",
    }
    try:
        start = time.perf_counter()
        pipeline.fit(X[train], y[train])
        record["fit_time"] = time.perf_counter() - start
        record["n_train_resampled"] = _n_resampled(pipeline, y[train])
        start = time.perf_counter()
        proba = _aligned_proba(pipeline, X[test], data.classes)
        record.update(fold_scores(y[test], proba, data.classes, data.minority))
        record["score_time"] = time.perf_counter() - start
    except Exception as exc:
        if isinstance(error_score, str) and error_score == "raise":
            raise
        record["error"] = f"{type(exc).__name__}: {exc}"
        if not verbose:  # with verbose, the progress line reports it
            warnings.warn(
                f"{name}, repeat {split.repeat + 1}, fold {split.fold + 1} failed "
                f"and is scored {error_score}: {record['error']}",
                UserWarning,
                # run_fold < its generator < run_folds < compare_resamplers <
                # the caller of compare_resamplers
                stacklevel=5,
            )
        for m in SCORES:
            record[m] = float(error_score)
    sampler = pipeline.steps[0][1] if len(pipeline.steps) > 1 else None
    return record, sampler


def _n_resampled(pipeline, y_train):
    """Training rows the classifier saw, from the fitted sampler's strategy."""
    if len(pipeline.steps) < 2:
        return len(y_train)
    sampler = pipeline.steps[0][1]
    strategy = getattr(sampler, "sampling_strategy_", None)
    kind = getattr(sampler, "_sampling_type", "")
    if not isinstance(strategy, dict):
        return math.nan
    if kind == "over-sampling":
        return len(y_train) + int(sum(strategy.values()))
    if kind == "under-sampling":
        labels, counts = np.unique(y_train, return_counts=True)
        count = dict(zip(labels.tolist(), counts.tolist(), strict=True))
        return len(y_train) - int(
            sum(count[k] - min(count[k], int(v)) for k, v in strategy.items())
        )
    return math.nan


def run_folds(pipelines, splits, data, *, error_score, n_jobs, verbose, on_record):
    """Run every pipeline on every split; returns the records and first-fold samplers.

    ``on_record(record)`` is called as soon as each fold is scored (with
    ``n_jobs`` above 1 in the order the folds finish). The records come back in
    the order of the splits, then of ``pipelines``; the samplers are those
    fitted on the first split, by name.
    """
    from joblib import Parallel, delayed
    from sklearn.base import clone

    tasks = [(name, split) for split in splits for name in pipelines]

    def fold(name, split):
        return (name, clone(pipelines[name]), split, data, error_score, verbose)

    if n_jobs in (None, 1):
        # A generator: each fold is reported as soon as it is scored.
        results = (run_fold(*fold(*task)) for task in tasks)
    else:
        # Each fold as soon as it is done, whatever the order.
        results = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
            delayed(run_fold)(*fold(*task)) for task in tasks
        )
    records, fitted = [], {}
    for record, sampler in results:
        records.append(record)
        if record["repeat"] == 0 and record["fold"] == 0:
            fitted[record["resampler"]] = sampler
        on_record(record)
    order = {name: i for i, name in enumerate(pipelines)}
    records.sort(key=lambda r: (r["repeat"], r["fold"], order[r["resampler"]]))
    return records, fitted


class Progress:
    """A comparison's progress on stderr (``verbose``): a bar and a line per fold.

    The bar of the folds, with the time left, is shown while :meth:`shown` is
    open; each scored (or failed) fold also gets a line above it.
    """

    def __init__(self, verbose, n_folds, n_splits, n_repeats):
        self.verbose = verbose
        self.n_folds = n_folds
        self.n_splits = n_splits
        self.n_repeats = n_repeats
        self.done = 0
        self._bar = None

    def say(self, message):
        """Print ``message`` on stderr when verbose."""
        if self.verbose:
            print(message, file=sys.stderr, flush=True)

    @contextlib.contextmanager
    def shown(self):
        """Show the bar of the folds inside the block."""
        show = bool(self.verbose)
        with progress_bar("folds", self.n_folds, unit="folds", show=show) as bar:
            self._bar = bar
            try:
                yield self
            finally:
                self._bar = None

    def fold_done(self, record):
        """Report one scored (or failed) fold."""
        self.done += 1
        name = record["resampler"]
        head = (
            f"[{self.done}/{self.n_folds}] repeat {record['repeat'] + 1}/"
            f"{self.n_repeats} fold {record['fold'] + 1}/{self.n_splits} {name}:"
        )
        if record["error"]:
            self.say(f"{head} FAILED ({record['error']})")
            note = f"{name} failed"
        else:
            self.say(
                f"{head} fit {record['fit_time']:.1f} s, balanced accuracy "
                f"{record['balanced_accuracy']:.3f}, macro-F1 "
                f"{record['macro_f1']:.3f}"
            )
            note = f"{name}: balanced accuracy {record['balanced_accuracy']:.3f}"
        if self._bar is not None:
            self._bar.advance(note=note)
