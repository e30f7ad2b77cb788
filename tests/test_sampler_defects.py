"""Defects found when the sampler was tried as a new user would (issue 16).

Each is refused before any training, or handled, instead of failing after
minutes of training or doing something else than it says.
"""

import os
import warnings

import keras
import numpy as np
import pytest
from conftest import TINY_GAN
from PIL import Image

import gansampler._sampler as sampler_module
from gansampler import DCGANOverSampler
from gansampler.architectures import build_generator
from gansampler.training import CheckpointMonitor, GANTrainingWarning


@pytest.fixture
def no_training(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(sampler_module, "train_gan", refuse)


def _data(channels=1, n=(30, 10)):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, size=(sum(n), 8, 8, channels), dtype=np.uint8)
    return X, np.array([0] * n[0] + [1] * n[1])


@pytest.mark.parametrize("count", [12.0, 12.5, np.float64(14.0)])
def test_a_float_count_is_refused_before_training(no_training, count):
    X, y = _data()
    with pytest.raises(
        TypeError,
        match=rf"asks for {float(count)} samples of class 1: sample counts must",
    ):
        DCGANOverSampler(sampling_strategy={1: count}).fit_resample(X, y)


def test_an_integer_count_of_any_integer_type_is_accepted():
    X, y = _data()
    sampler = DCGANOverSampler(
        sampling_strategy={1: np.int64(12)}, updates=1, **TINY_GAN
    )
    X_res, y_res = sampler.fit_resample(X, y)
    assert (y_res == 1).sum() == 12


def test_n_jobs_0_is_refused_before_the_pretraining(no_training):
    # joblib refuses n_jobs=0 only when the classes are dispatched, which
    # came after the pretraining (and the teacher's training).
    X, y = _data()
    with pytest.raises(ValueError, match="'n_jobs' parameter"):
        DCGANOverSampler(n_jobs=0, pretrain=True, **TINY_GAN).fit_resample(X, y)


def test_an_empty_snapshot_dir_is_refused(no_training, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    X, y = _data()
    with pytest.raises(ValueError, match="snapshot_dir='' names no folder"):
        DCGANOverSampler(snapshot_dir="").fit_resample(X, y)
    assert os.listdir(tmp_path) == []


def test_a_snapshot_dir_inside_a_file_is_refused(no_training, tmp_path):
    # Its folder is made when the first class starts, after the pretraining.
    X, y = _data()
    (tmp_path / "notes").write_text("mine")
    with pytest.raises(NotADirectoryError, match="inside .*notes.*not a folder"):
        DCGANOverSampler(
            snapshot_dir=tmp_path / "notes" / "snapshots", pretrain=True, **TINY_GAN
        ).fit_resample(X, y)
    assert (tmp_path / "notes").read_text() == "mine"


def test_snapshot_grids_of_five_channels_show_the_first(tmp_path):
    X, y = _data(channels=5)
    sampler = DCGANOverSampler(
        updates=2, snapshot_dir=tmp_path, random_state=0, **TINY_GAN
    )
    X_res, _ = sampler.fit_resample(X, y)
    assert X_res.shape[1:] == (8, 8, 5)
    grids = sorted((tmp_path / "class_1").glob("*.png"))
    assert grids and Image.open(grids[-1]).mode == "L"


def test_without_choice_a_collapse_falls_back_to_the_last_checkpoint_before_it():
    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, (30, 8, 8, 1)).astype("float32")
    generator = build_generator((8, 8, 1), latent_dim=8, filters=4)
    monitor = CheckpointMonitor(1, real, (8, 8, 1), 8, seed=0, choose=False)
    # A generator with varied images: its output is its noise, reshaped.
    dense = generator.layers[1]
    kernel, bias = dense.get_weights()
    dense.set_weights([rng.normal(0, 3, kernel.shape), bias])
    assert monitor(1, generator, history={}) is False
    good = [np.array(w) for w in generator.get_weights()]
    # Collapse: every noise vector gives the same image.
    dense.set_weights([np.zeros_like(kernel), np.ones_like(bias)])
    with pytest.warns(GANTrainingWarning, match="keeps the generator of epoch 1"):
        assert monitor(2, generator, history={}) is True
    assert monitor.restore_best(generator) == 1
    for got, want in zip(generator.get_weights(), good, strict=True):
        np.testing.assert_array_equal(got, want)
    assert monitor.report()["collapsed_at"] == 2


def test_a_global_channels_first_setting_changes_nothing():
    X, y = _data()
    params = dict(updates=2, random_state=0, **TINY_GAN)
    plain, _ = DCGANOverSampler(**params).fit_resample(X, y)
    before = keras.config.image_data_format()
    keras.config.set_image_data_format("channels_first")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", GANTrainingWarning)
            flipped, _ = DCGANOverSampler(**params).fit_resample(X, y)
    finally:
        keras.config.set_image_data_format(before)
    np.testing.assert_array_equal(flipped, plain)
