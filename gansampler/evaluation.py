"""Cross-validated comparison of resamplers in front of one image classifier.

:func:`compare_resamplers` puts each resampler (none, random over-sampling,
SMOTE, ADASYN, random under-sampling, :class:`~gansampler.DCGANOverSampler`) in
an :class:`imblearn.pipeline.Pipeline` in front of the *same* classifier and
scores every pipeline on the same repeated stratified k-fold splits. Resampling
happens only inside the training folds (the imbalanced-learn Pipeline applies
samplers during ``fit`` only); test folds are never resampled.

Images travel flat, ``(n, H * W * C)``, through every pipeline, so the
imbalanced-learn samplers (which need 2-D input) and the image models (which get
``image_shape``) see the same rows.
"""

from __future__ import annotations

import json
import math
import time
import warnings
from dataclasses import dataclass, field
from numbers import Integral

import numpy as np

__all__ = [
    "METRICS",
    "ComparisonResult",
    "compare_resamplers",
    "corrected_resampled_ttest",
    "default_resamplers",
    "summarise_folds",
]

#: Scores computed on every test fold, in the order of the result tables.
METRICS = (
    "balanced_accuracy",
    "geometric_mean",
    "macro_f1",
    "minority_recall",
    "roc_auc",
)

METRIC_LABELS = {
    "balanced_accuracy": "balanced accuracy",
    "geometric_mean": "G-mean of recalls",
    "macro_f1": "macro-F1",
    "minority_recall": "minority recall",
    "roc_auc": "macro ROC-AUC (ovr)",
    "fit_time": "fit time (s)",
}

DEFAULT_RESAMPLERS = ("none", "random_over", "smote", "adasyn", "random_under", "dcgan")


# ------------------------------------------------------------------ defaults
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
        ``"random_under"`` and ``"dcgan"`` to build, in this order; None builds
        all six.
    random_state : int, default=0
        Seed given to every resampler.
    min_train_count : int or None, default=None
        Size of the smallest class in a training fold. When given, SMOTE's
        ``k_neighbors`` and ADASYN's ``n_neighbors`` are lowered from 5 to
        ``min_train_count - 1`` if needed (they need more neighbours than that).
    gan_params : dict or None, default=None
        Extra parameters of :class:`~gansampler.DCGANOverSampler` (``epochs``,
        ``precision``, ...).

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

    from ._sampler import DCGANOverSampler

    names = list(DEFAULT_RESAMPLERS if names is None else names)
    unknown = [n for n in names if n not in DEFAULT_RESAMPLERS]
    if unknown:
        raise ValueError(
            f"unknown resampler name(s) {', '.join(map(repr, unknown))}; choose "
            f"from {', '.join(DEFAULT_RESAMPLERS)}."
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
    }
    return {name: builders[name]() for name in names}


def _default_classifier(random_state):
    from .classifiers import KerasImageClassifier

    return KerasImageClassifier(epochs=10, batch_size=32, random_state=random_state)


# ------------------------------------------------------------------ statistics
def corrected_resampled_ttest(differences, n_train, n_test):
    """Nadeau and Bengio's corrected resampled t-test of paired fold scores.

    The folds of (repeated) k-fold cross-validation share training data, so
    their scores are correlated and the plain paired t-test is far too
    optimistic. Nadeau and Bengio (2003) inflate the variance of the mean
    difference: ``t = mean(d) / sqrt((1 / J + n_test / n_train) * var(d))`` with
    ``J`` fold differences ``d`` and ``J - 1`` degrees of freedom (Bouckaert
    and Frank 2004 recommend it for repeated k-fold).

    Parameters
    ----------
    differences : array-like of shape (J,)
        Per-fold score differences of two models on the same splits.
    n_train, n_test : int
        Training and test set sizes of one fold.

    Returns
    -------
    t : float
        The statistic (NaN with fewer than two differences).
    p_value : float
        Two-sided p-value in [0, 1] (1 when every difference is 0, 0 when
        all are equal and non-zero).

    Examples
    --------
    >>> from gansampler.evaluation import corrected_resampled_ttest
    >>> t, p = corrected_resampled_ttest([0.02, 0.03, 0.01, 0.04, 0.02], 80, 20)
    >>> round(t, 2), round(p, 3)
    (3.14, 0.035)
    """
    from scipy import stats

    d = np.asarray(differences, dtype=np.float64)
    d = d[np.isfinite(d)]
    if len(d) < 2:
        return math.nan, math.nan
    mean, var = float(d.mean()), float(d.var(ddof=1))
    if var == 0.0:
        return (0.0, 1.0) if mean == 0.0 else (math.copysign(math.inf, mean), 0.0)
    t = mean / math.sqrt((1.0 / len(d) + n_test / n_train) * var)
    p = 2.0 * float(stats.t.sf(abs(t), df=len(d) - 1))
    return t, min(1.0, max(0.0, p))


