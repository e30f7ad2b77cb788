"""compare_resamplers: the cross-validated comparison of resamplers."""

import json

import numpy as np
import pandas as pd
import pytest
from conftest import TINY_GAN
from scipy import stats
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RepeatedStratifiedKFold

from gansampler import DCGANOverSampler
from gansampler.classifiers import KerasImageClassifier
from gansampler.datasets import load_imbalanced_digits
from gansampler.evaluation import (
    DEFAULT_RESAMPLERS,
    SCORES,
    ComparisonResult,
    compare_resamplers,
    corrected_resampled_ttest,
    default_resamplers,
)

GAN = dict(TINY_GAN, updates=2, batch_size=16)


@pytest.fixture(scope="module")
def digits():
    """Imbalanced digits 0-3 as images (n, 8, 8, 1): 60 / 30 / 15 / 9 images."""
    X, y = load_imbalanced_digits(return_X_y=True)
    keep = np.concatenate(
        [np.flatnonzero(y == c)[:n] for c, n in enumerate((60, 30, 15, 9))]
    )
    return X[keep], y[keep]


def fast_classifier():
    return LogisticRegression(max_iter=500)


@pytest.fixture(scope="module")
def result(digits):
    X, y = digits
    resamplers = default_resamplers(random_state=0, min_train_count=6)
    resamplers["dcgan"] = DCGANOverSampler(random_state=0, **GAN)
    return compare_resamplers(
        X, y, classifier=fast_classifier(), resamplers=resamplers, n_splits=3
    )


def test_every_resampler_and_metric_with_sane_values(result, digits):
    X, y = digits
    assert isinstance(result, ComparisonResult)
    assert list(result.table.index) == list(DEFAULT_RESAMPLERS)
    for metric in (*SCORES, "fit_time"):
        assert f"{metric}_mean" in result.table and f"{metric}_std" in result.table
    assert len(result.folds) == len(DEFAULT_RESAMPLERS) * 3
    scored = result.folds[result.folds["error"] == ""]
    # ADASYN may legitimately fail on well separated digits; everything else is scored.
    assert set(DEFAULT_RESAMPLERS) - {"adasyn"} <= set(scored["resampler"])
    values = scored[list(SCORES)].to_numpy()
    assert np.isfinite(values).all()
    assert ((values >= 0) & (values <= 1)).all()
    assert (scored["fit_time"] > 0).all()
    # Digits are easy: a logistic regression is far above chance (0.25) everywhere.
    assert (scored["balanced_accuracy"] > 0.6).all()
    assert (scored["roc_auc"] > 0.8).all()
    # Means and stds are those of the folds.
    none = result.folds[result.folds["resampler"] == "none"]["macro_f1"]
    assert result.table.loc["none", "macro_f1_mean"] == pytest.approx(none.mean())
    assert result.table.loc["none", "macro_f1_std"] == pytest.approx(none.std(ddof=1))
    # Minority recall is the recall of class 3, the smallest.
    assert result.params["minority_class"] == 3
    # The training folds were resampled as each sampler promises.
    for _, row in scored.iterrows():
        train_counts = np.bincount(y, minlength=4) * 2 // 3  # about, per class
        n = row["n_train_resampled"]
        if row["resampler"] == "none":
            assert n == row["n_train"]
        elif row["resampler"] == "random_under":
            assert n == pytest.approx(4 * train_counts.min(), abs=4)
        else:
            assert n == pytest.approx(4 * train_counts.max(), abs=4)
    # The fitted GAN of the first fold is kept, with one generator per grown class.
    assert sorted(result.fitted_resamplers["dcgan"].generators_) == [1, 2, 3]


