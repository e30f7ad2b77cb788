"""The keys of a class's training history, shared by training and plotting.

Kept outside ``training/`` so that :mod:`gansampler.plotting` reads them
without importing Keras.
"""

__all__ = ["HISTORY_KEYS"]

#: The per-epoch values of a class's training history, in the order of the
#: trainers' metric rows: the discriminator's loss on real and on generated
#: images, the generator's loss, the discriminator's accuracy on real and on
#: generated images.
HISTORY_KEYS = ("d_loss_real", "d_loss_fake", "g_loss", "d_acc_real", "d_acc_fake")
