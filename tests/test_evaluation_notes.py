"""The notes under a comparison's table: failures, chance, noise, cost."""

import numpy as np
import pandas as pd
import pytest

from gansampler.evaluation import (
    ComparisonResult,
    corrected_resampled_ttest,
    summarise_folds,
)

ADASYN_ERROR = (
    "RuntimeError: Not any neigbours belong to the majority class. This case will "
    "induce a NaN case with a division by zero. ADASYN is not suited for this "
    "specific dataset. Use SMOTE instead."
)


def make_result(scores, *, n_classes=10, fit_time=None, errors=None, n_repeats=1):
    """A result from per-fold balanced accuracies: ``{name: [fold scores]}``.

    ``errors`` maps ``(name, index of the fold)`` to an error; that fold's
    scores are NaN, as compare_resamplers leaves them by default.
    """
    errors = errors or {}
    rows = []
    for name, values in scores.items():
        n_splits = len(values) // n_repeats
        for i, value in enumerate(values):
            error = errors.get((name, i), "")
            rows.append(
                {
                    "resampler": name,
                    "repeat": i // n_splits,
                    "fold": i % n_splits,
                    "n_train": 80,
                    "n_test": 40,
                    "balanced_accuracy": np.nan if error else value,
                    "fit_time": np.nan if error else (fit_time or {}).get(name, 1.0),
                    "error": error,
                }
            )
    folds = pd.DataFrame(rows)
    return ComparisonResult(
        table=summarise_folds(folds),
        folds=folds,
        tests=None,
        params={"classes": list(range(n_classes))},
    )


def test_a_failed_fold_is_named_with_its_error():
    result = make_result(
        {"none": [0.7, 0.72, 0.71], "adasyn": [0.8, 0.81, 0.79]},
        errors={("adasyn", 1): ADASYN_ERROR},
    )
    notes = result.format_notes().splitlines()
    assert (
        f"adasyn FAILED on fold 2 of 3 (averaged over the others): {ADASYN_ERROR}"
        in notes
    )
    assert not any(line.startswith("none FAILED") for line in notes)


def test_failures_with_repeats_and_several_errors():
    result = make_result(
        {"none": [0.7, 0.72, 0.71, 0.7], "smote": [0.8, 0.81, 0.79, 0.8]},
        errors={("smote", 0): "ValueError: a", ("smote", 3): "ValueError: a",
                ("smote", 2): "RuntimeError: b"},
        n_repeats=2,
    )  # fmt: skip
    notes = result.format_notes().splitlines()
    assert (
        "smote FAILED on repeat 1 fold 1, repeat 2 fold 2 of 4 (averaged over the "
        "others): ValueError: a" in notes
    )
    assert (
        "smote FAILED on repeat 2 fold 1 of 4 (averaged over the others): "
        "RuntimeError: b" in notes
    )


def test_a_failed_fold_counted_with_a_numeric_error_score():
    result = make_result(
        {"none": [0.7, 0.72, 0.71], "adasyn": [0.8, 0.81, 0.79]},
        errors={("adasyn", 0): ADASYN_ERROR},
    )
    failed = result.folds["error"] != ""
    result.folds.loc[failed, "balanced_accuracy"] = 0.0  # error_score=0
    assert "adasyn FAILED on fold 1 of 3 (counted as 0, the error_score): " in (
        result.format_notes()
    )


def test_a_resampler_that_failed_everywhere():
    result = make_result(
        {"none": [0.7, 0.72], "adasyn": [0.8, 0.8]},
        errors={("adasyn", 0): ADASYN_ERROR, ("adasyn", 1): ADASYN_ERROR},
    )
    notes = result.format_notes()
    assert f"adasyn FAILED on folds 1 and 2 of 2 (no fold scored): {ADASYN_ERROR}" in (
        notes
    )
    # Nothing to compare: no noise line for it, none alone has no comparison.
    assert "Beyond the noise" not in notes


@pytest.mark.parametrize(
    "n_classes, mean, flagged",
    [
        (10, 0.122, True),  # the digits' random under-sampling
        (10, 0.189, True),  # below 0.1 + 0.1 * 0.9 = 0.19
        (10, 0.191, False),
        (2, 0.54, True),  # below 0.5 + 0.1 * 0.5 = 0.55
        (2, 0.56, False),
    ],
)
def test_at_chance_is_a_tenth_of_the_way_from_guessing_to_perfect(
    n_classes, mean, flagged
):
    result = make_result(
        {"none": [0.9, 0.92, 0.91], "random_under": [mean - 0.01, mean, mean + 0.01]},
        n_classes=n_classes,
    )
    notes = result.format_notes()
    assert ("random_under is AT CHANCE" in notes) is flagged
    assert "none is AT CHANCE" not in notes
    if flagged:
        chance = 1 / n_classes
        assert (
            f"random_under is AT CHANCE: balanced accuracy {mean:.3f}, where guessing "
            f"scores {chance:.3f} ({n_classes} classes)" in notes
        )


