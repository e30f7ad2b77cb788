"""The small-data GAN techniques, each a sampler parameter, each doing what it says.

Losses, the generator's moving average, frozen discriminator blocks, spectral
normalisation, resize upsampling, augmentation in both updates, pretraining on
the fold, the update budget and the generated/copied mix (the defaults, the
article's preset and the refused combinations: test_signature.py). The
default suite runs on TensorFlow; the last test runs the techniques on JAX and
PyTorch in their own processes.
"""

import math
import warnings

import keras
import numpy as np
import pytest
from conftest import TINY_GAN
from keras import layers

from gansampler import DCGANOverSampler
from gansampler.architectures import build_discriminator, build_generator
from gansampler.training import GANSettings, make_trainer
from gansampler.training._losses import accuracy, discriminator_loss, generator_loss


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, size=(80, 8, 8, 1), dtype=np.uint8)
    return X, np.array([0] * 50 + [1] * 30)


# ------------------------------------------------------------------ losses
def test_bce_is_the_cross_entropy_of_the_sigmoid():
    score = np.array([[-2.0], [0.0], [3.0]], "float32")
    p = 1 / (1 + np.exp(-score))
    real = float(discriminator_loss("bce", score, True, real_target=0.9))
    want = np.mean(-(0.9 * np.log(p) + 0.1 * np.log(1 - p)))
    assert real == pytest.approx(want, rel=1e-5)
    fake = float(discriminator_loss("bce", score, False))
    assert fake == pytest.approx(np.mean(-np.log(1 - p)), rel=1e-5)
    assert float(generator_loss("bce", score)) == pytest.approx(
        np.mean(-np.log(p)), rel=1e-5
    )


def test_hinge_loss_values():
    score = np.array([[-2.0], [0.5], [3.0]], "float32")
    assert float(discriminator_loss("hinge", score, True)) == pytest.approx(
        (3 + 0.5 + 0) / 3
    )
    assert float(discriminator_loss("hinge", score, False)) == pytest.approx(
        (0 + 1.5 + 4) / 3
    )
    assert float(generator_loss("hinge", score)) == pytest.approx(-1.5 / 3)
    assert float(accuracy(score, True)) == pytest.approx(2 / 3)
    assert float(accuracy(score, False)) == pytest.approx(1 / 3)


# --------------------------------------------------------- trainer pieces
def _trainer(**settings):
    settings = GANSettings("conv", (8, 8, 1), **{**TINY_GAN, **settings})
    generator, discriminator = settings.build_networks(seed=0)
    trainer = make_trainer(settings)
    return trainer, generator, discriminator


def _weights(model):
    return [np.array(w) for w in model.get_weights()]


def _images(n=16):
    return np.random.default_rng(1).uniform(-1, 1, (n, 8, 8, 1)).astype("float32")


def test_generator_average_follows_the_raw_weights():
    trainer, generator, discriminator = _trainer(generator_ema=0.5)
    trainer.load(generator, discriminator)
    images = trainer.to_device(_images())
    average = [keras.ops.convert_to_numpy(v) for v in generator.trainable_variables]
    raw_model = keras.models.clone_model(generator)
    for seed in range(3):  # one update per call
        trainer.run_epoch(images, np.arange(8).reshape(1, 8), seed)
        trainer.save(raw_model, average=False)
        raw = [keras.ops.convert_to_numpy(v) for v in raw_model.trainable_variables]
        average = [0.5 * a + 0.5 * w for a, w in zip(average, raw, strict=True)]
    trainer.save(generator)
    for got, want in zip(
        [keras.ops.convert_to_numpy(v) for v in generator.trainable_variables],
        average,
        strict=True,
    ):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert any(not np.allclose(a, w) for a, w in zip(average, raw, strict=True))


