"""Generation anchored on real images (gansampler._anchoring).

A hand-made generator whose output is a known function of the noise,
``G(z) = tanh(z W)`` reshaped to 8x8 images, gives the encoder a known target.
"""

import keras
import numpy as np
import pytest

from gansampler._anchoring import (
    anchored_noise,
    build_encoder,
    check_anchoring,
    encode,
    hidden_features,
    reconstruction_report,
    refine_codes,
    train_encoder,
)

LATENT_DIM = 4
STEPS = 150


def linear_generator(sample_shape=(8, 8, 1), seed=0):
    """``z -> tanh(z W)`` with a fixed random ``W``, reshaped to ``sample_shape``."""
    n_out = int(np.prod(sample_shape))
    weights = np.random.default_rng(seed).standard_normal((LATENT_DIM, n_out)) * 0.4
    return keras.Sequential(
        [
            keras.Input((LATENT_DIM,)),
            keras.layers.Dense(
                n_out,
                activation="tanh",
                use_bias=False,
                kernel_initializer=keras.initializers.Constant(weights),
            ),
            keras.layers.Reshape(sample_shape),
        ]
    )


def generate(generator, noise):
    return keras.ops.convert_to_numpy(generator(np.float32(noise), training=False))


@pytest.fixture(scope="module")
def generator():
    return linear_generator()


@pytest.fixture(scope="module")
def encoder(generator):
    return train_encoder(generator, seed=0, steps=STEPS)


@pytest.fixture(scope="module")
def cluster(generator):
    """A class the generator covers: codes in a tight cluster away from 0."""
    rng = np.random.default_rng(1)
    center = np.array([1.5, -1.0, 0.0, 0.5])
    codes = center + 0.15 * rng.standard_normal((40, LATENT_DIM))
    return codes.astype(np.float32), generate(generator, codes)


def nearest_mse(queries, references):
    q = queries.reshape(len(queries), 1, -1)
    r = references.reshape(1, len(references), -1)
    return ((q - r) ** 2).mean(axis=2).min(axis=1)


def test_encoder_recovers_the_noise(generator, encoder):
    z = np.random.default_rng(2).standard_normal((300, LATENT_DIM))
    codes = encode(encoder, generate(generator, z))
    assert codes.shape == (300, LATENT_DIM) and codes.dtype == np.float32
    error = ((codes - z) ** 2).mean()
    random_codes = np.random.default_rng(3).standard_normal(z.shape)
    assert error < 0.1 * ((random_codes - z) ** 2).mean()
    # An untrained encoder of the same network does not.
    untrained = encode(build_encoder((8, 8, 1), LATENT_DIM), generate(generator, z))
    assert ((untrained - z) ** 2).mean() > 5 * error


def test_encoder_recovers_the_noise_of_rows():
    generator = linear_generator(sample_shape=(12,))
    encoder = train_encoder(generator, seed=0, steps=STEPS)
    z = np.random.default_rng(2).standard_normal((300, LATENT_DIM))
    codes = encode(encoder, generate(generator, z))
    assert ((codes - z) ** 2).mean() < 0.1 * (z**2).mean()


def test_anchored_noise_lies_between_neighbouring_codes():
    rng = np.random.default_rng(0)
    codes = rng.standard_normal((12, 3)).astype(np.float32)
    noise = anchored_noise(codes, 500, np.random.default_rng(1), k_neighbors=2)
    assert noise.shape == (500, 3) and noise.dtype == np.float32
    distances = ((codes[:, None] - codes[None]) ** 2).sum(axis=2)
    np.fill_diagonal(distances, np.inf)
    neighbours = np.argsort(distances, axis=1)[:, :2]
    pairs = [(i, j) for i in range(len(codes)) for j in neighbours[i]]
    starts = np.array([codes[i] for i, _ in pairs])
    ends = np.array([codes[j] for _, j in pairs])
    direction = ends - starts
    # Distance of each row to each segment start -> end of a neighbour pair.
    u = ((noise[:, None] - starts[None]) * direction[None]).sum(axis=2)
    u = np.clip(u / (direction**2).sum(axis=1)[None], 0, 1)
    closest = starts[None] + u[..., None] * direction[None]
    gap = np.sqrt(((noise[:, None] - closest) ** 2).sum(axis=2)).min(axis=1)
    assert gap.max() < 1e-5
    # Interpolated, not copied: most rows are strictly inside a segment.
    assert nearest_mse(noise, codes).min() >= 0
    assert np.mean(nearest_mse(noise, codes) > 1e-4) > 0.9


def test_anchored_samples_stay_with_the_class(generator, encoder, cluster):
    """On a generator that covers more than the class, anchored samples stay
    near the class's images; samples from the prior do not."""
    _, images = cluster
    codes = encode(encoder, images)
    anchored = generate(generator, anchored_noise(codes, 200, np.random.default_rng(0)))
    prior = generate(generator, np.random.default_rng(0).standard_normal((200, 4)))
    assert nearest_mse(anchored, images).mean() < 0.2 * (
        nearest_mse(prior, images).mean()
    )


def test_report_tells_a_covered_class_from_one_not_covered(generator, encoder, cluster):
    _, images = cluster
    report = reconstruction_report(
        generator, encode(encoder, images), images, np.random.default_rng(0)
    )
    assert report["n_samples"] == 40 and report["n_prior"] == 1000
    assert report["reconstruction_mse"] < report["prior_nearest_mse"]
    assert report["reconstruction_ratio"] < 1
    # Checkerboards of random sign: nothing the generator makes.
    signs = np.random.default_rng(4).choice([-1.0, 1.0], size=(40, 1, 1, 1))
    board = np.indices((8, 8)).sum(axis=0) % 2 * 2 - 1
    foreign = (signs * board[None, ..., None] * 0.8).astype(np.float32)
    foreign += np.random.default_rng(5).normal(0, 0.05, foreign.shape)
    away = reconstruction_report(
        generator, encode(encoder, foreign), foreign, np.random.default_rng(0)
    )
    assert away["reconstruction_ratio"] > 5
    assert away["reconstruction_mse"] > 20 * report["reconstruction_mse"]


