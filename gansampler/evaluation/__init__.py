"""Cross-validated comparison of resamplers in front of one image classifier.

:func:`compare_resamplers` puts each resampler (none, random over-sampling,
SMOTE, ADASYN, random under-sampling, :class:`~gansampler.DCGANOverSampler`) in
an :class:`imblearn.pipeline.Pipeline` in front of the *same* classifier and
scores every pipeline on the same repeated stratified k-fold splits. Resampling
happens only inside the training folds (the imbalanced-learn Pipeline applies
samplers during ``fit`` only); test folds are never resampled.

Images travel flat, ``(n, H * W * C)``, through every pipeline, so the
imbalanced-learn samplers (which need 2-D input) and the image models (which get
``image_shape``) see the same rows.

The package holds one module per step: ``_resamplers`` (the defaults and
their pipelines), ``_folds`` (fitting and scoring one pipeline on one split),
``_statistics`` (summaries and paired tests), ``_result``
(:class:`ComparisonResult`), ``_compare`` (:func:`compare_resamplers`, which
runs the steps in order) and ``_scores`` (the names and labels of the scores,
which all of them read).
"""

from . import _scores
from ._compare import compare_resamplers
from ._folds import fold_scores
from ._resamplers import DEFAULT_RESAMPLERS as DEFAULT_RESAMPLERS
from ._resamplers import NAMED_RESAMPLERS as NAMED_RESAMPLERS
from ._resamplers import default_resamplers
from ._result import ComparisonResult
from ._scores import SCORE_LABELS as SCORE_LABELS
from ._statistics import corrected_resampled_ttest, summarise_folds

# The modules of the package read _scores.SCORES; bound again here, where the
# API reference reads its doc comment.
#: Scores computed on every test fold, in the order of the result tables.
SCORES = _scores.SCORES

__all__ = [
    "SCORES",
    "ComparisonResult",
    "compare_resamplers",
    "corrected_resampled_ttest",
    "default_resamplers",
    "fold_scores",
    "summarise_folds",
]
