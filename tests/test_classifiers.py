"""Tests of gansampler.classifiers.KerasImageClassifier (small, CPU, a few seconds)."""

import os
import pickle
import random

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from conftest import unit_digits  # noqa: E402
from sklearn.base import clone, is_classifier  # noqa: E402
from sklearn.model_selection import (  # noqa: E402
    StratifiedKFold,
    check_cv,
    cross_validate,
)
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402
from sklearn.utils._param_validation import InvalidParameterError  # noqa: E402

from gansampler.classifiers import KerasImageClassifier  # noqa: E402


def tiny_cnn(input_shape, n_classes):
    """A very small uncompiled CNN for fast tests."""
    inputs = keras.Input(shape=input_shape)
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(0.1)(x)  # unseeded on purpose: seeded by the scope
    outputs = keras.layers.Dense(n_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)


@pytest.fixture(scope="module")
def digits():
    return unit_digits()


@pytest.fixture(scope="module")
def fitted(digits):
    X, y = digits
    clf = KerasImageClassifier(epochs=4, batch_size=32, random_state=0)
    return clf.fit(X[:600], y[:600])


def test_is_classifier_and_tags():
    clf = KerasImageClassifier()
    assert is_classifier(clf)
    tags = clf.__sklearn_tags__()
    assert tags.estimator_type == "classifier"
    # Multi-class labels, one label per image; NaN refused; not deterministic
    # on every device (its own __sklearn_tags__).
    assert tags.classifier_tags.multi_class and not tags.classifier_tags.multi_label
    assert tags.target_tags.required and not tags.input_tags.allow_nan
    assert tags.non_deterministic
    # So cross_validate(cv=5) stratifies.
    y = np.array([0] * 10 + [1] * 5)
    assert isinstance(check_cv(5, y, classifier=is_classifier(clf)), StratifiedKFold)


def test_clone_keeps_every_parameter():
    clf = KerasImageClassifier(
        tiny_cnn,
        image_shape=(8, 8),
        epochs=7,
        batch_size=16,
        learning_rate=0.01,
        validation_split=0.2,
        class_weight="balanced",
        random_state=3,
        verbose=0,
    )
    cloned = clone(clf)
    assert cloned.get_params() == clf.get_params()
    assert cloned.epochs == 7 and cloned.model is tiny_cnn
    # keras.wrappers.SKLearnClassifier's clone drops fit_kwargs (epochs); ours
    # has epochs as a plain parameter.
    assert set(clf.get_params()) >= {"epochs", "batch_size", "learning_rate"}


