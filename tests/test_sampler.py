"""DCGANOverSampler: sampling strategies, layouts, determinism, records, failures."""

import pickle
import random
import re
import warnings
from collections import Counter

import keras
import numpy as np
import pytest
from sklearn.datasets import load_digits

from gansampler import DCGANOverSampler
from gansampler.recipes import ARTICLE
from gansampler.training import GANTrainingWarning

# Classes 1 and 2 train on 16 and 10 images: one batch, so updates are epochs.
FAST = dict(
    updates=2,
    batch_size=16,
    latent_dim=16,
    generator_filters=8,
    discriminator_filters=8,
)


@pytest.fixture(scope="module")
def digits():
    """Digits 0, 1 and 2 as 8x8x1 uint8 images, made imbalanced 60 / 20 / 12."""
    X, y = load_digits(return_X_y=True)
    keep = np.concatenate(
        [np.flatnonzero(y == c)[:n] for c, n in ((0, 60), (1, 20), (2, 12))]
    )
    images = (X[keep] * 255 / 16).round().astype(np.uint8).reshape(-1, 8, 8, 1)
    return images, y[keep]


@pytest.mark.parametrize(
    "strategy, expected",
    [
        ("auto", {0: 60, 1: 60, 2: 60}),
        ("not majority", {0: 60, 1: 60, 2: 60}),
        ("minority", {0: 60, 1: 20, 2: 60}),
        ("all", {0: 60, 1: 60, 2: 60}),
        ({1: 30, 2: 25}, {0: 60, 1: 30, 2: 25}),
        (lambda y: {2: 40}, {0: 60, 1: 20, 2: 40}),
    ],
)
def test_sampling_strategies(digits, strategy, expected):
    X, y = digits
    X_res, y_res = DCGANOverSampler(
        sampling_strategy=strategy, random_state=0, **FAST
    ).fit_resample(X, y)
    assert Counter(y_res.tolist()) == expected
    assert len(X_res) == len(y_res)


def test_float_strategy_for_binary_targets(digits):
    X, y = digits
    binary = y[y < 2]
    X_res, y_res = DCGANOverSampler(
        sampling_strategy=0.5, random_state=0, **FAST
    ).fit_resample(X[y < 2], binary)
    assert Counter(y_res.tolist()) == {0: 60, 1: 30}


@pytest.mark.parametrize("random_state", [None, 3, np.random.RandomState(3)])
def test_random_state_forms(digits, random_state):
    X, y = digits
    X_res, _ = DCGANOverSampler(random_state=random_state, **FAST).fit_resample(X, y)
    assert X_res.shape == (180, 8, 8, 1)


@pytest.mark.parametrize("layout", ["nhwc", "nhw", "flat"])
@pytest.mark.parametrize("scale", ["uint8", "unit", "wide"])
def test_output_matches_input_layout_dtype_and_range(digits, layout, scale):
    X, y = digits
    X = {"uint8": X, "unit": (X / 255).astype(np.float32), "wide": X * 4.0 - 500.0}[
        scale
    ]
    low, high = X.min(), X.max()
    image_shape = None
    if layout == "nhw":
        X = X[..., 0]
    elif layout == "flat":
        X, image_shape = X.reshape(len(X), -1), (8, 8)
    before = X.copy()

    X_res, y_res = DCGANOverSampler(
        image_shape=image_shape, random_state=0, **FAST
    ).fit_resample(X, y)

    np.testing.assert_array_equal(X, before)  # the caller's array is untouched
    assert X_res.shape == (180, *X.shape[1:]) and X_res.dtype == X.dtype
    np.testing.assert_array_equal(X_res[: len(X)], X)  # originals first, in order
    np.testing.assert_array_equal(y_res[: len(y)], y)
    new = X_res[len(X) :]
    assert new.min() >= low and new.max() <= high
    if scale == "unit":
        assert 0 <= new.min() and new.max() <= 1


