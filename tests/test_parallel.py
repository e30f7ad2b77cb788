"""Classes trained in parallel (joblib processes) give the same output."""

import numpy as np
import pytest
from conftest import SMALL_GAN, digits_subset

from gansampler import DCGANOverSampler

SMALL = dict(SMALL_GAN, updates=3, batch_size=16, random_state=0)


@pytest.fixture(scope="module")
def digits():
    return digits_subset({0: 40, 1: 20, 2: 16})


@pytest.fixture(scope="module")
def sequential(digits):
    sampler = DCGANOverSampler(**SMALL)
    X_res, y_res = sampler.fit_resample(*digits)
    return sampler, X_res, y_res


def test_joblib_processes_give_the_sequential_result(digits, sequential):
    sampler, X_seq, y_seq = sequential
    parallel = DCGANOverSampler(n_jobs=2, **SMALL)
    X_par, y_par = parallel.fit_resample(*digits)
    np.testing.assert_array_equal(X_par, X_seq)
    np.testing.assert_array_equal(y_par, y_seq)
    assert parallel.history_ == sampler.history_
    assert set(parallel.generators_) == {1, 2}
