"""Selection of generated images by a teacher: ``select="teacher"``.

Inside one ``fit_resample``, a classifier (the teacher) is trained once on the
fold's real training images of every class, balanced by random
over-sampling. Each class's generator then draws :data:`OVERGENERATION` times
as many candidates as the class needs, and the teacher keeps some of them:

1. the candidates it assigns to their own class (its most probable class),
2. among those, a band of confidence: the :data:`TOP_FRACTION` most confident
   are dropped (images close to the generator's mode, which repeat what the
   classifier already knows best), and
3. from the rest, as many as needed are drawn at random, never the most
   confident first.

When the band holds fewer candidates than the class needs, the missing
images are left to the sampler, which fills them with copies of the class's
real images, as random over-sampling does.

A stratified part of the real images (:data:`HOLD_OUT_FRACTION` of each
class) is held back from the teacher's training, and its balanced accuracy
and per-class recall on them are recorded: a teacher that cannot recognise
real images of a class selects noise for that class.

The teacher works in the space the GAN trains in: float32 images
``(n, H, W, C)`` in ``[-1, 1]`` (:func:`gansampler._images.to_training`),
which is where the generators' candidates are made. It thus sees the same
values whatever the caller's layout, dtype and value range, and candidates
are scored before they are mapped back (and, for integer images, rounded).

Only the Keras API (through :class:`~gansampler.classifiers.KerasImageClassifier`)
and NumPy are used, so the module runs unchanged on every Keras backend.
"""

import warnings

import numpy as np
from imblearn.over_sampling import RandomOverSampler
from sklearn.base import clone
from sklearn.metrics import balanced_accuracy_score, recall_score
from sklearn.utils import check_random_state

from ._seeding import MAX_SEED
from .labels import label_text

__all__ = [
    "HOLD_OUT_FRACTION",
    "MIN_CLASS_SIZE",
    "OVERGENERATION",
    "TOP_FRACTION",
    "Teacher",
    "check_teacher_input",
    "n_candidates",
]

#: Candidates generated per image a class needs. With the top
#: :data:`TOP_FRACTION` of the accepted candidates dropped, a class is filled
#: entirely with generated images when the teacher accepts at least
#: ``1 / (OVERGENERATION * (1 - TOP_FRACTION))`` (about 28 %) of its
#: candidates; below that share, the teacher rejects most of what the
#: generator makes, and copies of real images are the safer filling.
#: Generating and scoring a candidate is one forward pass of each network,
#: small beside training the GAN and the teacher.
OVERGENERATION = 4

#: Share of a class's accepted candidates, the most confident ones, that is
#: dropped before the random draw (rounded down, so a handful of accepted
#: candidates loses none).
TOP_FRACTION = 0.1

#: Share of each class's real images held back from the teacher's training
#: to measure it (at least one image per class).
HOLD_OUT_FRACTION = 0.2

#: The fewest real images a class may have: one held back to measure the
#: teacher's recall of the class, four to train it on.
MIN_CLASS_SIZE = 5


def n_candidates(n_needed):
    """How many candidates to generate for a class that needs ``n_needed``.

    Parameters
    ----------
    n_needed : int
        Generated images the class should receive.

    Returns
    -------
    int
        ``OVERGENERATION * n_needed``.

    Examples
    --------
    >>> from gansampler._teacher import n_candidates
    >>> n_candidates(10)
    40
    """
    return OVERGENERATION * int(n_needed)


def check_teacher_input(fmt, y):
    """Refuse, before any training, data that ``select='teacher'`` cannot use.

    Parameters
    ----------
    fmt : DataFormat
        What :func:`gansampler._images.describe` returned for ``X``.
    y : ndarray of shape (n_samples,)
        The class labels of every real sample.

    Raises
    ------
    ValueError
        For tabular data (the teacher is an image classifier), for fewer
        than two classes, and for a class with fewer than
        :data:`MIN_CLASS_SIZE` samples, naming the class.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler._images import describe
    >>> from gansampler._teacher import check_teacher_input
    >>> X = np.zeros((10, 4))
    >>> check_teacher_input(describe(X), np.array([0] * 5 + [1] * 5))
    Traceback (most recent call last):
    ...
    ValueError: select='teacher' chooses generated images with an image classifier ...
    """
    if not fmt.is_image:
        raise ValueError(
            "select='teacher' chooses generated images with an image classifier "
            f"and needs images; X is tabular (rows of {fmt.sample_shape[0]} "
            "features without image_shape). Pass image_shape for flattened "
            "images, or select=None for tabular data."
        )
    labels, counts = np.unique(np.asarray(y), return_counts=True)
    if len(labels) < 2:
        raise ValueError(
            "select='teacher' trains a classifier on the real images and needs "
            f"at least 2 classes; y has {len(labels)}."
        )
    for label, count in zip(labels, counts, strict=True):
        if count < MIN_CLASS_SIZE:
            raise ValueError(
                f"Class {label_text(label)} has {count} image"
                f"{'' if count == 1 else 's'}: select='teacher' holds back part "
                "of each class's real images to measure its classifier and "
                f"needs at least {MIN_CLASS_SIZE} per class. Pass select=None, "
                "or gather more images of the class."
            )


