"""imbalanced-learn's and scikit-learn's estimator checks.

On a small, fast GAN, and on KerasImageClassifier in the configuration in which
scikit-learn's checks apply to an image model: ``image_shape=(1, -1)``, each
flat row (the checks use rows of 1 to 30 values) read as an image one pixel
high.
"""

import keras
from conftest import SMALL_GAN
from imblearn.utils.estimator_checks import check_param_validation
from imblearn.utils.estimator_checks import (
    parametrize_with_checks as imblearn_parametrize_with_checks,
)
from sklearn.utils.estimator_checks import (
    parametrize_with_checks as sklearn_parametrize_with_checks,
)

from gansampler import DCGANOverSampler
from gansampler.classifiers import KerasImageClassifier


def small_sampler():
    # Tiny networks and one epoch: the checks fit dozens of times and compare the
    # results of repeated fits exactly, which an int random_state guarantees.
    return DCGANOverSampler(
        **{**SMALL_GAN, "latent_dim": 8}, updates=1, batch_size=64, random_state=0
    )


@imblearn_parametrize_with_checks([small_sampler()])
def test_imblearn_estimator_checks(estimator, check):
    check(estimator)


@sklearn_parametrize_with_checks([small_sampler()])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_param_validation():
    check_param_validation("DCGANOverSampler", small_sampler())


class FlatNetwork:
    """A small network for the classifier checks (the default CNN: 2.5x slower).

    Batch normalization of the inputs keeps training stable on the checks'
    unscaled data and their extreme class weights (1000 against 0.0001). A
    class with a fixed ``repr`` rather than a function: the checks' test ids
    hold the classifier's repr, which must be the same in every pytest-xdist
    worker (a function's repr holds its address).
    """

    def __call__(self, input_shape, n_classes):
        inputs = keras.Input(shape=input_shape)
        x = keras.layers.Flatten()(inputs)
        x = keras.layers.BatchNormalization()(x)
        outputs = keras.layers.Dense(n_classes, activation="softmax")(x)
        return keras.Model(inputs, outputs)

    def __repr__(self):
        return "FlatNetwork()"


def small_classifier():
    # Enough steps (batches of 8, a high learning rate) to separate the
    # checks' blobs; every fit is a new network, so few epochs keep it quick.
    # The rate decays to 0 along a cosine, so its peak is twice the constant
    # 0.05 that Adam needed: at 0.05, check_class_weight_classifiers predicted
    # the heavily weighted class for 0.80 of the rows (it asks > 0.87).
    return KerasImageClassifier(
        FlatNetwork(),
        image_shape=(1, -1),
        epochs=4,
        batch_size=8,
        learning_rate=0.1,
        random_state=0,
    )


# The checks that cannot apply to a network trained by mini-batch SGD. Two
# more are skipped by scikit-learn itself: check_pipeline_consistency, as the
# classifier is tagged non-deterministic (GPU kernels can be, even with an int
# random_state), and check_array_api_input, without SCIPY_ARRAY_API.
CLASSIFIER_CHECKS_THAT_CANNOT_APPLY = {
    "check_sample_weight_equivalence_on_dense_data": (
        "a weight of 2 on a row is not the same training as the row twice: "
        "mini-batches of other rows, another number of steps per epoch"
    ),
}


@sklearn_parametrize_with_checks(
    [small_classifier()],
    expected_failed_checks=lambda _: CLASSIFIER_CHECKS_THAT_CANNOT_APPLY,
)
def test_classifier_sklearn_estimator_checks(estimator, check):
    check(estimator)
