"""What the command line reads and checks before any training.

The types of its arguments, the data sets it loads (the digits, ELPV, an
.npz file, an image folder with or without a labels CSV) and the output
folders it checks and fills. :mod:`gansampler.cli` holds the commands.
"""

import argparse
import contextlib
import os
import sys
import tempfile
import warnings
from collections import Counter
from pathlib import Path

DATASETS = ("digits", "elpv")
ELPV_IMAGE_SIZE = 64


def _say(*args, **kwargs):
    """print, flushed, so that stdout and the progress on stderr interleave."""
    print(*args, **kwargs, flush=True)


class CommandError(Exception):
    """A problem with the command line or the input, reported in one line."""


# ------------------------------------------------------------------ arguments
def _int_at_least(text, least, expected):
    """``text`` as an int of at least ``least``; else an argparse error."""
    try:
        value = int(text)
    except ValueError:
        value = least - 1
    if value < least:
        raise argparse.ArgumentTypeError(f"must be {expected}, got {text!r}")
    return value


def _positive_int(text):
    return _int_at_least(text, 1, "a positive int")


def _positive_int_or_auto(text):
    """``--updates``, ``--classifier-epochs``: a count or ``'auto'``."""
    if text == "auto":
        return "auto"
    return _int_at_least(text, 1, "a positive int or 'auto'")


def _folds(text):
    """``--folds``: cross-validation needs at least two folds."""
    return _int_at_least(
        text,
        2,
        "an int of at least 2 (cross-validation tests every image once, on a "
        "fold the classifier did not train on)",
    )


def _strategy(text):
    """A strategy name, a float (two classes) or ``LABEL=COUNT,...`` as a dict."""
    names = {"auto", "minority", "not minority", "not majority", "all"}
    if text in names:
        return text
    if "=" in text:
        counts = {}
        for pair in text.split(","):
            label, _, count = (part.strip() for part in pair.rpartition("="))
            if not label or not count.isdigit() or label in counts:
                raise argparse.ArgumentTypeError(
                    "expected LABEL=COUNT[,LABEL=COUNT...], each label once, counts "
                    f"whole numbers, got {text!r}"
                )
            counts[label] = int(count)
        return counts
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be one of {', '.join(sorted(names))}, a float (two classes) or "
            f"LABEL=COUNT[,LABEL=COUNT...], got {text!r}"
        ) from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"a float must be in (0, 1], got {text!r}")
    return value


def _class_strategy(strategy, y):
    """``--sampling-strategy`` for the labels of ``y``: counts keyed by the labels."""
    import numpy as np

    classes = np.unique(y)
    if isinstance(strategy, float) and len(classes) > 2:
        raise CommandError(
            f"--sampling-strategy {strategy} (a float) is for two classes; there "
            f"are {len(classes)}. Give the count wanted per class instead, e.g. "
            f"--sampling-strategy {classes[-1]}={int(np.sum(y == classes[0]))}, "
            "or a name such as auto."
        )
    if not isinstance(strategy, dict):
        return strategy
    by_name = {str(label): label for label in classes.tolist()}
    unknown = [name for name in strategy if name not in by_name]
    if unknown:
        raise CommandError(
            f"--sampling-strategy names no class {', '.join(unknown)}; the classes "
            f"are {', '.join(by_name)}."
        )
    return {by_name[name]: count for name, count in strategy.items()}


# ------------------------------------------------------------------ data
def _stratified_subset(X, y, n, random_state):
    import numpy as np
    from sklearn.model_selection import train_test_split

    if n >= len(y):
        return X, y
    _, counts = np.unique(y, return_counts=True)
    stratify = y if counts.min() >= 2 and n >= len(counts) else None
    keep, _ = train_test_split(
        np.arange(len(y)), train_size=n, random_state=random_state, stratify=stratify
    )
    keep = np.sort(keep)
    return X[keep], y[keep]


def _load_npz(path, image_size):
    import numpy as np

    from ._images import resize, to_nhwc

    try:
        with np.load(path, allow_pickle=False) as data:
            missing = {"images", "target"} - set(data.files)
            if missing:
                raise CommandError(
                    f"{path} has no array(s) {', '.join(sorted(missing))}; expected "
                    "'images' (n, H, W[, C]) and 'target' (n,)."
                )
            X, y = data["images"], data["target"]
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot read {path} as .npz: {exc}") from None
    if X.ndim not in (3, 4) or len(X) != len(y):
        raise CommandError(
            f"{path}: images must be (n, H, W[, C]) with one target each; got "
            f"images {X.shape}, target {y.shape}."
        )
    X = to_nhwc(X)
    if image_size is not None and X.shape[1:3] != (image_size, image_size):
        if X.dtype != np.uint8 and not (0 <= X.min() and X.max() <= 1):
            raise CommandError(
                f"--image-size resizes uint8 images or floats in [0, 1]; {path} "
                f"holds {X.dtype} values in [{X.min():g}, {X.max():g}]. Save "
                "them as uint8 or scaled to [0, 1], or leave out --image-size."
            )
        X = resize(X, (image_size, image_size))
    return X, y


