"""A fit that fails or is interrupted leaves no fitted state and keeps the last fit.

Also: what would fail halfway through training (a validation_fraction that
leaves a class nothing to train on) is refused before any training. Every fit
here is tiny (8x8 images, one epoch, a few filters).
"""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

import gansampler._sampler
from gansampler import DCGANOverSampler

TINY = dict(
    epochs=1,
    batch_size=8,
    latent_dim=4,
    generator_filters=4,
    discriminator_filters=4,
    choose_generator=False,
    random_state=0,
)


@pytest.fixture(scope="module")
def images():
    """24 random 8x8 grey uint8 images: classes 0 (12), 1 (6) and 2 (6)."""
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, size=(24, 8, 8, 1), dtype=np.uint8)
    return X, np.array([0] * 12 + [1] * 6 + [2] * 6)


def _fitted(sampler):
    return {
        name: value
        for name, value in vars(sampler).items()
        if name.endswith("_") and not name.startswith("__")
    }


def _fail_in_the_second_class(monkeypatch, error):
    """Make the training of the second class that trains raise ``error``."""
    train_gan = gansampler._sampler.train_gan
    calls = []

    def failing(*args, label, **kwargs):
        calls.append(label)
        if len(calls) == 2:
            raise error
        return train_gan(*args, label=label, **kwargs)

    monkeypatch.setattr(gansampler._sampler, "train_gan", failing)
    return calls


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
def test_a_fit_that_fails_halfway_leaves_the_sampler_unfitted(
    images, monkeypatch, error
):
    calls = _fail_in_the_second_class(monkeypatch, error)
    sampler = DCGANOverSampler(**TINY)
    with pytest.raises(type(error)):
        sampler.fit_resample(*images)
    assert calls == [1, 2]  # it failed in the second class, after the first
    assert _fitted(sampler) == {}
    with pytest.raises(NotFittedError):
        check_is_fitted(sampler)
    with pytest.raises(NotFittedError):
        sampler.generate(1, 2)


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
def test_a_refit_that_fails_keeps_the_previous_fit(images, monkeypatch, error):
    X, y = images
    sampler = DCGANOverSampler(**TINY)
    sampler.fit_resample(X, y)
    before = _fitted(sampler)
    assert set(before) >= {"sampling_strategy_", "n_features_in_", "generators_"}
    expected = sampler.generate(1, 3, random_state=0)

    # A refit on other data, with other counts, that fails in its second class:
    # it would have replaced every fitted attribute.
    _fail_in_the_second_class(monkeypatch, error)
    sampler.set_params(sampling_strategy={1: 20, 2: 20})
    with pytest.raises(type(error)):
        sampler.fit_resample(X.repeat(2, axis=1).repeat(2, axis=2), y)

    after = _fitted(sampler)
    assert after.keys() == before.keys()
    for name, value in before.items():
        assert after[name] is value, name
    assert sampler.sampling_strategy_ == {1: 6, 2: 6}
    assert sampler.n_features_in_ == 8
    np.testing.assert_array_equal(sampler.generate(1, 3, random_state=0), expected)


def test_a_successful_refit_replaces_the_previous_fit(images):
    X, y = images
    sampler = DCGANOverSampler(**TINY)
    sampler.fit_resample(X, y)
    generators = sampler.generators_
    sampler.set_params(sampling_strategy={1: 20})
    sampler.fit_resample(X.repeat(2, axis=1).repeat(2, axis=2), y)
    assert sampler.sampling_strategy_ == {1: 14}
    assert sampler.n_features_in_ == 16
    assert sampler.generators_ is not generators and list(sampler.generators_) == [1]


def test_validation_fraction_that_holds_back_a_whole_class_is_refused_first(
    images, monkeypatch
):
    X, y = images
    X, y = np.concatenate([X, X[12:16]]), np.concatenate([y, [1] * 4])  # 10 of 1
    trained = []
    monkeypatch.setattr(
        gansampler._sampler, "train_gan", lambda *a, **k: trained.append(k["label"])
    )
    sampler = DCGANOverSampler(
        **{**TINY, "choose_generator": True}, validation_fraction=0.95
    )
    with pytest.raises(
        ValueError, match=r"validation_fraction=0\.95.* class 1"
    ) as info:
        sampler.fit_resample(X, y)
    assert "all 10 samples" in str(info.value)
    assert "choose_generator=False" in str(info.value)
    assert trained == []  # refused before any training
    assert _fitted(sampler) == {}


def test_validation_fraction_that_leaves_one_image_to_train_on_trains(images):
    X, y = images
    X, y = np.concatenate([X, X[12:16]]), np.concatenate([y, [1] * 4])  # 10 of 1
    sampler = DCGANOverSampler(
        **{**TINY, "choose_generator": True},
        validation_fraction=0.9,
        sampling_strategy={1: 12},
    )
    _, y_res = sampler.fit_resample(X, y)
    assert np.count_nonzero(y_res == 1) == 12
    assert sampler.quality_[1]["chosen_epoch"] == 1
