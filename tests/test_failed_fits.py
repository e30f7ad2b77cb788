"""A fit that fails or is interrupted leaves no fitted state and keeps the last fit.

Also: what would fail halfway through training (a validation_fraction that
leaves a class nothing to train on) is refused before any training. Every fit
here is tiny (8x8 images, one epoch, a few filters).
"""

import numpy as np
import pytest
from conftest import ONE_EPOCH_GAN as TINY
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

import gansampler._sampler
from gansampler import DCGANOverSampler


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
    sampler = DCGANOverSampler(**{**TINY, "validation_fraction": 0.95})
    with pytest.raises(
        ValueError, match=r"validation_fraction=0\.95.* class 1"
    ) as info:
        sampler.fit_resample(X, y)
    assert "all 10 samples" in str(info.value)
    assert "validation_fraction=None" in str(info.value)
    assert trained == []  # refused before any training
    assert _fitted(sampler) == {}


def test_validation_fraction_that_leaves_one_image_to_train_on_trains(images):
    X, y = images
    X, y = np.concatenate([X, X[12:16]]), np.concatenate([y, [1] * 4])  # 10 of 1
    sampler = DCGANOverSampler(
        **{**TINY, "validation_fraction": 0.9},
        sampling_strategy={1: 12},
    )
    _, y_res = sampler.fit_resample(X, y)
    assert np.count_nonzero(y_res == 1) == 12
    assert sampler.quality_[1]["chosen_epoch"] == 1


# ------------------------------------------------------------------ Ctrl-C
def _tiny_trainer():
    """A fresh trainer (no timings yet) with its networks, and 24 images."""
    from gansampler.training import GANSettings, make_trainer

    settings = GANSettings(
        "conv", (8, 8, 1), latent_dim=4, generator_filters=4, discriminator_filters=4
    )
    generator, discriminator = settings.build_networks(seed=0)
    trainer = make_trainer(settings)
    trainer.load(generator, discriminator)
    images = np.random.default_rng(0).uniform(-1, 1, (24, 8, 8, 1))
    return trainer, generator, images.astype("float32")


def _train(trainer, generator, images, epochs=12):
    from gansampler.training import train_gan

    return train_gan(
        trainer,
        images,
        generator,
        epochs=epochs,
        batch_size=4,
        rng=np.random.default_rng(1),
        label=1,
    )


def test_compiled_calls_are_cut_into_parts_of_about_a_second(monkeypatch):
    """Ctrl-C is answered between compiled calls: none is given more than ~1 s.

    A fake clock makes every batch take 0.4 s: after the first part (a single
    batch, which may include compiling), each part has at most 2 batches.
    """
    import gansampler.training._loop as loop

    trainer, generator, images = _tiny_trainer()
    now = [0.0]
    monkeypatch.setattr(loop, "_clock", lambda: now[0], raising=False)
    run_epoch = trainer.run_epoch
    sizes = []

    def timed(data, indices, seed, **kwargs):
        sizes.append(len(indices))
        now[0] += 0.4 * len(indices)
        return run_epoch(data, indices, seed, **kwargs)

    monkeypatch.setattr(trainer, "run_epoch", timed)
    history = _train(trainer, generator, images)
    assert len(history["g_loss"]) == 12
    assert sum(sizes) == 12 * 6  # 6 batches per epoch, every one run once
    assert sizes[0] == 1 and max(sizes) == 2, sizes


def test_a_call_cut_into_parts_trains_as_the_whole_call(monkeypatch):
    import gansampler.training._loop as loop

    trainer, generator, images = _tiny_trainer()
    monkeypatch.setattr(trainer, "split_calls", False, raising=False)
    whole = _train(trainer, generator, images)
    whole_weights = generator.get_weights()

    trainer, generator, images = _tiny_trainer()
    monkeypatch.setattr(loop, "SECONDS_PER_CALL", 0.0, raising=False)  # 1 batch
    run_epoch = trainer.run_epoch
    sizes = []

    def counted(data, indices, seed, **kwargs):
        sizes.append(len(indices))
        return run_epoch(data, indices, seed, **kwargs)

    monkeypatch.setattr(trainer, "run_epoch", counted)
    parts = _train(trainer, generator, images)
    assert set(sizes) == {1}  # every batch in its own call
    for name, values in whole.items():
        np.testing.assert_allclose(parts[name], values, rtol=1e-6, err_msg=name)
    for cut, uncut in zip(generator.get_weights(), whole_weights, strict=True):
        np.testing.assert_allclose(cut, uncut, rtol=1e-5, atol=1e-7)


def test_ctrl_c_stops_a_fit_within_seconds_and_leaves_it_unfitted(images, monkeypatch):
    """SIGINT, as Ctrl-C sends it, half a second into the first class's training.

    The half second counts from the end of the trainer's first call, which
    traces and compiles the step: a signal that lands inside TensorFlow's
    tracing can reach Python as another exception (seen on a slow CI machine).
    """
    import signal
    import threading
    import time

    train_gan = gansampler._sampler.train_gan
    sent, timers = [], []

    def ctrl_c():
        sent.append(time.perf_counter())
        signal.raise_signal(signal.SIGINT)

    def interrupted(trainer, *args, **kwargs):
        run_epoch = trainer.run_epoch

        def timed(*call_args, **call_kwargs):
            metrics = run_epoch(*call_args, **call_kwargs)
            if not timers:
                timers.append(threading.Timer(0.5, ctrl_c))
                timers[0].start()
            return metrics

        monkeypatch.setattr(trainer, "run_epoch", timed)
        return train_gan(trainer, *args, **kwargs)

    monkeypatch.setattr(gansampler._sampler, "train_gan", interrupted)
    # Far more training than the test waits for: only Ctrl-C can end it.
    sampler = DCGANOverSampler(**{**TINY, "updates": 1_000_000})
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            sampler.fit_resample(*images)
        stopped = time.perf_counter()
    finally:
        for timer in timers:
            timer.cancel()
        signal.signal(signal.SIGINT, previous)
    assert len(sent) == 1
    assert stopped - sent[0] < 10
    assert _fitted(sampler) == {}
    with pytest.raises(NotFittedError):
        check_is_fitted(sampler)
