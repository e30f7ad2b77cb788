"""The sampler in an imblearn Pipeline, cross-validated with Keras classifiers."""

import keras
import numpy as np
import pytest
from conftest import SMALL_GAN, digits_subset
from imblearn.pipeline import Pipeline
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import StratifiedKFold, cross_validate

from gansampler import DCGANOverSampler
from gansampler.classifiers import KerasImageClassifier

GAN = dict(SMALL_GAN, updates=5, batch_size=16)


@pytest.fixture(scope="module")
def imbalanced_digits():
    """Flattened 8x8 digits 0-3, made imbalanced 80 / 40 / 20 / 12."""
    X, y = digits_subset(dict(enumerate((80, 40, 20, 12))))
    return X.reshape(len(X), -1).astype(np.float32), y


class RecordingClassifier(ClassifierMixin, BaseEstimator):
    """Predicts the majority class; records the rows it is fitted on and asked about."""

    log = []

    def fit(self, X, y):
        self.classes_, counts = np.unique(y, return_counts=True)
        self.majority_ = self.classes_[np.argmax(counts)]
        self.log.append(("fit", len(X), np.unique(y, return_counts=True)[1].tolist()))
        return self

    def predict(self, X):
        self.log.append(("predict", len(X), None))
        return np.full(len(X), self.majority_)


def test_resampling_happens_only_on_training_folds(imbalanced_digits):
    X, y = imbalanced_digits
    RecordingClassifier.log = []
    pipeline = Pipeline(
        [
            ("gan", DCGANOverSampler(image_shape=(8, 8), random_state=0, **GAN)),
            ("clf", RecordingClassifier()),
        ]
    )
    cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    cross_validate(pipeline, X, y, cv=cv, scoring="accuracy")
    fits = [entry for entry in RecordingClassifier.log if entry[0] == "fit"]
    predictions = [entry for entry in RecordingClassifier.log if entry[0] == "predict"]
    assert len(fits) == 3 and len(predictions) == 3
    for (_, n_fit, counts), (train, _) in zip(fits, cv.split(X, y), strict=True):
        majority = np.bincount(y[train]).max()
        assert counts == [majority] * 4  # the training fold was balanced
        assert n_fit == 4 * majority
    for (_, n_predicted, _), (_, test) in zip(predictions, cv.split(X, y), strict=True):
        assert n_predicted == len(test)  # test folds are never resampled


def test_cross_validate_with_keras_image_classifier(imbalanced_digits):
    X, y = imbalanced_digits
    pipeline = Pipeline(
        [
            ("gan", DCGANOverSampler(image_shape=(8, 8), random_state=0, **GAN)),
            (
                "clf",
                KerasImageClassifier(image_shape=(8, 8, 1), epochs=15, random_state=0),
            ),
        ]
    )
    scores = cross_validate(
        pipeline,
        X,
        y,
        cv=StratifiedKFold(n_splits=3, shuffle=True, random_state=0),
        scoring=["balanced_accuracy", "roc_auc_ovr"],
    )
    assert np.all(scores["test_balanced_accuracy"] > 0.5)  # chance is 0.25
    assert np.all(scores["test_roc_auc_ovr"] > 0.8)


def test_pipeline_with_keras_sklearn_classifier_wrapper(imbalanced_digits):
    X, y = imbalanced_digits

    def build(X, y):  # the wrapper passes y one-hot encoded
        model = keras.Sequential(
            [
                keras.Input((X.shape[1],)),
                keras.layers.Dense(32, activation="relu"),
                keras.layers.Dense(y.shape[1], activation="softmax"),
            ]
        )
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        return model

    pipeline = Pipeline(
        [
            ("gan", DCGANOverSampler(image_shape=(8, 8), random_state=0, **GAN)),
            (
                "clf",
                keras.wrappers.SKLearnClassifier(
                    build, fit_kwargs={"epochs": 30, "verbose": 0}
                ),
            ),
        ]
    )
    pipeline.fit(X / 16, y)
    assert pipeline.score(X / 16, y) > 0.6