class Teacher:
    """A classifier of the real images that chooses generated ones.

    Parameters
    ----------
    classifier : KerasImageClassifier or None, default=None
        The classifier to train, cloned at :meth:`fit` with its
        ``random_state`` set from this teacher's. None:
        ``KerasImageClassifier()`` with its defaults (``epochs='auto'``).
    random_state : int, RandomState instance or None, default=None
        Seeds the hold-out split, the random over-sampling, the classifier
        and the random draw from each class's band. An int gives the same
        choices on the CPU.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The classes the teacher knows, sorted.
    classifier_ : KerasImageClassifier
        The fitted classifier.
    image_shape_ : tuple of int
        ``(H, W, C)`` of the images.
    balanced_accuracy_ : float
        Balanced accuracy of the classifier on the held-back real images.
    recall_ : dict
        Its recall of each class on the held-back real images.
    record_ : dict
        Maps each class passed to :meth:`select` to a dict: ``candidates``
        (scored), ``accepted`` (assigned to the class), ``share_accepted``,
        ``dropped_top`` (the most confident, left out), ``kept``, ``copies``
        (the shortfall, to be filled with copies of real images),
        ``teacher_recall`` (of the class) and ``teacher_balanced_accuracy``.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler._teacher import Teacher
    >>> from gansampler.classifiers import KerasImageClassifier
    >>> y = np.repeat([0, 1], 10)  # dark images, then bright ones
    >>> noise = np.random.default_rng(0).normal(0, 0.1, (20, 8, 8, 1))
    >>> images = (np.where(y == 0, -0.8, 0.8)[:, None, None, None] + noise)
    >>> images = images.astype("float32")
    >>> teacher = Teacher(KerasImageClassifier(epochs=3), random_state=0)
    >>> teacher = teacher.fit(images, y)
    >>> candidates = np.concatenate([images[:3], images[-3:]])  # three of each
    >>> kept, missing = teacher.select(0, candidates, 5)
    >>> kept.tolist(), missing
    ([0, 1, 2], 2)
    """

    def __init__(self, classifier=None, *, random_state=None):
        self.classifier = classifier
        self.random_state = random_state

    def fit(self, images, y):
        """Train the classifier on real images and measure it on held-back ones.

        Parameters
        ----------
        images : ndarray of shape (n_samples, H, W, C)
            The real training images, float32 in ``[-1, 1]``.
        y : ndarray of shape (n_samples,)
            Their labels; every class needs at least :data:`MIN_CLASS_SIZE`
            images (see :func:`check_teacher_input`).

        Returns
        -------
        self : Teacher
            The fitted teacher.
        """
        from .classifiers import KerasImageClassifier

        images = np.asarray(images, dtype=np.float32)
        y = np.asarray(y)
        if images.ndim != 4 or len(images) != len(y):
            raise ValueError(
                "The teacher needs images of shape (n_samples, H, W, C) and one "
                f"label each; got images of shape {images.shape} and {len(y)} "
                "labels."
            )
        seed = int(check_random_state(self.random_state).randint(MAX_SEED))
        self._seed = seed
        rng = np.random.default_rng(seed)
        self.classes_ = np.unique(y)
        self.image_shape_ = tuple(int(v) for v in images.shape[1:])

        # A stratified hold-out: HOLD_OUT_FRACTION of each class, at least one.
        held = []
        for label in self.classes_:
            rows = np.flatnonzero(y == label)
            n_held = max(1, round(HOLD_OUT_FRACTION * len(rows)))
            held.append(rng.permutation(rows)[:n_held])
        held = np.sort(np.concatenate(held))
        trained = np.setdiff1d(np.arange(len(y)), held)

        # Balance the classes by repeating training images at random.
        sampler = RandomOverSampler(random_state=seed)
        rows, _ = sampler.fit_resample(trained.reshape(-1, 1), y[trained])
        rows = rows.ravel()

        base = KerasImageClassifier() if self.classifier is None else self.classifier
        self.classifier_ = clone(base).set_params(random_state=seed)
        self.classifier_.fit(images[rows], y[rows])

        predicted = self.classifier_.predict(images[held])
        self.balanced_accuracy_ = float(balanced_accuracy_score(y[held], predicted))
        recalls = recall_score(
            y[held], predicted, labels=self.classes_, average=None, zero_division=0
        )
        self.recall_ = {
            label: float(r) for label, r in zip(self.classes_, recalls, strict=True)
        }
        self.record_ = {}
        return self

    def select(self, label, candidates, n_needed):
        """Choose up to ``n_needed`` of a class's candidates.

        Candidates the classifier assigns to ``label`` are accepted; the
        :data:`TOP_FRACTION` most confident of them (rounded down) are
        dropped, and ``n_needed`` of the rest are drawn at random. The draw
        depends on the teacher's ``random_state`` and the class only, not on
        the order in which classes are selected. The outcome is added to
        ``record_``. A UserWarning says so when the teacher's recall of the
        class on its held-back real images is at or below chance (one over
        the number of classes): its choice is then noise.

        Parameters
        ----------
        label : object
            The class the candidates were generated for, one of ``classes_``.
        candidates : ndarray of shape (n, H, W, C) or (n, H * W * C)
            Generated images in ``[-1, 1]`` (values outside are clipped, as
            :func:`gansampler._images.from_training` clips them),
            :func:`n_candidates` of them.
        n_needed : int
            How many images the class should receive.

        Returns
        -------
        kept : ndarray of int
            Indices into ``candidates`` of the chosen images, in increasing
            order, at most ``n_needed`` of them.
        n_missing : int
            ``n_needed - len(kept)``: how many images to fill with copies of
            the class's real images.
        """
        if not hasattr(self, "classifier_"):
            raise RuntimeError("This Teacher is not fitted yet; call fit first.")
        positions = np.flatnonzero(self.classes_ == label)
        if len(positions) != 1:
            raise ValueError(
                f"Class {label_text(label)} is not one the teacher was trained on "
                f"({[label_text(c) for c in self.classes_]})."
            )
        position = int(positions[0])
        candidates = np.asarray(candidates, dtype=np.float32)
        candidates = np.clip(
            candidates.reshape((len(candidates), *self.image_shape_)), -1.0, 1.0
        )
        n_needed = int(n_needed)

        accepted, confidence = np.array([], dtype=np.intp), np.array([])
        if len(candidates):
            proba = self.classifier_.predict_proba(candidates)
            accepted = np.flatnonzero(np.argmax(proba, axis=1) == position)
            confidence = proba[accepted, position]
        n_top = int(TOP_FRACTION * len(accepted))
        # A stable sort, so that ties are broken by the candidates' order.
        by_confidence = accepted[np.argsort(-confidence, kind="stable")]
        band = np.sort(by_confidence[n_top:])
        rng = np.random.default_rng([self._seed, position])
        n_kept = min(n_needed, len(band))
        kept = np.sort(rng.choice(band, size=n_kept, replace=False))
        n_missing = n_needed - n_kept

        recall = self.recall_[self.classes_[position]]
        chance = 1 / len(self.classes_)
        if recall <= chance:
            warnings.warn(
                f"The teacher recognised class {label_text(label)} in "
                f"{recall:.0%} of its held-back real images (chance: "
                f"{chance:.0%}): the images it accepts for that class are "
                "no better than unselected ones. selection_ records what it "
                "kept; a stronger classifier or select=None may serve better.",
                UserWarning,
                stacklevel=2,
            )
        self.record_[label] = {
            "candidates": len(candidates),
            "accepted": len(accepted),
            "share_accepted": len(accepted) / max(len(candidates), 1),
            "dropped_top": n_top,
            "kept": n_kept,
            "copies": n_missing,
            "teacher_recall": recall,
            "teacher_balanced_accuracy": self.balanced_accuracy_,
        }
        return kept, n_missing