def test_report_measures_in_features_when_given_them(generator, encoder, cluster):
    _, images = cluster
    codes = encode(encoder, images)
    pixels = reconstruction_report(generator, codes, images, np.random.default_rng(0))
    assert not any(name.startswith("feature_") for name in pixels)

    def tripled(samples):  # features three times the pixels: distances x 9
        return 3.0 * np.asarray(samples).reshape(len(samples), -1)

    both = reconstruction_report(
        generator, codes, images, np.random.default_rng(0), features=tripled
    )
    for name in ("reconstruction_mse", "prior_nearest_mse", "real_nearest_mse"):
        assert both[name] == pytest.approx(pixels[name])
        assert both[f"feature_{name}"] == pytest.approx(9 * pixels[name], rel=1e-5)
    assert both["feature_reconstruction_ratio"] == pytest.approx(
        pixels["reconstruction_ratio"], rel=1e-5
    )

    # Features that see only an image's mean brightness: the reconstructions
    # are judged on that alone, not on the pixels.
    def brightness(samples):
        return np.asarray(samples).reshape(len(samples), -1).mean(axis=1, keepdims=True)

    coarse = reconstruction_report(
        generator, codes, images, np.random.default_rng(0), features=brightness
    )
    errors = (brightness(generate(generator, codes)) - brightness(images)) ** 2
    assert coarse["feature_reconstruction_mse"] == pytest.approx(errors.mean())


def test_hidden_features_are_what_the_last_layer_reads():
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(4, 3, strides=2, activation="relu")(inputs)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(1)(x)
    discriminator = keras.Model(inputs, outputs)
    images = np.random.default_rng(0).uniform(-1, 1, (300, 8, 8, 1)).astype("float32")
    features = hidden_features(discriminator, chunk=128)(images)
    assert features.shape == (300, 36)
    scores = keras.ops.convert_to_numpy(discriminator.layers[-1](features))
    expected = keras.ops.convert_to_numpy(discriminator(images, training=False))
    np.testing.assert_allclose(scores, expected, rtol=1e-4, atol=1e-5)


def test_deterministic_for_a_seed(generator, cluster):
    _, images = cluster
    codes = [encode(train_encoder(generator, seed=7, steps=8), images)]
    codes.append(encode(train_encoder(generator, seed=7, steps=8), images))
    np.testing.assert_array_equal(codes[0], codes[1])
    other = encode(train_encoder(generator, seed=8, steps=8), images)
    assert not np.array_equal(codes[0], other)
    draws = [anchored_noise(codes[0], 50, np.random.default_rng(3)) for _ in "ab"]
    np.testing.assert_array_equal(*draws)


def test_refuses_a_class_of_one_sample():
    y = np.array([0, 0, 0, 1, 2, 2])
    with pytest.raises(ValueError, match=r"latent_sampling='smote'.*class 1 has 1"):
        check_anchoring("smote", y, [1, 2])
    check_anchoring("smote", y, [2])
    check_anchoring("prior", y, [1, 2])
    with pytest.raises(ValueError, match="class 'b' has 0 samples"):
        check_anchoring("smote", np.array(["a", "a"]), ["b"])
    with pytest.raises(ValueError, match="latent_sampling must be one of"):
        check_anchoring("pixel", y, [1])
    with pytest.raises(ValueError, match="k_neighbors must be a positive int"):
        check_anchoring("smote", y, [2], k_neighbors=0)
    with pytest.raises(ValueError, match="at least 2 samples"):
        anchored_noise(np.zeros((1, 4)), 5, np.random.default_rng(0))


def test_two_samples_pair_with_each_other():
    codes = np.array([[0.0, 0.0], [2.0, 4.0]])
    noise = anchored_noise(codes, 100, np.random.default_rng(0), k_neighbors=5)
    np.testing.assert_allclose(noise[:, 1], 2 * noise[:, 0], atol=1e-6)
    assert noise.min() >= 0 and noise[:, 0].max() <= 2


def test_refined_codes_reconstruct_closer(generator, cluster):
    codes_true, images = cluster
    rough = encode(train_encoder(generator, seed=0, steps=10), images)
    refined = refine_codes(generator, images, rough, steps=30)
    assert refined.shape == rough.shape and refined.dtype == np.float32

    def error(codes):
        return ((generate(generator, codes) - images) ** 2).mean()

    assert error(refined) < 0.5 * error(rough)


def test_codes_are_refined_part_by_part_each_on_its_own(
    generator, cluster, monkeypatch
):
    """A class larger than REFINE_CHUNK_SIZE: each code ends where it would
    have in a part of its own (a code's objective is its own)."""
    import gansampler._anchoring as anchoring

    _, images = cluster
    rough = np.zeros((len(images), LATENT_DIM), np.float32)
    monkeypatch.setattr(anchoring, "REFINE_CHUNK_SIZE", 16)
    refined = refine_codes(generator, images, rough, steps=5)
    assert refined.shape == rough.shape and refined.dtype == np.float32
    last = refine_codes(generator, images[32:], rough[32:], steps=5)
    np.testing.assert_allclose(refined[32:], last, atol=1e-5)
    assert not np.allclose(refined, rough)
