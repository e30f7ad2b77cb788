"""Is the GAN any good? Sample-quality metrics that need no download.

The article "Conquer class-imbalanced dataset issues using GANs" names its
hardest problem: there is no metric of GAN performance, so an operator has to
judge the generated images by eye. This module gives that operator numbers to
go with the pictures, computed on features of the task's own images:

* :func:`frechet_distance` (FID) compares the mean and covariance of real and
  generated features;
* :func:`kernel_distance` (KID) is an unbiased, subset-averaged MMD² with a
  polynomial kernel, usable on small sets;
* :func:`density_coverage` (Naeem et al., 2020) separates fidelity (are the
  generated samples where real ones are dense?) from diversity (is every real
  sample's neighbourhood reached? Mode collapse lowers coverage);
* :func:`precision_recall` (Kynkäänniemi et al., 2019): the share of generated
  samples inside the real manifold and of real samples inside the generated
  one;
* :func:`memorisation` tells whether generated samples are copies of training
  samples, by comparing their distance to the training set with that of
  held-out real samples.

The Inception network behind the usual FID cannot be downloaded here and knows
nothing of 8x8 digits or solar cells anyway, so :class:`FeatureExtractor`
trains a small CNN on the task's own labelled real images and uses its
penultimate layer (``method="cnn"``), or takes the pixels scaled to ``[-1, 1]``
(``method="pixel"``) for tiny images. Values from different extractors are not
comparable with each other nor with published Inception FIDs: compare
generators (epochs, settings, seeds) under one fitted extractor, and compare
with a real-versus-real baseline (for example two halves of the real class).

:func:`score_samples` computes all of them at once.

The package holds one module per concept: ``_distances`` (FID, KID),
``_fidelity`` (density/coverage, precision/recall), ``_memorisation``,
``_extractor`` (the feature CNN), ``_score`` (all at once) and
``_feature_sets`` (validation and blockwise distances that they share).
"""

from ._distances import frechet_distance, kernel_distance
from ._extractor import FeatureExtractor, fit_feature_extractor
from ._fidelity import (
    DensityCoverage,
    PrecisionRecall,
    density_coverage,
    precision_recall,
)
from ._memorisation import MemorisationResult, memorisation
from ._score import score_samples

__all__ = [
    "DensityCoverage",
    "FeatureExtractor",
    "MemorisationResult",
    "PrecisionRecall",
    "density_coverage",
    "fit_feature_extractor",
    "frechet_distance",
    "kernel_distance",
    "memorisation",
    "precision_recall",
    "score_samples",
]
