"""The ``gansampler`` command: ``compare``, ``balance`` and ``demo``.

``gansampler compare`` cross-validates one Keras image classifier behind no
resampling, random over-sampling, SMOTE, ADASYN, random under-sampling and
:class:`~gansampler.DCGANOverSampler` (see
:func:`gansampler.evaluation.compare_resamplers`); ``gansampler balance``
writes the images DC-GANs generate to balance an image folder; ``gansampler
demo`` balances the imbalanced digits once.

Errors are reported as one line, ``gansampler: error: ...``, with exit status 2
(set ``GANSAMPLER_TRACEBACK=1`` to see the traceback instead). Ctrl-C ends a
command with status 130 as soon as training lets Python run again (between
the GAN's compiled training calls), keeping the files complete so far.

Parsing the arguments (and ``--help``, ``--version``) imports neither Keras nor
scikit-learn; a command imports Keras when it starts, with TensorFlow's C++ log
lines silenced (``TF_CPP_MIN_LOG_LEVEL=3`` unless it is set already).
"""

import argparse
import contextlib
import logging
import os
import sys
import time
import warnings
from pathlib import Path

from . import __version__
from ._cli_compare import _compare
from ._cli_inputs import (
    SAMPLER_OPTIONS,
    CommandError,
    _check_extras,
    _check_out,
    _class_strategy,
    _counts,
    _folds,
    _gan_param_names,
    _gan_params,
    _grid_names,
    _load_folder,
    _output_folder,
    _positive_int,
    _positive_int_or_auto,
    _say,
    _strategy,
)
from .recipes import PRECISIONS


