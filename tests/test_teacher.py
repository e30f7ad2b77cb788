"""Selection of generated images by a teacher (gansampler._teacher).

The images are 8x8 and clearly separable: horizontal stripes, vertical
stripes, and flat grey images. "Candidates" are fresh images of these
kinds, standing in for a generator's output, so that which of them belong
to a class is known.
"""

import warnings

import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score

from gansampler._images import describe
from gansampler._teacher import (
    MIN_CLASS_SIZE,
    OVERGENERATION,
    TOP_FRACTION,
    Teacher,
    check_teacher_input,
    n_candidates,
)
from gansampler.classifiers import KerasImageClassifier

SIZE = 8
HORIZONTAL, VERTICAL, FLAT = 0, 1, 2


def striped(kind, n, rng, amplitude=(0.5, 0.9)):
    """``n`` images of ``kind`` in [-1, 1], stripes of a random amplitude."""
    stripes = np.where(np.arange(SIZE) % 2 == 0, 1.0, -1.0)
    pattern = {
        HORIZONTAL: np.repeat(stripes[:, None], SIZE, axis=1),
        VERTICAL: np.repeat(stripes[None, :], SIZE, axis=0),
        FLAT: np.zeros((SIZE, SIZE)),
    }[kind]
    strength = rng.uniform(*amplitude, size=(n, 1, 1))
    images = strength * pattern + rng.normal(0, 0.1, (n, SIZE, SIZE))
    return np.clip(images, -1, 1)[..., None].astype(np.float32)


def real_images(seed=0):
    """An imbalanced training set: 40 horizontal, 12 vertical, 12 flat images."""
    rng = np.random.default_rng(seed)
    counts = {HORIZONTAL: 40, VERTICAL: 12, FLAT: 12}
    images = np.concatenate([striped(k, n, rng) for k, n in counts.items()])
    y = np.repeat(list(counts), list(counts.values()))
    return images, y


class RecordingClassifier(KerasImageClassifier):
    """Remembers what it was trained on."""

    def fit(self, X, y, sample_weight=None):
        self.trained_on_ = np.asarray(X).copy(), np.asarray(y).copy()
        return super().fit(X, y, sample_weight)


def small_classifier():
    return RecordingClassifier(epochs=15, batch_size=16)


@pytest.fixture(scope="module")
def teacher():
    """One teacher for the tests (each fit costs seconds, mostly compiling)."""
    images, y = real_images()
    return Teacher(small_classifier(), random_state=0).fit(images, y)


def test_the_teacher_learns_the_classes(teacher):
    assert teacher.balanced_accuracy_ >= 0.9
    assert set(teacher.recall_) == {HORIZONTAL, VERTICAL, FLAT}
    assert min(teacher.recall_.values()) >= 0.6
    assert teacher.image_shape_ == (SIZE, SIZE, 1)
    # Fresh real images: the teacher is as good as it says.
    rng = np.random.default_rng(5)
    fresh = np.concatenate([striped(k, 20, rng) for k in (0, 1, 2)])
    predicted = teacher.classifier_.predict(fresh)
    assert balanced_accuracy_score(np.repeat([0, 1, 2], 20), predicted) >= 0.9


def test_keeps_only_candidates_of_their_class(teacher):
    rng = np.random.default_rng(1)
    # 24 vertical candidates mixed with 16 of the other classes, shuffled.
    kinds = np.array([VERTICAL] * 24 + [HORIZONTAL] * 8 + [FLAT] * 8)
    kinds = kinds[rng.permutation(len(kinds))]
    candidates = np.concatenate([striped(k, 1, rng) for k in kinds])
    kept, n_missing = teacher.select(VERTICAL, candidates, 10)
    assert len(kept) == 10 and n_missing == 0
    assert np.all(kinds[kept] == VERTICAL)
    assert np.all(np.diff(kept) > 0)  # indices, in increasing order
    record = teacher.record_[VERTICAL]
    assert record["candidates"] == 40
    assert record["accepted"] == 24
    assert record["share_accepted"] == pytest.approx(24 / 40)
    assert record["kept"] == 10 and record["copies"] == 0
    # Flat candidates, as a dense generator makes them, are read the same way.
    again, _ = teacher.select(VERTICAL, candidates.reshape(40, -1), 10)
    np.testing.assert_array_equal(again, kept)


class OneClassClassifier(KerasImageClassifier):
    """Trains as usual, then calls every image horizontal."""

    def predict(self, X):
        return np.full(len(X), HORIZONTAL)


def test_a_teacher_blind_to_a_class_says_so_when_selecting_for_it(teacher):
    images, y = real_images()
    blind = Teacher(OneClassClassifier(epochs=1, batch_size=16), random_state=0)
    blind = blind.fit(images, y)
    assert blind.recall_[VERTICAL] == 0 and blind.recall_[HORIZONTAL] == 1
    candidates = striped(VERTICAL, 12, np.random.default_rng(2))
    with pytest.warns(UserWarning, match=r"class 1 in 0% .*chance: 33%"):
        blind.select(VERTICAL, candidates, 3)
    assert blind.record_[VERTICAL]["teacher_recall"] == 0
    # Classes it recognises, and a teacher that knows every class: no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        blind.select(HORIZONTAL, candidates, 3)
        teacher.select(VERTICAL, candidates, 3)


