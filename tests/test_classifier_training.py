"""Training, validation split and backbones of KerasImageClassifier (CPU, small)."""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from conftest import unit_digits  # noqa: E402

from gansampler._classifier_augmentation import (  # noqa: E402
    RandomBrightnessContrast,
    RandomZoom,
)
from gansampler._classifier_training import (  # noqa: E402
    auto_epochs,
    grouped_validation_split,
)
from gansampler.classifiers import KerasImageClassifier  # noqa: E402


def test_auto_epochs_follow_the_data():
    assert auto_epochs(7, 3) == 7
    assert auto_epochs("auto", 4) == 100  # a small set: capped at 100 epochs
    assert auto_epochs("auto", 50) == 20  # about 1,000 updates
    assert auto_epochs("auto", 500) == 10  # at least 10 epochs


def test_copies_of_an_image_stay_on_one_side():
    rng = np.random.default_rng(0)
    images = rng.random((40, 4, 4, 1)).astype("float32")
    y = np.arange(40) % 2
    copies = np.repeat(np.arange(40), rng.integers(1, 6, 40))  # over-sampled
    train, val = grouped_validation_split(images[copies], y[copies], 0.25, 0, 2)
    assert not set(copies[train]) & set(copies[val])
    assert set(y[copies][val]) == {0, 1} and set(y[copies][train]) == {0, 1}
    assert len(train) + len(val) == len(copies)


def test_validation_split_that_empties_a_class_is_refused(monkeypatch):
    monkeypatch.setattr(
        keras.Model, "fit", lambda *a, **k: pytest.fail("training started")
    )
    X = np.random.default_rng(0).random((12, 8, 8))
    y = np.array([0] * 11 + [1])
    with pytest.raises(ValueError, match="validation_split=0.2 leaves a class"):
        KerasImageClassifier(validation_split=0.2).fit(X, y)


def test_early_stopping_restores_the_best_epoch():
    X, y = unit_digits()
    X = X[:200]
    clf = KerasImageClassifier(epochs=6, validation_split=0.2, random_state=0)
    clf.fit(X, y[:200])
    losses = clf.history_["val_loss"]
    assert clf.best_epoch_ == int(np.argmin(losses)) + 1


def test_zoom_brightness_contrast_layers():
    images = np.random.default_rng(1).random((16, 32, 30, 1)).astype("float32")
    for layer in (
        RandomZoom(seed=0),
        RandomBrightnessContrast("brightness", 0.1, seed=0),
        RandomBrightnessContrast("contrast", 1.25, seed=0),
    ):
        out = keras.ops.convert_to_numpy(layer(images, training=True))
        assert out.shape == images.shape and not np.allclose(out, images)
        same = keras.ops.convert_to_numpy(layer(images, training=False))
        np.testing.assert_array_equal(same, images)
    # zoom takes whole pixels of the image (nearest neighbour, mirrored border)
    out = keras.ops.convert_to_numpy(RandomZoom(seed=0)(images, training=True))
    for image, zoomed in zip(images, out, strict=True):
        assert np.isin(zoomed, image).all()


@pytest.mark.parametrize(
    "params, shape, match",
    [
        ({"backbone": "vgg99"}, (32, 32), "'backbone' parameter"),
        ({"backbone": "mobilenet_v2"}, (16, 16), "at least 32x32"),
        ({"backbone": "mobilenet_v2", "weights": "/nonexistent.h5"}, (32, 32),
         "no such file"),
        ({"weights": "x.h5"}, (32, 32), "without a backbone"),
    ],
)  # fmt: skip
def test_backbone_errors_before_training(params, shape, match, monkeypatch):
    monkeypatch.setattr(
        keras.Model, "fit", lambda *a, **k: pytest.fail("training started")
    )
    with pytest.raises(ValueError, match=match):
        KerasImageClassifier(**params).fit(np.zeros((4, *shape)), [0, 1, 0, 1])


def test_backbone_weights_from_a_file(tmp_path):
    base = keras.applications.MobileNetV2(
        include_top=False, weights=None, input_shape=(224, 224, 3), pooling="avg"
    )
    path = tmp_path / "mobilenet_v2.weights.h5"
    base.save_weights(path)
    X = np.random.default_rng(0).random((6, 32, 32, 1)).astype("float32")
    y = np.array([0, 1] * 3)
    clf = KerasImageClassifier(
        backbone="mobilenet_v2", weights=str(path), epochs=1, batch_size=6,
        random_state=0,
    ).fit(X, y)  # fmt: skip
    inner = clf.model_.get_layer(base.name)
    for a, b in zip(inner.get_weights(), base.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # frozen: the file's weights
    assert clf.predict_proba(X).shape == (6, 2)
    with pytest.raises(ValueError, match="do not fit backbone='resnet50'"):
        KerasImageClassifier(backbone="resnet50", weights=str(path), epochs=1).fit(X, y)


def test_validation_split_that_leaves_a_class_out_of_validation_is_refused():
    # 10 % of 102 images is 11 for validation, but the stratified split gives
    # the class of 2 images none of them: its loss would never be validated.
    X = np.random.default_rng(0).random((102, 4, 4, 1)).astype("float32")
    y = np.array([0] * 100 + [1] * 2)
    with pytest.raises(ValueError, match="validation_split=0.1 leaves a class"):
        grouped_validation_split(X, y, 0.1, 0, 2)
