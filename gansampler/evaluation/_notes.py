"""What a reader of a comparison should know besides the means.

Which resamplers failed on which folds (and why), which left the classifier
at chance, which differences are within the noise of the folds, and the
cheapest resampler that no other beats. :meth:`ComparisonResult.format_notes`
prints them under the table.
"""

import math

import numpy as np

from ._scores import SCORE_LABELS
from ._statistics import corrected_resampled_ttest, why_untested

__all__ = [
    "NEAR_CHANCE_FRACTION",
    "aligned",
    "at_chance",
    "chance_threshold",
    "cheapest_unbeaten",
    "failures",
    "format_notes",
    "noise_verdicts",
]

#: A resampler is "at chance" when its mean balanced accuracy is less than this
#: fraction of the way from chance (1 / number of classes) to 1.
NEAR_CHANCE_FRACTION = 0.1

#: Longest error message quoted in the notes (``folds.csv`` keeps it whole).
_LONGEST_ERROR = 240


def failures(folds):
    """The folds each resampler failed on, grouped by error.

    Parameters
    ----------
    folds : pandas.DataFrame
        Rows as in :attr:`ComparisonResult.folds`.

    Returns
    -------
    dict
        ``{resampler: [(error, [(repeat, fold), ...]), ...]}`` (0-based
        repeat and fold) for the resamplers with a failed fold, in the order
        of ``folds``; each error once, with every fold it ended.
    """
    out = {}
    errors = folds["error"].fillna("").astype(str)
    for (name, repeat, fold), error in zip(
        folds[["resampler", "repeat", "fold"]].itertuples(index=False, name=None),
        errors,
        strict=True,
    ):
        if error:
            where = out.setdefault(name, {}).setdefault(error, [])
            where.append((int(repeat), int(fold)))
    return {name: list(by_error.items()) for name, by_error in out.items()}


def chance_threshold(n_classes, fraction=NEAR_CHANCE_FRACTION):
    """Chance balanced accuracy, ``1 / n_classes``, and the at-chance threshold.

    Returns ``(chance, threshold)`` with ``threshold = chance + fraction *
    (1 - chance)``: for 10 classes 0.1 and 0.19, for 2 classes 0.5 and 0.55.
    """
    chance = 1.0 / n_classes
    return chance, chance + fraction * (1.0 - chance)


def at_chance(table, n_classes, fraction=NEAR_CHANCE_FRACTION):
    """The resamplers whose classifier stayed at chance, by balanced accuracy.

    Balanced accuracy is the mean recall over the classes, so a classifier
    that guesses (or always answers one class) scores ``1 / n_classes`` on
    average. A resampler is at chance when its mean balanced accuracy over
    the scored folds is less than ``fraction`` of the way from there to 1:
    below ``1 / K + fraction * (1 - 1 / K)`` with ``K`` classes. This is a
    margin, not a test: a significance test against chance would call a
    classifier at 0.12 on ten classes "above chance" whenever its folds
    agree, though it is useless.

    Parameters
    ----------
    table : pandas.DataFrame
        As :attr:`ComparisonResult.table` (``balanced_accuracy_mean``).
    n_classes : int
        Classes of the data.
    fraction : float, default=NEAR_CHANCE_FRACTION
        The margin, as a fraction of the way from chance to 1.

    Returns
    -------
    list of str
        The names, in table order; a resampler that failed on every fold (no
        mean) is not among them.
    """
    _, threshold = chance_threshold(n_classes, fraction)
    means = table["balanced_accuracy_mean"].astype(float)
    return [str(name) for name, mean in means.items() if mean < threshold]


