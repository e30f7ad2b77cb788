"""The sampler's signature: real defaults from one table, the article's preset,
'auto' resolved per family and device, and combinations refused before training.
"""

import ast
import dataclasses
import inspect
import re

import numpy as np
import pytest
from conftest import TINY_GAN

import gansampler._fit_settings as fit_settings
import gansampler._sampler as sampler_module
from gansampler import DCGANOverSampler, training
from gansampler.architectures import build_gan, network_settings
from gansampler.recipes import (
    ARTICLE,
    CONV_WIDTHS,
    DEFAULTS,
    LONG_TRAINING,
    LONG_TRAINING_UPDATES,
    SHORT_TRAINING,
)
from gansampler.training import GANSettings


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, size=(80, 8, 8, 1), dtype=np.uint8)
    return X, np.array([0] * 50 + [1] * 30)


def _defaults(function):
    return {
        name: p.default
        for name, p in inspect.signature(function).parameters.items()
        if p.default is not inspect.Parameter.empty
    }


# ------------------------------------------------------------ one table
def test_the_sampler_gan_settings_and_build_gan_share_one_table_of_defaults():
    sampler = _defaults(DCGANOverSampler)
    fields = {f.name: f.default for f in dataclasses.fields(GANSettings)}
    builder = _defaults(build_gan)
    for name, default in DEFAULTS.items():
        for where, defaults in (
            ("DCGANOverSampler", sampler),
            ("GANSettings", fields),
            ("build_gan", builder),
        ):
            if name in defaults:
                # GANSettings holds resolved values: the budget's 'auto'
                # techniques default to a short training's there.
                if where == "GANSettings" and name in SHORT_TRAINING:
                    default = SHORT_TRAINING[name]
                assert defaults[name] == default, (where, name)
    # Every sampler parameter of the table is in it, and no None means "the
    # recipe's" any more.
    assert {name for name in DEFAULTS if name != "beta_1"} <= set(sampler)
    assert fields["beta_1"] == DEFAULTS["beta_1"] == 0.5
    unset = {name for name, value in sampler.items() if value is None}
    assert unset == {
        "random_state",
        "image_shape",
        "snapshot_dir",
        "snapshot_every",
        "n_jobs",
        "select",  # no selection
    }


def test_the_docstring_states_the_defaults_of_the_signature():
    doc = DCGANOverSampler.__doc__
    for name, default in _defaults(DCGANOverSampler).items():
        match = re.search(rf"^    {name} : .*, default=(.+)$", doc, re.MULTILINE)
        assert match, name
        assert ast.literal_eval(match.group(1)) == default, name


def test_fewer_parameters_than_before():
    # 34 before the signature work, 29 after it, 31 with anchored sampling
    # and teacher selection (issue 20).
    assert len(_defaults(DCGANOverSampler)) <= 31
    gone = {"recipe", "epochs", "beta_1", "reuse_fakes", "choose_generator"}
    assert not gone & set(_defaults(DCGANOverSampler))


# ------------------------------------------------------------ the preset
def test_the_article_preset_is_the_defaults_with_transposed_convolutions_all_generated(
    data,
):
    X, y = data
    default = DCGANOverSampler(updates=1, random_state=0, **TINY_GAN)
    article = DCGANOverSampler(**ARTICLE, updates=1, random_state=0, **TINY_GAN)
    default.fit_resample(X, y)
    X_article, _ = article.fit_resample(X, y)
    differ = {
        k for k in default.settings_ if default.settings_[k] != article.settings_[k]
    }
    assert differ == {"upsampling", "generated_fraction"}
    assert article.settings_["generated_fraction"] == 1.0
    assert default.settings_["generated_fraction"] == 0.5
    assert article.settings_["upsampling"] == "transposed"
    assert default.settings_["upsampling"] == "resize"
    # The preset reaches the networks.
    kinds = {type(layer).__name__ for layer in article.generators_[1].layers}
    assert "Conv2DTranspose" in kinds
    again, _ = DCGANOverSampler(**article.get_params()).fit_resample(X, y)
    np.testing.assert_array_equal(again, X_article)