def _one_line_warning(message, category, filename, lineno, file=None, line=None):
    text = " ".join(str(message).split())
    print(f"gansampler: {category.__name__}: {text}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _stderr_silenced():
    """Send what is written to file descriptor 2 to /dev/null inside the block."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def _import_keras_quietly():
    """Import Keras and its backend without TensorFlow's C++ log lines.

    ``TF_CPP_MIN_LOG_LEVEL=3`` (unless set) silences TensorFlow's C++ logging
    from then on; the lines its libraries print while they load, before that
    logging is set up (oneDNN and CUDA notices), are hidden by sending file
    descriptor 2 to /dev/null during the import. A failed import still raises
    its exception, reported as usual.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # TensorFlow's Python-side notices (retracing, ...) are not the user's.
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    if "keras" in sys.modules:
        return
    with _stderr_silenced():
        import keras  # noqa: F401


class _Parser(argparse.ArgumentParser):
    """argparse, with errors in one line (no usage block) and exit status 2."""

    def error(self, message):
        self.exit(2, f"gansampler: error: {message}\n")


# ------------------------------------------------------------------ balance
def _balance(args):
    import numpy as np

    from ._sampler import DCGANOverSampler
    from .datasets import save_image_folder
    from .datasets._image_folders import class_folders

    source = Path(args.path)
    if not source.is_dir():
        raise CommandError(f"image folder not found: {source}")
    out = _check_out(args.out, empty=True)
    if out.resolve() == source.resolve():
        raise CommandError("--out must differ from the input folder.")
    X, y = _load_folder(source, args)
    _say(
        f"Loaded {len(y)} images of {'x'.join(map(str, X.shape[1:]))} from "
        f"{source}: class counts {_counts(y)}"
    )
    if len(np.unique(y)) < 2:
        raise CommandError(f"{source} holds a single class; nothing to balance.")
    class_folders(y)  # labels that cannot name a folder fail now, not after training
    params = {"generated_fraction": 1.0, **_gan_params(args.gan_param, "balance")}
    if params["generated_fraction"] != 1:
        raise CommandError(
            "--gan-param generated_fraction: balance writes generated images "
            "only (the copies a smaller fraction adds are the folder's own "
            "images); leave it out."
        )
    sampler = DCGANOverSampler(
        sampling_strategy=_class_strategy(args.sampling_strategy, y),
        updates=args.updates,
        precision=args.precision,
        random_state=args.random_state,
        verbose=args.verbose,
        **params,
    )
    with _output_folder(out):
        start = time.perf_counter()
        X_res, y_res = sampler.fit_resample(X, y)
        seconds = time.perf_counter() - start
        new_X, new_y = X_res[len(X) :], y_res[len(X) :]
        _say(
            f"Trained {len(sampler.generators_)} DC-GAN(s) in {seconds:.1f} s; class "
            f"counts after balancing {_counts(y_res)}"
        )
        if len(new_y) == 0:
            _say("Nothing to generate: the classes are already balanced.")
            return 0
        paths = save_image_folder(new_X, new_y, out, prefix="generated")
    per_class = _counts(new_y)
    _say(
        f"Wrote {len(paths)} generated images into {out}/ "
        f"({', '.join(f'{k}: {v}' for k, v in per_class.items())})"
    )
    return 0


# ------------------------------------------------------------------ demo
def _demo(args):
    import numpy as np

    from ._sampler import DCGANOverSampler
    from .datasets import load_imbalanced_digits
    from .plotting import save_image_grid

    out = _check_out(args.out)
    X, y = load_imbalanced_digits(return_X_y=True, random_state=args.random_state)
    _say(f"Imbalanced digits: {len(X)} images of 8x8, class counts {_counts(y)}")
    sampler = DCGANOverSampler(
        updates=args.updates,
        generated_fraction=1.0,  # the demo shows generated images only
        random_state=args.random_state,
        verbose=args.verbose,
    )
    grids = _grid_names(np.unique(y))
    with _output_folder(out, grids.values()):
        start = time.perf_counter()
        X_res, y_res = sampler.fit_resample(X, y)
        seconds = time.perf_counter() - start
        n_epochs = sum(len(history["g_loss"]) for history in sampler.history_.values())
        _say(
            f"Trained {len(sampler.generators_)} DC-GANs (updates={args.updates!r}, "
            f"{n_epochs} epochs in all) in {seconds:.1f} s and added "
            f"{len(X_res) - len(X)} images: class counts now {_counts(y_res)}"
        )
        new_X, new_y = X_res[len(X) :], y_res[len(X) :]
        for label in sampler.generators_:
            path = save_image_grid(
                new_X[new_y == label][:49], out / grids[label], scale=4
            )
            _say(f"  class {label}: grid of generated images in {path}")
    return 0


# ------------------------------------------------------------------ parser
def _add_folder_arguments(command, size_help):
    """The options of reading images, the same in every command but for what
    ``--image-size`` does by default (``size_help``)."""
    command.add_argument(
        "--image-size",
        type=_positive_int,
        default=None,
        help=f"resize images to this square size ({size_help})",
    )
    command.add_argument(
        "--channels",
        type=int,
        choices=(1, 3),
        default=None,
        help="channels of folder images, 1 (grey) or 3 (RGB); default: as read",
    )
    command.add_argument(
        "--labels",
        default=None,
        metavar="CSV",
        help="a folder of images plus this CSV of file names and labels "
        "(Kaggle's trainLabels.csv layout: columns image,level) instead of "
        "one sub-folder per class",
    )
    command.add_argument(
        "--image-column",
        default=None,
        metavar="NAME",
        help="column of --labels with the file names (image)",
    )
    command.add_argument(
        "--label-column",
        default=None,
        metavar="NAME",
        help="column of --labels with the class labels (level)",
    )


def _add_training_verbose_argument(command):
    command.add_argument(
        "--verbose",
        type=int,
        choices=(0, 1, 2),
        default=1,
        help="0 quiet; 1 (default) a progress bar per class, with the time left, "
        "on stderr (drawn in place on a terminal, written once when it ends "
        "elsewhere); 2 also the article's line per epoch on stdout",
    )


def _add_gan_param_argument(command):
    command.add_argument(
        "--gan-param",
        action="append",
        metavar="NAME=VALUE",
        help="another DCGANOverSampler parameter, as a Python literal, e.g. "
        "d_learning_rate=2e-4 or validation_fraction=None (repeatable)",
    )


def build_parser():
    """The argument parser of the ``gansampler`` command."""
    from .evaluation import DEFAULT_RESAMPLERS

    parser = _Parser(
        prog="gansampler",
        description="Over-sample minority image classes with DC-GANs.",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    compare = commands.add_parser(
        "compare",
        help="cross-validate a CNN behind DCGAN, SMOTE, random over/under-sampling",
        description="Cross-validate the same Keras image classifier behind each "
        "resampler (repeated stratified k-fold, resampling inside the training folds "
        "only) and print mean ± std of balanced accuracy, G-mean, macro-F1, "
        "minority-class recall, macro ROC-AUC and fit time, with paired tests of "
        "dcgan against the others (Nadeau-Bengio corrected t-test; Wilcoxon). "
        "Without arguments it runs on the imbalanced digits with small settings "
        "(3 folds, 1,000 GAN updates per class on every device, classifier "
        "epochs auto) in a few minutes on a CPU.",
    )
    compare.add_argument(
        "--dataset",
        default="digits",
        metavar="NAME|PATH",
        help="'digits' (default), 'elpv' (needs elpv-dataset), an .npz file with "
        "arrays 'images' (n,H,W[,C]) and 'target', or an image folder (one "
        "sub-folder per class, or images plus --labels CSV)",
    )
    compare.add_argument(
        "--folds",
        type=_folds,
        default=None,
        help="folds per repeat, at least 2 (digits: 3, otherwise 5)",
    )
    compare.add_argument(
        "--repeats",
        type=_positive_int,
        default=1,
        help="repeats of the k-fold split (1)",
    )
    compare.add_argument(
        "--updates",
        type=_positive_int_or_auto,
        default=None,
        help="GAN generator updates per class, an int or 'auto' (the "
        "device's budget; the default, but 1000 on the digits)",
    )
    compare.add_argument(
        "--classifier-epochs",
        type=_positive_int_or_auto,
        default=None,
        help="epochs of the classifier, an int or 'auto' (about 1,000 updates, "
        "10 to 100 epochs; the default)",
    )
    compare.add_argument(
        "--classifier-param",
        action="append",
        metavar="NAME=VALUE",
        help="another KerasImageClassifier parameter, as a Python literal, e.g. "
        "validation_split=0.1, backbone='resnet50' or weights='resnet50.h5' "
        "(repeatable)",
    )
    compare.add_argument(
        "--classifier-augmentation",
        default=None,
        metavar="POLICY",
        help="augment the classifier's training images, in training only: "
        "names joined by commas from flip (mirror left-right, top-bottom), "
        "rot90 (quarter turns; square images), translation (shifts of up to "
        "1/8 of the size), zoom (in or out by up to 1/10), brightness (shifts "
        "of up to 1/10 of the range), contrast (scaled by up to 1.25 or "
        "1/1.25), e.g. flip,translation (default: none)",
    )
    compare.add_argument(
        "--batch-size",
        type=_positive_int,
        default=32,
        help="batch size of the classifier (32)",
    )
    _add_folder_arguments(
        compare,
        size_help="elpv: 64; folders: needed when images differ in size",
    )
    compare.add_argument(
        "--max-samples",
        type=_positive_int,
        default=None,
        help="use a stratified random subset of this many images (for quick trials)",
    )
    compare.add_argument(
        "--resamplers",
        default=",".join(DEFAULT_RESAMPLERS),
        help=f"comma-separated subset of {','.join(DEFAULT_RESAMPLERS)} (all)",
    )
    compare.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="write table.csv, folds.csv, tests.csv, results.json, "
        "comparison.png and generated_class_<label>.png here",
    )
    compare.add_argument(
        "--cache",
        default=None,
        metavar="DIR",
        help="joblib cache of fitted resamplers: a rerun with the "
        "same data and settings does not retrain the GANs",
    )
    compare.add_argument("--random-state", type=int, default=0, help="seed (0)")
    compare.add_argument(
        "--precision",
        default="float32",
        choices=PRECISIONS,
        help="GAN compute precision (float32; bfloat16 on GPUs)",
    )
    _add_gan_param_argument(compare)
    compare.add_argument(
        "--n-jobs",
        type=int,
        default=None,
        help="folds in parallel (default: one at a time)",
    )
    compare.add_argument(
        "--verbose",
        type=int,
        default=1,
        help="0 quiet; 1 (default) a progress bar of the folds with the time "
        "left and a line per fold, on stderr, and below it a bar per GAN class "
        "(unless --n-jobs runs the folds in other processes); 2 also the "
        "article's line per GAN epoch on stdout and the classifier's Keras "
        "progress",
    )
    compare.set_defaults(run=_compare)

    balance = commands.add_parser(
        "balance",
        help="write DC-GAN images that balance an image folder",
        description="Load an image folder (one sub-folder per class, or a folder "
        "of images plus --labels CSV), train a "
        "DC-GAN per class that has to grow and write only the generated images, "
        "one sub-folder per class, into --out (which must be new or empty).",
    )
    balance.add_argument(
        "path",
        metavar="FOLDER",
        help="image folder: one sub-folder per class, or images plus --labels",
    )
    balance.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="new or empty folder for the generated images",
    )
    _add_folder_arguments(
        balance, size_help="default: keep; all images must then share one size"
    )
    balance.add_argument(
        "--updates",
        type=_positive_int_or_auto,
        default="auto",
        help="GAN generator updates per class, an int or 'auto' (the device's "
        "budget; the default)",
    )
    balance.add_argument(
        "--sampling-strategy",
        type=_strategy,
        default="auto",
        metavar="STRATEGY",
        help="auto (= not majority), minority, 'not minority', 'not majority', "
        "all, a float for two classes, or the count wanted per class, "
        "LABEL=COUNT[,LABEL=COUNT...]",
    )
    balance.add_argument(
        "--precision",
        default="float32",
        choices=PRECISIONS,
        help="GAN compute precision (float32)",
    )
    _add_gan_param_argument(balance)
    balance.add_argument("--random-state", type=int, default=0, help="seed (0)")
    _add_training_verbose_argument(balance)
    balance.set_defaults(run=_balance)

    demo = commands.add_parser(
        "demo",
        help="balance scikit-learn's digits (made imbalanced) on the CPU",
        description="Balance scikit-learn's 8x8 digits, made imbalanced, with one "
        "DC-GAN per minority class, and write a grid of generated images per class.",
    )
    demo.add_argument(
        "--updates",
        type=_positive_int_or_auto,
        default="auto",
        help="GAN generator updates per class, an int or 'auto' (the device's "
        "budget; the default)",
    )
    demo.add_argument(
        "--out",
        default="gansampler-demo",
        metavar="DIR",
        help="folder for the image grids (gansampler-demo)",
    )
    demo.add_argument("--random-state", type=int, default=0, help="seed (0)")
    _add_training_verbose_argument(demo)
    demo.set_defaults(run=_demo)
    return parser