def _line(notes, name):
    (line,) = [x for x in notes.splitlines() if x.startswith(f"  {name} ")]
    return " ".join(line.split())


def test_each_resampler_against_none_and_the_best_other():
    scores = {
        "none": [0.70, 0.72, 0.69, 0.71, 0.70],
        "random_over": [0.80, 0.83, 0.78, 0.82, 0.79],  # better than none
        "smote": [0.81, 0.82, 0.80, 0.80, 0.82],  # the best
        "dcgan": [0.72, 0.69, 0.73, 0.70, 0.72],  # none's level: within noise
    }
    notes = make_result(scores).format_notes()

    def p(a, b):
        d = np.subtract(scores[a], scores[b])
        return corrected_resampled_ttest(d, 80, 40)[1]

    def shown(p):
        return "p<0.001" if p < 0.001 else f"p={p:.3f}"

    assert p("dcgan", "none") > 0.05 and p("random_over", "smote") > 0.05
    assert p("random_over", "none") < 0.05 and p("dcgan", "smote") < 0.05
    assert _line(notes, "dcgan") == (
        f"dcgan 0.712 within noise of none ({shown(p('dcgan', 'none'))}) worse than "
        f"the best other, smote ({shown(p('dcgan', 'smote'))})"
    )
    assert _line(notes, "random_over") == (
        f"random_over 0.804 better than none ({shown(p('random_over', 'none'))}) "
        f"within noise of the best other, smote "
        f"({shown(p('random_over', 'smote'))})"
    )
    # The best is compared with the second best; none only with the best.
    assert "within noise of the best other, random_over" in _line(notes, "smote")
    assert _line(notes, "none").startswith(
        "none 0.704 worse than the best other, smote"
    )
    assert "p < 0.05" in notes and "Nadeau-Bengio" in notes


def test_the_cheapest_resampler_that_no_other_beats():
    scores = {
        "none": [0.70, 0.72, 0.69, 0.71, 0.70],  # cheapest, but beaten
        "random_over": [0.80, 0.83, 0.78, 0.82, 0.79],
        "smote": [0.81, 0.82, 0.80, 0.80, 0.82],
        "adasyn": [0.81, 0.84, 0.80, 0.82, 0.81],  # cheaper, but failed a fold
    }
    fit_time = {"none": 1.0, "random_over": 3.0, "smote": 2.0, "adasyn": 1.5}
    result = make_result(scores, fit_time=fit_time, errors={("adasyn", 2): "E: x"})
    assert result.format_notes().splitlines()[-2:] == [
        "Cheapest resampler that no other beats significantly: smote, fit 2.0 s per "
        "fold (of those that scored every fold).",
        # adasyn's mean over the 4 folds it scored is higher, and the line says by
        # how much, so that "unbeaten" is not read as "as good".
        "  Its balanced accuracy is 0.010 below the highest, adasyn's 0.820: a gap "
        "these folds cannot tell from noise, not a proof that the two are equal.",
    ]
    # When no resampler beats no resampling, no resampling is the answer.
    flat = {name: [0.7, 0.72, 0.69, 0.71, 0.70] for name in scores}
    result = make_result(flat, fit_time=fit_time)
    assert (
        result.format_notes()
        .splitlines()[-1]
        .startswith(
            "Cheapest resampler that no other beats significantly: none (no resampling), "
            "fit 1.0 s per fold"
        )
    )


def test_nothing_to_say_about_a_single_good_resampler():
    assert make_result({"none": [0.9, 0.92, 0.91]}).format_notes() == ""


def test_equal_scores_and_equal_differences_are_said_as_such():
    result = make_result(
        {"none": [0.5, 0.5], "random_over": [0.5, 0.5], "smote": [0.6, 0.6]},
        n_classes=2,
    )
    # Equal on every fold; smote better by the same amount on every fold, where
    # the t-test has no variance to work with, and the line says so.
    assert _line(result.format_notes(), "random_over") == (
        "random_over 0.500 the same as none on every fold vs the best other, "
        "smote: no test, the same difference on every fold (zero variance)"
    )