def noise_verdicts(
    folds, names, *, n_train, n_test, metric="balanced_accuracy", alpha=0.05
):
    """Each resampler against no resampling and against the best other one.

    Two resamplers are compared on the folds both scored, paired by repeat
    and fold, with the Nadeau-Bengio corrected resampled t-test
    (:func:`corrected_resampled_ttest`, two-sided); a difference counts when
    ``p < alpha``. The tests are not corrected for their number: with many
    resamplers, expect one "difference" in twenty by chance alone.

    Parameters
    ----------
    folds : pandas.DataFrame
        Rows as in :attr:`ComparisonResult.folds`.
    names : sequence of str
        The resamplers, in table order.
    n_train, n_test : float
        Training and test rows of one fold (for the test's correction).
    metric : str, default="balanced_accuracy"
        The score compared.
    alpha : float, default=0.05
        Significance level.

    Returns
    -------
    list of dict
        Per resampler, in table order: ``name``, ``mean`` (of ``metric``),
        ``vs_none`` and ``vs_best`` (None, or a comparison: ``other``,
        ``difference`` (this minus other, mean over the paired folds),
        ``p_value``, ``note`` (why the test gives no p-value, or ""),
        ``verdict``, "better", "worse" or "within noise", and ``identical``,
        whether the two scored the same on every fold), and ``beaten_by``:
        the resamplers significantly better than it.
    """
    scores = folds.set_index(["repeat", "fold", "resampler"])[metric].astype(float)
    scores = scores.unstack("resampler")
    means = {}
    for name in names:
        values = scores[name].to_numpy() if name in scores else np.array([])
        values = values[np.isfinite(values)]
        means[name] = float(values.mean()) if len(values) else math.nan
    scored = [n for n in names if np.isfinite(means[n])]

    def compare(name, other):
        d = (scores[name] - scores[other]).to_numpy(dtype=float)
        d = d[np.isfinite(d)]
        _, p = corrected_resampled_ttest(d, n_train, n_test)
        difference = float(d.mean()) if len(d) else math.nan
        if np.isfinite(p) and p < alpha:
            verdict = "better" if difference > 0 else "worse"
        else:
            verdict = "within noise"
        return {
            "other": other,
            "difference": difference,
            "p_value": p,
            "note": why_untested(d),
            "verdict": verdict,
            "identical": bool(len(d)) and bool(np.all(d == 0)),
        }

    rows = []
    for name in names:
        row = {"name": name, "mean": means[name], "vs_none": None, "vs_best": None}
        others = [n for n in scored if n != name]
        if name in scored:
            if "none" in scored and name != "none":
                row["vs_none"] = compare(name, "none")
            if others:
                best = max(others, key=lambda n: means[n])
                row["vs_best"] = compare(name, best)
        row["beaten_by"] = [
            other
            for other in others
            if name in scored and compare(name, other)["verdict"] == "worse"
        ]
        rows.append(row)
    return rows


def cheapest_unbeaten(rows, table):
    """The cheapest resampler (fit time per fold) that scored every fold, unbeaten.

    ``rows`` as :func:`noise_verdicts` returns them; None when no resampler
    qualifies.
    """
    candidates = [
        row["name"]
        for row in rows
        if np.isfinite(row["mean"])
        and not row["beaten_by"]
        and int(table.loc[row["name"], "n_failed"]) == 0
        and np.isfinite(table.loc[row["name"], "fit_time_mean"])
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda n: table.loc[n, "fit_time_mean"])


def _where(places, n_repeats):
    """``fold 2``, ``folds 1 and 3`` or ``repeat 1 fold 2, ...`` (1-based)."""
    if n_repeats > 1:
        parts = [f"repeat {r + 1} fold {f + 1}" for r, f in places]
        return ", ".join(parts)
    numbers = [str(f + 1) for _, f in places]
    if len(numbers) == 1:
        return f"fold {numbers[0]}"
    return f"folds {', '.join(numbers[:-1])} and {numbers[-1]}"


def _short(error):
    error = " ".join(error.split())
    if len(error) <= _LONGEST_ERROR:
        return error
    return error[: _LONGEST_ERROR - 1] + "…"