def _wilcoxon_p(d):
    from scipy import stats

    d = np.asarray(d, dtype=np.float64)
    d = d[np.isfinite(d)]
    if len(d) == 0:
        return math.nan
    if np.all(d == 0):
        return 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return float(stats.wilcoxon(d, zero_method="zsplit").pvalue)
        except ValueError:
            return math.nan


# ------------------------------------------------------------------ result
@dataclass
class ComparisonResult:
    """What :func:`compare_resamplers` returns.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per resampler (index ``resampler``), columns ``<metric>_mean``
        and ``<metric>_std`` over the folds for every metric in :data:`METRICS`
        and ``fit_time``, plus ``n_folds`` (folds that were scored) and
        ``n_failed``.
    folds : pandas.DataFrame
        One row per resampler and fold: ``resampler``, ``repeat``, ``fold``,
        ``n_train`` (before resampling), ``n_train_resampled``, ``n_test``, the
        metrics, ``fit_time``, ``score_time`` and ``error`` (empty when the fold
        was scored).
    tests : pandas.DataFrame
        The reference resampler (``dcgan``) against each other one, per metric:
        ``metric``, ``reference``, ``other``, ``mean_difference`` (reference
        minus other), ``wins``/``ties``/``losses`` of the reference over the
        folds, ``t_statistic`` and ``p_value`` of the Nadeau-Bengio corrected
        resampled t-test (:func:`corrected_resampled_ttest`), and
        ``p_wilcoxon`` (Wilcoxon signed-rank test, two-sided; with 5 folds it
        cannot go below 0.0625).
    params : dict
        How the comparison was run (data shape, classes, counts, folds, seeds,
        resampler and classifier parameters).
    fitted_resamplers : dict
        Each resampler fitted on the training data of the first fold (None for
        ``"none"``), e.g. to draw images from the GAN's generators.

    See Also
    --------
    compare_resamplers : Makes it.

    Examples
    --------
    A result made by hand from per-fold scores (:func:`compare_resamplers`
    makes it for you):

    >>> import pandas as pd
    >>> from gansampler.evaluation import ComparisonResult, summarise_folds
    >>> folds = pd.DataFrame({
    ...     "resampler": ["none", "none", "smote", "smote"],
    ...     "error": ["", "", "", ""],
    ...     "balanced_accuracy": [0.70, 0.74, 0.90, 0.86]})
    >>> result = ComparisonResult(table=summarise_folds(folds), folds=folds,
    ...                           tests=None)
    >>> print(result.format_table(metrics=["balanced_accuracy"]))
    resampler  balanced accuracy  folds scored
    none       0.720 ± 0.028      2/2
    smote      0.880 ± 0.028      2/2
    """

    table: object
    folds: object
    tests: object
    params: dict = field(default_factory=dict)
    fitted_resamplers: dict = field(default_factory=dict, repr=False)

    def format_table(self, precision=3, metrics=None):
        """The table as text, each cell ``mean ± std``.

        The last column counts the folds that were scored (a resampler that
        failed on a fold, as ADASYN can, is averaged over the others).

        Parameters
        ----------
        precision : int, default=3
            Decimals of the scores (fit times get one).
        metrics : sequence of str or None, default=None
            Columns to show; None shows every metric and the fit time.

        Returns
        -------
        str
        """
        metrics = list(METRICS) + ["fit_time"] if metrics is None else list(metrics)
        rows = []
        for name, row in self.table.iterrows():
            cells = [str(name)]
            for m in metrics:
                digits = 1 if m == "fit_time" else precision
                mean, std = row[f"{m}_mean"], row[f"{m}_std"]
                cells.append(
                    "n/a"
                    if not np.isfinite(mean)
                    else f"{mean:.{digits}f} ± {std:.{digits}f}"
                )
            n_ok, n_failed = int(row["n_folds"]), int(row["n_failed"])
            cells.append(f"{n_ok}/{n_ok + n_failed}")
            rows.append(cells)
        header = ["resampler"] + [METRIC_LABELS.get(m, m) for m in metrics]
        header.append("folds scored")
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
        lines += [
            "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows
        ]
        return "\n".join(line.rstrip() for line in lines)

    def format_tests(self, precision=3):
        """The significance tests as text: one row per other resampler.

        Each cell is the mean difference (reference minus other) over the
        folds and, in brackets, the two-sided p-value of the Nadeau-Bengio
        corrected resampled t-test (the Wilcoxon p-values are in ``tests``).

        Parameters
        ----------
        precision : int, default=3
            Decimals of the differences and p-values.

        Returns
        -------
        str
        """
        if self.tests is None or len(self.tests) == 0:
            return "(no significance tests: no reference resampler)"
        others = list(dict.fromkeys(self.tests["other"]))
        header = ["vs"] + [METRIC_LABELS.get(m, m) for m in METRICS]
        rows = []
        for other in others:
            part = self.tests[self.tests["other"] == other].set_index("metric")
            cells = [str(other)]
            for m in METRICS:
                d, p = part.loc[m, "mean_difference"], part.loc[m, "p_value"]
                if not np.isfinite(d):
                    cells.append("n/a")
                elif not np.isfinite(p):
                    cells.append(f"{d:+.{precision}f}")
                else:
                    cells.append(f"{d:+.{precision}f} (p={p:.{precision}f})")
            rows.append(cells)
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        lines = [
            "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
            for r in [header, *rows]
        ]
        return "\n".join(lines)

    def to_csv(self, path, which="table"):
        """Write one of the tables as CSV.

        Parameters
        ----------
        path : str or path-like
            The file to write.
        which : {"table", "folds", "tests"}, default="table"
            Which table.

        Returns
        -------
        str
            ``path``.
        """
        if which not in ("table", "folds", "tests"):
            raise ValueError(
                f"which must be 'table', 'folds' or 'tests', got {which!r}."
            )
        frame = getattr(self, which)
        frame.to_csv(path, index=which == "table")
        return path

    def to_dict(self):
        """Everything but the fitted resamplers as plain JSON-able Python values."""

        def records(frame):
            return json.loads(frame.to_json(orient="records"))

        return {
            "params": _jsonable(self.params),
            "table": records(self.table.reset_index()),
            "tests": records(self.tests),
            "folds": records(self.folds),
        }

    def to_json(self, path=None, indent=2):
        """The result as JSON (params, table, tests, folds).

        Parameters
        ----------
        path : str, path-like or None, default=None
            Write the JSON here; None only returns it.
        indent : int, default=2
            Indentation.

        Returns
        -------
        str
            The JSON text.
        """
        text = json.dumps(self.to_dict(), indent=indent, allow_nan=False, default=str)
        if path is not None:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text + "\n")
        return text

    def plot(self, path=None, metrics=None, title=None):
        """Bar chart of every metric: one bar per resampler, std error bars.

        Parameters
        ----------
        path : str, path-like or None, default=None
            Write a PNG here.
        metrics : sequence of str or None, default=None
            Panels; None draws every metric and the fit time.
        title : str or None, default=None
            Figure title.

        Returns
        -------
        matplotlib.figure.Figure
        """
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        metrics = list(METRICS) + ["fit_time"] if metrics is None else list(metrics)
        names = [str(n) for n in self.table.index]
        n_cols = 3
        n_rows = math.ceil(len(metrics) / n_cols)
        fig = Figure(figsize=(4.2 * n_cols, 3.3 * n_rows), layout="constrained")
        FigureCanvasAgg(fig)
        colours = [f"C{i}" for i in range(len(names))]
        for i, metric in enumerate(metrics):
            ax = fig.add_subplot(n_rows, n_cols, i + 1)
            means = self.table[f"{metric}_mean"].to_numpy(dtype=float)
            stds = np.nan_to_num(self.table[f"{metric}_std"].to_numpy(dtype=float))
            ax.bar(names, np.nan_to_num(means), yerr=stds, capsize=3, color=colours)
            ax.set_title(METRIC_LABELS.get(metric, metric))
            ax.tick_params(axis="x", labelrotation=45)
            if metric != "fit_time":
                finite = means[np.isfinite(means)]
                low = (finite - stds[np.isfinite(means)]).min() if len(finite) else 0
                ax.set_ylim(max(0.0, min(0.9, low - 0.05)), 1.0)
            ax.grid(axis="y", alpha=0.3)
        if title:
            fig.suptitle(title)
        if path is not None:
            fig.savefig(path, dpi=110)
        return fig


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return repr(value)