def test_save_copies_the_discriminator_alone_when_given_no_generator():
    trainer, generator, discriminator = _trainer(generator_ema=0.5)
    trainer.load(generator, discriminator)
    trainer.run_epoch(trainer.to_device(_images()), np.arange(16).reshape(2, 8), 0)
    generator_before = _weights(generator)
    trainer.save(None, discriminator)
    both = keras.models.clone_model(generator), keras.models.clone_model(discriminator)
    trainer.save(*both)
    for got, want in zip(_weights(discriminator), _weights(both[1]), strict=True):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(_weights(generator), generator_before, strict=True):
        np.testing.assert_array_equal(got, want)
    assert any(
        not np.array_equal(got, want)
        for got, want in zip(_weights(both[0]), generator_before, strict=True)
    )


def test_frozen_blocks_keep_their_weights_while_the_rest_train():
    trainer, generator, discriminator = _trainer(discriminator_norm="none")
    convs = [
        layer for layer in discriminator.layers if isinstance(layer, layers.Conv2D)
    ]
    before = {layer.name: _weights(layer) for layer in discriminator.layers}
    trainer.load(generator, discriminator, frozen_blocks=1)
    trainer.run_epoch(trainer.to_device(_images()), np.arange(16).reshape(2, 8), 0)
    trainer.save(generator, discriminator)
    first, second = convs[0], convs[1]
    for got, want in zip(_weights(first), before[first.name], strict=True):
        np.testing.assert_array_equal(got, want)
    assert not all(
        np.array_equal(got, want)
        for got, want in zip(_weights(second), before[second.name], strict=True)
    )
    # Loaded again without freezing, every block trains.
    trainer.load(generator, discriminator)
    before_first = _weights(first)
    trainer.run_epoch(trainer.to_device(_images()), np.arange(16).reshape(2, 8), 1)
    trainer.save(generator, discriminator)
    assert not np.array_equal(_weights(first)[0], before_first[0])


def test_freezing_every_block_is_refused():
    trainer, _, discriminator = _trainer()
    n_blocks = sum(
        isinstance(layer, layers.Conv2D | layers.Dense)
        for layer in discriminator.layers
    )
    with pytest.raises(ValueError, match=f"which has {n_blocks}"):
        trainer.trainable_mask(n_blocks)


def test_spectral_normalisation_replaces_batch_norm_in_the_discriminator_only():
    settings = GANSettings(
        "conv", (16, 16, 1), **TINY_GAN, discriminator_norm="spectral"
    )
    generator, discriminator = settings.build_networks(seed=0)
    kinds = [type(layer).__name__ for layer in discriminator.layers]
    assert "BatchNormalization" not in kinds
    assert kinds.count("SpectralNormalization") == 1 + 2 + 1  # convs and output
    assert any(
        isinstance(layer, layers.BatchNormalization) for layer in generator.layers
    )
    plain = build_discriminator((16, 16, 1), 4, normalization="none")
    assert not any(
        type(layer).__name__ in ("BatchNormalization", "SpectralNormalization")
        for layer in plain.layers
    )
    trainer = make_trainer(settings)
    trainer.load(generator, discriminator)
    data = trainer.to_device(np.random.default_rng(0).uniform(-1, 1, (16, 16, 16, 1)))
    metrics = np.asarray(trainer.run_epoch(data, np.arange(16).reshape(2, 8), 0))
    assert np.isfinite(metrics).all()


def _constant_grid_output(upsampling):
    """The generator's output when its first grid is the same everywhere."""
    generator = build_generator(
        (64, 64, 1), latent_dim=4, filters=4, upsampling=upsampling
    )
    dense = generator.layers[1]
    kernel, bias = dense.get_weights()
    channels = generator.layers[4].output.shape[-1]  # the reshaped grid
    cells = bias.size // channels
    dense.set_weights(
        [np.zeros_like(kernel), np.tile(np.linspace(-1, 1, channels), cells)]
    )
    image = np.asarray(generator(np.zeros((1, 4), "float32"), training=False))[
        0, ..., 0
    ]
    # The interior: each 3x3 convolution's zero padding reaches one pixel
    # further in, doubled by every later upsampling (8 + 4 + 2 + 1 + 1).
    return image[16:-16, 16:-16]


