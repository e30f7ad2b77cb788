"""The networks of :class:`~gansampler.classifiers.KerasImageClassifier`.

``build_residual_cnn``: the default, a small residual network sized to the
image. ``build_default_cnn``: the plain network that was the default until
2026-12-04. ``build_backbone_network``: a ``keras.applications`` network
(``backbone=``) with a new classification head, its weights read from a file.
"""

from __future__ import annotations

import os

import numpy as np

__all__ = [
    "BACKBONES",
    "build_backbone_network",
    "build_default_cnn",
    "build_residual_cnn",
    "check_backbone",
]

# Every layer reads (H, W, C) images whatever keras.config.image_data_format()
# says.
_FMT = "channels_last"

#: name -> (keras.applications class, input size it was trained at, smallest
#: input it accepts, how it wants its pixels: "caffe" = 0..255 less the
#: ImageNet mean, BGR; "raw" = 0..255 (the network rescales itself); "tf" =
#: -1..1).
BACKBONES = {
    "resnet50": ("ResNet50", 224, 32, "caffe"),
    "efficientnet_b0": ("EfficientNetB0", 224, 32, "raw"),
    "mobilenet_v2": ("MobileNetV2", 224, 32, "tf"),
}
_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)


def build_default_cnn(input_shape, n_classes, *, seed=None):
    """Build the plain convolutional network (the default until 2026-12-04).

    The network adapts to the image size: ``k = clip(floor(log2(min(H, W))) - 2,
    1, 5)`` blocks of ``Conv2D(3x3) -> BatchNormalization -> ReLU ->
    MaxPooling2D(2)`` with 32, 64, 128, 256, 256 filters, one more convolution
    block without pooling, ``GlobalAveragePooling2D``, ``Dropout(0.3)`` and a
    ``Dense`` softmax layer. An 8x8 image gets one pooling block, 32x32 three and
    128x128 five (down to 4x4 before the global pooling). Batch normalization
    uses ``momentum=0.9`` rather than Keras' 0.99 so that its moving statistics
    settle within short trainings.

    ``KerasImageClassifier`` trained this network with Adam and plain
    cross-entropy for 20 epochs; that training is still reachable with a
    compiled model (see the classifier's ``model`` parameter)::

        def plain_cnn(input_shape, n_classes):
            model = build_default_cnn(input_shape, n_classes, seed=...)
            model.compile(keras.optimizers.Adam(1e-3),
                          "sparse_categorical_crossentropy", metrics=["accuracy"])
            return model

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

    inputs = keras.Input(shape=tuple(int(v) for v in input_shape))
    x = inputs
    for i in range(n_pool):
        x = layers.Conv2D(
            min(32 * 2**i, 256), 3, padding="same", use_bias=False, data_format=_FMT
        )(x)
        x = layers.BatchNormalization(axis=-1, momentum=0.9)(x)
        x = layers.Activation("relu")(x)
        x = layers.MaxPooling2D(2, padding="same", data_format=_FMT)(x)
    x = layers.Conv2D(
        min(32 * 2**n_pool, 256), 3, padding="same", use_bias=False, data_format=_FMT
    )(x)
    x = layers.BatchNormalization(axis=-1, momentum=0.9)(x)
    x = layers.Activation("relu")(x)
    x = layers.GlobalAveragePooling2D(data_format=_FMT)(x)
    x = layers.Dropout(0.3, seed=seed)(x)
    outputs = layers.Dense(int(n_classes), activation="softmax")(x)
    return keras.Model(inputs, outputs, name="default_cnn")


def residual_stages(input_shape):
    """Number of stages of :func:`build_residual_cnn` for ``(H, W[, C])``."""
    side = max(min(int(input_shape[0]), int(input_shape[1])), 1)
    return int(np.clip(int(np.log2(side)) - 1, 1, 4))


def build_residual_cnn(input_shape, n_classes, *, width=32, seed=None):
    """Build the default network of :class:`KerasImageClassifier`: a small ResNet.

    A 3x3 convolution with ``width`` filters, then ``k = clip(floor(log2(min(H,
    W))) - 1, 1, 4)`` stages of one residual block each (two ``Conv2D(3x3) ->
    BatchNormalization`` with ReLU, added to the block's input), the filters
    doubling and the resolution halving (stride 2) from one stage to the
    next, then ``GlobalAveragePooling2D``, ``Dropout(0.3)`` and a ``Dense``
    softmax layer. An 8x8 image gets two stages (8x8 with 32 filters, 4x4
    with 64: about 0.11 M weights), 64x64 four (down to 8x8 with 256 filters:
    about 2.8 M weights, 0.3 GFLOP per image). Batch normalization uses
    ``momentum=0.9`` so that its moving statistics settle within short
    trainings.

    Parameters
    ----------
    input_shape, n_classes
        As for :func:`build_default_cnn`.
    width : int, default=32
        Filters of the first stage.
    seed : int or None, default=None
        Seed of the dropout layer, as for :func:`build_default_cnn`.

    Returns
    -------
    model : keras.Model
        Uncompiled, as :func:`build_default_cnn`'s.

    Examples
    --------
    >>> from gansampler.classifiers import build_residual_cnn
    >>> model = build_residual_cnn((8, 8, 1), 10, seed=0)
    >>> model.output_shape
    (None, 10)
    """
    import keras
    from keras import layers

    def conv_bn(x, filters, strides=1, kernel=3):
        x = layers.Conv2D(
            filters,
            kernel,
            strides=strides,
            padding="same",
            use_bias=False,
            data_format=_FMT,
        )(x)
        return layers.BatchNormalization(axis=-1, momentum=0.9)(x)

    inputs = keras.Input(shape=tuple(int(v) for v in input_shape))
    x = layers.Activation("relu")(conv_bn(inputs, width))
    filters = width
    for stage in range(residual_stages(input_shape)):
        strides = 1 if stage == 0 else 2
        filters = width * 2**stage
        shortcut = x
        if strides != 1 or shortcut.shape[-1] != filters:
            shortcut = conv_bn(x, filters, strides, kernel=1)
        y = layers.Activation("relu")(conv_bn(x, filters, strides))
        y = conv_bn(y, filters)
        x = layers.Activation("relu")(layers.Add()([shortcut, y]))
    x = layers.GlobalAveragePooling2D(data_format=_FMT)(x)
    x = layers.Dropout(0.3, seed=seed)(x)
    outputs = layers.Dense(int(n_classes), activation="softmax")(x)
    return keras.Model(inputs, outputs, name="residual_cnn")


def check_backbone(backbone, weights, image_shape):
    """Refuse a backbone, weights file or image size before anything is built.

    Raises
    ------
    ValueError
        Naming ``backbone`` for an unknown name, images smaller than the
        backbone accepts or with other than 1 or 3 channels; naming
        ``weights`` for a file that does not exist or is not a Keras
        weights file (``.h5``).
    """
    if backbone is None:
        if weights is not None:
            raise ValueError(
                f"weights={weights!r} is given without a backbone; weights are "
                "read only into a backbone (backbone='resnet50', ...)."
            )
        return
    if backbone not in BACKBONES:
        raise ValueError(
            f"backbone={backbone!r} is unknown; choose from "
            f"{', '.join(sorted(BACKBONES))} or None."
        )
    _, _, min_size, _ = BACKBONES[backbone]
    height, width, channels = (int(v) for v in image_shape)
    if min(height, width) < min_size:
        raise ValueError(
            f"backbone={backbone!r} needs images of at least {min_size}x{min_size} "
            f"pixels; these are {height}x{width}."
        )
    if channels not in (1, 3):
        raise ValueError(
            f"backbone={backbone!r} reads grey (1 channel) or colour (3 channels) "
            f"images; these have {channels} channels."
        )
    if weights is not None:
        path = os.fspath(weights)
        if not os.path.isfile(path):
            raise ValueError(f"weights={weights!r}: no such file.")
        if not path.endswith(".h5"):
            raise ValueError(
                f"weights={weights!r} is not a Keras weights file (.h5, as "
                "written by model.save_weights('....weights.h5'))."
            )


def _backbone_input_layer():
    import keras
    from keras import ops

    @keras.saving.register_keras_serializable(package="gansampler")
    class BackboneInput(keras.layers.Layer):
        """Grey or colour images in [0, 1] -> the backbone's input.

        Grey images are repeated into three channels, every image is resized
        (bilinear) to ``size`` x ``size`` and its values are brought to what
        the backbone was trained on (``mode``, see ``BACKBONES``).
        """

        def __init__(self, size, mode, **kwargs):
            super().__init__(**kwargs)
            self.size = int(size)
            self.mode = mode

        def call(self, images):
            if images.shape[-1] == 1:
                images = ops.concatenate([images] * 3, axis=-1)
            images = ops.image.resize(
                images,
                (self.size, self.size),
                interpolation="bilinear",
                data_format=_FMT,
            )
            if self.mode == "tf":
                return images * 2.0 - 1.0
            images = images * 255.0
            if self.mode == "caffe":
                images = ops.flip(images, axis=-1)  # RGB -> BGR
                mean = ops.convert_to_tensor(_CAFFE_MEAN_BGR, dtype=images.dtype)
                images = images - mean
            return images

        def compute_output_shape(self, input_shape):
            return (input_shape[0], self.size, self.size, 3)

        def get_config(self):
            return {**super().get_config(), "size": self.size, "mode": self.mode}

    return BackboneInput


_BACKBONE_INPUT = None


def build_backbone_network(backbone, weights, input_shape, n_classes, *, seed=None):
    """A ``keras.applications`` network with a new softmax head.

    Parameters
    ----------
    backbone : str
        A key of ``BACKBONES``.
    weights : str, path or None
        A weights file of ``keras.applications.<Backbone>(include_top=False,
        weights=None, input_shape=(224, 224, 3))``, or None (random weights).
    input_shape : tuple of int
        ``(H, W, C)`` of the images, C 1 or 3.
    n_classes : int
        Units of the softmax output.
    seed : int or None
        Seed of the head's dropout.

    Returns
    -------
    model : keras.Model
        Images in [0, 1] -> class probabilities.
    base : keras.Model
        The backbone inside ``model`` (frozen or not by the caller).
    """
    global _BACKBONE_INPUT
    import keras
    from keras import layers

    if _BACKBONE_INPUT is None:
        _BACKBONE_INPUT = _backbone_input_layer()
    cls_name, size, _, mode = BACKBONES[backbone]
    base = getattr(keras.applications, cls_name)(
        include_top=False, weights=None, input_shape=(size, size, 3), pooling="avg"
    )
    if weights is not None:
        try:
            base.load_weights(os.fspath(weights))
        except Exception as error:  # noqa: BLE001 - reported as the parameter's
            raise ValueError(
                f"weights={weights!r} do not fit backbone={backbone!r} "
                f"(keras.applications.{cls_name}(include_top=False, "
                f"input_shape=({size}, {size}, 3))): {error}"
            ) from None
    inputs = keras.Input(shape=tuple(int(v) for v in input_shape))
    x = _BACKBONE_INPUT(size, mode, name="backbone_input")(inputs)
    x = base(x)
    x = layers.Dropout(0.3, seed=seed)(x)
    outputs = layers.Dense(int(n_classes), activation="softmax")(x)
    return keras.Model(inputs, outputs, name=f"{backbone}_classifier"), base
