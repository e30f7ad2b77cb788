"""On JAX, one compiled training program serves every class and call of a fit.

JAX compiles a program per argument shape (15-25 s each at 128x128 on a GPU).
The JAX trainer pads a class's images to a row count most classes share and a
call's batch indices to a power of two, and runs only the real steps; this
checks that classes of different sizes and calls of different lengths then
compile once, that a later fit compiles nothing new, and that the padding
changes nothing. JAX runs in its own process (the
default suite runs under TensorFlow).
"""

import pytest

SCRIPT = r"""
import json, warnings
import numpy as np
import keras
import gansampler.training as training
import gansampler.training._jax as jax_trainer
from gansampler import DCGANOverSampler
from gansampler.training import GANSettings, make_trainer, train_gan

assert keras.config.backend() == "jax", keras.config.backend()
out = {}

# Three classes that grow, of 40, 20 and 12 images: different image counts,
# and (one epoch per call, batch 4) calls of 8, 4 and 2 steps.
rng = np.random.default_rng(0)
y = np.array([0] * 64 + [1] * 40 + [2] * 20 + [3] * 12)
X = rng.integers(0, 256, size=(len(y), 8, 8, 1), dtype=np.uint8)
# 24 updates: 3, 6 and 12 epochs of 32, 16 and 10 training images.
sampler = DCGANOverSampler(
    updates=24, batch_size=4, latent_dim=8, generator_filters=4,
    discriminator_filters=4, snapshot_every=1, random_state=0,
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    sampler.fit_resample(X, y)
trainers = list(training._RECENT.trainers.values())
out["n_trainers"] = len(trainers)
out["programs"] = trainers[-1]._run_epoch._cache_size()
out["epochs"] = {str(k): len(h["g_loss"]) for k, h in sampler.history_.items()}

# A second fit of other classes (another fold, say) compiles nothing new.
y2 = np.array([0] * 50 + [1] * 30 + [2] * 9)
X2 = rng.integers(0, 256, size=(len(y2), 8, 8, 1), dtype=np.uint8)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    sampler.fit_resample(X2, y2)
out["n_trainers_after_second_fit"] = len(training._RECENT.trainers)
out["programs_after_second_fit"] = trainers[-1]._run_epoch._cache_size()

# Padding the images and the indices changes nothing.
def history(min_rows):
    jax_trainer.MIN_ROWS = min_rows
    settings = GANSettings("conv", (8, 8, 1), latent_dim=8, generator_filters=4,
                           discriminator_filters=4, jit_compile=True)
    generator, discriminator = settings.build_networks(seed=0)
    trainer = make_trainer(settings)
    trainer.load(generator, discriminator)
    images = np.random.default_rng(1).uniform(-1, 1, (12, 8, 8, 1))
    return train_gan(trainer, images.astype("float32"), generator, epochs=3,
                     batch_size=4, rng=np.random.default_rng(2), label=0)

keras.utils.set_random_seed(5)
plain = history(1)
keras.utils.set_random_seed(5)
padded = history(100)
out["padding_changes_nothing"] = bool(all(
    np.array_equal(plain[m], padded[m]) for m in plain))
out["history_length"] = len(plain["g_loss"])
print("RESULT " + json.dumps(out))
"""


@pytest.fixture(scope="module")
def results(run_in_backend):
    return run_in_backend(SCRIPT, "jax")


def test_one_program_for_every_class_and_call_length(results):
    assert results["n_trainers"] == 1
    assert results["epochs"] == {"1": 3, "2": 6, "3": 12}
    assert results["programs"] == 1
    assert results["n_trainers_after_second_fit"] == 1
    assert results["programs_after_second_fit"] == 1


def test_padding_changes_nothing(results):
    assert results["history_length"] == 3
    assert results["padding_changes_nothing"]