def test_settings_show_every_resolved_value(data):
    X, y = data
    sampler = DCGANOverSampler(updates=1, random_state=0, augmentation="flip")
    sampler.fit_resample(X, y)
    assert list(sampler.settings_) == ["architecture", *DEFAULTS]
    assert sampler.settings_ == {
        "architecture": "conv",
        **DEFAULTS,
        "updates": 1,
        "generator_filters": CONV_WIDTHS["generator_filters"],
        "discriminator_filters": CONV_WIDTHS["discriminator_filters"],
        "batch_norm": True,
        "discriminator_norm": "batch",
        "upsampling": "resize",
        "augmentation": ("flip",),
        "generator_ema": SHORT_TRAINING["generator_ema"],
    }


# ------------------------------------------------------------ 'auto'
def test_auto_follows_the_network_family():
    conv = network_settings("conv")
    assert conv == {
        **CONV_WIDTHS,
        "batch_norm": True,
        "discriminator_norm": "batch",
        "upsampling": "resize",
    }
    assert network_settings("conv", batch_norm=False)["discriminator_norm"] == "none"
    assert network_settings("seed") == {
        "generator_filters": None,
        "discriminator_filters": None,
        "batch_norm": False,
        "discriminator_norm": "none",
        "upsampling": "transposed",
    }
    dense = network_settings("dense", generator_filters=8)
    assert dense["generator_filters"] == 8 and dense["upsampling"] is None
    assert dense["discriminator_norm"] == "none" and dense["batch_norm"] is True
    # What a family does itself, given explicitly, is accepted.
    assert network_settings("seed", upsampling="transposed", batch_norm=False)


def test_auto_updates_follow_the_device(monkeypatch, data):
    monkeypatch.setattr(training, "CPU_UPDATES", 3)
    monkeypatch.setattr(training, "GPU_UPDATES", 7)
    monkeypatch.setattr(training, "gpu_count", lambda: 0)
    assert training.default_updates() == 3
    monkeypatch.setattr(training, "gpu_count", lambda: 2)
    assert training.default_updates() == 7
    X, y = data
    sampler = DCGANOverSampler(batch_size=8, random_state=0, **TINY_GAN)
    sampler.fit_resample(X, y)
    # 24 training images in 3 batches: ceil(7 / 3) epochs.
    assert sampler.settings_["updates"] == 7
    assert len(sampler.history_[1]["g_loss"]) == 3


def test_the_defaults_of_the_cpu_and_gpu_budgets():
    # A CPU keeps the short recipe the first study chose; a GPU trains long,
    # with the data-efficient techniques (docs/gan_study.md).
    assert training.CPU_UPDATES == 1000 < LONG_TRAINING_UPDATES
    assert training.GPU_UPDATES >= LONG_TRAINING_UPDATES


def test_long_trainings_get_the_data_efficient_techniques(monkeypatch, data):
    monkeypatch.setattr(fit_settings, "LONG_TRAINING_UPDATES", 3)
    X, y = data

    def fitted(**params):
        sampler = DCGANOverSampler(batch_size=8, random_state=0, **TINY_GAN, **params)
        X_res, _ = sampler.fit_resample(X, y)
        return sampler, X_res[len(X) :]

    short, _ = fitted(updates=2)
    assert short.settings_["augmentation"] == () == SHORT_TRAINING["augmentation"]
    assert short.settings_["generator_ema"] == 0.0 == SHORT_TRAINING["generator_ema"]
    long, new = fitted(updates=3)
    assert long.settings_["augmentation"] == ("translation", "cutout")
    assert long.settings_["augmentation"] == LONG_TRAINING["augmentation"]
    assert long.settings_["generator_ema"] == 0.999 == LONG_TRAINING["generator_ema"]
    # The resolved techniques reach the training: 'auto' trains as the same
    # values given explicitly do, and not as a training without them.
    _, explicit = fitted(updates=3, **LONG_TRAINING)
    np.testing.assert_array_equal(new, explicit)
    _, without = fitted(updates=3, **SHORT_TRAINING)
    assert not np.array_equal(new, without)
    # Values given are kept at any budget; rows get the average, no DiffAugment.
    own, _ = fitted(updates=3, augmentation="flip", generator_ema=0.5)
    assert own.settings_["augmentation"] == ("flip",)
    assert own.settings_["generator_ema"] == 0.5
    rows = DCGANOverSampler(architecture="dense", updates=3, random_state=0, **TINY_GAN)
    rows.fit_resample(X.reshape(len(X), -1), y)
    assert rows.settings_["augmentation"] == ()
    assert rows.settings_["generator_ema"] == 0.999
    # The article's recipe has neither technique at any budget.
    article, _ = fitted(**ARTICLE, updates=3)
    differ = {k for k in long.settings_ if long.settings_[k] != article.settings_[k]}
    assert differ == {
        "upsampling",
        "augmentation",
        "generator_ema",
        "generated_fraction",
    }
    assert article.settings_["augmentation"] == ()
    assert article.settings_["generator_ema"] == 0.0