def test_resize_upsampling_makes_no_checkerboard():
    resize = _constant_grid_output("resize")
    transposed = _constant_grid_output("transposed")
    assert np.ptp(resize) < 1e-5  # a constant grid stays constant
    # Transposed convolutions of stride 2 weight odd and even pixels differently.
    assert np.ptp(transposed) > 1e-3
    assert not any(
        isinstance(layer, layers.Conv2DTranspose)
        for layer in build_generator((28, 28, 1), upsampling="resize").layers
    )
    assert build_generator((9, 13, 3), upsampling="resize").output_shape == (
        None,
        9,
        13,
        3,
    )


def test_the_article_networks_stay_the_article_networks():
    with pytest.raises(ValueError, match="cannot honour upsampling='resize'"):
        GANSettings("seed", (128, 128, 3), upsampling="resize").build_networks()
    # The dense architecture (tabular rows) has no upsampling and no
    # augmentation: 'auto' resolves to none.
    sampler = DCGANOverSampler(architecture="dense", updates=1, random_state=0)
    rng = np.random.default_rng(0)
    sampler.fit_resample(rng.random((30, 5)), np.array([0] * 20 + [1] * 10))
    assert sampler.settings_["augmentation"] == ()
    assert sampler.settings_["upsampling"] is None
    assert sampler.settings_["discriminator_norm"] == "none"


def test_augmentation_reaches_both_discriminator_updates_and_the_generator():
    trainer, generator, discriminator = _trainer(augmentation=("translation",))
    trainer.load(generator, discriminator)
    calls = []
    augment = trainer.augment

    def spy(images, u):
        calls.append(tuple(images.shape))
        return augment(images, u)

    spy.n_random = augment.n_random
    trainer.augment = spy
    trainer.run_epoch(trainer.to_device(_images()), np.arange(8).reshape(1, 8), 0)
    # The traced step augments the real batch, the fakes of the discriminator's
    # update and the fakes of the generator's update.
    assert len(calls) == 3


# ------------------------------------------------------------------ sampler
def test_updates_set_the_epochs_of_auto(data):
    X, y = data
    sampler = DCGANOverSampler(updates=10, batch_size=8, random_state=0, **TINY_GAN)
    sampler.fit_resample(X, y)
    # 30 images, 6 held back: 24 train in 3 batches, so ceil(10 / 3) = 4 epochs.
    assert len(sampler.history_[1]["g_loss"]) == 4
    assert sampler.settings_["updates"] == 10


def test_generated_fraction_mixes_generated_and_copied_samples(data):
    X, y = data
    sampler = DCGANOverSampler(
        generated_fraction=0.4, updates=1, random_state=0, **TINY_GAN
    )
    X_res, y_res = sampler.fit_resample(X, y)
    new = X_res[len(X) :]
    assert len(new) == 20 and (y_res[len(X) :] == 1).all()
    originals = {row.tobytes() for row in X[y == 1]}
    copied = [row.tobytes() in originals for row in new]
    assert copied == [False] * 8 + [True] * 12  # generated first, then copies
    again, _ = DCGANOverSampler(
        generated_fraction=0.4, updates=1, random_state=0, **TINY_GAN
    ).fit_resample(X, y)
    np.testing.assert_array_equal(again, X_res)


def test_generated_fraction_zero_trains_no_gan(data):
    X, y = data
    sampler = DCGANOverSampler(generated_fraction=0.0, random_state=0)
    X_res, _ = sampler.fit_resample(X, y)
    assert sampler.generators_ == {} and sampler.history_ == {}
    originals = {row.tobytes() for row in X[y == 1]}
    assert all(row.tobytes() in originals for row in X_res[len(X) :])


