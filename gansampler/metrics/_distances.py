"""Distances between the distributions of real and generated features: FID, KID."""

import warnings
from numbers import Real

import numpy as np
from scipy import linalg
from sklearn.utils import check_random_state

from ._feature_sets import check_int, real_and_fake

__all__ = ["frechet_distance", "kernel_distance"]


def _sqrtm_product_trace(sigma1, sigma2, eps):
    """``trace(sqrtm(sigma1 @ sigma2))`` as in the reference FID code.

    ``scipy.linalg.sqrtm`` of the product; when that is not finite or has a
    non-negligible imaginary part (near-singular covariances, for example
    fewer samples than features), ``eps`` is added to both diagonals first. If
    even that fails, the trace is taken from the eigenvalues of the symmetric
    ``sqrt(sigma1) @ sigma2 @ sqrt(sigma1)``, which has the same spectrum.
    """

    def usable(covmean):
        if not np.all(np.isfinite(covmean)):
            return False
        return not np.iscomplexobj(covmean) or np.allclose(
            np.diagonal(covmean).imag, 0, atol=1e-3
        )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        covmean = linalg.sqrtm(sigma1 @ sigma2)
        if not usable(covmean):
            offset = np.eye(sigma1.shape[0]) * eps
            covmean = linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    if usable(covmean):
        return float(np.trace(covmean).real)
    values, vectors = np.linalg.eigh(sigma1)
    root1 = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    spectrum = np.linalg.eigvalsh(root1 @ sigma2 @ root1)
    return float(np.sum(np.sqrt(np.clip(spectrum, 0, None))))


def frechet_distance(real_features, fake_features, *, eps=1e-6):
    """Fréchet distance between Gaussians fitted to two sets of features (FID).

    ``||mu_r - mu_f||² + Tr(S_r + S_f - 2 (S_r S_f)^(1/2))``, the formula of the
    Fréchet Inception Distance (Heusel et al., 2017), on whatever features are
    given. 0 means equal means and covariances; lower is better.

    Parameters
    ----------
    real_features : array-like of shape (n_real, n_features)
        Features of real samples (images are flattened), at least 2.
    fake_features : array-like of shape (n_fake, n_features)
        Features of generated samples, at least 2.
    eps : float, default=1e-6
        Added to the diagonals of both covariances when the matrix square root
        of their product is not finite or is complex (near-singular
        covariances, as with fewer samples than features), as the reference
        FID code does.

    Returns
    -------
    float
        The distance, clipped at 0 (rounding can otherwise give -1e-12 for
        identical sets).

    Raises
    ------
    ValueError
        If a set has fewer than 2 samples, the feature sizes differ, or a value
        is NaN or infinite.

    Notes
    -----
    The covariance of ``n`` samples in ``d`` dimensions has rank at most
    ``n - 1``; with ``n`` not well above ``d`` the estimate is noisy and FID is
    biased upwards, more so for smaller sets. Compare FIDs of sets of equal
    size only.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.metrics import frechet_distance
    >>> rng = np.random.default_rng(0)
    >>> real = rng.standard_normal((2000, 2))
    >>> frechet_distance(real, real)
    0.0
    >>> shifted = real + [3.0, 4.0]      # same covariance, mean shifted by 5
    >>> round(frechet_distance(real, shifted), 6)
    25.0
    """
    real, fake = real_and_fake(
        real_features, fake_features, "the Fréchet distance (a covariance)"
    )
    if not (isinstance(eps, Real) and eps >= 0):
        raise ValueError(f"eps must be a float >= 0; got {eps!r}.")
    diff = real.mean(axis=0) - fake.mean(axis=0)
    sigma1 = np.atleast_2d(np.cov(real, rowvar=False))
    sigma2 = np.atleast_2d(np.cov(fake, rowvar=False))
    trace_covmean = _sqrtm_product_trace(sigma1, sigma2, float(eps))
    distance = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * trace_covmean
    return max(float(distance), 0.0)


