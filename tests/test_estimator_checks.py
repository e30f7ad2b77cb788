"""imbalanced-learn's and scikit-learn's estimator checks on a small, fast GAN."""

from imblearn.utils.estimator_checks import check_param_validation
from imblearn.utils.estimator_checks import (
    parametrize_with_checks as imblearn_parametrize_with_checks,
)
from sklearn.utils.estimator_checks import (
    parametrize_with_checks as sklearn_parametrize_with_checks,
)

from gansampler import DCGANOverSampler


def small_sampler():
    # Tiny networks and one epoch: the checks fit dozens of times and compare the
    # results of repeated fits exactly, which an int random_state guarantees.
    return DCGANOverSampler(
        epochs=1,
        batch_size=64,
        latent_dim=8,
        generator_filters=8,
        discriminator_filters=8,
        random_state=0,
    )


@imblearn_parametrize_with_checks([small_sampler()])
def test_imblearn_estimator_checks(estimator, check):
    check(estimator)


@sklearn_parametrize_with_checks([small_sampler()])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_param_validation():
    check_param_validation("DCGANOverSampler", small_sampler())
