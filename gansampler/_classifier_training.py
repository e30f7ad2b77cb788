"""How :class:`~gansampler.classifiers.KerasImageClassifier` trains its network.

The settings below were chosen by the study of docs/classifier_study.md,
inside the training folds of ELPV (64x64, 4 classes) and checked on digits.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "KeepBest",
    "auto_epochs",
    "compile_for_training",
    "grouped_validation_split",
]

#: epochs="auto" trains for about this many updates (mini-batches) ...
UPDATES = 1000
#: ... but for no fewer and no more epochs than these.
MIN_EPOCHS, MAX_EPOCHS = 10, 100
#: Label smoothing of the cross-entropy (uncompiled models with a softmax).
LABEL_SMOOTHING = 0.1
#: Decoupled weight decay of AdamW.
WEIGHT_DECAY = 1e-4
#: Early stopping waits this fraction of the planned epochs (at least
#: MIN_PATIENCE) for the validation loss to improve.
PATIENCE = 0.25
MIN_PATIENCE = 5


def auto_epochs(epochs, steps_per_epoch):
    """The number of epochs to train: ``epochs``, or the one of "auto"."""
    if epochs != "auto":
        return int(epochs)
    return int(np.clip(math.ceil(UPDATES / steps_per_epoch), MIN_EPOCHS, MAX_EPOCHS))


def compile_for_training(model, *, learning_rate, total_steps, binary_output):
    """Compile ``model`` with AdamW and a cosine learning-rate schedule.

    Returns True when the model is trained on one-hot targets (a softmax
    output with label smoothing), False for integer class indices.
    """
    import keras

    schedule = keras.optimizers.schedules.CosineDecay(
        learning_rate, decay_steps=max(int(total_steps), 1)
    )
    optimizer = keras.optimizers.AdamW(
        learning_rate=schedule, weight_decay=WEIGHT_DECAY
    )
    if binary_output:
        loss = keras.losses.BinaryCrossentropy(label_smoothing=LABEL_SMOOTHING)
    else:
        loss = keras.losses.CategoricalCrossentropy(label_smoothing=LABEL_SMOOTHING)
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    return not binary_output


def grouped_validation_split(images, y, fraction, seed, n_classes):
    """Training and validation indices, copies of an image on one side.

    Identical images (as random over-sampling makes) form one group; a
    fraction ``fraction`` of the distinct images of each class goes to
    validation with all its copies (stratified on the classes), so that no
    image is validated on while a copy of it trains. Without repeated images
    this is ``train_test_split(..., stratify=y)`` of the samples.

    Raises
    ------
    ValueError
        Naming ``validation_split`` where a class would be left without
        training or validation images.
    """
    from sklearn.model_selection import train_test_split

    n = len(y)
    flat = np.ascontiguousarray(images.reshape(n, -1))
    _, first, group = np.unique(flat, axis=0, return_index=True, return_inverse=True)
    group = group.reshape(-1)
    n_groups = len(first)
    group_y = y[first]
    counts = np.bincount(group_y, minlength=n_classes)
    n_val = int(np.ceil(fraction * n_groups))

    def refuse(sparse):
        return ValueError(
            f"validation_split={fraction} leaves a class without training or "
            f"validation images: {n_groups} distinct images, {n_val} of them "
            f"for validation, and class index {sparse} has {counts[sparse]} "
            "distinct image(s) (each class needs one on each side). Use "
            "validation_split=0 or a larger one."
        )

    if counts.min() < 2 or not n_classes <= n_val <= n_groups - n_classes:
        raise refuse(int(np.argmin(counts)))
    if n_groups == n:
        train_idx, val_idx = train_test_split(
            np.arange(n), test_size=n_val, random_state=seed, stratify=y
        )
        train_idx = np.sort(train_idx)
    else:
        _, val_groups = train_test_split(
            np.arange(n_groups), test_size=n_val, random_state=seed, stratify=group_y
        )
        in_val = np.isin(group, val_groups)
        train_idx, val_idx = np.flatnonzero(~in_val), np.flatnonzero(in_val)
    # The stratified split rounds each class's share: a small class can get
    # no validation image at all.
    for side in (train_idx, val_idx):
        on_side = np.bincount(y[side], minlength=n_classes)
        if on_side.min() == 0:
            raise refuse(int(np.argmin(on_side)))
    return train_idx, val_idx


class KeepBest:
    """Keeps ``network``'s weights of the lowest validation loss.

    ``update(epoch, val_loss)`` after each epoch returns True once
    ``patience`` epochs have passed without improvement (stop training);
    ``restore()`` puts the kept weights back. ``best_epoch`` is the epoch
    (counted from 1) whose weights are kept.
    """

    def __init__(self, network, patience):
        self.network, self.patience = network, patience
        self.best, self.best_epoch, self.weights, self.wait = np.inf, None, None, 0

    def update(self, epoch, val_loss):
        if val_loss < self.best:
            self.best, self.best_epoch, self.wait = val_loss, epoch + 1, 0
            self.weights = self.network.get_weights()
            return False
        self.wait += 1
        return self.wait >= self.patience

    def restore(self):
        if self.weights is not None:
            self.network.set_weights(self.weights)


def patience_for(epochs):
    """Epochs early stopping waits for an improvement."""
    return max(MIN_PATIENCE, int(math.ceil(PATIENCE * epochs)))