def _load_folder(path, args):
    """``load_image_folder`` with the command's options; each skipped item named.

    The items the loader skips are listed on stderr one per line, as the
    loader names them (``data.skipped``: a path or ``file.csv:line``, and the
    reason), instead of as one long warning.
    """
    from .datasets import SkippedImagesWarning, load_image_folder

    options = {
        "image_column": args.image_column,
        "label_column": args.label_column,
    }
    if args.labels is None:
        given = [f"--{k.replace('_', '-')}" for k, v in options.items() if v]
        if given:
            raise CommandError(f"{' and '.join(given)} need --labels CSV.")
    elif not os.path.isfile(args.labels):
        raise CommandError(f"--labels {args.labels}: no such file.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkippedImagesWarning)
        data = load_image_folder(
            path,
            image_size=args.image_size,
            channels=args.channels,
            labels_csv=args.labels,
            **{k: v for k, v in options.items() if v is not None},
        )
    for item, reason in data.skipped:
        _say(f"gansampler: skipped {item}: {reason}", file=sys.stderr)
    return data.images, data.target


def _is_npz(name):
    """Whether --dataset names an .npz file (the extension in any case)."""
    return name.lower().endswith(".npz")


def _pip_install(package):
    """The command that installs ``package`` into the interpreter running this."""
    import shlex

    return f"{shlex.quote(sys.executable)} -m pip install {package}"


def _check_extras(args):
    """Refuse, before Keras is loaded, a data set whose optional package is missing.

    Only looks the package up (``importlib.util.find_spec``), without
    importing it; the advice names this interpreter's own pip.
    """
    import importlib.util

    if getattr(args, "dataset", None) != "elpv":
        return
    try:
        found = importlib.util.find_spec("elpv_dataset") is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise CommandError(
            "--dataset elpv needs the optional package elpv-dataset, which this "
            f"Python ({sys.executable}) does not have; install it with: "
            f"{_pip_install('elpv-dataset')}"
        )


def _load_dataset(args):
    """(X, y, description) for --dataset."""
    name = args.dataset
    folder = name not in DATASETS and not _is_npz(name)
    if not folder:
        for flag, value in (("--labels", args.labels), ("--channels", args.channels)):
            if value is not None:
                raise CommandError(
                    f"{flag} applies to an image folder given as --dataset, not "
                    f"{name!r}."
                )
    if name == "digits":
        from .datasets import load_imbalanced_digits

        if args.image_size not in (None, 8):
            raise CommandError("--image-size does not apply to the 8x8 digits.")
        X, y = load_imbalanced_digits(return_X_y=True)
        what = "imbalanced digits (scikit-learn's 8x8 digits, class 9 kept at 10 %)"
    elif name == "elpv":
        from .datasets import load_elpv

        size = args.image_size or ELPV_IMAGE_SIZE
        X, y = load_elpv(image_size=size, return_X_y=True)
        what = (
            f"ELPV solar cells at {size}x{size} (labels 0..3 = defect 0, 1/3, 2/3, 1)"
        )
    elif _is_npz(name):
        if not os.path.isfile(name):
            raise CommandError(f"no such file: {name}")
        X, y = _load_npz(name, args.image_size)
        what = f"{name}" + (f" resized to {args.image_size}" if args.image_size else "")
    else:
        if not os.path.isdir(name):
            raise CommandError(
                f"--dataset {name!r} is neither 'digits', 'elpv', an .npz file nor "
                "an existing image folder."
            )
        X, y = _load_folder(name, args)
        what = f"image folder {name}" + (
            f" labelled by {args.labels}" if args.labels else ""
        )
    if args.max_samples is not None:
        X, y = _stratified_subset(X, y, args.max_samples, args.random_state)
        what += f", stratified subset of {len(y)}"
    return X, y, what


# ------------------------------------------------------------------ outputs
def _check_out(out, *, empty=False):
    """Refuse, before the data is read, an --out that is a file or is in use.

    In use: another gansampler run holds its lock (see :func:`_output_folder`);
    with ``empty``, also a folder that holds anything but a stale lock.
    """
    from ._files import LOCK_NAME, lock_holder

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {out} exists and is not a folder.")
    if out.is_dir():
        holder = lock_holder(out)
        if holder is not None:
            raise _in_use(out, *holder)
    if empty and out.is_dir() and any(p.name != LOCK_NAME for p in out.iterdir()):
        raise CommandError(
            f"--out {out} is not empty; refusing to write into it (choose a new "
            "or empty folder)."
        )
    return out


def _in_use(out, pid, host):
    """The error of an --out that another run holds."""
    import socket

    from ._files import LOCK_NAME

    who = "another gansampler run" + ("" if pid is None else f" (PID {pid}")
    if pid is not None:
        who += "" if host in (None, socket.gethostname()) else f" on {host}"
        who += ")"
    return CommandError(
        f"--out {out} is in use by {who}, which writes its files there; wait "
        "for it to end or choose another --out. (If no such run is alive, "
        f"delete {out / LOCK_NAME}.)"
    )


@contextlib.contextmanager
def _output_folder(out, files=()):
    """Make the --out folder, lock it and prove it writable before any training.

    A file is created in it and removed again (where the folder cannot be made
    or written, the command fails now rather than after training), and none
    of ``files``, the names the command will write, may be a folder there.
    Inside the block the folder is locked (``.gansampler.lock``, holding this
    process's PID, created atomically and removed at the end): a second run
    given the same --out meanwhile is refused instead of writing into the same
    files; a lock left by a run that died is taken over. A folder made here is
    removed again if the command then fails with it still empty.
    """
    from ._files import FolderLockedError, folder_lock

    made = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=out, prefix=".gansampler-probe-")
        os.close(handle)
        os.unlink(probe)
    except OSError as error:
        raise CommandError(
            f"--out {out}: cannot write there ({error.strerror or error})."
        ) from None
    taken = [name for name in files if (out / name).is_dir()]
    try:
        if taken:
            raise CommandError(
                f"--out {out} holds a folder {taken[0]!r} where a file of that name "
                "is to be written."
            )
        with contextlib.ExitStack() as stack:
            try:
                stack.enter_context(folder_lock(out))
            except FolderLockedError as error:
                raise _in_use(out, error.pid, error.host) from None
            except OSError as error:
                raise CommandError(
                    f"--out {out}: cannot lock it ({error.strerror or error})."
                ) from None
            yield out
    except BaseException:
        if made:
            with contextlib.suppress(OSError):
                out.rmdir()  # only while it is empty
        raise


