"""A Keras 3 image classifier with the scikit-learn classifier API.

:class:`KerasImageClassifier` is written for this library rather than taken from
``keras.wrappers.SKLearnClassifier`` because the latter (Keras 3.15) drops its
``fit_kwargs`` (and so the number of epochs) when scikit-learn clones it for each
cross-validation fold, has no ``predict_proba`` and returns two columns from
``decision_function`` for binary targets, so ``roc_auc`` scoring fails.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state, compute_class_weight
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
)

from ._images import to_nhwc, unit_float32
from ._seeding import python_random_seeded

__all__ = ["KerasImageClassifier", "build_default_cnn"]

_MAX_SEED = 2**31 - 1


def build_default_cnn(input_shape, n_classes, *, seed=None):
    """Build the default convolutional network of :class:`KerasImageClassifier`.

    The network adapts to the image size: ``k = clip(floor(log2(min(H, W))) - 2,
    1, 5)`` blocks of ``Conv2D(3x3) -> BatchNormalization -> ReLU ->
    MaxPooling2D(2)`` with 32, 64, 128, 256, 256 filters, one more convolution
    block without pooling, ``GlobalAveragePooling2D``, ``Dropout(0.3)`` and a
    ``Dense`` softmax layer. An 8x8 image gets one pooling block, 32x32 three and
    128x128 five (down to 4x4 before the global pooling). Every layer reads
    ``(H, W, C)`` images (``data_format="channels_last"``), whatever
    ``keras.config.image_data_format()`` is set to. Batch normalization
    uses ``momentum=0.9`` rather than Keras' 0.99 so that its moving statistics
    settle within short trainings (with 0.99, five epochs on digits left them far
    enough off to give chance-level predictions).

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)`` of one image.
    n_classes : int
        Number of classes (units of the softmax output), at least 2.
    seed : int or None, default=None
        Seed of the dropout layer. With None, Keras draws one from Python's
        :mod:`random` module.

    Returns
    -------
    model : keras.Model
        An uncompiled functional model mapping images to class probabilities.

    Examples
    --------
    >>> from gansampler.classifiers import build_default_cnn
    >>> model = build_default_cnn((8, 8, 1), 10, seed=0)
    >>> model.output_shape
    (None, 10)
    """
    import keras
    from keras import layers

    height, width, _ = (int(v) for v in input_shape)
    n_pool = int(np.clip(int(np.log2(max(min(height, width), 1))) - 2, 1, 5))

    # Images are (H, W, C) whatever keras.config.image_data_format() says.
    fmt = "channels_last"
    inputs = keras.Input(shape=tuple(int(v) for v in input_shape))
    x = inputs
    for i in range(n_pool):
        x = layers.Conv2D(
            min(32 * 2**i, 256), 3, padding="same", use_bias=False, data_format=fmt
        )(x)
        x = layers.BatchNormalization(axis=-1, momentum=0.9)(x)
        x = layers.Activation("relu")(x)
        x = layers.MaxPooling2D(2, padding="same", data_format=fmt)(x)
    x = layers.Conv2D(
        min(32 * 2**n_pool, 256), 3, padding="same", use_bias=False, data_format=fmt
    )(x)
    x = layers.BatchNormalization(axis=-1, momentum=0.9)(x)
    x = layers.Activation("relu")(x)
    x = layers.GlobalAveragePooling2D(data_format=fmt)(x)
    x = layers.Dropout(0.3, seed=seed)(x)
    outputs = layers.Dense(int(n_classes), activation="softmax")(x)
    return keras.Model(inputs, outputs, name="default_cnn")


def _inferred_shape(image_shape, n_values):
    """``image_shape`` with its one ``-1`` worked out from ``n_values`` per image."""
    if image_shape is None:
        return None
    shape = tuple(image_shape)
    if -1 not in shape:
        return image_shape
    known = [v for v in shape if v != -1]
    size = int(np.prod(known)) if known else 1
    if shape.count(-1) > 1 or size < 1 or n_values % size or n_values == 0:
        raise ValueError(
            f"image_shape={image_shape!r} cannot be completed for {n_values} values "
            "per image: one -1 at most, and the other sizes must divide the "
            "number of values."
        )
    return tuple(n_values // size if v == -1 else v for v in shape)


class KerasImageClassifier(ClassifierMixin, BaseEstimator):
    """Keras 3 convolutional image classifier with the scikit-learn API.

    A scikit-learn classifier (``is_classifier`` is True, so
    ``cross_validate(cv=5)`` uses ``StratifiedKFold``) with ``predict_proba`` and
    a ``decision_function`` that ``roc_auc`` scoring accepts. All parameters are
    constructor parameters, so they survive :func:`sklearn.base.clone`.

    Parameters
    ----------
    model : callable or None, default=None
        ``model(input_shape, n_classes) -> keras.Model``, called at each ``fit``
        with ``input_shape = (H, W, C)``. The model must output class
        probabilities of shape ``(n, n_classes)`` (softmax) or, for two classes,
        ``(n, 1)`` (sigmoid: probability of ``classes_[1]``). An uncompiled
        model is compiled with Adam(``learning_rate``) and sparse categorical
        (or binary) cross-entropy; a compiled model is used as it is and must
        accept integer class indices ``0 .. n_classes - 1`` as targets.
        None builds :func:`build_default_cnn`.
    image_shape : tuple of int or None, default=None
        ``(H, W)`` or ``(H, W, C)``. Needed only when ``X`` is passed flat, as
        ``(n_samples, H * W * C)``. One size may be -1, worked out from the
        number of values per row as :func:`numpy.reshape` does:
        ``image_shape=(1, -1)`` reads each row of tabular data, whatever its
        length, as an image one pixel high (the configuration in which
        scikit-learn's estimator checks run).
    epochs : int, default=20
        Number of passes over the training data.
    batch_size : int, default=32
        Mini-batch size for training and prediction.
    learning_rate : float, default=1e-3
        Adam learning rate (ignored for a model that comes compiled).
    validation_split : float, default=0.0
        Fraction of the training data held out (stratified when possible, seeded
        by ``random_state``) to report ``val_loss`` / ``val_accuracy`` in
        ``history_``. It does not change which model is returned.
    augmentation : str, sequence of str or None, default=None
        Random changes of the training images, made by Keras layers in front
        of the network while it trains (never at prediction: ``model_`` does
        not hold them), seeded from ``random_state``: names joined by commas
        or a tuple of names, applied in order. ``"flip"`` mirrors each image
        left-right and top-bottom, each with probability 1/2; ``"rot90"``
        turns it by a random multiple of 90 degrees, exactly (square images);
        ``"translation"`` shifts it by up to 1/8 of its height and width, in
        whole pixels, the border filled by reflection. None trains on the
        images as given.
    class_weight : dict, "balanced" or None, default=None
        Weights of the loss per class, keyed by the original labels, or
        "balanced" (``n_samples / (n_classes * count)``).
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialization, dropout, shuffling and the validation split.
        With an int, repeated fits give identical predictions on the CPU (GPU
        kernels may add their own non-determinism). One seed is drawn from it
        per fit (None draws it from NumPy's global generator, as scikit-learn
        estimators do); Python's :mod:`random` is seeded with it only while the
        model is built and trained, and restored afterwards. No Keras global
        setting (dtype policy, global seed) is changed.
    verbose : int, default=0
        Keras verbosity of ``fit`` (0 silent, 1 a progress bar per epoch, 2
        one line per epoch), each epoch shown as "Epoch k/epochs".

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted (any labels, strings too).
    n_features_in_ : int
        Number of values per image, ``H * W * C``.
    image_shape_ : tuple of int
        ``(H, W, C)`` of the training images.
    model_ : keras.Model
        The fitted Keras model.
    history_ : dict of str to list of float
        Per-epoch metrics (``loss``, ``accuracy``, ``val_*`` when
        ``validation_split > 0``).

    Notes
    -----
    Input images may be ``(n, H, W, C)``, ``(n, H, W)`` (one channel added) or
    flat ``(n, H * W * C)`` with ``image_shape``. ``uint8`` values are divided by
    255; every other numeric dtype is cast to float32 and used as it is, so
    scale floating-point images yourself (the default network's batch
    normalization tolerates most ranges).

    The default network uses batch normalization, whose moving statistics need
    on the order of a hundred training steps (``epochs * n_samples /
    batch_size``) to settle; much shorter trainings can predict far worse than
    their training accuracy suggests.

    The fitted estimator can be pickled (the Keras model is a functional model).

    scikit-learn's estimator checks
    (:func:`sklearn.utils.estimator_checks.check_estimator`) pass with
    ``image_shape=(1, -1)``, which reads their tabular rows of any
    length as images one pixel high, except the check that weighting a row by
    2 trains as repeating it does, which no mini-batch training can meet
    (tests/test_estimator_checks.py).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from gansampler.classifiers import KerasImageClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = KerasImageClassifier(image_shape=(8, 8), epochs=3, random_state=0)
    >>> clf.fit(X / 16, y).predict_proba(X[:2] / 16).shape
    (2, 10)
    """

    _parameter_constraints: dict = {
        "model": [callable, None],
        "image_shape": [tuple, list, None],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "validation_split": [Interval(Real, 0, 1, closed="left")],
        "augmentation": [str, tuple, list, None],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        model=None,
        *,
        image_shape=None,
        epochs=20,
        batch_size=32,
        learning_rate=1e-3,
        validation_split=0.0,
        augmentation=None,
        class_weight=None,
        random_state=None,
        verbose=0,
    ):
        self.model = model
        self.image_shape = image_shape
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_split = validation_split
        self.augmentation = augmentation
        self.class_weight = class_weight
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ input
    def _to_images(self, X, *, fitted_shape=None):
        """Validate X and return float32 images of shape (n, H, W, C)."""
        X = check_array(
            X,
            allow_nd=True,
            dtype="numeric",
            ensure_all_finite=True,
            ensure_2d=False,
            input_name="X",
        )
        if X.ndim < 2:
            raise ValueError(
                f"X is a {X.ndim}-D array of shape {X.shape}; pass images as "
                "(n_samples, H, W[, C]) or flat rows (n_samples, H * W * C). Reshape "
                "your data: X.reshape(1, -1) is one flat image."
            )
        n_values = int(np.prod(X.shape[1:]))
        if fitted_shape is not None and X.ndim == 2 and n_values != self.n_features_in_:
            raise ValueError(
                f"X has {n_values} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input."
            )
        images = to_nhwc(
            X,
            _inferred_shape(self.image_shape, n_values),
            fitted_shape=fitted_shape,
            fitted_by=f"this {type(self).__name__}",
        )
        return unit_float32(images)

    # -------------------------------------------------------------------- fit
    def _build_model(self, input_shape, n_classes, seed):
        import keras

        if self.model is None:
            model = build_default_cnn(input_shape, n_classes, seed=seed)
        else:
            model = self.model(input_shape, n_classes)
        if not isinstance(model, keras.Model):
            raise TypeError(
                "model(input_shape, n_classes) must return a keras.Model, got "
                f"{type(model).__name__}."
            )
        n_out = model.output_shape[-1]
        if n_out == n_classes:
            binary_output = False
        elif n_out == 1 and n_classes == 2:
            binary_output = True
        else:
            raise ValueError(
                f"The model outputs {n_out} values per image; expected "
                f"n_classes={n_classes}"
                + (" (or 1 sigmoid unit)." if n_classes == 2 else ".")
            )
        if not model.compiled:
            model.compile(
                optimizer=keras.optimizers.Adam(learning_rate=self.learning_rate),
                loss=(
                    "binary_crossentropy"
                    if binary_output
                    else "sparse_categorical_crossentropy"
                ),
                metrics=["accuracy"],
            )
        return model, binary_output

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network on images X and labels y.

        Parameters
        ----------
        X : array-like of shape (n_samples, H, W, C), (n_samples, H, W) or \
(n_samples, H * W * C)
            Training images (flat rows need ``image_shape``).
        y : array-like of shape (n_samples,)
            Class labels (at least two classes).
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss.

        Returns
        -------
        self : KerasImageClassifier
            The fitted classifier.
        """
        images = self._to_images(X)
        policy = self._augmentation_policy(images.shape[1:])
        y = column_or_1d(y, warn=True)
        check_consistent_length(images, y)
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        classes = encoder.classes_
        if len(classes) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes in y; got "
                f"{len(classes)} class: {classes.tolist()}."
            )
        y_enc = encoder.transform(y).astype(np.int64)
        sw = None
        if sample_weight is not None:
            sw = _check_sample_weight(sample_weight, images, dtype=np.float32)

        import keras

        rng = check_random_state(self.random_state)
        seed = int(rng.randint(_MAX_SEED))
        shuffle_rng = np.random.default_rng(seed)

        train_idx = np.arange(len(y_enc))
        val_idx = None
        if self.validation_split > 0:
            counts = np.bincount(y_enc)
            n_val = int(np.ceil(self.validation_split * len(y_enc)))
            stratify = (
                y_enc
                if counts.min() >= 2
                and len(classes) <= n_val <= len(y_enc) - len(classes)
                else None
            )
            if n_val >= len(y_enc):
                raise ValueError(
                    f"validation_split={self.validation_split} leaves no training "
                    f"data out of {len(y_enc)} samples."
                )
            train_idx, val_idx = train_test_split(
                train_idx, test_size=n_val, random_state=seed, stratify=stratify
            )
            train_idx = np.sort(train_idx)

        class_weight = self._keras_class_weight(encoder, y_enc[train_idx])

        self.classes_ = classes
        self.image_shape_ = tuple(int(v) for v in images.shape[1:])
        self.n_features_in_ = int(np.prod(self.image_shape_))

        with python_random_seeded(seed):
            model, self._binary_output = self._build_model(
                self.image_shape_, len(classes), seed
            )
            trained = model
            if policy:
                from ._classifier_augmentation import augmenting_model

                trained = augmenting_model(model, policy, seed)
            validation_data = None
            if val_idx is not None:
                validation_data = (
                    (images[val_idx], y_enc[val_idx])
                    if sw is None
                    else (images[val_idx], y_enc[val_idx], sw[val_idx])
                )
            history: dict = {}
            # One fit call per epoch, each stopped after its epoch, so that
            # Keras counts (and shows) "Epoch 3/20" of the whole training.
            one_epoch = keras.callbacks.LambdaCallback(
                on_epoch_end=lambda epoch, logs: setattr(trained, "stop_training", True)
            )
            for epoch in range(self.epochs):
                # Our own seeded shuffle; Keras' shuffle draws from TF's global
                # seed.
                order = train_idx[shuffle_rng.permutation(len(train_idx))]
                result = trained.fit(
                    images[order],
                    y_enc[order],
                    sample_weight=None if sw is None else sw[order],
                    batch_size=self.batch_size,
                    epochs=self.epochs,
                    initial_epoch=epoch,
                    shuffle=False,
                    class_weight=class_weight,
                    validation_data=validation_data,
                    callbacks=[one_epoch],
                    verbose=self.verbose,
                )
                for key, values in result.history.items():
                    history.setdefault(key, []).extend(float(v) for v in values)
        if trained is not model:
            # The fitted network keeps the state of the optimizer that trained
            # its weights (behind the augmentation layers).
            model.optimizer = trained.optimizer
        self.model_ = model
        self.history_ = history
        return self

    def _augmentation_policy(self, image_shape):
        """The checked names of ``augmentation`` for images of ``image_shape``."""
        if self.augmentation is None:
            return ()
        from ._classifier_augmentation import check_policy

        return check_policy(self.augmentation, image_shape)

    def _keras_class_weight(self, encoder, y_enc):
        if self.class_weight is None:
            return None
        n_classes = len(encoder.classes_)
        if isinstance(self.class_weight, str):  # "balanced"
            present = np.unique(y_enc)
            weights = compute_class_weight("balanced", classes=present, y=y_enc)
            out = {int(k): 1.0 for k in range(n_classes)}
            out.update(
                {int(k): float(w) for k, w in zip(present, weights, strict=True)}
            )
            return out
        unknown = [k for k in self.class_weight if k not in set(encoder.classes_)]
        if unknown:
            raise ValueError(
                f"class_weight has labels {unknown} that are not in y "
                f"(classes: {encoder.classes_.tolist()})."
            )
        out = {int(k): 1.0 for k in range(n_classes)}
        for label, weight in self.class_weight.items():
            out[int(encoder.transform([label])[0])] = float(weight)
        return out

    # ---------------------------------------------------------------- predict
    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, H, W, C), (n_samples, H, W) or \