# The library's advice, as the options of the command line.
ADVICE = (
    (r"\bimage_size=\(height, width\)", "--image-size N"),
    (r"\bimage_column= / label_column=", "--image-column / --label-column"),
    (r"\blabels_csv\b", "--labels CSV"),
    (r"\bn_splits\b", "--folds"),
    (r"\bn_repeats\b", "--repeats"),
)


def _in_command_terms(message, command):
    """A library error message whose advice names the command's options.

    The library's messages name its parameters (``image_size=(height,
    width)``, ``validation_fraction=None``); the command line has options for
    them (``--image-size N``, ``--gan-param validation_fraction=None``).
    """
    import re

    for pattern, option in ADVICE:
        message = re.sub(pattern, option, message)
    # Only the sampler, once imported, gives advice about its parameters.
    if command in SAMPLER_OPTIONS and "gansampler._sampler" in sys.modules:
        names = "|".join(sorted(_gan_param_names(command)))
        message = re.sub(rf"(?<![\w'\"-])({names})=", r"--gan-param \1=", message)
        for name in SAMPLER_OPTIONS[command]:
            if "_" in name:  # a name no sentence uses: random_state, ...
                option = "--" + name.replace("_", "-")
                message = re.sub(rf"(?<![\w-]){name}\b", option, message)
    return message


