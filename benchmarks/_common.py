"""What the benchmark scripts share: data sets, named resamplers, fold scores, GPUs.

Everything here goes through gansampler's public API
(:mod:`gansampler.evaluation`, :mod:`gansampler.datasets`), so a script
measures what a user gets. A script imports it as ``_common`` (the folder of
the script that runs is on ``sys.path``).
"""

import os
import subprocess

import numpy as np

from gansampler.evaluation import NAMED_RESAMPLERS

__all__ = [
    "RESAMPLERS",
    "load_dataset",
    "pin_to_gpu",
    "resampler",
    "score_fold",
    "visible_gpus",
]

#: The resamplers the scripts compare: those of
#: :func:`gansampler.evaluation.default_resamplers`, the sampler with the
#: article's recipe (``"dcgan_article"``) among them.
RESAMPLERS = NAMED_RESAMPLERS


def load_dataset(dataset, unit_range=False):
    """``(images, target)`` of an ``.npz`` file, or of ``"digits"``.

    An ``.npz`` holds ``images`` (``(n, H, W)`` or ``(n, H, W, C)``) and
    ``target``, as ``export_elpv_npz.py`` writes them; ``"digits"`` is
    :func:`gansampler.datasets.load_imbalanced_digits`. The images come back
    as ``(n, H, W, C)``; with ``unit_range``, uint8 images are scaled to float32
    in ``[0, 1]``, as :func:`gansampler.evaluation.compare_resamplers` scales
    them.
    """
    if dataset == "digits":
        from gansampler.datasets import load_imbalanced_digits

        images, target = load_imbalanced_digits(return_X_y=True)
    else:
        with np.load(dataset) as data:
            images, target = data["images"], data["target"]
    images = images if images.ndim == 4 else images[..., None]
    if unit_range and images.dtype == np.uint8:
        images = images.astype(np.float32) / np.float32(255)
    return images, target


def resampler(name, min_count, **gan_params):
    """A new resampler by name (see ``RESAMPLERS``), ``random_state=0``.

    ``min_count`` is the size of the smallest class it will see (SMOTE and
    ADASYN need fewer neighbours than that); ``gan_params`` go to
    :class:`~gansampler.DCGANOverSampler`. ``"none"`` gives None.
    """
    from gansampler.evaluation import default_resamplers

    return default_resamplers(
        [name], random_state=0, min_train_count=min_count, gan_params=gan_params
    )[name]


def score_fold(classifier, X_test, y_test, classes, minority):
    """The scores of a fitted classifier on a test fold.

    :func:`gansampler.evaluation.fold_scores` of its class probabilities: the
    scores :func:`~gansampler.evaluation.compare_resamplers` records per fold.
    """
    from gansampler.evaluation import fold_scores

    return fold_scores(y_test, classifier.predict_proba(X_test), classes, minority)


def visible_gpus():
    """The GPUs a process started now would see, as ``CUDA_VISIBLE_DEVICES`` names.

    ``CUDA_VISIBLE_DEVICES`` when it is set, else one index per line of
    ``nvidia-smi -L``; ``[]`` without GPUs or without nvidia-smi. No framework
    is imported, so a parent process can share the GPUs among its workers
    before any of them starts CUDA.
    """
    names = os.environ.get("CUDA_VISIBLE_DEVICES")
    if names is not None:
        return [name.strip() for name in names.split(",") if name.strip()]
    try:
        listing = subprocess.run(
            ["nvidia-smi", "-L"], capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    gpus = [line for line in listing.splitlines() if line.startswith("GPU ")]
    return [str(i) for i in range(len(gpus))]


def pin_to_gpu(worker, gpus):
    """Show worker number ``worker`` only GPU ``gpus[worker % len(gpus)]``.

    Sets ``CUDA_VISIBLE_DEVICES`` for this process (call it before a framework
    starts CUDA): the workers of a study share several GPUs round-robin
    instead of all taking turns on the first. With one GPU or none it
    changes nothing.
    """
    if len(gpus) > 1:
        os.environ["CUDA_VISIBLE_DEVICES"] = gpus[worker % len(gpus)]