(n_samples, H * W * C)
            Images in any layout accepted by :meth:`fit`.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_``; each row sums to 1.
        """
        check_is_fitted(self)
        images = self._to_images(X, fitted_shape=self.image_shape_)
        out = np.asarray(
            self.model_.predict(images, batch_size=self.batch_size, verbose=0),
            dtype=np.float64,
        )
        if self._binary_output:
            p = np.clip(out.reshape(-1), 0.0, 1.0)
            out = np.column_stack([1.0 - p, p])
        out = np.clip(out, 0.0, None)
        return out / out.sum(axis=1, keepdims=True)

    def predict(self, X):
        """Predicted class labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, H, W, C), (n_samples, H, W) or \
(n_samples, H * W * C)
            Images in any layout accepted by :meth:`fit`.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)  # first: it checks that self is fitted
        return self.classes_[np.argmax(proba, axis=1)]

    def decision_function(self, X):
        """Confidence scores, as scikit-learn's scorers expect them.

        Parameters
        ----------
        X : array-like of shape (n_samples, H, W, C), (n_samples, H, W) or \
(n_samples, H * W * C)
            Images in any layout accepted by :meth:`fit`.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For two classes, the log-odds ``log p(classes_[1]) - log
            p(classes_[0])`` (positive means ``classes_[1]``); otherwise the log
            probabilities of each class.
        """
        log_p = np.log(np.clip(self.predict_proba(X), 1e-12, None))
        if log_p.shape[1] == 2:
            return log_p[:, 1] - log_p[:, 0]
        return log_p

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        # Deterministic for an int random_state on the CPU, not on every device.
        tags.non_deterministic = True
        return tags
