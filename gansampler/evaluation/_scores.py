"""The scores of a comparison: their names, in table order, and their labels."""

__all__ = ["SCORES", "SCORE_LABELS", "SUMMARISED"]

#: Scores computed on every test fold, in the order of the result tables.
SCORES = (
    "balanced_accuracy",
    "geometric_mean",
    "macro_f1",
    "minority_recall",
    "roc_auc",
)

#: What tables, plots and progress lines call each score and the fit time.
SCORE_LABELS = {
    "balanced_accuracy": "balanced accuracy",
    "geometric_mean": "G-mean of recalls",
    "macro_f1": "macro-F1",
    "minority_recall": "minority recall",
    "roc_auc": "macro ROC-AUC (ovr)",
    "fit_time": "fit time (s)",
}

#: The per-fold values that the summary table averages: the scores and the
#: fit time.
SUMMARISED = (*SCORES, "fit_time")
