"""Snapshots, the automatic choice of the generator, and failure handling."""

import re
import warnings

import keras
import numpy as np
import pytest
from conftest import SMALL_GAN, digits_subset

from gansampler import DCGANOverSampler
from gansampler.training import CheckpointMonitor, GANTrainingWarning

# Class 1 trains on 16 images, one batch: 6 updates are 6 epochs.
SMALL = dict(SMALL_GAN, updates=6, batch_size=16, snapshot_every=2)


@pytest.fixture(scope="module")
def digits():
    X, y = digits_subset({0: 40, 1: 20})
    return (X / 16).astype(np.float32), y


def test_snapshots_are_written_inside_the_folder(digits, tmp_path):
    X, y = digits
    out = tmp_path / "snapshots"
    sampler = DCGANOverSampler(random_state=0, snapshot_dir=out, **SMALL)
    sampler.fit_resample(X, y)

    folder = out / "class_1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snapshots"]
    assert sorted(p.name for p in out.iterdir()) == ["class_1"]
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        f"epoch_{e:04d}.{ext}" for e in (2, 4, 6) for ext in ("keras", "png")
    ] + ["summary.txt"]
    lines = (folder / "summary.txt").read_text().splitlines()
    assert len(lines) == 3
    assert all(
        re.fullmatch(r">\d+, Accuracy real: \d+%, fake: \d+%", line) for line in lines
    )

    from PIL import Image

    with Image.open(folder / "epoch_0006.png") as grid:
        assert (
            grid.size == ((7 * 9 - 1) * 16,) * 2
        )  # 7x7 images of 8 px, 1 px apart, x16
    restored = keras.saving.load_model(folder / "epoch_0006.keras", safe_mode=True)
    noise = np.random.default_rng(0).standard_normal((5, 16)).astype("float32")
    assert restored(noise).shape == (5, 8, 8, 1)


def test_a_second_fit_never_overwrites_or_mixes_with_the_first(digits, tmp_path):
    X, y = digits
    first = DCGANOverSampler(random_state=0, snapshot_dir=tmp_path, **SMALL)
    first.fit_resample(X, y)
    before = {p.name: p.read_bytes() for p in (tmp_path / "class_1").iterdir()}
    assert first.quality_[1]["snapshot_folder"] == str(tmp_path / "class_1")
    (tmp_path / "class_1-run2").mkdir()  # an empty folder is free to use

    second = DCGANOverSampler(random_state=1, snapshot_dir=tmp_path, **SMALL)
    second.fit_resample(X, y)
    after = {p.name: p.read_bytes() for p in (tmp_path / "class_1").iterdir()}
    assert after == before  # the first run's files are untouched
    run2 = tmp_path / "class_1-run2"
    assert second.quality_[1]["snapshot_folder"] == str(run2)
    assert len((run2 / "summary.txt").read_text().splitlines()) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["class_1", "class_1-run2"]

    # A class folder that is a link is never written through.
    target = tmp_path / "elsewhere"
    target.mkdir()
    (tmp_path / "links").mkdir()
    (tmp_path / "links" / "class_1").symlink_to(target)
    third = DCGANOverSampler(random_state=2, snapshot_dir=tmp_path / "links", **SMALL)
    third.fit_resample(X, y)
    assert list(target.iterdir()) == []
    assert third.quality_[1]["snapshot_folder"] == str(
        tmp_path / "links" / "class_1-run2"
    )


def test_the_chosen_generator_is_the_best_scored_checkpoint(digits, tmp_path):
    X, y = digits
    sampler = DCGANOverSampler(random_state=0, snapshot_dir=tmp_path, **SMALL)
    sampler.fit_resample(X, y)
    quality = sampler.quality_[1]
    epochs = [epoch for epoch, _ in quality["scores"]]
    scores = [score for _, score in quality["scores"]]
    assert epochs == [2, 4, 6]
    assert quality["chosen_epoch"] == epochs[int(np.argmin(scores))]
    assert quality["kernel_distance"] == min(scores)

    chosen = keras.saving.load_model(
        tmp_path / "class_1" / f"epoch_{quality['chosen_epoch']:04d}.keras",
        safe_mode=True,
    )
    noise = np.random.default_rng(1).standard_normal((7, 16)).astype("float32")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(sampler.generators_[1](noise, training=False)),
        keras.ops.convert_to_numpy(chosen(noise, training=False)),
        rtol=1e-6,
    )


