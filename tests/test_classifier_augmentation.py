"""KerasImageClassifier(augmentation=...): random flips, quarter turns and shifts.

Active in training only, seeded from random_state, never part of the fitted
network; checked before training; on every backend.
"""

import pickle

import keras
import numpy as np
import pytest
from conftest import unit_digits
from sklearn.base import clone

from gansampler._classifier_augmentation import RandomTransform, _layers
from gansampler.classifiers import KerasImageClassifier


@pytest.fixture(scope="module")
def digits():
    return unit_digits()


def fit(X, y, **params):
    params = {"epochs": 3, "random_state": 0, **params}
    return KerasImageClassifier(**params).fit(X[:300], y[:300])


def test_quarter_turns_are_exact_and_only_in_training():
    images = np.random.default_rng(0).random((64, 5, 5, 2)).astype("float32")
    layer = RandomTransform("rot90", seed=3)
    turned = keras.ops.convert_to_numpy(layer(images, training=True))
    seen = []
    for image, out in zip(images, turned, strict=True):
        (k,) = [k for k in range(4) if np.array_equal(out, np.rot90(image, k))]
        seen.append(k)
    assert sorted(set(seen)) == [0, 1, 2, 3]
    assert np.array_equal(
        keras.ops.convert_to_numpy(layer(images, training=False)), images
    )


def test_flips_and_shifts_move_whole_pixels():
    image = np.random.default_rng(1).random((32, 16, 16, 1)).astype("float32")
    for name in ("flip", "translation"):
        (layer,) = _layers((name,), seed=0)
        out = keras.ops.convert_to_numpy(layer(image, training=True))
        assert not np.array_equal(out, image), name  # it did something
        for before, after in zip(image, out, strict=True):
            # no value that was not a pixel of the image (the border is
            # mirrored, not filled): nothing interpolated
            assert np.isin(after, before.ravel()).all(), name


def test_augmentation_changes_training_but_not_the_prediction_path(digits):
    X, y = digits
    plain, augmented = fit(X, y), fit(X, y, augmentation="flip,rot90,translation")
    assert plain.history_["loss"] != augmented.history_["loss"]
    test = X[300:400]
    assert not np.allclose(plain.predict_proba(test), augmented.predict_proba(test))
    # At prediction: no augmentation layer, the same network as without.
    layers = [type(layer) for layer in augmented.model_.layers]
    assert layers == [type(layer) for layer in plain.model_.layers]
    np.testing.assert_array_equal(
        augmented.predict_proba(test), augmented.predict_proba(test)
    )
    plain.model_.set_weights(augmented.model_.get_weights())
    np.testing.assert_array_equal(
        plain.predict_proba(test), augmented.predict_proba(test)
    )


def test_seeded_from_random_state(digits):
    X, y = digits
    a, b = fit(X, y, augmentation="flip"), fit(X, y, augmentation=("flip",))
    c = fit(X, y, augmentation="flip", random_state=1)
    np.testing.assert_array_equal(
        a.predict_proba(X[300:350]), b.predict_proba(X[300:350])
    )
    assert a.history_ == b.history_ and a.history_ != c.history_


def test_survives_clone_and_pickle(digits):
    X, y = digits
    clf = fit(X, y, augmentation="rot90,flip")
    assert clone(clf).get_params()["augmentation"] == "rot90,flip"
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(
        restored.predict_proba(X[300:350]), clf.predict_proba(X[300:350])
    )
    assert restored.get_params() == clf.get_params()