def aligned(rows):
    """Rows of cells as text, each column padded to its widest cell."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def format_notes(result, precision=3, alpha=0.05, metric="balanced_accuracy"):
    """The notes under a comparison's table, as text (see ``format_notes``)."""
    table, folds, params = result.table, result.folds, result.params or {}
    names = [str(n) for n in table.index]
    n_repeats = int(folds["repeat"].max()) + 1 if len(folds) else 1
    label = SCORE_LABELS.get(metric, metric)
    lines = []

    for name, errors in failures(folds).items():
        n_folds = int(table.loc[name, "n_folds"] + table.loc[name, "n_failed"])
        n_bad = sum(len(places) for _, places in errors)
        failed = folds[(folds["resampler"] == name) & (folds["error"].fillna("") != "")]
        given = failed[metric].to_numpy(dtype=float) if metric in failed else []
        if len(given) and np.all(np.isfinite(given)):  # a number as error_score
            scored = f"counted as {given[0]:g}, the error_score"
        elif n_bad == n_folds:
            scored = "no fold scored"
        else:
            scored = "averaged over the others"
        for error, places in errors:
            lines.append(
                f"{name} FAILED on {_where(places, n_repeats)} of {n_folds} "
                f"({scored}): {_short(error)}"
            )

    classes = params.get("classes")
    if classes is not None and len(classes) >= 2 and "balanced_accuracy_mean" in table:
        chance, threshold = chance_threshold(len(classes))
        for name in at_chance(table, len(classes)):
            mean = table.loc[name, "balanced_accuracy_mean"]
            lines.append(
                f"{name} is AT CHANCE: balanced accuracy {mean:.{precision}f}, where "
                f"guessing scores {chance:.{precision}f} ({len(classes)} classes); "
                f"it is flagged below {threshold:.{precision}f}, a tenth of the way "
                "from chance to 1: the classifier learned next to nothing behind it."
            )

    n_train, n_test = _fold_sizes(folds)
    scored = [n for n in names if np.isfinite(table.loc[n, f"{metric}_mean"])]
    if n_train and len(scored) >= 2:
        rows = noise_verdicts(
            folds, names, n_train=n_train, n_test=n_test, metric=metric, alpha=alpha
        )
        if lines:
            lines.append("")
        lines.append(
            f"Beyond the noise of the folds? Each resampler's {label} against no "
            "resampling and against the best other resampler;\na difference counts "
            f"at p < {alpha} (Nadeau-Bengio corrected t-test over the paired folds, "
            "not corrected for the number of tests):"
        )
        cells = []
        for row in rows:
            mean, vs_none, vs_best = row["mean"], row["vs_none"], row["vs_best"]
            if vs_best and vs_none and vs_best["other"] == "none":
                best = "(none is the best other)"
            else:
                best = _verdict(vs_best, precision, best=True) if vs_best else ""
            cells.append(
                [
                    f"  {row['name']}",
                    f"{mean:.{precision}f}" if np.isfinite(mean) else "n/a",
                    _verdict(vs_none, precision) if vs_none else "",
                    best,
                ]
            )
        lines.append(aligned(cells))
        cheapest = cheapest_unbeaten(rows, table)
        if cheapest is None:
            lines.append(
                "No resampler scored every fold without another beating it "
                f"significantly in {label}."
            )
        else:
            what = " (no resampling)" if cheapest == "none" else ""
            lines.append(
                f"Cheapest resampler that no other beats significantly: {cheapest}"
                f"{what}, fit {table.loc[cheapest, 'fit_time_mean']:.1f} s per fold "
                "(of those that scored every fold)."
            )
            lines.extend(_gap_to_highest(rows, cheapest, label, precision))
    return "\n".join(lines)


def _gap_to_highest(rows, cheapest, label, precision):
    """A line when the cheapest unbeaten resampler scores visibly below the top.

    Unbeaten means only that the folds cannot tell it from the others; a gap
    of several points that the test cannot see is still worth a reader's eye.
    """
    means = {row["name"]: row["mean"] for row in rows if np.isfinite(row["mean"])}
    highest = max(means, key=means.get)
    gap = means[highest] - means[cheapest]
    if round(gap, precision) <= 0:
        return []
    return [
        f"  Its {label} is {gap:.{precision}f} below the highest, {highest}'s "
        f"{means[highest]:.{precision}f}: a gap these folds cannot tell from noise, "
        "not a proof that the two are equal."
    ]


def _verdict(comparison, precision, best=False):
    """``better than smote (p=0.004)``, ``within noise of the best other, ...``."""
    other = comparison["other"]
    if best:
        other = f"the best other, {other}"
    p = comparison["p_value"]
    if comparison["identical"]:
        return f"the same as {other} on every fold"
    if not np.isfinite(p):
        return f"vs {other}: no test, {comparison['note'] or 'no p-value'}"
    text = {
        "better": "better than",
        "worse": "worse than",
        "within noise": "within noise of",
    }[comparison["verdict"]]
    return f"{text} {other} ({_p_text(p, precision)})"


def _p_text(p, precision):
    """``p=0.012``, or ``p<0.001`` where the digits would show 0."""
    smallest = 10.0**-precision
    return f"p<{smallest:.{precision}f}" if p < smallest else f"p={p:.{precision}f}"


def _fold_sizes(folds):
    """Mean training and test rows of one fold, or (None, None) if unrecorded."""
    if "n_train" not in folds or "n_test" not in folds or not len(folds):
        return None, None
    n_train = float(np.nanmean(folds["n_train"].to_numpy(dtype=float)))
    n_test = float(np.nanmean(folds["n_test"].to_numpy(dtype=float)))
    if not (np.isfinite(n_train) and n_train > 0 and np.isfinite(n_test)):
        return None, None
    return n_train, n_test