class RecordingClassifier(ClassifierMixin, BaseEstimator):
    """A nearest-mean classifier that records what it is fitted on and asked."""

    log = []

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.means_ = np.stack([X[y == c].mean(axis=0) for c in self.classes_])
        self.log.append(("fit", np.bincount(y, minlength=4).tolist(), None))
        return self

    def predict_proba(self, X):
        self.log.append(("predict", len(X), X.copy()))
        d = ((X[:, None, :] - self.means_[None]) ** 2).sum(-1)
        p = np.exp(-(d - d.min(axis=1, keepdims=True)))
        return p / p.sum(axis=1, keepdims=True)


def test_resampling_happens_only_in_training_folds(digits):
    X, y = digits
    RecordingClassifier.log = []
    names = ["none", "random_over", "smote", "random_under"]
    compare_resamplers(
        X, y, classifier=RecordingClassifier(), resamplers=names, n_splits=3,
        n_repeats=2, random_state=7,
    )  # fmt: skip
    splits = list(
        RepeatedStratifiedKFold(n_splits=3, n_repeats=2, random_state=7).split(X, y)
    )
    fits = [e for e in RecordingClassifier.log if e[0] == "fit"]
    predictions = [e for e in RecordingClassifier.log if e[0] == "predict"]
    assert len(fits) == len(predictions) == len(splits) * len(names)
    flat = X.reshape(len(X), -1)
    for i, (train, test) in enumerate(splits):
        counts = np.bincount(y[train], minlength=4)
        for j, name in enumerate(names):
            fitted_counts = fits[i * len(names) + j][1]
            expected = {
                "none": counts.tolist(),
                "random_over": [counts.max()] * 4,
                "smote": [counts.max()] * 4,
                "random_under": [counts.min()] * 4,
            }[name]
            assert fitted_counts == expected, (name, i)
            # Exactly the original test rows are scored, never resampled ones.
            _, n_predicted, rows = predictions[i * len(names) + j]
            assert n_predicted == len(test)
            np.testing.assert_array_equal(rows, flat[test])


def test_significance_tests(result):
    tests = result.tests
    others = [n for n in DEFAULT_RESAMPLERS if n != "dcgan"]
    assert len(tests) == len(SCORES) * len(others)
    assert set(tests["reference"]) == {"dcgan"}
    assert sorted(set(tests["other"])) == sorted(others)
    assert set(tests["metric"]) == set(SCORES)
    tested = (tests["note"] == "").to_numpy()
    for column in ("p_value", "p_wilcoxon"):
        p = tests[column].to_numpy(dtype=float)
        assert np.isfinite(p[tested]).all()
        finite = p[np.isfinite(p)]
        assert ((finite >= 0) & (finite <= 1)).all()
    # An untested row says why: equal differences on every fold.
    untested = tests[~tested]
    assert untested["p_value"].isna().all()
    for _, row in untested.iterrows():
        part = result.folds.set_index(["resampler", "repeat", "fold"])[row["metric"]]
        d = (part.loc["dcgan"] - part.loc[row["other"]]).dropna()
        assert row["note"] == "the same difference on every fold (zero variance)"
        assert (d == d.iloc[0]).all()
    assert (tests["wins"] + tests["ties"] + tests["losses"] == tests["n_folds"]).all()
    # The difference is dcgan minus the other, fold by fold.
    folds = result.folds.set_index(["resampler", "repeat", "fold"]).sort_index()
    row = tests[(tests["other"] == "none") & (tests["metric"] == "macro_f1")].iloc[0]
    diff = folds.loc["dcgan", "macro_f1"] - folds.loc["none", "macro_f1"]
    assert row["mean_difference"] == pytest.approx(diff.mean())
    assert "dcgan" not in set(result.format_tests().split())  # header says "vs"
    assert "none" in result.format_tests()