def test_new_rows_follow_the_strategy_order(digits):
    X, y = digits
    sampler = DCGANOverSampler(sampling_strategy={2: 15, 1: 25}, random_state=0, **FAST)
    _, y_res = sampler.fit_resample(X, y)
    expected = [
        label for label, n in sampler.sampling_strategy_.items() for _ in range(n)
    ]
    assert y_res[len(y) :].tolist() == expected == [1] * 5 + [2] * 3


def test_same_int_random_state_gives_identical_output(digits):
    X, y = digits
    first, _ = DCGANOverSampler(random_state=7, **FAST).fit_resample(X, y)
    second, _ = DCGANOverSampler(random_state=7, **FAST).fit_resample(X, y)
    other, _ = DCGANOverSampler(random_state=8, **FAST).fit_resample(X, y)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first[len(X) :], other[len(X) :])


def test_no_global_side_effects(digits):
    X, y = digits
    random.seed(123)
    np.random.seed(123)  # noqa: NPY002 (the legacy global state is what is checked)
    python_state, numpy_state = random.getstate(), np.random.get_state()  # noqa: NPY002
    policy = keras.config.dtype_policy().name
    DCGANOverSampler(random_state=0, precision="bfloat16", **FAST).fit_resample(X, y)
    assert random.getstate() == python_state
    after = np.random.get_state()  # noqa: NPY002
    assert after[0] == numpy_state[0] and np.array_equal(after[1], numpy_state[1])
    assert keras.config.dtype_policy().name == policy


def test_history_generators_and_generate(digits):
    X, y = digits
    sampler = DCGANOverSampler(random_state=0, **{**FAST, "updates": 3}).fit(X, y)
    assert not hasattr(sampler, "generators_")  # fit only validates
    sampler.fit_resample(X, y)
    assert set(sampler.generators_) == set(sampler.history_) == {1, 2}
    for history in sampler.history_.values():
        assert set(history) == {
            "d_loss_real",
            "d_loss_fake",
            "g_loss",
            "d_acc_real",
            "d_acc_fake",
        }
        assert all(len(values) == 3 for values in history.values())
        assert all(
            0 <= acc <= 1 for acc in history["d_acc_real"] + history["d_acc_fake"]
        )
    generator = sampler.generators_[1]
    assert isinstance(generator, keras.Model)
    assert generator(np.zeros((4, 16), "float32")).shape == (4, 8, 8, 1)
    more = sampler.generate(1, 300, random_state=0)
    assert more.shape == (300, 8, 8, 1) and more.dtype == np.uint8
    np.testing.assert_array_equal(more, sampler.generate(1, 300, random_state=0))
    with pytest.raises(ValueError, match="No generator for class 0"):
        sampler.generate(0, 3)
    # The fitted generators, not the parameters as they are now.
    sampler.set_params(latent_dim=sampler.latent_dim + 5, jit_compile=False)
    np.testing.assert_array_equal(more, sampler.generate(1, 300, random_state=0))