# ------------------------------------------------------------ refused
REFUSED = [
    (dict(loss="hinge"), ("loss='hinge'", "label_smoothing=0.1")),
    (dict(loss="hinge", label_smoothing=0.2), ("loss='hinge'", "label_smoothing=0.2")),
    (dict(freeze_discriminator=1), ("freeze_discriminator=1", "pretrain=True")),
    (
        dict(architecture="seed", generator_filters=8),
        ("architecture='seed'", "generator_filters=8"),
    ),
    (
        dict(architecture="seed", discriminator_filters=8),
        ("architecture='seed'", "discriminator_filters=8"),
    ),
    (
        dict(architecture="seed", upsampling="resize"),
        ("architecture='seed'", "upsampling='resize'"),
    ),
    (
        dict(architecture="seed", batch_norm=True),
        ("architecture='seed'", "batch_norm=True"),
    ),
    (
        dict(architecture="seed", discriminator_norm="spectral"),
        ("architecture='seed'", "discriminator_norm='spectral'"),
    ),
    (
        dict(architecture="dense", upsampling="transposed"),
        ("architecture='dense'", "upsampling='transposed'"),
    ),
    (
        dict(architecture="dense", discriminator_norm="batch"),
        ("architecture='dense'", "discriminator_norm='batch'"),
    ),
    (
        dict(architecture="dense", augmentation="translation"),
        ("architecture='dense'", "augmentation='translation'"),
    ),
    (
        dict(**ARTICLE, architecture="dense"),
        ("architecture='dense'", "upsampling='transposed'"),
    ),
    (dict(validation_fraction=0.95), ("validation_fraction=0.95", "None")),
]


@pytest.mark.parametrize(
    "params, names", REFUSED, ids=lambda v: ",".join(v) if isinstance(v, dict) else ""
)
def test_combinations_are_refused_before_training(params, names, monkeypatch):
    built = []
    monkeypatch.setattr(
        sampler_module, "train_gan", lambda *a, **k: built.append("train")
    )
    monkeypatch.setattr(
        fit_settings, "trainer_for", lambda *a, **k: built.append("trainer")
    )
    monkeypatch.setattr(
        GANSettings, "build_networks", lambda *a, **k: built.append("networks")
    )
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, size=(25, 8, 8, 1), dtype=np.uint8)
    y = np.array([0] * 15 + [1] * 10)
    sampler = DCGANOverSampler(**params)
    with pytest.raises(ValueError) as info:
        sampler.fit_resample(X, y)
    for name in names:
        assert name in str(info.value), (name, str(info.value))
    assert built == []
    assert not hasattr(sampler, "settings_")


def test_the_fixed_families_accept_their_own_design():
    rng = np.random.default_rng(0)
    X, y = rng.random((30, 5)), np.array([0] * 20 + [1] * 10)
    sampler = DCGANOverSampler(
        architecture="dense", discriminator_norm="none", updates=1, random_state=0
    )
    sampler.fit_resample(X, y)
    assert sampler.settings_["discriminator_norm"] == "none"
    # label_smoothing=0 with the hinge loss trains.
    hinge = DCGANOverSampler(loss="hinge", label_smoothing=0.0, updates=1)
    hinge.fit_resample(X, y)
    assert hinge.settings_["loss"] == "hinge"