# ------------------------------------------------------------------ scoring
def _scores(y_true, proba, classes, minority):
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
    proba = np.asarray(pipeline.predict_proba(X), dtype=np.float64)
    fitted = np.asarray(pipeline.classes_)
    if len(fitted) == len(classes) and np.array_equal(fitted, classes):
        return proba
    out = np.zeros((len(X), len(classes)))
    for j, label in enumerate(fitted):
        out[:, int(np.searchsorted(classes, label))] = proba[:, j]
    return out


def _run_fold(
    name,
    pipeline,
    X,
    y,
    train,
    test,
    classes,
    minority,
    repeat,
    fold,
    error_score,
    verbose=0,
):
    record = {
        "resampler": name,
        "repeat": repeat,
        "fold": fold,
        "n_train": len(train),
        "n_train_resampled": math.nan,
        "n_test": len(test),
        **dict.fromkeys(METRICS, math.nan),
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
        proba = _aligned_proba(pipeline, X[test], classes)
        record.update(_scores(y[test], proba, classes, minority))
        record["score_time"] = time.perf_counter() - start
    except Exception as exc:
        if isinstance(error_score, str) and error_score == "raise":
            raise
        record["error"] = f"{type(exc).__name__}: {exc}"
        if not verbose:  # with verbose, the progress line reports it
            warnings.warn(
                f"{name}, repeat {repeat + 1}, fold {fold + 1} failed and is "
                f"scored {error_score}: {record['error']}",
                UserWarning,
                stacklevel=3,
            )
        for m in METRICS:
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


# ------------------------------------------------------------------ main entry
def _flatten(X, image_shape):
    X = np.asarray(X)
    if X.ndim == 4:
        shape = X.shape[1:]
    elif X.ndim == 3:
        shape = (*X.shape[1:], 1)
    elif X.ndim == 2:
        if image_shape is None:
            raise ValueError(
                f"X is 2-D of shape {X.shape}; pass image_shape=(H, W) or (H, W, C), "
                "or X as (n, H, W) or (n, H, W, C)."
            )
        shape = tuple(int(v) for v in image_shape)
        if len(shape) == 2:
            shape = (*shape, 1)
        if int(np.prod(shape)) != X.shape[1]:
            raise ValueError(
                f"image_shape={tuple(image_shape)} does not match {X.shape[1]} "
                "features per row."
            )
    else:
        raise ValueError(
            f"X must be (n, H, W, C), (n, H, W) or flat (n, H*W*C); got {X.shape}."
        )
    flat = X.reshape(len(X), -1)
    if flat.dtype == np.uint8:
        flat = flat.astype(np.float32) / np.float32(255.0)
    elif not np.issubdtype(flat.dtype, np.floating):
        flat = flat.astype(np.float32)
    return np.ascontiguousarray(flat, dtype=np.float32), tuple(int(v) for v in shape)


def _with_image_shape(estimator, shape):
    if estimator is None:
        return None
    from sklearn.base import clone

    estimator = clone(estimator)
    params = estimator.get_params(deep=False)
    if "image_shape" in params and params["image_shape"] is None:
        estimator.set_params(image_shape=shape)
    return estimator


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
        a warning names the error. 'raise' re-raises it.
    n_jobs : int or None, default=None
        Folds run in parallel with joblib (None: one at a time).
    verbose : int, default=0
        1: one line per fitted fold on stderr; 2: also the resamplers' and
        classifier's own output.
    callback : callable or None, default=None
        Called with each fold's record (a dict, a row of ``folds``) as soon as
        it is scored (with ``n_jobs`` above 1 in the order the folds finish),
        e.g.
        to save partial results.

    Returns
    -------
    ComparisonResult
        ``table`` (mean and std per resampler), ``folds``, ``tests``,
        ``params``; ``to_csv``, ``to_json``, ``plot`` and ``format_table``.

    Examples
    --------
    Tiny settings, to show the calls (the defaults train for minutes):

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
    ...                 "dcgan": DCGANOverSampler(epochs=1, random_state=0)},
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
    import sys

    import pandas as pd
    from imblearn.pipeline import Pipeline
    from joblib import Parallel, delayed
    from sklearn.base import clone
    from sklearn.model_selection import RepeatedStratifiedKFold
    from sklearn.utils.multiclass import check_classification_targets

    Xf, shape = _flatten(X, image_shape)
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != len(Xf):
        raise ValueError(
            f"y must be 1-D with one label per image; X has {len(Xf)} images, y has "
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
    minority = classes[np.argmin(counts)]
    min_train = int(counts.min() * (n_splits - 1) // n_splits)

    if resamplers is None or not isinstance(resamplers, dict):
        names = None if resamplers is None else list(resamplers)
        resamplers = default_resamplers(
            names, random_state=random_state, min_train_count=min_train
        )
    if not resamplers:
        raise ValueError("resamplers is empty.")
    if classifier is None:
        classifier = _default_classifier(random_state)

    base_clf = _with_image_shape(classifier, shape)
    pipelines = {}
    for name, sampler in resamplers.items():
        sampler = _with_image_shape(sampler, shape)
        if verbose >= 2:
            for est in (sampler, base_clf):
                if est is not None and "verbose" in est.get_params(deep=False):
                    est.set_params(verbose=1)
        steps = [] if sampler is None else [("resampler", sampler)]
        steps.append(("classifier", clone(base_clf)))
        pipelines[name] = Pipeline(steps, memory=memory)

    cv = RepeatedStratifiedKFold(
        n_splits=n_splits, n_repeats=n_repeats, random_state=random_state
    )
    splits = list(cv.split(Xf, y))
    tasks = [
        (name, i // n_splits, i % n_splits, train, test)
        for i, (train, test) in enumerate(splits)
        for name in pipelines
    ]

    def log(message):
        if verbose:
            print(message, file=sys.stderr, flush=True)

    def describe(rec, k):
        head = (
            f"[{k}/{len(tasks)}] repeat {rec['repeat'] + 1}/{n_repeats} fold "
            f"{rec['fold'] + 1}/{n_splits} {rec['resampler']}:"
        )
        if rec["error"]:
            return f"{head} FAILED ({rec['error']})"
        return (
            f"{head} fit {rec['fit_time']:.1f} s, balanced accuracy "
            f"{rec['balanced_accuracy']:.3f}, macro-F1 {rec['macro_f1']:.3f}"
        )

    log(
        f"compare_resamplers: {len(Xf)} images {shape}, {len(classes)} classes, "
        f"{n_splits}-fold x {n_repeats}, resamplers: {', '.join(pipelines)}"
    )
    args = (Xf, y)
    records, fitted = [], {}

    def fold_args(name, rep, fold, train, test):
        return (
            name,
            clone(pipelines[name]),
            *args,
            train,
            test,
            classes,
            minority,
            rep,
            fold,
            error_score,
            verbose,
        )

    if n_jobs in (None, 1):
        # A generator: each fold is logged as soon as it is scored.
        results = (_run_fold(*fold_args(*task)) for task in tasks)
    else:
        # Each fold as soon as it is done, whatever the order.
        results = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
            delayed(_run_fold)(*fold_args(*task)) for task in tasks
        )
    for k, (rec, sampler) in enumerate(results, 1):
        records.append(rec)
        if rec["repeat"] == 0 and rec["fold"] == 0:
            fitted[rec["resampler"]] = sampler
        log(describe(rec, k))
        if callback is not None:
            callback(dict(rec))
    order = {name: i for i, name in enumerate(pipelines)}
    records.sort(key=lambda r: (r["repeat"], r["fold"], order[r["resampler"]]))

    folds = pd.DataFrame.from_records(records)
    table = _summarise(folds, list(pipelines))
    n_train = int(np.mean([len(tr) for tr, _ in splits]))
    n_test = int(np.mean([len(te) for _, te in splits]))
    tests = _paired_tests(folds, list(pipelines), reference, n_train, n_test)
    params = {
        "n_samples": len(Xf),
        "image_shape": list(shape),
        "classes": classes.tolist(),
        "class_counts": {str(c): int(n) for c, n in zip(classes, counts, strict=True)},
        "minority_class": minority.item() if hasattr(minority, "item") else minority,
        "n_splits": n_splits,
        "n_repeats": n_repeats,
        "random_state": random_state,
        "cv": "RepeatedStratifiedKFold",
        "significance_test": "Nadeau-Bengio corrected resampled t-test "
        "(p_value); Wilcoxon signed-rank (p_wilcoxon)",
        "classifier": repr(base_clf),
        "resamplers": {
            name: repr(p.steps[0][1]) if len(p.steps) > 1 else None
            for name, p in pipelines.items()
        },
    }
    return ComparisonResult(
        table=table, folds=folds, tests=tests, params=params, fitted_resamplers=fitted
    )


def summarise_folds(folds, names=None):
    """Mean and std per resampler of per-fold scores, as in ``table``.

    Useful for the folds of an interrupted run (``gansampler compare --out``
    writes them to ``folds.partial.csv`` as they finish).

    Parameters
    ----------
    folds : pandas.DataFrame
        Rows as in :attr:`ComparisonResult.folds`.
    names : sequence of str or None, default=None
        Resamplers in table order; None takes them in order of appearance.

    Returns
    -------
    pandas.DataFrame
        As :attr:`ComparisonResult.table`.

    Examples
    --------
    >>> import pandas as pd
    >>> from gansampler.evaluation import summarise_folds
    >>> folds = pd.DataFrame({"resampler": ["none", "none"], "error": ["", ""],
    ...                       "balanced_accuracy": [0.5, 0.7]})
    >>> summarise_folds(folds).loc["none", "balanced_accuracy_mean"]
    np.float64(0.6)
    """
    folds = folds.copy()
    folds["error"] = folds["error"].fillna("").astype(str)
    for m in (*METRICS, "fit_time"):
        if m not in folds:
            folds[m] = math.nan
    if names is None:
        names = list(dict.fromkeys(folds["resampler"]))
    return _summarise(folds, names)


def _summarise(folds, names):
    import pandas as pd

    rows = []
    for name in names:
        part = folds[folds["resampler"] == name]
        ok = part[part["error"] == ""]
        row = {"resampler": name}
        for m in (*METRICS, "fit_time"):
            values = ok[m].to_numpy(dtype=float)
            values = values[np.isfinite(values)]
            row[f"{m}_mean"] = float(values.mean()) if len(values) else math.nan
            row[f"{m}_std"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        row["n_folds"] = len(ok)
        row["n_failed"] = len(part) - len(ok)
        rows.append(row)
    return pd.DataFrame(rows).set_index("resampler")


def _paired_tests(folds, names, reference, n_train, n_test):
    import pandas as pd

    columns = [
        "metric", "reference", "other", "mean_difference", "wins", "ties",
        "losses", "n_folds", "t_statistic", "p_value", "p_wilcoxon",
    ]  # fmt: skip
    if reference is None or reference not in names:
        return pd.DataFrame(columns=columns)
    key = ["repeat", "fold"]
    ref = folds[folds["resampler"] == reference].set_index(key)
    rows = []
    for metric in METRICS:
        for other in names:
            if other == reference:
                continue
            oth = folds[folds["resampler"] == other].set_index(key)
            d = (ref[metric] - oth[metric]).to_numpy(dtype=float)
            d = d[np.isfinite(d)]
            t, p = corrected_resampled_ttest(d, n_train, n_test)
            rows.append(
                {
                    "metric": metric,
                    "reference": reference,
                    "other": other,
                    "mean_difference": float(d.mean()) if len(d) else math.nan,
                    "wins": int(np.sum(d > 0)),
                    "ties": int(np.sum(d == 0)),
                    "losses": int(np.sum(d < 0)),
                    "n_folds": len(d),
                    "t_statistic": t,
                    "p_value": p,
                    "p_wilcoxon": _wilcoxon_p(d),
                }
            )
    return pd.DataFrame(rows, columns=columns)