def _unbiased_mmd2(kxx, kyy, kxy):
    m, n = len(kxx), len(kyy)
    xx = (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
    yy = (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
    return xx + yy - 2 * kxy.mean()


def kernel_distance(
    real_features,
    fake_features,
    *,
    degree=3,
    gamma=None,
    coef0=1,
    n_subsets=100,
    subset_size=1000,
    return_std=False,
    random_state=None,
):
    """Kernel distance (KID): unbiased MMD² with a polynomial kernel.

    The Kernel Inception Distance of Bińkowski et al. (2018) on whatever
    features are given: the unbiased estimate of the squared maximum mean
    discrepancy with the kernel ``k(x, y) = (gamma <x, y> + coef0) ** degree``,
    averaged over ``n_subsets`` random subsets of ``subset_size`` samples of
    each set. Unlike FID it is unbiased, so small sets can be compared; its
    expected value is 0 for independent samples of the same distribution, and
    single estimates can then be slightly negative. A set compared with itself
    is not an independent sample: it gives a small negative value, about
    ``-2 mean(k(x, x)) / subset_size``.

    Parameters
    ----------
    real_features, fake_features : array-like of shape (n, n_features)
        Features of real and of generated samples, as for
        :func:`frechet_distance`.
    degree : int, default=3
        Degree of the polynomial kernel.
    gamma : float, default=None
        Scale of the inner product; None means ``1 / n_features``.
    coef0 : float, default=1
        Constant term of the kernel.
    n_subsets : int, default=100
        Number of random subset pairs averaged.
    subset_size : int, default=1000
        Samples per subset, capped at the size of the smaller set. Subsets are
        drawn without replacement.
    return_std : bool, default=False
        Also return the standard deviation over the subsets.
    random_state : int, RandomState instance or None, default=None
        Seeds the subsets.

    Returns
    -------
    kid : float
        Mean unbiased MMD² over the subsets; lower is better.
    std : float
        Its standard deviation over the subsets, if ``return_std``.

    Raises
    ------
    ValueError
        If a set has fewer than 2 samples, the feature sizes differ, a value is
        NaN or infinite, or a parameter is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.metrics import kernel_distance
    >>> rng = np.random.default_rng(0)
    >>> real = rng.standard_normal((200, 4))
    >>> same = rng.standard_normal((200, 4))
    >>> abs(kernel_distance(real, same, random_state=0)) < 0.01
    True
    >>> kernel_distance(real, same + 1.0, random_state=0) > 0.5
    True
    """
    real, fake = real_and_fake(
        real_features, fake_features, "the kernel distance (unbiased MMD²)"
    )
    degree = check_int(degree, "degree", 1)
    n_subsets = check_int(n_subsets, "n_subsets", 1)
    subset_size = check_int(subset_size, "subset_size", 2)
    if gamma is None:
        gamma = 1.0 / real.shape[1]
    elif not (isinstance(gamma, Real) and gamma > 0):
        raise ValueError(f"gamma must be a float > 0 or None; got {gamma!r}.")
    if not isinstance(coef0, Real):
        raise ValueError(f"coef0 must be a float; got {coef0!r}.")
    size = min(subset_size, len(real), len(fake))
    rng = check_random_state(random_state)

    def kernel(a, b):
        # (gamma <a, b> + coef0) ** degree by repeated products: float powers
        # are several times slower.
        base = a @ b.T
        base *= gamma
        base += coef0
        out = base.copy()
        for _ in range(degree - 1):
            out *= base
        return out

    values = np.empty(n_subsets)
    for i in range(n_subsets):
        x = real[rng.choice(len(real), size, replace=False)]
        y = fake[rng.choice(len(fake), size, replace=False)]
        values[i] = _unbiased_mmd2(kernel(x, x), kernel(y, y), kernel(x, y))
    if return_std:
        return float(values.mean()), float(values.std())
    return float(values.mean())
