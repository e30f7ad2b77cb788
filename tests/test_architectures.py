"""The article's exact networks, and the default recipe at many image sizes."""

import numpy as np
import pytest

from gansampler.architectures import (
    build_discriminator,
    build_gan,
    build_generator,
    build_seed_discriminator,
    build_seed_generator,
)


def test_seed_networks_match_the_article_parameter_counts():
    generator = build_seed_generator()
    discriminator = build_seed_discriminator()
    assert generator.count_params() == 7_671_555
    assert discriminator.count_params() == 5_985
    assert generator.output_shape == (None, 128, 128, 3)
    assert discriminator.output_shape == (None, 1)
    # Layer by layer, as printed in the article.
    conv_params = [
        layer.count_params() for layer in discriminator.layers if layer.weights
    ]
    assert conv_params == [448, 1_160, 1_168, 1_160, 2_049]
    gen_params = [layer.count_params() for layer in generator.layers if layer.weights]
    assert gen_params == [6_619_136, 524_416, 262_272, 262_272, 3_459]


def test_seed_architecture_follows_the_recipe():
    generator, discriminator = build_gan("seed", (128, 128, 3))
    kinds = {type(layer).__name__ for layer in generator.layers + discriminator.layers}
    assert "MaxPooling2D" not in kinds and "AveragePooling2D" not in kinds
    assert generator.layers[-1].activation.__name__ == "tanh"
    assert generator.layers[-1].compute_dtype == "float32"
    assert discriminator.layers[-1].activation.__name__ == "sigmoid"


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("size", [(8, 8), (28, 28), (64, 64), (300, 300), (28, 64)])
def test_default_networks_fit_any_image_size(size, channels):
    image_shape = (*size, channels)
    generator = build_generator(image_shape, latent_dim=16, filters=4)
    discriminator = build_discriminator(image_shape, filters=4)
    assert generator.output_shape == (None, *image_shape)
    assert discriminator.output_shape == (None, 1)
    images = generator(
        np.random.default_rng(0).standard_normal((2, 16)).astype("float32")
    )
    assert images.shape == (2, *image_shape)
    assert float(np.max(np.abs(np.asarray(images)))) <= 1.0
    probabilities = np.asarray(discriminator(images))
    assert np.all((probabilities >= 0) & (probabilities <= 1))
    # No hidden dense layer in D (tip 2): its only Dense layer is the output.
    dense = [layer for layer in discriminator.layers if type(layer).__name__ == "Dense"]
    assert dense == [discriminator.layers[-1]]


def test_default_networks_reject_images_that_are_too_small():
    with pytest.raises(ValueError, match="too small"):
        build_generator((4, 4, 1))


def test_batch_norm_and_dropout_are_optional():
    with_bn, _ = build_gan("conv", (16, 16, 1), batch_norm=True, generator_dropout=0.5)
    without, _ = build_gan("conv", (16, 16, 1), batch_norm=False)
    names = [type(layer).__name__ for layer in with_bn.layers]
    assert "BatchNormalization" in names and "Dropout" in names
    assert "BatchNormalization" not in [
        type(layer).__name__ for layer in without.layers
    ]


def test_mixed_precision_keeps_outputs_float32():
    generator, discriminator = build_gan("conv", (16, 16, 1), dtype="mixed_bfloat16")
    assert generator.layers[1].compute_dtype == "bfloat16"
    assert generator.output.dtype == "float32"
    assert discriminator.output.dtype == "float32"


def test_conv_architecture_needs_images():
    with pytest.raises(ValueError, match="needs images"):
        build_gan("conv", (20,))


def test_build_gan_names_the_architectures_it_knows():
    with pytest.raises(ValueError, match="'conv', 'seed', 'dense'; got 'default'"):
        build_gan("default", (16, 16, 1))


@pytest.mark.parametrize(
    "kwargs", [{"sample_shape": (64, 64, 1)}, {"batch_norm": True}], ids=["size", "bn"]
)
def test_seed_errors_point_to_an_architecture_the_sampler_accepts(kwargs):
    from gansampler import DCGANOverSampler

    arguments = {"sample_shape": (128, 128, 1), **kwargs}
    with pytest.raises(ValueError, match="architecture='conv'") as error:
        build_gan("seed", **arguments)
    # The architecture the message suggests is one the sampler takes.
    DCGANOverSampler(architecture="conv")._validate_params()
    assert "'default'" not in str(error.value)
