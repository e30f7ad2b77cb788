"""The GAN losses, written once with ``keras.ops`` for every backend.

The trainers' discriminators output a raw score (logit). ``"bce"`` is the
article's binary cross-entropy on the probability ``sigmoid(score)``,
computed from the score (as Keras computes it for a sigmoid output inside a
TensorFlow graph); ``"hinge"`` is the hinge loss of BigGAN and the
data-efficient GAN literature.
"""

from keras import ops

__all__ = ["LOSSES", "accuracy", "discriminator_loss", "generator_loss"]

LOSSES = ("bce", "hinge")


def _bce(target, score):
    score = ops.cast(score, "float32")
    # Not full_like: on PyTorch it copies the number to the device and back.
    targets = ops.ones_like(score) * target
    return ops.mean(ops.binary_crossentropy(targets, score, from_logits=True))


def discriminator_loss(loss, score, real, real_target=1.0):
    """The discriminator's loss on an all-real (``real=True``) or all-fake batch.

    ``real_target`` is the target of real images under ``"bce"`` (one-sided
    label smoothing); the hinge loss has none.
    """
    if loss == "hinge":
        score = ops.cast(score, "float32")
        return ops.mean(ops.relu(1.0 - score if real else 1.0 + score))
    return _bce(real_target if real else 0.0, score)


def generator_loss(loss, score):
    """The generator's loss on the discriminator's scores of its images."""
    if loss == "hinge":
        return -ops.mean(ops.cast(score, "float32"))
    return _bce(1.0, score)


def accuracy(score, real):
    """Share of a batch the discriminator calls right (score > 0: real)."""
    right = score > 0 if real else score < 0
    return ops.mean(ops.cast(right, "float32"))