def test_fitted_attributes_and_proba(fitted, digits):
    X, y = digits
    assert list(fitted.classes_) == list(range(10))
    assert fitted.n_features_in_ == 64
    assert fitted.image_shape_ == (8, 8, 1)
    assert isinstance(fitted.model_, keras.Model)
    assert len(fitted.history_["loss"]) == 4
    assert fitted.history_["loss"][-1] < fitted.history_["loss"][0]
    proba = fitted.predict_proba(X[600:700])
    assert proba.shape == (100, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    assert (proba >= 0).all()
    pred = fitted.predict(X[600:700])
    np.testing.assert_array_equal(pred, fitted.classes_[proba.argmax(axis=1)])
    scores = fitted.decision_function(X[600:700])
    assert scores.shape == (100, 10)
    np.testing.assert_array_equal(scores.argmax(axis=1), proba.argmax(axis=1))
    # It learned something: held-out accuracy well above chance (0.1).
    assert fitted.score(X[600:900], y[600:900]) > 0.8


def test_binary_decision_function_is_1d_log_odds(digits):
    X, y = digits
    mask = np.isin(y, [3, 8])
    labels = np.where(y[mask] == 3, "three", "eight")
    clf = KerasImageClassifier(epochs=3, batch_size=32, random_state=0)
    clf.fit(X[mask][:200], labels[:200])
    assert list(clf.classes_) == ["eight", "three"]
    scores = clf.decision_function(X[mask][200:])
    proba = clf.predict_proba(X[mask][200:])
    assert scores.shape == (len(proba),)
    np.testing.assert_allclose(
        scores, np.log(proba[:, 1]) - np.log(proba[:, 0]), rtol=1e-6, atol=1e-6
    )
    pred = clf.predict(X[mask][200:])
    np.testing.assert_array_equal(pred == "three", scores > 0)


def test_cross_validate_binary_roc_auc(digits):
    X, y = digits
    mask = np.isin(y, [1, 7])
    Xb, yb = X[mask][:200], y[mask][:200]
    clf = KerasImageClassifier(tiny_cnn, epochs=4, batch_size=16, random_state=0)
    res = cross_validate(
        clf, Xb, yb, cv=5, scoring=["roc_auc", "accuracy"], return_indices=True
    )
    assert np.isfinite(res["test_roc_auc"]).all()
    assert res["test_roc_auc"].mean() > 0.9
    # cv=5 was stratified: each test fold keeps the class proportions.
    share = (yb == 7).mean()
    for test_idx in res["indices"]["test"]:
        assert abs((yb[test_idx] == 7).mean() - share) < 0.05


def test_cross_validate_multiclass_roc_auc_ovr(digits):
    X, y = digits
    flat = X[:400].reshape(400, -1)  # flat rows + image_shape
    clf = KerasImageClassifier(
        tiny_cnn, image_shape=(8, 8, 1), epochs=4, batch_size=16, random_state=0
    )
    res = cross_validate(clf, flat, y[:400], cv=5, scoring=["roc_auc_ovr"])
    assert np.isfinite(res["test_roc_auc_ovr"]).all()
    assert res["test_roc_auc_ovr"].mean() > 0.9


def test_deterministic_for_int_random_state_and_global_state_untouched(digits):
    X, y = digits
    random.seed(12345)
    py_state = random.getstate()
    np_state = np.random.get_state()  # noqa: NPY002 (global state is the subject)
    policy = keras.config.dtype_policy().name
    floatx = keras.config.floatx()

    def fit(seed):
        clf = KerasImageClassifier(tiny_cnn, epochs=2, batch_size=32, random_state=seed)
        return clf.fit(X[:300], y[:300]).predict_proba(X[300:400])

    p1, p2, p3 = fit(7), fit(7), fit(8)
    np.testing.assert_array_equal(p1, p2)
    assert not np.array_equal(p1, p3)

    assert random.getstate() == py_state
    after = np.random.get_state()  # noqa: NPY002
    assert after[0] == np_state[0] and np.array_equal(after[1], np_state[1])
    assert after[2:] == np_state[2:]
    assert keras.config.dtype_policy().name == policy == "float32"
    assert keras.config.floatx() == floatx


def test_layouts_and_dtypes_give_the_same_model(digits):
    X, y = digits
    Xi = X[:200]
    u8 = np.rint(Xi * 255).astype(np.uint8)
    kwargs = dict(model=tiny_cnn, epochs=2, random_state=1)
    p4 = KerasImageClassifier(**kwargs).fit(u8, y[:200]).predict_proba(u8)
    p3 = KerasImageClassifier(**kwargs).fit(u8[..., 0], y[:200]).predict_proba(u8)
    clf = KerasImageClassifier(image_shape=(8, 8), **kwargs)
    pf = clf.fit(u8.reshape(200, -1), y[:200]).predict_proba(u8.reshape(200, -1))
    np.testing.assert_array_equal(p4, p3)
    np.testing.assert_array_equal(p4, pf)
    # uint8 is scaled by 1/255: same as passing the float images in [0, 1].
    p_float = KerasImageClassifier(**kwargs).fit(u8 / 255.0, y[:200])
    np.testing.assert_allclose(p_float.predict_proba(u8), p4, atol=1e-5)


def test_pickle_round_trip(fitted, digits):
    X, _ = digits
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(
        restored.predict_proba(X[:50]), fitted.predict_proba(X[:50])
    )
    assert restored.get_params() == fitted.get_params()


def test_custom_sigmoid_and_compiled_models(digits):
    X, y = digits
    mask = np.isin(y, [0, 1])
    Xb, yb = X[mask][:120], y[mask][:120]

    def sigmoid_model(input_shape, n_classes):
        inputs = keras.Input(shape=input_shape)
        x = keras.layers.Flatten()(inputs)
        outputs = keras.layers.Dense(1, activation="sigmoid")(x)
        return keras.Model(inputs, outputs)

    clf = KerasImageClassifier(sigmoid_model, epochs=5, random_state=0).fit(Xb, yb)
    proba = clf.predict_proba(Xb)
    assert proba.shape == (120, 2)
    assert clf.score(Xb, yb) > 0.9

    def compiled_model(input_shape, n_classes):
        model = tiny_cnn(input_shape, n_classes)
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        return model

    clf = KerasImageClassifier(compiled_model, epochs=1, random_state=0).fit(Xb, yb)
    assert clf.model_.optimizer.__class__.__name__ == "SGD"


def test_class_weight_and_validation_split(digits):
    X, y = digits
    kw = dict(model=tiny_cnn, epochs=2, random_state=0)
    clf = KerasImageClassifier(class_weight="balanced", validation_split=0.25, **kw)
    clf.fit(X[:200], y[:200])
    assert len(clf.history_["val_loss"]) == 2
    KerasImageClassifier(class_weight={0: 5.0}, **kw).fit(X[:200], y[:200])
    with pytest.raises(ValueError, match="not in y"):
        KerasImageClassifier(class_weight={42: 1.0}, **kw).fit(X[:200], y[:200])


@pytest.mark.parametrize(
    "X, params, match",
    [
        (np.zeros((20, 64)), {}, "pass image_shape"),
        (np.zeros((20, 64)), {"image_shape": (8, 7)}, "56 values per image"),
        (np.zeros((20, 2, 8, 8, 1)), {}, "5-D array"),
        (np.zeros(20), {}, "1-D array"),
        (np.zeros((20, 0, 8)), {}, "no pixels"),  # trained to NaN probabilities
    ],
)
def test_bad_input_errors(X, params, match):
    y = np.arange(20) % 2
    with pytest.raises(ValueError, match=match):
        KerasImageClassifier(epochs=1, **params).fit(X, y)


def test_more_errors(fitted, digits):
    X, y = digits
    with pytest.raises(ValueError, match="fitted on images of shape"):
        fitted.predict(np.zeros((3, 16, 16, 1)))
    with pytest.raises(ValueError, match="at least 2 classes"):
        KerasImageClassifier(epochs=1).fit(X[:10], np.zeros(10))
    with pytest.raises(InvalidParameterError, match="epochs"):
        KerasImageClassifier(epochs=0).fit(X[:10], y[:10])
    with pytest.raises(TypeError, match="must return a keras.Model"):
        KerasImageClassifier(lambda shape, n: "nope", epochs=1).fit(X[:10], y[:10])
    with pytest.raises(ValueError, match="NaN"):
        KerasImageClassifier(epochs=1).fit(np.full((10, 8, 8), np.nan), y[:10])
    # Negative weights would train the network to be wrong on those images.
    weights = np.ones(10)
    weights[3] = -1
    with pytest.raises(ValueError, match="Negative values in data passed to"):
        KerasImageClassifier(epochs=1).fit(X[:10], y[:10], sample_weight=weights)
    for weight in (-2.0, np.inf):
        with pytest.raises(ValueError, match="negative or not finite"):
            KerasImageClassifier(class_weight={1: weight}, epochs=1).fit(X[:10], y[:10])


def test_keras_sklearn_wrapper_works_in_a_pipeline(digits):
    """keras.wrappers.SKLearnClassifier itself: fit/predict in a sklearn Pipeline."""
    from keras.wrappers import SKLearnClassifier

    X, y = digits

    def mlp(X, y):
        model = keras.Sequential(
            [
                keras.Input(shape=(X.shape[1],)),
                keras.layers.Dense(32, activation="relu"),
                keras.layers.Dense(y.shape[1], activation="softmax"),
            ]
        )
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        return model

    pipe = make_pipeline(
        FunctionTransformer(lambda a: a.reshape(len(a), -1)),
        SKLearnClassifier(model=mlp, fit_kwargs={"epochs": 5, "verbose": 0}),
    )
    pipe.fit(X[:1000], y[:1000])
    pred = pipe.predict(X[1000:1300])
    assert pred.shape == (300,)
    assert set(np.unique(pred)) <= set(range(10))
    assert (pred == y[1000:1300]).mean() > 0.5


@pytest.mark.parametrize("method", ["predict", "predict_proba", "decision_function"])
def test_unfitted_raises_not_fitted_error(method, digits):
    from sklearn.exceptions import NotFittedError

    X, y = digits
    with pytest.raises(NotFittedError, match="not fitted yet"):
        getattr(KerasImageClassifier(), method)(X[:3])
    with pytest.raises(NotFittedError, match="not fitted yet"):
        KerasImageClassifier().score(X[:3], y[:3])


@pytest.fixture
def channels_first():
    """A global channels_first image data format, restored afterwards."""
    before = keras.config.image_data_format()
    keras.config.set_image_data_format("channels_first")
    try:
        yield
    finally:
        keras.config.set_image_data_format(before)


def test_a_global_channels_first_setting_changes_nothing(
    digits, fitted, channels_first
):
    from gansampler.metrics import FeatureExtractor

    X, y = digits
    assert keras.config.image_data_format() == "channels_first"
    again = KerasImageClassifier(epochs=4, batch_size=32, random_state=0)
    again.fit(X[:600], y[:600])
    # The same network as under channels_last: 3x3 kernels over 1 channel, and
    # the same predictions.
    kernel = again.model_.layers[1].kernel
    assert tuple(kernel.shape) == (3, 3, 1, 32)
    np.testing.assert_allclose(
        again.predict_proba(X[600:700]), fitted.predict_proba(X[600:700]), atol=1e-6
    )
    extractor = FeatureExtractor(epochs=2, random_state=0).fit(X[:200], y[:200])
    keras.config.set_image_data_format("channels_last")
    reference = FeatureExtractor(epochs=2, random_state=0).fit(X[:200], y[:200])
    np.testing.assert_allclose(
        extractor.transform(X[200:260]), reference.transform(X[200:260]), atol=1e-5
    )


def test_image_shape_with_a_minus_one_reads_rows_of_any_length(digits):
    X, y = digits
    flat = X[:200].reshape(200, -1)
    clf = KerasImageClassifier(tiny_cnn, image_shape=(8, -1), epochs=1, random_state=0)
    clf.fit(flat, y[:200])
    assert clf.image_shape_ == (8, 8, 1) and clf.image_shape == (8, -1)
    rows = KerasImageClassifier(tiny_cnn, image_shape=(1, -1), epochs=1, random_state=0)
    assert rows.fit(flat[:, :10], y[:200]).image_shape_ == (1, 10, 1)
    with pytest.raises(ValueError, match="X has 64 features, but KerasImageClassifier "
                       "is expecting 10 features as input"):  # fmt: skip
        rows.predict(flat)
    with pytest.raises(ValueError, match=r"cannot be completed for 64 values"):
        KerasImageClassifier(image_shape=(3, -1), epochs=1).fit(flat, y[:200])
    with pytest.raises(ValueError, match=r"one -1 at most"):
        KerasImageClassifier(image_shape=(-1, -1), epochs=1).fit(flat, y[:200])
    with pytest.raises(ValueError, match="Reshape your data"):
        clf.predict(flat[0])


def test_a_failed_refit_keeps_the_previous_fit_whole(digits):
    """A fit that fails midway leaves the fitted state of the fit before it."""
    X, y = digits
    calls = []

    def breaks_on_refit(input_shape, n_classes):
        calls.append(input_shape)
        if len(calls) > 1:
            raise RuntimeError("out of memory")  # as a failing build or training
        return tiny_cnn(input_shape, n_classes)

    clf = KerasImageClassifier(model=breaks_on_refit, epochs=1, random_state=0)
    clf.fit(X[:200], y[:200])
    before = clf.predict_proba(X[:5])
    even = y[:200] % 2 == 0
    with pytest.raises(RuntimeError, match="out of memory"):
        clf.fit(X[:200][even][:, :4, :4], y[:200][even] // 2)  # 4x4, 5 classes
    assert clf.classes_.tolist() == list(range(10))
    assert clf.image_shape_ == (8, 8, 1) and clf.n_features_in_ == 64
    np.testing.assert_array_equal(clf.predict_proba(X[:5]), before)