def _grid_names(labels):
    """The grid file of each label, ``generated_class_<label>.png``: unique names."""
    from .labels import class_folder_name, label_text

    names = {}
    for label in labels:
        name = f"generated_{class_folder_name(label)}.png"
        if name in names.values():
            (other,) = (k for k, v in names.items() if v == name)
            raise CommandError(
                f"classes {label_text(other)} and {label_text(label)} would share "
                f"the grid file {name}; rename one of them."
            )
        names[label] = name
    return names


def _counts(y):
    return dict(sorted(Counter(y.tolist()).items()))


# ------------------------------------------------------------------ parameters
#: The DCGANOverSampler parameters that have an option of their own, per
#: command; --gan-param sets the others.
SAMPLER_OPTIONS = {
    "compare": ("updates", "precision", "random_state", "verbose"),
    "balance": ("updates", "precision", "random_state", "verbose", "sampling_strategy"),
}


def _gan_param_names(command):
    """The DCGANOverSampler parameters that ``--gan-param`` sets in ``command``."""
    from ._sampler import DCGANOverSampler

    return set(DCGANOverSampler().get_params()) - set(SAMPLER_OPTIONS[command])


def _literal_params(settings, option, allowed, own_options):
    """``["name=value", ...]`` as parameters, each value a Python literal if it
    reads as one; a name outside ``allowed`` is refused naming ``option``."""
    import ast

    params = {}
    for setting in settings or ():
        name, sep, text = setting.partition("=")
        name = name.strip()
        if not sep or name not in allowed:
            own = ", ".join(f"--{n.replace('_', '-')}" for n in own_options)
            raise CommandError(
                f"{option} {setting!r}: expected NAME=VALUE with NAME one of "
                f"{', '.join(sorted(allowed))} ({own} have their own options)."
            )
        try:
            params[name] = ast.literal_eval(text.strip())
        except (ValueError, SyntaxError):
            params[name] = text.strip()
    return params


def _gan_params(settings, command="compare"):
    """``["d_learning_rate=2e-4", ...]`` as DCGANOverSampler parameters."""
    from ._sampler import DCGANOverSampler

    params = _literal_params(
        settings, "--gan-param", _gan_param_names(command), SAMPLER_OPTIONS[command]
    )
    try:
        DCGANOverSampler(**params)._validate_params()
    except (ValueError, TypeError) as exc:
        raise CommandError(f"--gan-param: {exc}") from None
    return params


#: The KerasImageClassifier parameters that have an option of their own in
#: compare; --classifier-param sets the others.
CLASSIFIER_OPTIONS = ("epochs", "batch_size", "augmentation", "random_state")


def _classifier_params(settings):
    """``["backbone=resnet50", ...]`` as KerasImageClassifier parameters."""
    from .classifiers import KerasImageClassifier

    allowed = set(KerasImageClassifier().get_params()) - {
        *CLASSIFIER_OPTIONS,
        "image_shape",
        "model",
    }
    own = ("classifier_epochs", "batch_size", "classifier_augmentation", "random_state")
    params = _literal_params(settings, "--classifier-param", allowed, own)
    try:
        KerasImageClassifier(**params)._validate_params()
    except (ValueError, TypeError) as exc:
        raise CommandError(f"--classifier-param: {exc}") from None
    return params