def test_without_choice_the_last_checkpoint_is_kept(digits):
    X, y = digits
    sampler = DCGANOverSampler(random_state=0, validation_fraction=None, **SMALL)
    sampler.fit_resample(X, y)
    assert sampler.quality_[1]["chosen_epoch"] is None
    assert sampler.quality_[1]["scores"] == []
    assert len(sampler.history_[1]["g_loss"]) == 6


def test_held_back_images_are_not_trained_on(digits):
    X, y = digits
    sampler = DCGANOverSampler(random_state=0, validation_fraction=0.25, **SMALL)
    sampler.fit_resample(X, y)
    # 20 images of class 1, 5 held back: 15 train, so one batch of 15 per epoch.
    assert len(sampler.history_[1]["g_loss"]) == 6


def _constant_generator(latent_dim):
    inputs = keras.Input((latent_dim,))
    outputs = keras.layers.Reshape((8, 8, 1))(
        keras.layers.Dense(64, activation="tanh", kernel_initializer="zeros")(inputs)
    )
    return keras.Model(inputs, outputs)


def _varied_generator(latent_dim):
    inputs = keras.Input((latent_dim,))
    outputs = keras.layers.Reshape((8, 8, 1))(
        keras.layers.Dense(64, activation="tanh")(inputs)
    )
    return keras.Model(inputs, outputs)


def test_mode_collapse_is_detected_and_stops_training():
    real = np.random.default_rng(0).uniform(-1, 1, (30, 8, 8, 1)).astype("float32")
    monitor = CheckpointMonitor(3, real, (8, 8, 1), latent_dim=4, seed=0)
    history = {"d_acc_real": [1], "d_acc_fake": [1]}
    # Alike images before the generator was ever varied are not a collapse.
    assert monitor(1, _constant_generator(4), history) is False
    assert monitor(4, _varied_generator(4), history) is False
    with pytest.warns(GANTrainingWarning, match=r"class 3, epoch 7: .*mode collapse"):
        stop = monitor(
            7, _constant_generator(4), {"d_acc_real": [1], "d_acc_fake": [1]}
        )
    assert stop is True
    assert monitor.report()["collapsed_at"] == 7


def test_varied_generator_is_not_taken_for_collapse():
    real = np.random.default_rng(0).uniform(-1, 1, (30, 8, 8, 1)).astype("float32")
    monitor = CheckpointMonitor(3, real, (8, 8, 1), latent_dim=4, seed=0)
    varied = _varied_generator(4)
    with warnings.catch_warnings():
        warnings.simplefilter("error", GANTrainingWarning)
        assert monitor(1, varied, {"d_acc_real": [1], "d_acc_fake": [1]}) is False
    assert monitor.report()["chosen_epoch"] == 1


def test_nan_falls_back_to_the_best_checkpoint(digits):
    X, y = digits
    sampler = DCGANOverSampler(
        random_state=0,
        d_learning_rate=1e30,
        g_learning_rate=1e30,
        batch_norm=False,
        **SMALL,
    )
    with pytest.warns(GANTrainingWarning, match=r"class 1, epoch \d+: NaN or infinite"):
        X_res, _ = sampler.fit_resample(X, y)
    assert np.all(np.isfinite(X_res))
    assert X_res.min() >= 0 and X_res.max() <= 1


def test_interrupted_snapshot_leaves_no_partial_file(digits, tmp_path, monkeypatch):
    X, y = digits

    def interrupted_save(self, path, *args, **kwargs):
        with open(path, "wb") as file:
            file.write(b"half a model")
        raise KeyboardInterrupt

    monkeypatch.setattr(keras.Model, "save", interrupted_save)
    with pytest.raises(KeyboardInterrupt):
        DCGANOverSampler(random_state=0, snapshot_dir=tmp_path, **SMALL).fit_resample(
            X, y
        )
    leftovers = [p.name for p in (tmp_path / "class_1").iterdir()]
    assert leftovers == ["epoch_0002.png"]  # complete grid; no model, no temporary file
