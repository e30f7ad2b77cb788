"""The feature CNN of the metrics, trained on the task's own labelled images."""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .._images import rescale, to_nhwc, value_range
from .._seeding import MAX_SEED, python_random_seeded

__all__ = ["FeatureExtractor", "fit_feature_extractor"]


class FeatureExtractor(TransformerMixin, BaseEstimator):
    """Features of images for the metrics, learned from the task's own images.

    ``method="cnn"`` trains :class:`~gansampler.classifiers.KerasImageClassifier`
    (the default CNN) to tell the classes of the real labelled images apart and
    returns its penultimate layer (the globally pooled last convolution):
    features that capture what distinguishes the classes of this task, in place
    of the Inception features of the usual FID, which would need a download.
    ``method="pixel"`` returns the pixels, flattened and scaled to ``[-1, 1]``:
    enough for tiny images such as 8x8 digits, and needs no labels.

    Parameters
    ----------
    method : {'cnn', 'pixel'}, default='cnn'
        How features are made (see above).
    image_shape : tuple of int, default=None
        ``(H, W)`` or ``(H, W, C)`` when ``X`` holds flattened images; needed
        for ``'cnn'`` only.
    epochs : int, default=10
        Training epochs of the CNN.
    batch_size : int, default=32
        Training batch size of the CNN.
    random_state : int, RandomState instance or None, default=None
        Seeds the CNN. An int gives identical features on the CPU.
    verbose : int, default=0
        Keras verbosity while training.

    Attributes
    ----------
    value_range_ : tuple of float
        ``(low, high)`` of the fitted images, mapped to ``[-1, 1]``: ``(0,
        255)`` for uint8, ``(0, 1)`` for floats within it, otherwise the
        observed minimum and maximum. Generated images must come in the same
        dtype and range as the real ones (as ``DCGANOverSampler`` returns them).
    n_features_in_ : int
        Values per image.
    image_shape_ : tuple of int or None
        ``(H, W, C)`` of the fitted images (None for flat ``'pixel'`` input).
    n_features_out_ : int
        Length of a feature vector.
    classifier_ : KerasImageClassifier
        The trained CNN (``'cnn'`` only). It takes images scaled to ``[-1,
        1]``; :meth:`predict` scales them first.
    classes_ : ndarray
        Class labels of the CNN (``'cnn'`` only).

    Notes
    -----
    Fit the extractor once, on all real labelled images, and use it for every
    comparison: features, and so metric values, differ between fits. Python's
    :mod:`random` state and Keras' global settings are left unchanged.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from gansampler.metrics import FeatureExtractor
    >>> X, y = load_digits(return_X_y=True)
    >>> images = X.reshape(-1, 8, 8) / 16
    >>> FeatureExtractor("pixel").fit(images).transform(images[:3]).shape
    (3, 64)
    >>> cnn = FeatureExtractor(epochs=1, random_state=0).fit(images[:300], y[:300])
    >>> cnn.transform(images[:3]).shape
    (3, 64)
    """

    def __init__(
        self,
        method="cnn",
        *,
        image_shape=None,
        epochs=10,
        batch_size=32,
        random_state=None,
        verbose=0,
    ):
        self.method = method
        self.image_shape = image_shape
        self.epochs = epochs
        self.batch_size = batch_size
        self.random_state = random_state
        self.verbose = verbose

    def _check_input(self, X):
        X = np.asarray(X)
        if not (np.issubdtype(X.dtype, np.number) or X.dtype == np.bool_) or (
            np.iscomplexobj(X)
        ):
            raise ValueError(f"X must hold real numbers; got dtype {X.dtype}.")
        if X.ndim not in (2, 3, 4):
            raise ValueError(
                "X must be images (n_samples, H, W, C) or (n_samples, H, W), or "
                f"flat (n_samples, H * W * C); got shape {X.shape}."
            )
        if len(X) == 0:
            raise ValueError("X has no samples.")
        if not np.all(np.isfinite(X)):
            raise ValueError("X contains NaN or infinity.")
        return X

    def _fitted_input(self, X):
        """Validated images of the size the extractor was fitted on."""
        check_is_fitted(self, "value_range_")
        X = self._check_input(X)
        if int(np.prod(X.shape[1:])) != self.n_features_in_:
            raise ValueError(
                f"X has {int(np.prod(X.shape[1:]))} values per image but the "
                f"extractor was fitted on images of {self.n_features_in_}."
            )
        return X

    def _cnn_images(self, X):
        """Images scaled to ``[-1, 1]``, (n, H, W, C), as the CNN was fitted on."""
        return to_nhwc(
            rescale(self._fitted_input(X), *self.value_range_),
            fitted_shape=self.image_shape_,
            fitted_by="this FeatureExtractor",
        )

    def fit(self, X, y=None):
        """Fit the extractor on real images.

        Parameters
        ----------
        X : array-like of shape (n_samples, H, W, C), (n_samples, H, W) or \
(n_samples, H * W * C)
            Real images.
        y : array-like of shape (n_samples,), default=None
            Their class labels (at least two classes); needed for ``'cnn'``.

        Returns
        -------
        self : FeatureExtractor
            The fitted extractor.
        """
        if self.method not in ("cnn", "pixel"):
            raise ValueError(f"method must be 'cnn' or 'pixel'; got {self.method!r}.")
        X = self._check_input(X)
        self.value_range_ = value_range(X)
        self.n_features_in_ = int(np.prod(X.shape[1:]))
        self._feature_model = None
        if self.method == "pixel":
            flat_without_shape = X.ndim == 2 and self.image_shape is None
            self.image_shape_ = (
                None if flat_without_shape else to_nhwc(X, self.image_shape).shape[1:]
            )
            self.n_features_out_ = self.n_features_in_
            return self
        if y is None:
            raise ValueError(
                "method='cnn' trains a classifier on the real images and needs "
                "their labels y (at least two classes); use method='pixel' "
                "without labels."
            )
        from ..classifiers import KerasImageClassifier

        images = to_nhwc(rescale(X, *self.value_range_), self.image_shape)
        seed = int(check_random_state(self.random_state).randint(MAX_SEED))
        classifier = KerasImageClassifier(
            epochs=self.epochs,
            batch_size=self.batch_size,
            random_state=seed,
            verbose=self.verbose,
        )
        with python_random_seeded():
            classifier.fit(images, y)
        self.classifier_ = classifier
        self.classes_ = classifier.classes_
        self.image_shape_ = tuple(int(v) for v in images.shape[1:])
        self.n_features_out_ = int(self._get_feature_model().output_shape[-1])
        return self

    def _get_feature_model(self):
        if getattr(self, "_feature_model", None) is None:
            import keras

            model = self.classifier_.model_
            with python_random_seeded():
                # Penultimate layer: the input of the final (softmax) layer.
                self._feature_model = keras.Model(model.inputs, model.layers[-1].input)
        return self._feature_model

    def transform(self, X):
        """Features of images.

        Parameters
        ----------
        X : array-like of shape (n_samples, H, W, C), (n_samples, H, W) or \
(n_samples, H * W * C)
            Images of the same shape, dtype and value range as the fitted ones.

        Returns
        -------
        ndarray of float64, shape (n_samples, n_features)
            The features, ``n_features_out_`` per image.
        """
        if self.method == "pixel":
            X = self._fitted_input(X)
            return rescale(X, *self.value_range_).reshape(len(X), -1).astype(np.float64)
        images = self._cnn_images(X)
        with python_random_seeded():
            features = self._get_feature_model().predict(
                images, batch_size=256, verbose=0
            )
        return np.asarray(features, dtype=np.float64).reshape(len(X), -1)

    def predict(self, X):
        """The class each image looks like to the CNN (``'cnn'`` only).

        The share of generated images of a class that the CNN recognises as
        that class is a quality measure of its own (docs/quality.md).

        Parameters
        ----------
        X : array-like
            Images, as for :meth:`transform`.

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        check_is_fitted(self, "value_range_")
        if self.method != "cnn":
            raise ValueError(
                f"predict needs method='cnn'; this extractor is {self.method!r}."
            )
        images = self._cnn_images(X)
        with python_random_seeded():
            return self.classifier_.predict(images)

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_feature_model", None)  # rebuilt from classifier_ on demand
        return state


def fit_feature_extractor(
    X, y=None, *, method="cnn", image_shape=None, epochs=10, random_state=None
):
    """Fit a :class:`FeatureExtractor` on real (labelled) images.

    Parameters
    ----------
    X : array-like of shape (n_samples, H, W, C), (n_samples, H, W) or \
(n_samples, H * W * C)
        Real images of all classes.
    y : array-like of shape (n_samples,), default=None
        Their labels; needed for ``method='cnn'``.
    method : {'cnn', 'pixel'}, default='cnn'
        Penultimate-layer features of a CNN trained on ``(X, y)``, or scaled
        pixels.
    image_shape : tuple of int, default=None
        ``(H, W)`` or ``(H, W, C)`` for flat ``X``.
    epochs : int, default=10
        Training epochs of the CNN.
    random_state : int, RandomState instance or None, default=None
        Seeds the CNN.

    Returns
    -------
    FeatureExtractor
        The fitted extractor; call ``transform`` on real and generated images.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.metrics import fit_feature_extractor
    >>> images = np.random.default_rng(0).integers(0, 256, (10, 4, 4, 3), np.uint8)
    >>> features = fit_feature_extractor(images, method="pixel").transform(images)
    >>> features.shape, features.min() >= -1, features.max() <= 1
    ((10, 48), np.True_, np.True_)
    """
    return FeatureExtractor(
        method,
        image_shape=image_shape,
        epochs=epochs,
        random_state=random_state,
    ).fit(X, y)
