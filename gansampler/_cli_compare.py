"""The ``gansampler compare`` command.

It checks its inputs before any training (the resampler names, the data, the
classifier's and the GANs' parameters against the images), then runs
:func:`~gansampler.evaluation.compare_resamplers`, writes each scored
fold to ``folds.partial.csv`` as it comes (so that an interrupted run keeps
them; a later run into the same folder moves them to
``folds.partial.previous.csv`` before it starts), prints the table with the
notes that explain its odd rows (failed folds, a classifier left at chance,
which differences are beyond the noise of the folds, the cheapest resampler
that no other beats) and the tests of dcgan against the others, and writes
the tables, the figure and the grids of generated images into ``--out``.
"""

import sys
import time
from pathlib import Path

from ._cli_inputs import (
    CommandError,
    _check_out,
    _classifier_params,
    _counts,
    _gan_params,
    _grid_names,
    _load_dataset,
    _output_folder,
    _say,
)
from ._files import write_atomically

#: The files ``compare --out`` writes, besides the grids of generated images.
OUTPUT_FILES = (
    "table.csv",
    "folds.csv",
    "tests.csv",
    "results.json",
    "comparison.png",
    "folds.partial.csv",
    "folds.partial.previous.csv",
)


# Defaults of `compare` on the digits (the main job), chosen to finish in a
# few minutes on a two-core CPU. The GANs train the CPU's budget on every
# device (gansampler.training.CPU_UPDATES, what 'auto' gives on a CPU): on a
# GPU, 'auto' would train ten times as many updates per class of the 8x8
# digits, longer than the whole CPU run, where the digits show no gain even
# from the CPU's budget (docs/gan_study.md).
DIGITS_DEFAULTS = {"folds": 3, "updates": 1000, "classifier_epochs": "auto"}
OTHER_DEFAULTS = {"folds": 5, "updates": "auto", "classifier_epochs": "auto"}