@pytest.mark.parametrize(
    "augmentation, shape, match",
    [
        ("flip,blur", (8, 8), r"unknown augmentation 'blur'; choose from flip, rot90, translation"),
        ("", (8, 8), "names no augmentation"),
        ("flip,,rot90", (8, 8), "names no augmentation"),
        ("flip,flip", (8, 8), "names a policy twice"),
        (("flip", 3), (8, 8), "must be None, a string"),
        ("rot90", (8, 6), "needs square images; these are 8x6"),
    ],
)  # fmt: skip
def test_bad_policies_are_refused_before_training(
    augmentation, shape, match, monkeypatch
):
    def trained(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(keras.Model, "fit", trained)
    clf = KerasImageClassifier(augmentation=augmentation, epochs=1)
    with pytest.raises(ValueError, match=match):
        clf.fit(np.zeros((10, *shape)), np.arange(10) % 2)
    assert not hasattr(clf, "model_")


def test_sklearn_parameter_validation():
    from sklearn.utils._param_validation import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="'augmentation' parameter"):
        KerasImageClassifier(augmentation=3).fit(np.zeros((4, 8, 8)), [0, 1, 0, 1])


SCRIPT = """
import json, warnings  # "compiled": RandomTranslation made JAX train eagerly
import numpy as np
from sklearn.datasets import load_digits
from gansampler.classifiers import KerasImageClassifier
X, y = load_digits(return_X_y=True)
X = (X / 16.0).astype("float32").reshape(-1, 8, 8, 1)
def fit(augmentation):
    clf = KerasImageClassifier(epochs=2, random_state=0, augmentation=augmentation)
    return clf.fit(X[:200], y[:200])
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    a, b = fit("flip,rot90,translation"), fit("flip,rot90,translation")
plain = fit(None)
p = a.predict_proba(X[200:260])
print("RESULT " + json.dumps({
    "reproducible": bool(np.array_equal(p, b.predict_proba(X[200:260]))),
    "prediction_repeatable": bool(np.array_equal(p, a.predict_proba(X[200:260]))),
    "changes_training": a.history_["loss"] != plain.history_["loss"],
    "same_layers": [type(l).__name__ for l in a.model_.layers]
                   == [type(l).__name__ for l in plain.model_.layers],
    "compiled": not [w for w in caught if "jit_compile" in str(w.message)],
}))
"""


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_other_backends(backend, run_in_backend):
    result = run_in_backend(SCRIPT, backend)
    assert result == {
        "reproducible": True,
        "prediction_repeatable": True,
        "changes_training": True,
        "same_layers": True,
        "compiled": True,
    }


def test_shifts_are_whole_pixels_with_the_border_mirrored():
    images = np.random.default_rng(2).random((200, 16, 12, 2)).astype("float32")
    layer = RandomTransform("translation", seed=5)
    out = keras.ops.convert_to_numpy(layer(images, training=True))
    seen = set()
    for image, shifted in zip(images, out, strict=True):
        # the same picture as numpy's mirror padding and a crop (no black
        # band, which would look like the dark areas of a defective cell)
        padded = np.pad(image, ((2, 2), (2, 2), (0, 0)), mode="symmetric")
        (shift,) = [
            (dy, dx)
            for dy in range(-2, 3)
            for dx in range(-2, 3)
            if np.array_equal(shifted, padded[2 - dy : 18 - dy, 2 - dx : 14 - dx])
        ]
        seen.add(shift)
    assert len(seen) == 25  # every shift of up to 16/8 and 12/8 pixels
    assert np.array_equal(
        keras.ops.convert_to_numpy(layer(images, training=False)), images
    )


def test_the_classifier_applies_the_gan_transforms():
    # the same function for a policy name in both: equal images for equal draws
    from gansampler._transforms import TRANSFORMS
    from gansampler.augment import DiffAugment

    images = np.random.default_rng(3).random((16, 8, 8, 1)).astype("float32")
    for name, transform in TRANSFORMS.items():
        u = np.random.default_rng(4).random((16, 2)).astype("float32")
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(transform(images, u)),
            keras.ops.convert_to_numpy(DiffAugment(name)(images, u)),
        )
        (layer,) = _layers((name,), seed=0)
        assert isinstance(layer, RandomTransform) and layer.transform == name
