"""Statistics of per-fold scores: summaries and paired significance tests."""

import math
import warnings

import numpy as np

from ._scores import SCORES, SUMMARISED

__all__ = [
    "corrected_resampled_ttest",
    "paired_tests",
    "summarise",
    "summarise_folds",
    "wilcoxon_p",
]


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
        The statistic.
    p_value : float
        Two-sided p-value in [0, 1].

        Both are NaN with fewer than two differences, and when every
        difference is the same (zero variance: the statistic divides by zero,
        so the test says nothing; count the wins, ties and losses instead).
        :attr:`ComparisonResult.tests` says which in its ``note`` column.

    Examples
    --------
    >>> from gansampler.evaluation import corrected_resampled_ttest
    >>> t, p = corrected_resampled_ttest([0.02, 0.03, 0.01, 0.04, 0.02], 80, 20)
    >>> round(t, 2), round(p, 3)
    (3.14, 0.035)
    >>> corrected_resampled_ttest([0.02, 0.02, 0.02], 80, 20)  # zero variance
    (nan, nan)
    """
    from scipy import stats

    d = np.asarray(differences, dtype=np.float64)
    d = d[np.isfinite(d)]
    if why_untested(d):
        return math.nan, math.nan
    mean, var = float(d.mean()), float(d.var(ddof=1))
    t = mean / math.sqrt((1.0 / len(d) + n_test / n_train) * var)
    p = 2.0 * float(stats.t.sf(abs(t), df=len(d) - 1))
    return t, min(1.0, max(0.0, p))


def why_untested(differences):
    """Why the corrected t-test gives no p-value for these differences, or "".

    Parameters
    ----------
    differences : array-like of shape (J,)
        Per-fold score differences (NaN ones are left out, as the test does).

    Returns
    -------
    str
        ``"fewer than two scored folds"``, ``"the same difference on every
        fold (zero variance)"`` or ``""`` when the test applies.

    Examples
    --------
    >>> from gansampler.evaluation._statistics import why_untested
    >>> why_untested([0.1, 0.1, 0.1]), why_untested([0.1, 0.2])
    ('the same difference on every fold (zero variance)', '')
    """
    d = np.asarray(differences, dtype=np.float64)
    d = d[np.isfinite(d)]
    if len(d) < 2:
        return "fewer than two scored folds"
    if np.all(d == d[0]):
        return "the same difference on every fold (zero variance)"
    return ""


def wilcoxon_p(d):
    """Two-sided p-value of the Wilcoxon signed-rank test of paired differences."""
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
    for m in SUMMARISED:
        if m not in folds:
            folds[m] = math.nan
    if names is None:
        names = list(dict.fromkeys(folds["resampler"]))
    return summarise(folds, names)


def summarise(folds, names):
    """The summary table of ``folds``, one row per name in ``names``."""
    import pandas as pd

    rows = []
    for name in names:
        part = folds[folds["resampler"] == name]
        ok = part[part["error"] == ""]
        row = {"resampler": name}
        for m in SUMMARISED:
            # A failed fold carries error_score: a number counts, as in
            # scikit-learn's cross_validate (and in the paired tests); NaN,
            # the default, leaves it out.
            values = part[m].to_numpy(dtype=float)
            values = values[np.isfinite(values)]
            row[f"{m}_mean"] = float(values.mean()) if len(values) else math.nan
            row[f"{m}_std"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        row["n_folds"] = len(ok)
        row["n_failed"] = len(part) - len(ok)
        rows.append(row)
    return pd.DataFrame(rows).set_index("resampler")


def paired_tests(folds, names, reference, n_train, n_test):
    """The reference resampler against each other one, per score (``tests``)."""
    import pandas as pd

    columns = [
        "metric", "reference", "other", "mean_difference", "wins", "ties",
        "losses", "n_folds", "t_statistic", "p_value", "p_wilcoxon", "note",
    ]  # fmt: skip
    if reference is None or reference not in names:
        return pd.DataFrame(columns=columns)
    key = ["repeat", "fold"]
    ref = folds[folds["resampler"] == reference].set_index(key)
    rows = []
    for metric in SCORES:
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
                    "p_wilcoxon": wilcoxon_p(d),
                    "note": why_untested(d),
                }
            )
    return pd.DataFrame(rows, columns=columns)