def test_pretraining_once_on_the_fold_then_fine_tuning_each_class(monkeypatch):
    import gansampler._sampler as module

    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, size=(90, 8, 8, 1), dtype=np.uint8)
    y = np.array([0] * 50 + [1] * 20 + [2] * 20)
    seen = []
    real_train_gan = module.train_gan

    def spy(trainer, images, generator, **kwargs):
        seen.append((kwargs["label"], images.copy(), _weights(generator)))
        return real_train_gan(trainer, images, generator, **kwargs)

    monkeypatch.setattr(module, "train_gan", spy)
    sampler = DCGANOverSampler(
        pretrain=True, freeze_discriminator=1, updates=6, random_state=0, **TINY_GAN
    )
    sampler.fit_resample(X, y)
    labels = [label for label, _, _ in seen]
    assert labels == ["pretraining", 1, 2]
    pretraining, classes = seen[0], seen[1:]
    # 50 + 16 + 16: every class's training images, the held-back ones left out.
    assert len(pretraining[1]) == 50 + 16 + 16
    pretrained_rows = {row.tobytes() for row in pretraining[1]}
    for _, images, _ in classes:
        assert {row.tobytes() for row in images} <= pretrained_rows
        held_back = 20 - len(images)
        assert held_back == 4
    # Each class starts from the pretrained generator's weights.
    start = classes[0][2]
    assert all(np.array_equal(a, b) for a, b in zip(start, classes[1][2], strict=True))
    assert len(sampler.pretrain_history_["g_loss"]) == math.ceil(6 / 2)
    assert all(q["pretrained"] for q in sampler.quality_.values())


def test_freezing_needs_pretraining(data):
    X, y = data
    with pytest.raises(ValueError, match="needs pretrain=True"):
        DCGANOverSampler(freeze_discriminator=1).fit_resample(X, y)
    with pytest.raises(ValueError, match="freeze at most"):
        DCGANOverSampler(pretrain=True, freeze_discriminator=9).fit_resample(X, y)


def test_an_unknown_augmentation_is_refused(data):
    X, y = data
    with pytest.raises(ValueError, match="unknown augmentation 'blurr'"):
        DCGANOverSampler(augmentation="translation,blurr").fit_resample(X, y)