def test_verbose_prints_the_article_style_progress(digits, capsys):
    X, y = digits
    DCGANOverSampler(random_state=0, verbose=2, **FAST).fit_resample(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4  # two classes, two epochs
    pattern = (
        r">class 1, epoch 1/2, 1/1 batches, d1=\d\.\d{3}, d2=\d\.\d{3} g=-?\d\.\d{3}, "
        r"accuracy real: \d+%, fake: \d+%"
    )
    assert re.fullmatch(pattern, lines[0])


def test_nan_losses_warn_and_keep_a_finite_generator(digits):
    X, y = digits
    sampler = DCGANOverSampler(
        sampling_strategy={2: 20},
        random_state=0,
        **{**FAST, "updates": 5},
        d_learning_rate=1e30,
        g_learning_rate=1e30,
        batch_norm=False,
    )
    with pytest.warns(
        GANTrainingWarning, match=r"class 2, epoch \d+: NaN or infinite loss"
    ):
        X_res, _ = sampler.fit_resample(X, y)
    assert X_res.shape == (100, 8, 8, 1)


def test_collapsed_discriminator_warns(digits):
    X, y = digits
    sampler = DCGANOverSampler(
        sampling_strategy={2: 20},
        random_state=0,
        updates=60,  # one batch of 10 images: 60 epochs
        batch_size=12,
        latent_dim=16,
        d_learning_rate=1e-2,
        g_learning_rate=1e-9,
        label_smoothing=0.0,
        batch_norm=False,  # collapses by about epoch 24 on all three backends
    )
    with pytest.warns(
        GANTrainingWarning,
        match=r"class 2, epoch \d+: the discriminator loss stayed below",
    ):
        sampler.fit_resample(X, y)


def test_label_smoothing_keeps_the_real_loss_above_its_floor(digits):
    X, y = digits
    params = dict(
        **ARTICLE,
        sampling_strategy={2: 20},
        random_state=0,
        updates=40,
        batch_size=12,
        latent_dim=16,
        d_learning_rate=1e-2,
        g_learning_rate=1e-9,
    )
    # A discriminator that wins (as in the test above): without smoothing its
    # real-batch loss falls below H(0.8); with a target of 0.8 it cannot.
    floor = -(0.8 * np.log(0.8) + 0.2 * np.log(0.2))
    plain = DCGANOverSampler(**params, label_smoothing=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GANTrainingWarning)  # it may be stopped
        plain.fit_resample(X, y)
    assert min(plain.history_[2]["d_loss_real"]) < floor - 0.1
    smoothed = DCGANOverSampler(**params, label_smoothing=0.2)
    smoothed.fit_resample(X, y)
    d_loss_real = np.array(smoothed.history_[2]["d_loss_real"])
    assert d_loss_real.min() >= floor - 1e-3
    assert d_loss_real[-5:].mean() < floor + 0.1  # it got close: the target is 0.8


def test_fitted_sampler_pickles(digits):
    X, y = digits
    sampler = DCGANOverSampler(random_state=0, **FAST)
    sampler.fit_resample(X, y)
    restored = pickle.loads(pickle.dumps(sampler))
    np.testing.assert_array_equal(
        restored.generate(2, 5, random_state=1), sampler.generate(2, 5, random_state=1)
    )


def test_sparse_flat_images_come_back_sparse(digits):
    from scipy import sparse

    X, y = digits
    flat = sparse.csr_matrix(X.reshape(len(X), -1).astype(np.float64))
    X_res, _ = DCGANOverSampler(
        image_shape=(8, 8, 1), random_state=0, **FAST
    ).fit_resample(flat, y)
    assert sparse.issparse(X_res) and X_res.shape == (180, 64)
    np.testing.assert_array_equal(X_res[: len(X)].toarray(), flat.toarray())


@pytest.mark.parametrize(
    "X, image_shape, message",
    [
        (
            np.zeros((92, 63)),
            (8, 8),
            "holds 64 values per image, but X has 63 features",
        ),
        (np.zeros((92, 4, 4, 1)), None, "too small"),
        (np.full((92, 8, 8, 1), np.nan), None, "NaN"),
    ],
)
def test_bad_input_gets_a_clear_error(digits, X, image_shape, message):
    _, y = digits
    with pytest.raises(ValueError, match=message):
        DCGANOverSampler(image_shape=image_shape, **FAST).fit_resample(X, y)


def test_seed_architecture_rejects_other_sizes(digits):
    X, y = digits
    # The seed networks have fixed widths: FAST's would be refused first.
    with pytest.raises(ValueError, match="128x128"):
        DCGANOverSampler(
            architecture="seed", updates=2, batch_size=16, latent_dim=16
        ).fit_resample(X, y)


# ------------------------------------------------ anchored sampling, teacher
def _nearest_mse(new, real):
    new, real = new.reshape(len(new), 1, -1), real.reshape(1, len(real), -1)
    return float(((new / 255.0 - real / 255.0) ** 2).mean(-1).min(1).mean())


def test_anchored_sampling_generates_between_the_classs_real_images(
    digits, monkeypatch
):
    import functools

    import gansampler._anchoring as anchoring_module

    # A shorter encoder training than the sampler's, for the test's time.
    monkeypatch.setattr(
        anchoring_module,
        "train_encoder",
        functools.partial(anchoring_module.train_encoder, steps=100),
    )
    X, y = digits
    # Every new image generated: copies would sit on the real images.
    params = dict(FAST, updates=100, sampling_strategy={1: 60}, random_state=0)
    params["generated_fraction"] = 1.0
    plain = DCGANOverSampler(**params)
    prior = plain.fit_resample(X, y)[0][len(X) :]
    sampler = DCGANOverSampler(**params, latent_sampling="smote")
    anchored = sampler.fit_resample(X, y)[0][len(X) :]
    ones, twos = X[y == 1], X[y == 2]
    # Anchored on the class's own images: far closer to them than images
    # from random noise, and closer to them than to another class.
    assert _nearest_mse(anchored, ones) < 0.6 * _nearest_mse(prior, ones)
    assert _nearest_mse(anchored, ones) < _nearest_mse(anchored, twos)
    report = sampler.anchoring_[1]
    assert report["n_samples"] == 20
    assert report["reconstruction_mse"] < report["prior_nearest_mse"]
    # The same distances in the features of the class's discriminator.
    for name in ("reconstruction_mse", "prior_nearest_mse", "real_nearest_mse"):
        assert np.isfinite(report[f"feature_{name}"])
        assert report[f"feature_{name}"] > 0
    assert plain.anchoring_ is None and plain.selection_ is None


def test_teacher_selection_keeps_accepted_images_and_fills_with_copies(
    digits, monkeypatch
):
    import functools

    import gansampler._sampler as sampler_module
    from gansampler.classifiers import KerasImageClassifier

    # A teacher of fewer epochs than the default classifier's, for the time.
    teacher = functools.partial(
        sampler_module.Teacher, KerasImageClassifier(epochs=10, batch_size=16)
    )
    monkeypatch.setattr(sampler_module, "Teacher", teacher)
    X, y = digits
    params = dict(FAST, updates=100, sampling_strategy={1: 40}, random_state=0)
    sampler = DCGANOverSampler(**params, generated_fraction=1.0, select="teacher")
    X_res, y_res = sampler.fit_resample(X, y)
    new = X_res[len(X) :]
    record = sampler.selection_[1]
    assert record["candidates"] == 4 * 20  # 20 new images: 40 in all
    assert record["kept"] + record["copies"] == 20 == len(new)
    assert record["kept"] <= record["accepted"] - record["dropped_top"]
    # The copies, and only they, are real images of the class.
    real = {image.tobytes() for image in X[y == 1]}
    assert sum(image.tobytes() in real for image in new) == record["copies"]
    assert 0.0 <= record["teacher_balanced_accuracy"] <= 1.0


@pytest.mark.parametrize(
    "params, data, message",
    [
        (dict(latent_sampling="smote"), "one image", "latent_sampling='smote'"),
        (dict(select="teacher"), "rows", "select='teacher'"),
        (dict(select="teacher"), "four images", "select='teacher'|class 2"),
    ],
)
def test_techniques_refuse_what_they_cannot_do_before_training(
    digits, params, data, message, monkeypatch
):
    X, y = digits
    if data == "one image":
        keep = np.r_[np.flatnonzero(y != 2), np.flatnonzero(y == 2)[:1]]
        X, y = X[keep], y[keep]
    elif data == "rows":
        X = X.reshape(len(X), -1)
    else:
        keep = np.r_[np.flatnonzero(y != 2), np.flatnonzero(y == 2)[:4]]
        X, y = X[keep], y[keep]
    import gansampler._sampler as sampler_module

    def no_training(*args, **kwargs):
        raise AssertionError("a GAN was trained")

    monkeypatch.setattr(sampler_module, "train_gan", no_training)
    with pytest.raises(ValueError, match=message):
        DCGANOverSampler(**FAST, **params, validation_fraction=None).fit_resample(X, y)
