"""The result of a comparison: its tables, as text, CSV, JSON and a plot."""

import json
import math
from dataclasses import dataclass, field

import numpy as np

from .._files import write_atomically
from ..plotting import save_figure
from ._notes import aligned, format_notes
from ._scores import SCORE_LABELS, SCORES, SUMMARISED

__all__ = ["ComparisonResult"]


@dataclass
class ComparisonResult:
    """What :func:`compare_resamplers` returns.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per resampler (index ``resampler``), columns ``<score>_mean``
        and ``<score>_std`` over the folds for every score in :data:`SCORES`
        and ``fit_time``, plus ``n_folds`` (folds that were scored) and
        ``n_failed``. A failed fold counts with ``error_score`` when that is a
        number (as in scikit-learn's ``cross_validate``, and as in ``tests``);
        with NaN, the default, it is left out.
    folds : pandas.DataFrame
        One row per resampler and fold: ``resampler``, ``repeat``, ``fold``,
        ``n_train`` (before resampling), ``n_train_resampled``, ``n_test``, the
        scores, ``fit_time``, ``score_time`` and ``error`` (empty when the fold
        was scored).
    tests : pandas.DataFrame
        The reference resampler (``dcgan``) against each other one, per score:
        ``metric`` (the score), ``reference``, ``other``, ``mean_difference`` (reference
        minus other), ``wins``/``ties``/``losses`` of the reference over the
        folds, ``t_statistic`` and ``p_value`` of the Nadeau-Bengio corrected
        resampled t-test (:func:`corrected_resampled_ttest`), ``p_wilcoxon``
        (Wilcoxon signed-rank test, two-sided; with 5 folds it cannot go
        below 0.0625), and ``note``: why the t-test gives no p-value (NaN),
        e.g. "the same difference on every fold (zero variance)", or "".
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
            Columns to show; None shows every score and the fit time.

        Returns
        -------
        str
        """
        metrics = list(SUMMARISED) if metrics is None else list(metrics)
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
        header = ["resampler"] + [SCORE_LABELS.get(m, m) for m in metrics]
        header.append("folds scored")
        return aligned([header, *rows])

    def format_tests(self, precision=3):
        """The significance tests as text: one row per other resampler.

        Each cell is the mean difference (reference minus other) over the
        folds and, in brackets, the two-sided p-value of the Nadeau-Bengio
        corrected resampled t-test (the Wilcoxon p-values are in ``tests``);
        ``p=n/a*`` marks a test that could not be made, with the reason
        below the table.

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
        header = ["vs"] + [SCORE_LABELS.get(m, m) for m in SCORES]
        rows, reasons = [], {}
        for other in others:
            part = self.tests[self.tests["other"] == other].set_index("metric")
            cells = [str(other)]
            for m in SCORES:
                d, p = part.loc[m, "mean_difference"], part.loc[m, "p_value"]
                note = part.loc[m, "note"] if "note" in part else ""
                if not np.isfinite(d):
                    cells.append("n/a")
                elif np.isfinite(p):
                    cells.append(f"{d:+.{precision}f} (p={p:.{precision}f})")
                elif note:
                    mark = reasons.setdefault(note, "*" * (len(reasons) + 1))
                    cells.append(f"{d:+.{precision}f} (p=n/a{mark})")
                else:
                    cells.append(f"{d:+.{precision}f}")
            rows.append(cells)
        notes = [f"{mark} no t-test: {note}" for note, mark in reasons.items()]
        return "\n".join([aligned([header, *rows]), *notes])

    def format_notes(self, precision=3, alpha=0.05):
        """What the table alone does not say, as text for under it.

        * Each resampler that failed on folds: on which (1-based) and the
          error, one line per distinct error (``folds`` has them all).
        * Each resampler that left the classifier at chance: mean balanced
          accuracy below ``1 / K + 0.1 * (1 - 1 / K)`` with ``K`` classes,
          a tenth of the way from guessing to perfect (see
          :func:`~gansampler.evaluation._notes.at_chance`; a margin, not a
          test).
        * Whether each resampler's balanced accuracy differs from no
          resampling (``none``) and from the best other resampler, at
          ``p < alpha`` by the Nadeau-Bengio corrected resampled t-test over
          the paired folds (two-sided; not corrected for the number of tests),
          and the cheapest resampler (lowest mean fit time per fold) among
          those that scored every fold and that no other beats significantly,
          with how far its mean lies below the highest mean when it does:
          unbeaten means the folds cannot tell them apart, not that they are
          equal.

        Parameters
        ----------
        precision : int, default=3
            Decimals of scores and p-values.
        alpha : float, default=0.05
            Significance level.

        Returns
        -------
        str
            Lines of text; "" when there is nothing to say (a single
            resampler that never failed and is above chance).

        Examples
        --------
        >>> import pandas as pd
        >>> from gansampler.evaluation import ComparisonResult, summarise_folds
        >>> folds = pd.DataFrame({
        ...     "resampler": ["none"] * 3 + ["smote"] * 3 + ["random_under"] * 3,
        ...     "repeat": 0, "fold": [0, 1, 2] * 3, "n_train": 80, "n_test": 40,
        ...     "balanced_accuracy": [0.70, 0.73, 0.71, 0.80, 0.84, 0.82,
        ...                           0.26, 0.27, 0.24],
        ...     "fit_time": [1.0] * 3 + [1.5] * 3 + [0.8] * 3, "error": ""})
        >>> result = ComparisonResult(table=summarise_folds(folds), folds=folds,
        ...                           tests=None, params={"classes": [0, 1, 2, 3]})
        >>> print(result.format_notes())  # doctest: +NORMALIZE_WHITESPACE
        random_under is AT CHANCE: balanced accuracy 0.257, where guessing scores
        0.250 (4 classes); it is flagged below 0.325, a tenth of the way from
        chance to 1: the classifier learned next to nothing behind it.
        <BLANKLINE>
        Beyond the noise of the folds? Each resampler's balanced accuracy against
        no resampling and against the best other resampler;
        a difference counts at p < 0.05 (Nadeau-Bengio corrected t-test over the
        paired folds, not corrected for the number of tests):
          none          0.713                              worse than the best other,
          smote (p=0.002)
          smote         0.820  better than none (p=0.002)  (none is the best other)
          random_under  0.257  worse than none (p<0.001)   worse than the best other,
          smote (p=0.001)
        Cheapest resampler that no other beats significantly: smote, fit 1.5 s per
        fold (of those that scored every fold).
        """
        return format_notes(self, precision=precision, alpha=alpha)

    def to_csv(self, path, which="table"):
        """Write one of the tables as CSV.

        Parameters
        ----------
        path : str or path-like
            The file to write (atomically: complete or not at all).
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
        text = getattr(self, which).to_csv(index=which == "table")
        write_atomically(path, lambda file: file.write(text), mode="w")
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
            Write the JSON here (atomically); None only returns it.
        indent : int, default=2
            Indentation.

        Returns
        -------
        str
            The JSON text.
        """
        text = json.dumps(self.to_dict(), indent=indent, allow_nan=False, default=str)
        if path is not None:
            write_atomically(path, lambda file: file.write(text + "\n"), mode="w")
        return text

    def plot(self, path=None, metrics=None, title=None):
        """Bar chart of every score: one bar per resampler, std error bars.

        Parameters
        ----------
        path : str, path-like or None, default=None
            Write the figure here (atomically; PNG unless the suffix names
            another format).
        metrics : sequence of str or None, default=None
            Panels; None draws every score and the fit time.
        title : str or None, default=None
            Figure title.

        Returns
        -------
        matplotlib.figure.Figure
        """
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        metrics = list(SUMMARISED) if metrics is None else list(metrics)
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
            ax.set_title(SCORE_LABELS.get(metric, metric))
            ax.tick_params(axis="x", labelrotation=45)
            if metric != "fit_time":
                finite = means[np.isfinite(means)]
                low = (finite - stds[np.isfinite(means)]).min() if len(finite) else 0
                ax.set_ylim(max(0.0, min(0.9, low - 0.05)), 1.0)
            ax.grid(axis="y", alpha=0.3)
        if title:
            fig.suptitle(title)
        if path is not None:
            save_figure(fig, path, dpi=110)
        return fig


def _jsonable(value):
    """``value`` as plain JSON-able Python: NaN becomes None, others their repr."""
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