def test_pretraining_with_snapshots_and_checkpoint_choice(tmp_path, data):
    X, y = data
    sampler = DCGANOverSampler(
        pretrain=True, updates=4, snapshot_dir=tmp_path, random_state=0, **TINY_GAN
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sampler.fit_resample(X, y)
    assert sampler.quality_[1]["chosen_epoch"] is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["class_1"]


SCRIPT = r"""
import json, sys, warnings
import numpy as np
import keras
from gansampler import DCGANOverSampler

rng = np.random.default_rng(0)
X = rng.integers(0, 256, size=(80, 16, 16, 1), dtype=np.uint8)
y = np.array([0] * 50 + [1] * 30)
out = {}
for name, params in {
    "spectral_pretrain_freeze": dict(discriminator_norm="spectral", pretrain=True,
                                      freeze_discriminator=1),
    "all_augmentations_resize_ema": dict(augmentation="translation,cutout,color,flip,rot90",
                                         upsampling="resize", generator_ema=0.9),
    "article": dict(upsampling="transposed"),  # gansampler.recipes.ARTICLE
}.items():
    sampler = DCGANOverSampler(updates=6, batch_size=8, latent_dim=8,
                               generator_filters=4, discriminator_filters=4,
                               random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X_res, _ = sampler.fit_resample(X, y)
    again, _ = DCGANOverSampler(**sampler.get_params()).fit_resample(X, y)
    out[name] = {
        "finite": bool(all(np.isfinite(v).all() for v in sampler.history_[1].values())),
        "n_new": int(len(X_res) - len(X)),
        "deterministic": bool(np.array_equal(X_res, again)),
        "varied": float(X_res[len(X):].std()),
    }
print("RESULT " + json.dumps(out))
"""


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_techniques_train_on_the_other_backends(run_in_backend, backend):
    results = run_in_backend(SCRIPT, backend)
    for name, r in results.items():
        assert r["finite"] and r["n_new"] == 20 and r["varied"] > 0, (name, r)
        assert r["deterministic"], name


REUSE_SCRIPT = r"""
import json
import numpy as np
import keras
from gansampler.training import GANSettings, make_trainer

def generator_after_one_step(reuse):
    settings = GANSettings("conv", (8, 8, 1), latent_dim=8, generator_filters=4,
                           discriminator_filters=4, reuse_fakes=reuse,
                           jit_compile=False)
    generator, discriminator = settings.build_networks(seed=0)
    before = [keras.ops.convert_to_numpy(v) for v in generator.trainable_variables]
    trainer = make_trainer(settings)
    trainer.load(generator, discriminator)
    rng = np.random.default_rng(0)
    real = keras.ops.convert_to_tensor(rng.uniform(-1, 1, (8, 8, 8, 1)).astype("float32"))
    noise = keras.ops.convert_to_tensor(rng.standard_normal((8, 8)).astype("float32"))
    keras.utils.set_random_seed(0)  # the same dropout masks in both runs
    if keras.config.backend() == "jax":
        trainer._state, _ = trainer._step(trainer._state, real, noise, noise, None)
    else:
        trainer._step(real, noise, noise, None)
    trainer.save(generator)
    after = [keras.ops.convert_to_numpy(v) for v in generator.trainable_variables]
    return before, after

before, shared = generator_after_one_step(True)
_, fresh = generator_after_one_step(False)
print("RESULT " + json.dumps({
    "max_difference": max(float(np.abs(a - b).max()) for a, b in zip(shared, fresh)),
    "max_change": max(float(np.abs(a - b).max()) for a, b in zip(shared, before)),
}))
"""


@pytest.mark.parametrize("backend", ["tensorflow", "jax", "torch"])
def test_reused_fakes_give_the_generator_update_of_fresh_ones(run_in_backend, backend):
    # With the same noise for both updates, computing the fakes once gives the
    # generator's update that computing them again gives.
    r = run_in_backend(REUSE_SCRIPT, backend)
    assert r["max_change"] > 1e-4, r  # the step moved the generator ...
    assert r["max_difference"] < 1e-5, r  # ... the same way both times


ADAM_SCRIPT = r"""
import json
import numpy as np
import keras
import torch
from gansampler.training._torch import _Adam

rng = np.random.default_rng(0)
shapes = [(3, 4), (5,), (2, 2, 3)]
ours = [keras.Variable(rng.normal(size=s).astype("float32")) for s in shapes]
theirs = [keras.Variable(np.array(v.numpy())) for v in ours]
initial = [np.array(v.numpy()) for v in ours]
keras_adam = keras.optimizers.Adam(3e-3, beta_1=0.5)
keras_adam.build(theirs)
adam = _Adam(keras.optimizers.Adam(3e-3, beta_1=0.5), ours, torch.device("cpu"))
for step in range(5):
    grads = [rng.normal(size=s).astype("float32") for s in shapes]
    adam.apply([torch.as_tensor(g) for g in grads])
    with torch.no_grad():
        keras_adam.apply([torch.as_tensor(g) for g in grads], theirs)
print("RESULT " + json.dumps({
    "max_difference": max(float(np.abs(a.numpy() - b.numpy()).max())
                          for a, b in zip(ours, theirs)),
    "moved": max(float(np.abs(a.numpy() - b).max()) for a, b in zip(ours, initial)),
}))
"""


def test_the_torch_trainers_adam_is_keras_adam(run_in_backend):
    r = run_in_backend(ADAM_SCRIPT, "torch")
    assert r["moved"] > 1e-3, r  # five steps of 3e-3 moved the weights ...
    assert r["max_difference"] < 1e-6, r  # ... as Keras' Adam moves them
