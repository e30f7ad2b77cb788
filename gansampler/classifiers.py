"""A Keras 3 image classifier with the scikit-learn classifier API.

:class:`KerasImageClassifier` is written for this library rather than taken from
``keras.wrappers.SKLearnClassifier`` because the latter (Keras 3.15) drops its
``fit_kwargs`` (and so the number of epochs) when scikit-learn clones it for each
cross-validation fold, has no ``predict_proba`` and returns two columns from
``decision_function`` for binary targets, so ``roc_auc`` scoring fails.
"""

from __future__ import annotations

import os
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
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

from ._classifier_networks import (
    BACKBONES,
    build_backbone_network,
    build_default_cnn,
    build_residual_cnn,
    check_backbone,
)
from ._classifier_training import (
    KeepBest,
    auto_epochs,
    compile_for_training,
    grouped_validation_split,
    patience_for,
)
from ._images import to_nhwc, unit_float32
from ._seeding import MAX_SEED, python_random_seeded

__all__ = ["KerasImageClassifier", "build_default_cnn", "build_residual_cnn"]


def keras_batch_norm():
    import keras

    return keras.layers.BatchNormalization


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
        model is trained as the default network is (AdamW, cosine schedule,
        label smoothing); a compiled model is trained with its own optimizer
        and loss and must accept integer class indices ``0 .. n_classes - 1``
        as targets. None builds :func:`build_residual_cnn` (or, with
        ``backbone``, a pretrained network).
    backbone : {"resnet50", "efficientnet_b0", "mobilenet_v2"} or None, default=None
        A ``keras.applications`` network (without its ImageNet top) with a new
        softmax head, instead of ``model``. Grey images are repeated into
        three channels and every image is resized to 224x224, the size the
        backbone was trained at (images under 32x32 are refused). Costly: a
        resnet50 step does about 40x the work of the default network's at
        64x64. Pixel values are taken to lie in [0, 1] (uint8 images are).
    weights : str, path or None, default=None
        A weights file (``.h5``) of the backbone without its top, such as
        ``keras.applications.ResNet50(include_top=False, weights="imagenet",
        input_shape=(224, 224, 3)).save_weights("resnet50.weights.h5")``
        wrote on a machine with network access; nothing is downloaded. With a
        file, the backbone stays frozen and only the head is trained (see
        ``fine_tune``); with None, the whole network starts from random
        weights and is trained.
    fine_tune : bool, default=False
        With ``weights``: after the head is trained, train the whole network
        again for as many epochs at a tenth of ``learning_rate`` (batch
        normalization kept frozen).
    image_shape : tuple of int or None, default=None
        ``(H, W)`` or ``(H, W, C)``. Needed only when ``X`` is passed flat, as
        ``(n_samples, H * W * C)``. One size may be -1, worked out from the
        number of values per row as :func:`numpy.reshape` does:
        ``image_shape=(1, -1)`` reads each row of tabular data, whatever its
        length, as an image one pixel high (the configuration in which
        scikit-learn's estimator checks run).
    epochs : int or "auto", default="auto"
        Number of passes over the training data. "auto" follows the data:
        as many epochs as make about 1,000 updates (mini-batches), at least
        10 and at most 100, so that a small (say, under-sampled) training
        set gets as many updates as a large one. With ``validation_split``
        this is the most it trains (early stopping).
    batch_size : int, default=32
        Mini-batch size for training and prediction.
    learning_rate : float, default=1e-3
        Peak learning rate of AdamW (weight decay 1e-4), decayed to 0 over the
        planned epochs along a cosine (ignored for a model that comes
        compiled).
    validation_split : float, default=0.0
        Fraction of the distinct training images of each class held out to
        stop training early: training stops once the validation loss has not
        improved for a quarter of the planned epochs (at least 5) and the
        weights of the best epoch are restored (``best_epoch_``). Copies of
        one image (random over-sampling makes them) stay together on one
        side. 0 trains for all the planned epochs on all the data. A split
        that leaves a class without training or validation images raises a
        ValueError.
    augmentation : str, sequence of str or None, default=None
        Random changes of the training images, made by Keras layers in front
        of the network while it trains (never at prediction: ``model_`` does
        not hold them), seeded from ``random_state``: names joined by commas
        or a tuple of names, applied in order. ``"flip"`` mirrors each image
        left-right and top-bottom, each with probability 1/2; ``"rot90"``
        turns it by a random multiple of 90 degrees, exactly (square images);
        ``"translation"`` shifts it by up to 1/8 of its height and width, in
        whole pixels, the border filled with 0; ``"zoom"`` scales it
        by 0.9 to 1.1 about its centre; ``"brightness"`` adds up to +-0.1 of
        its range; ``"contrast"`` scales its contrast by 0.8 to 1.25. Use
        only transformations that keep the class of an image (flips and
        quarter turns do not on digits, quarter turns do not on solar cells):
        see :mod:`gansampler._classifier_augmentation`. None trains on the
        images as given.
    class_weight : dict, "balanced" or None, default=None
        Weights of the loss per class, keyed by the original labels, or
        "balanced" (``n_samples / (n_classes * count)``).
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialization, dropout, shuffling, augmentation and the
        validation split. With an int, repeated fits give identical
        predictions on the CPU (GPU kernels may add their own
        non-determinism). One seed is drawn from it per fit (None draws it
        from NumPy's global generator, as scikit-learn estimators do);
        Python's :mod:`random` is seeded with it only while the model is
        built and trained, and restored afterwards. No Keras global setting
        (dtype policy, global seed) is changed.
    verbose : int, default=0
        Keras verbosity of ``fit`` (0 silent, 1 a progress bar per epoch, 2
        one line per epoch).

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
    best_epoch_ : int or None
        With ``validation_split``, the epoch (from 1) whose weights were kept;
        None without.

    Notes
    -----
    Input images may be ``(n, H, W, C)``, ``(n, H, W)`` (one channel added) or
    flat ``(n, H * W * C)`` with ``image_shape``. ``uint8`` values are divided by
    255; every other numeric dtype is cast to float32 and used as it is, so
    scale floating-point images yourself (the default network's batch
    normalization tolerates most ranges).

    The default network and training (a residual network, AdamW with a
    cosine schedule, label smoothing 0.1, about 1,000 updates) were chosen
    by a study inside the training folds of ELPV (docs/classifier_study.md).
    The plain network and Adam training that were the default until
    2026-12-04 remain reachable with a compiled model (see
    :func:`build_default_cnn`).

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
        "backbone": [StrOptions(set(BACKBONES)), None],
        "weights": [str, os.PathLike, None],
        "fine_tune": ["boolean"],
        "image_shape": [tuple, list, None],
        "epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
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
        backbone=None,
        weights=None,
        fine_tune=False,
        image_shape=None,
        epochs="auto",
        batch_size=32,
        learning_rate=1e-3,
        validation_split=0.0,
        augmentation=None,
        class_weight=None,
        random_state=None,
        verbose=0,
    ):
        self.model = model
        self.backbone = backbone
        self.weights = weights
        self.fine_tune = fine_tune
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
        if n_values == 0:
            raise ValueError(
                f"X holds images of shape {X.shape[1:]}, with no pixels; each "
                "image needs at least one value."
            )
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
        """The network, whether its output is one sigmoid unit, its backbone."""
        import keras

        base = None
        if self.backbone is not None:
            model, base = build_backbone_network(
                self.backbone, self.weights, input_shape, n_classes, seed=seed
            )
            if self.weights is not None:
                base.trainable = False
        elif self.model is None:
            model = build_residual_cnn(input_shape, n_classes, seed=seed)
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
        return model, binary_output, base

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
        if self.model is not None and self.backbone is not None:
            raise ValueError(
                f"backbone={self.backbone!r} and model are both given; give one."
            )
        check_backbone(self.backbone, self.weights, images.shape[1:])
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
            # A negative weight would train the network to be wrong there.
            sw = _check_sample_weight(
                sample_weight, images, dtype=np.float32, ensure_non_negative=True
            )

        rng = check_random_state(self.random_state)
        seed = int(rng.randint(MAX_SEED))
        shuffle_rng = np.random.default_rng(seed)

        train_idx = np.arange(len(y_enc))
        val_idx = None
        if self.validation_split > 0:
            train_idx, val_idx = grouped_validation_split(
                images, y_enc, self.validation_split, seed, len(classes)
            )

        class_weight = self._keras_class_weight(encoder, y_enc[train_idx])
        if class_weight is not None:
            # As Keras applies class_weight: a factor on each sample's weight.
            factors = np.array([class_weight[k] for k in range(len(classes))])
            sw = (np.ones(len(y_enc), np.float32) if sw is None else sw) * factors[
                y_enc
            ].astype(np.float32)

        image_shape = tuple(int(v) for v in images.shape[1:])
        steps = int(np.ceil(len(train_idx) / self.batch_size))
        epochs = auto_epochs(self.epochs, steps)

        with python_random_seeded(seed):
            model, binary_output, base = self._build_model(
                image_shape, len(classes), seed
            )
            one_hot = False
            if not model.compiled:
                one_hot = compile_for_training(
                    model,
                    learning_rate=self.learning_rate,
                    total_steps=epochs * steps,
                    binary_output=binary_output,
                )
            targets = (
                np.eye(len(classes), dtype=np.float32)[y_enc] if one_hot else y_enc
            )
            history: dict = {}
            best_epoch = self._train(model, policy, seed, images, targets, sw,
                                     train_idx, val_idx, epochs, shuffle_rng,
                                     history)  # fmt: skip
            if base is not None and self.weights is not None and self.fine_tune:
                base.trainable = True
                for layer in base._flatten_layers():
                    if isinstance(layer, keras_batch_norm()):
                        layer.trainable = False
                compile_for_training(
                    model,
                    learning_rate=self.learning_rate / 10,
                    total_steps=epochs * steps,
                    binary_output=binary_output,
                )
                best_epoch = self._train(model, policy, seed + 1, images, targets,
                                         sw, train_idx, val_idx, epochs,
                                         shuffle_rng, history)  # fmt: skip
        # Only now, all together: a fit that fails leaves the one before whole.
        self.classes_ = classes
        self.image_shape_ = image_shape
        self.n_features_in_ = int(np.prod(image_shape))
        self._binary_output = binary_output
        self.model_ = model
        self.history_ = history
        self.best_epoch_ = best_epoch
        return self

    def _train(self, model, policy, seed, images, targets, sw, train_idx, val_idx,
               epochs, shuffle_rng, history):  # fmt: skip
        """Train ``model`` (behind the augmentation layers) for ``epochs``.

        Returns the epoch whose weights were restored (early stopping on the
        validation part), or None without one.
        """
        import keras

        trained = model
        if policy:
            from ._classifier_augmentation import augmenting_model

            trained = augmenting_model(model, policy, seed)
        validation_data = None
        if val_idx is not None:
            validation_data = (
                (images[val_idx], targets[val_idx])
                if sw is None
                else (images[val_idx], targets[val_idx], sw[val_idx])
            )
        best = KeepBest(model, patience_for(epochs))
        # One fit call per epoch, each stopped after its epoch, so that Keras
        # counts (and shows) "Epoch 3/20" of the whole training; arrays rather
        # than a keras.utils.PyDataset, which took twice as long per step on
        # the CPU.
        one_epoch = keras.callbacks.LambdaCallback(
            on_epoch_end=lambda epoch, logs: setattr(trained, "stop_training", True)
        )
        for epoch in range(epochs):
            # Our own seeded shuffle; Keras' shuffle draws from TF's global seed.
            order = train_idx[shuffle_rng.permutation(len(train_idx))]
            result = trained.fit(
                images[order],
                targets[order],
                sample_weight=None if sw is None else sw[order],
                batch_size=self.batch_size,
                epochs=epochs,
                initial_epoch=epoch,
                shuffle=False,
                validation_data=validation_data,
                callbacks=[one_epoch],
                verbose=self.verbose,
            )
            for key, values in result.history.items():
                history.setdefault(key, []).extend(float(v) for v in values)
            if val_idx is not None and best.update(epoch, history["val_loss"][-1]):
                break
        if val_idx is not None:
            best.restore()
        if trained is not model:
            # The fitted network keeps the state of the optimizer that trained
            # its weights (behind the augmentation layers).
            model.optimizer = trained.optimizer
        return best.best_epoch if val_idx is not None else None

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
        bad = {k: w for k, w in self.class_weight.items() if not 0 <= float(w) < np.inf}
        if bad:
            raise ValueError(
                f"class_weight has weights {bad} that are negative or not finite; "
                "each class's weight multiplies its loss and must be >= 0."
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
        X : array-like
            Images, as for :meth:`predict_proba`.

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
        X : array-like
            The images to score, in a layout that :meth:`fit` accepts.

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