def _compare(args):
    import numpy as np

    from .evaluation import DEFAULT_RESAMPLERS, default_resamplers

    names = [n.strip() for n in args.resamplers.split(",") if n.strip()]
    unknown = [n for n in names if n not in DEFAULT_RESAMPLERS]
    if unknown or not names:
        raise CommandError(
            f"unknown resampler(s) {', '.join(map(repr, unknown)) or '(none given)'}; "
            f"choose from {','.join(DEFAULT_RESAMPLERS)}."
        )
    if len(set(names)) != len(names):
        raise CommandError(f"--resamplers names one twice: {args.resamplers}")
    out = None if args.out is None else _check_out(args.out)
    cache = None if args.cache is None else Path(args.cache)
    if cache is not None and cache.exists() and not cache.is_dir():
        # joblib would fail every fold with it (the run ending "successfully").
        raise CommandError(f"--cache {cache} exists and is not a folder.")

    defaults = DIGITS_DEFAULTS if args.dataset == "digits" else OTHER_DEFAULTS
    chosen = {}
    for key in defaults:
        value = getattr(args, key)
        chosen[key] = defaults[key] if value is None else value
    X, y, what = _load_dataset(args)
    _say(
        f"Data: {what}: {len(y)} images of {'x'.join(map(str, X.shape[1:]))}, "
        f"class counts {_counts(y)}"
    )
    default_note = ", ".join(
        f"{k.replace('_', ' ')} {chosen[k]}"
        for k in defaults
        if getattr(args, k) is None
    )
    if default_note:
        _say(
            f"Defaults used: {default_note}; change them with --folds, "
            "--updates, --classifier-epochs."
        )

    from .classifiers import KerasImageClassifier

    _, class_counts = np.unique(y, return_counts=True)
    if class_counts.min() < chosen["folds"]:
        raise CommandError(
            f"the smallest class has {class_counts.min()} images, fewer than "
            f"--folds {chosen['folds']}."
        )
    min_train = int(class_counts.min() * (chosen["folds"] - 1) // chosen["folds"])
    gan_params = _gan_params(args.gan_param)
    resamplers = default_resamplers(
        names,
        random_state=args.random_state,
        min_train_count=min_train,
        gan_params={
            "updates": chosen["updates"],
            "precision": args.precision,
            **gan_params,
        },
    )
    classifier = KerasImageClassifier(
        epochs=chosen["classifier_epochs"],
        batch_size=args.batch_size,
        augmentation=_classifier_augmentation(args.classifier_augmentation, X),
        random_state=args.random_state,
        **_classifier_params(args.classifier_param),
    )
    _check_classifier(classifier, X, y)
    augmented = (
        f", training images augmented by {classifier.augmentation}"
        if classifier.augmentation
        else ""
    )
    _say(
        f"Protocol: {chosen['folds']}-fold stratified CV x {args.repeats} "
        f"repeat(s), resampling inside the training folds only; the same "
        f"classifier (KerasImageClassifier, {chosen['classifier_epochs']!r} "
        f"epochs{augmented}) behind every resampler; DCGAN updates per class "
        f"{chosen['updates']!r}, precision {args.precision}, "
        f"{_generated_share(gan_params)}.",
    )

    if out is None:
        return _run_comparison(args, X, y, what, chosen, classifier, resamplers, None)
    grids = _grid_names(np.unique(y)) if "dcgan" in names else {}
    with _output_folder(out, [*OUTPUT_FILES, *grids.values()]):
        return _run_comparison(args, X, y, what, chosen, classifier, resamplers, out)


def _generated_share(gan_params):
    """How the dcgan resampler's new images are made, in words."""
    from .recipes import DEFAULTS

    fraction = gan_params.get("generated_fraction", DEFAULTS["generated_fraction"])
    if fraction == 1:
        return "every new image generated"
    return f"{fraction:.0%} of the new images generated, the rest copies"


def _classifier_augmentation(policy, X):
    """``--classifier-augmentation``, checked against the images before training."""
    if policy is None:
        return None
    from ._classifier_augmentation import check_policy

    try:
        check_policy(policy, X.shape[1:])
    except ValueError as error:
        raise CommandError(f"--classifier-augmentation: {error}") from None
    return policy


def _check_classifier(classifier, X, y):
    """``--classifier-param``'s backbone, weights and class_weight, checked
    against the data before training (the classifier checks them only in each
    fold's fit)."""
    from sklearn.preprocessing import LabelEncoder

    from ._classifier_networks import check_backbone
    from ._images import to_nhwc

    encoder = LabelEncoder().fit(y)
    try:
        check_backbone(classifier.backbone, classifier.weights, to_nhwc(X).shape[1:])
        classifier._keras_class_weight(encoder, encoder.transform(y))
    except ValueError as error:
        raise CommandError(f"--classifier-param: {error}") from None


def _run_comparison(args, X, y, what, chosen, classifier, resamplers, out):
    """Run the comparison, print its tables and write them into ``out``."""
    from .evaluation import compare_resamplers

    callback = None
    if out is not None:
        partial = out / "folds.partial.csv"
        if partial.exists():  # an interrupted run's folds: kept, not replaced
            previous = partial.with_name("folds.partial.previous.csv")
            partial.replace(previous)
            _say(
                f"gansampler: the folds of an earlier, interrupted run are now in "
                f"{previous}",
                file=sys.stderr,
            )
        callback = _partial_results_writer(partial)

    start = time.perf_counter()
    try:
        result = compare_resamplers(
            X,
            y,
            classifier=classifier,
            resamplers=resamplers,
            n_splits=chosen["folds"],
            n_repeats=args.repeats,
            random_state=args.random_state,
            memory=args.cache,
            n_jobs=args.n_jobs,
            verbose=args.verbose,
            callback=callback,
        )
    except KeyboardInterrupt:
        if out is not None and partial.exists():
            _say(
                f"gansampler: the folds scored before the interrupt are in {partial}",
                file=sys.stderr,
            )
        raise
    seconds = time.perf_counter() - start
    _say()
    _say(
        f"Mean ± std over {chosen['folds'] * args.repeats} test folds "
        f"({seconds:.0f} s in all):"
    )
    _say(result.format_table(precision=3))
    notes = result.format_notes(precision=3)
    if notes:
        _say()
        _say(notes)
    if len(result.tests):
        _say()
        _say(
            "dcgan minus each other resampler, mean over the folds (p: two-sided "
            "Nadeau-Bengio corrected resampled t-test; Wilcoxon in tests.csv):"
        )
        _say(result.format_tests(precision=3))
    if out is not None:
        _write_outputs(result, out, X.shape[1:], args.random_state, what)
        (out / "folds.partial.csv").unlink(missing_ok=True)
    return 0


def _partial_results_writer(path):
    """``callback(record)`` that adds each fold's record to a CSV file as it comes.

    The first record writes the header. Each addition rewrites the file
    atomically, so an interrupted run leaves the folds scored so far.
    """

    def callback(record):
        import csv
        import io

        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=list(record))
        if not path.exists():
            writer.writeheader()
        writer.writerow(record)
        row = text.getvalue()
        write_atomically(path, lambda file: file.write(row), mode="a")

    return callback


def _write_outputs(result, out, image_shape, random_state, what):
    import numpy as np

    written = [
        result.to_csv(out / "table.csv"),
        result.to_csv(out / "folds.csv", which="folds"),
        result.to_csv(out / "tests.csv", which="tests"),
    ]
    result.to_json(out / "results.json")
    result.plot(out / "comparison.png", title=what)
    written += [out / "results.json", out / "comparison.png"]
    sampler = result.fitted_resamplers.get("dcgan")
    if sampler is not None and getattr(sampler, "generators_", None):
        from .plotting import save_image_grid

        scale = max(1, 64 // int(image_shape[0]))
        grids = _grid_names(sampler.generators_)
        for label in sampler.generators_:
            images = sampler.generate(label, 49, random_state=random_state)
            images = np.clip(images.reshape((-1, *image_shape)), 0, 1)
            written.append(save_image_grid(images, out / grids[label], scale=scale))
    _say()
    _say(
        f"Wrote {len(written)} files into {out}/: "
        + ", ".join(Path(p).name for p in written)
    )