def test_keeps_a_band_of_confidence_not_the_most_confident(teacher):
    rng = np.random.default_rng(2)
    # Horizontal stripes from faint to strong, so confidences differ.
    candidates = np.concatenate(
        [striped(HORIZONTAL, 1, rng, (a, a)) for a in np.linspace(0.05, 0.9, 60)]
    )
    proba = teacher.classifier_.predict_proba(candidates)[:, HORIZONTAL]
    accepted = np.flatnonzero(teacher.classifier_.predict(candidates) == HORIZONTAL)
    assert len(accepted) >= 40
    n_needed = 15
    kept, n_missing = teacher.select(HORIZONTAL, candidates, n_needed)
    assert len(kept) == n_needed and n_missing == 0
    assert set(kept) <= set(accepted)
    by_confidence = accepted[np.argsort(-proba[accepted], kind="stable")]
    n_top = int(TOP_FRACTION * len(accepted))
    assert n_top >= 4
    assert teacher.record_[HORIZONTAL]["dropped_top"] == n_top
    # The most confident are left out, and the kept are not the next ones
    # in order of confidence but a draw from the whole band.
    assert not set(kept) & set(by_confidence[:n_top])
    assert set(kept) != set(by_confidence[n_top : n_top + n_needed])
    median = np.median(proba[accepted])
    assert np.any(proba[kept] < median)


def test_a_shortfall_is_counted_for_the_sampler_to_fill(teacher):
    rng = np.random.default_rng(3)
    n_needed = 10
    kinds = np.array([FLAT] * 6 + [VERTICAL] * (n_candidates(n_needed) - 6))
    candidates = np.concatenate([striped(k, 1, rng) for k in kinds])
    kept, n_missing = teacher.select(FLAT, candidates, n_needed)
    assert np.all(kinds[kept] == FLAT)
    assert len(kept) == 6 and n_missing == 4
    record = teacher.record_[FLAT]
    assert record == {
        "candidates": 40,
        "accepted": 6,
        "share_accepted": pytest.approx(6 / 40),
        "dropped_top": 0,
        "kept": 6,
        "copies": 4,
        "teacher_recall": teacher.recall_[FLAT],
        "teacher_balanced_accuracy": teacher.balanced_accuracy_,
    }
    # No candidate of the class at all: every image is missing.
    kept, n_missing = teacher.select(FLAT, candidates[kinds != FLAT], n_needed)
    assert len(kept) == 0 and n_missing == n_needed
    assert teacher.record_[FLAT]["share_accepted"] == 0.0


def test_selection_is_deterministic_for_a_seed(teacher):
    images, y = real_images()
    twin = Teacher(small_classifier(), random_state=0).fit(images, y)
    assert twin.balanced_accuracy_ == teacher.balanced_accuracy_
    rng = np.random.default_rng(4)
    candidates = {k: striped(k, 40, rng, (0.1, 0.9)) for k in (0, 1, 2)}
    # Selected in the other order: each class's draw is its own.
    first = {k: teacher.select(k, candidates[k], 8) for k in (0, 1, 2)}
    second = {k: twin.select(k, candidates[k], 8) for k in (2, 1, 0)}
    for k in (0, 1, 2):
        np.testing.assert_array_equal(first[k][0], second[k][0])
        assert first[k][1] == second[k][1]
    np.testing.assert_array_equal(
        teacher.classifier_.predict_proba(candidates[0]),
        twin.classifier_.predict_proba(candidates[0]),
    )


def test_trains_on_balanced_real_images_and_is_measured_on_the_others(teacher):
    images, y = real_images()
    X_trained, y_trained = teacher.classifier_.trained_on_
    _, counts = np.unique(y_trained, return_counts=True)
    # 80 % of 40 horizontal images, over-sampled copies of the others to match.
    assert counts.tolist() == [32, 32, 32]
    distinct = {x.tobytes() for x in X_trained}
    held = np.array([x.tobytes() not in distinct for x in images])
    _, held_counts = np.unique(y[held], return_counts=True)
    assert held_counts.tolist() == [8, 2, 2]
    predicted = teacher.classifier_.predict(images[held])
    assert teacher.balanced_accuracy_ == balanced_accuracy_score(y[held], predicted)


def test_tabular_data_is_refused():
    X = np.random.default_rng(0).random((20, 6))
    y = np.repeat([0, 1], 10)
    with pytest.raises(ValueError, match=r"select='teacher'.*tabular"):
        check_teacher_input(describe(X), y)
    # The same rows read as flattened 2x3 images are accepted.
    check_teacher_input(describe(X, image_shape=(2, 3)), y)


def test_classes_too_small_for_the_hold_out_are_refused():
    X = np.zeros((30, SIZE, SIZE))
    y = np.array(["ok"] * 26 + ["rare"] * (MIN_CLASS_SIZE - 1))
    with pytest.raises(ValueError, match=r"Class 'rare' has 4 images.*at least 5"):
        check_teacher_input(describe(X), y)
    check_teacher_input(describe(X), np.array(["ok"] * 25 + ["rare"] * 5))
    with pytest.raises(ValueError, match="at least 2 classes"):
        check_teacher_input(describe(X), np.zeros(30))


def test_select_checks_its_input(teacher):
    with pytest.raises(ValueError, match="Class 7 is not one"):
        teacher.select(7, np.zeros((4, SIZE, SIZE, 1)), 1)
    with pytest.raises(RuntimeError, match="not fitted"):
        Teacher().select(0, np.zeros((4, SIZE, SIZE, 1)), 1)


def test_overgeneration():
    assert OVERGENERATION >= 1
    assert n_candidates(7) == OVERGENERATION * 7