def test_corrected_resampled_ttest():
    d = np.array([0.02, 0.03, 0.01, 0.04, 0.02])
    t, p = corrected_resampled_ttest(d, n_train=80, n_test=20)
    expected_t = d.mean() / np.sqrt((1 / 5 + 20 / 80) * d.var(ddof=1))
    assert t == pytest.approx(expected_t)
    assert p == pytest.approx(2 * stats.t.sf(expected_t, df=4))
    # More conservative than the plain paired t-test, which ignores the overlap.
    assert p > stats.ttest_1samp(d, 0).pvalue
    assert corrected_resampled_ttest(-d, 80, 20)[1] == pytest.approx(p)
    assert np.isnan(corrected_resampled_ttest([0.1], 80, 20)[1])


@pytest.mark.parametrize("value", [0.0, 0.1, -0.02])
def test_equal_differences_give_no_t_test_and_say_why(value):
    # Zero variance: t = mean / 0 says nothing (it gave p = 0 for any mean).
    t, p = corrected_resampled_ttest(np.full(5, value), 80, 20)
    assert np.isnan(t) and np.isnan(p)
    folds = pd.DataFrame(
        {
            "resampler": ["dcgan"] * 5 + ["none"] * 5,
            "repeat": [0] * 10,
            "fold": list(range(5)) * 2,
            "error": [""] * 10,
            **{m: [0.5 + value] * 5 + [0.5] * 5 for m in SCORES},
        }
    )
    from gansampler.evaluation._statistics import paired_tests

    tests = paired_tests(folds, ["none", "dcgan"], "dcgan", 80, 20)
    assert tests["p_value"].isna().all()
    assert set(tests["note"]) == {"the same difference on every fold (zero variance)"}
    text = ComparisonResult(table=None, folds=folds, tests=tests).format_tests()
    assert f"{value:+.3f} (p=n/a*)" in text
    assert text.splitlines()[-1] == (
        "* no t-test: the same difference on every fold (zero variance)"
    )


class FailingSampler(BaseEstimator):
    """An imbalanced-learn-style sampler whose fit always fails."""

    _sampling_type = "over-sampling"

    def fit_resample(self, X, y):
        raise RuntimeError("no neighbours")


@pytest.mark.parametrize("error_score", [0.0, np.nan])
def test_a_numeric_error_score_counts_in_the_table_as_in_the_tests(digits, error_score):
    X, y = digits
    with pytest.warns(UserWarning, match="failed and is scored"):
        result = compare_resamplers(
            X, y, classifier=fast_classifier(), error_score=error_score,
            resamplers={"none": None, "dcgan": FailingSampler()}, n_splits=3,
        )  # fmt: skip
    row = result.table.loc["dcgan"]
    assert (row["n_folds"], row["n_failed"]) == (0, 3)
    none = result.folds[result.folds["resampler"] == "none"]
    tests = result.tests.set_index("metric")
    for m in SCORES:
        if np.isnan(error_score):
            assert np.isnan(row[f"{m}_mean"]) and tests.loc[m, "n_folds"] == 0
        else:  # the table's mean is what the tests compare against
            assert row[f"{m}_mean"] == 0.0 and tests.loc[m, "n_folds"] == 3
            assert tests.loc[m, "mean_difference"] == pytest.approx(
                row[f"{m}_mean"] - result.table.loc["none", f"{m}_mean"]
            )
            assert result.table.loc["none", f"{m}_mean"] == pytest.approx(
                none[m].mean()
            )


def test_cache_avoids_retraining_the_gan(digits, tmp_path, monkeypatch):
    X, y = digits
    calls = []
    original = DCGANOverSampler._fit_resample

    def counting(self, X, y):
        calls.append(len(y))
        return original(self, X, y)

    monkeypatch.setattr(DCGANOverSampler, "_fit_resample", counting)

    def run(memory):
        return compare_resamplers(
            X, y, classifier=fast_classifier(),
            resamplers={"dcgan": DCGANOverSampler(random_state=0, **GAN)},
            n_splits=2, memory=memory,
        )  # fmt: skip

    first = run(str(tmp_path / "cache"))
    assert len(calls) == 2  # one GAN fit per training fold
    second = run(str(tmp_path / "cache"))
    assert len(calls) == 2  # loaded from the cache, not trained again
    cols = list(SCORES)
    pd.testing.assert_frame_equal(first.folds[cols], second.folds[cols])
    assert sorted(second.fitted_resamplers["dcgan"].generators_) == [1, 2, 3]
    run(None)  # without a cache, it trains again
    assert len(calls) == 4