def _exit_at_once(status):
    """End the interrupted program now, without the interpreter's shutdown.

    After training, Python's own shutdown (garbage-collecting every Keras and
    TensorFlow object, their exit handlers) takes seconds, most of the time
    a Ctrl-C took to end ``gansampler compare``; nothing in it is needed
    here. By now the output streams are flushed (below), every file written
    is complete (all are written atomically, and a write that was
    interrupted has removed its temporary) and the --out lock is released.
    Worker processes that joblib started for --n-jobs are killed first.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    loky = sys.modules.get("joblib.externals.loky.reusable_executor")
    executor = getattr(loky, "_executor", None)
    if executor is not None:
        with contextlib.suppress(Exception):
            from joblib.externals.loky.backend.utils import kill_process_tree

            for process in list(getattr(executor, "_processes", {}).values()):
                kill_process_tree(process)
    os._exit(status)


def main(argv=None):
    """Run the ``gansampler`` command; returns the exit status.

    Parameters
    ----------
    argv : list of str or None, default=None
        Arguments without the program name; None reads ``sys.argv``, as the
        ``gansampler`` program does: then an interrupted command ends the
        process at once with status 130 (see :func:`_exit_at_once`) instead
        of returning.

    Returns
    -------
    int
        0 on success, 2 on an error (reported as one line on stderr), 130
        when interrupted (Ctrl-C).

    Examples
    --------
    >>> from gansampler.cli import main
    >>> main(["compare", "--resamplers", "none,smote"])  # doctest: +SKIP
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, or a usage error already reported
        return exit_.code if isinstance(exit_.code, int) else 2
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _one_line_warning
            _check_extras(args)  # before Keras: its import takes seconds
            _import_keras_quietly()
            return args.run(args)
    except KeyboardInterrupt:
        _say("gansampler: error: interrupted", file=sys.stderr)
        if argv is None:  # the program, not a call from Python
            _exit_at_once(130)
        return 130
    except Exception as error:
        if os.environ.get("GANSAMPLER_TRACEBACK"):
            raise
        if isinstance(error, CommandError | ValueError | OSError | ImportError):
            message = str(error)
        else:
            message = f"{type(error).__name__}: {error}"
        if not isinstance(error, CommandError):
            message = _in_command_terms(message, args.command)
        message = " ".join(message.split()) or type(error).__name__
        _say(f"gansampler: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