def test_result_files(result, tmp_path):
    result.to_csv(tmp_path / "table.csv")
    table = pd.read_csv(tmp_path / "table.csv", index_col=0)
    assert list(table.index) == list(DEFAULT_RESAMPLERS)
    result.to_csv(tmp_path / "folds.csv", which="folds")
    assert len(pd.read_csv(tmp_path / "folds.csv")) == len(result.folds)
    text = result.to_json(tmp_path / "r.json")
    data = json.loads((tmp_path / "r.json").read_text())
    assert json.loads(text) == data
    assert {"params", "table", "tests", "folds"} <= set(data)
    assert [r["resampler"] for r in data["table"]] == list(DEFAULT_RESAMPLERS)
    result.plot(tmp_path / "plot.png")
    assert (tmp_path / "plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    lines = result.format_table().splitlines()
    assert len(lines) == 1 + len(DEFAULT_RESAMPLERS)
    assert "balanced accuracy" in lines[0] and "±" in lines[1]


def test_flat_images_and_the_keras_classifier(digits):
    """Flat rows plus image_shape reach both the GAN and the default classifier."""
    X, y = digits
    flat = X.reshape(len(X), -1)
    res = compare_resamplers(
        flat, y, image_shape=(8, 8), n_splits=2,
        classifier=KerasImageClassifier(epochs=2, random_state=0),
        resamplers={"none": None, "dcgan": DCGANOverSampler(**GAN)},
    )  # fmt: skip
    assert res.params["image_shape"] == [8, 8, 1]
    assert "image_shape=(8, 8, 1)" in res.params["classifier"]
    assert "image_shape=(8, 8, 1)" in res.params["resamplers"]["dcgan"]
    assert (res.folds["error"] == "").all()
    assert np.isfinite(res.folds[list(SCORES)].to_numpy()).all()


def test_invalid_input(digits):
    X, y = digits
    with pytest.raises(ValueError, match="image_shape"):
        compare_resamplers(X.reshape(len(X), -1), y, resamplers=["none"])
    with pytest.raises(ValueError, match="fewer than n_splits"):
        compare_resamplers(X, y, resamplers=["none"], n_splits=10)
    with pytest.raises(ValueError, match="unknown resampler"):
        compare_resamplers(X, y, resamplers=["none", "gan"])
    with pytest.raises(ValueError, match="unknown resampler"):
        default_resamplers(["bogus"])


def test_images_with_nan_are_refused_before_any_fold(digits):
    # Not a table of failed folds (each after the folds before it trained).
    X, y = digits
    X = X.copy()
    X[0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="X contains NaN"):
        compare_resamplers(
            X, y, classifier=fast_classifier(), resamplers=["none"], n_splits=2
        )


def test_parallel_folds_give_the_sequential_result_and_call_back_each_fold(digits):
    X, y = digits
    names = ["none", "random_over", "smote", "random_under"]
    runs = {}
    for n_jobs in (1, 2):
        seen = []
        runs[n_jobs] = compare_resamplers(
            X, y, classifier=fast_classifier(), resamplers=names, n_splits=3,
            random_state=3, n_jobs=n_jobs, callback=seen.append,
        )  # fmt: skip
        assert sorted((r["fold"], r["resampler"]) for r in seen) == sorted(
            (f, n) for f in range(3) for n in names
        )
    columns = [c for c in runs[1].folds if c not in ("fit_time", "score_time")]
    pd.testing.assert_frame_equal(runs[1].folds[columns], runs[2].folds[columns])
    assert list(runs[2].table.index) == names
