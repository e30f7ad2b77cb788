"""Balancing ELPV: the classes' GANs one after another vs. together (``jax.vmap``).

``DCGANOverSampler`` grows ELPV's three minority classes (295, 106 and 715
images against 1,508) to the majority's count, once with
``train_classes_together=False`` (one GAN after another, each in its own
compiled loop) and once with ``train_classes_together=True`` (all three in one
compiled program, the per-class networks batched with ``jax.vmap``), in the
same process, with the same settings and ``random_state``.

Reported per mode and run: the wall time of ``fit_resample`` (network
building, compilation, training, checkpoint scoring and generation; the first
run of each mode includes compilation, later runs find the programs in JAX's
persistent compilation cache; an untimed warm-up fit on a few images per
class first compiles the small eager programs every fit uses, and the order of
the modes alternates from run to run), and per class the epochs trained and the
quality of its generator, so that speed is not bought with worse GANs:

* ``kid_heldout``: the sampler's own score of the chosen checkpoint
  (``quality_``: pixel kernel distance against the class's held-back images);
* ``kid_all``: pixel kernel distance (pooled to at most 16x16) of the
  generated images against all real images of the class, computed here the
  same way for both modes.

Lower is better for both.

With ``--breakdown`` each run also reports where its time went: the compiled
training calls (each waited for; a call that compiled a new program, or
loaded it from JAX's cache, is counted on its own) and the checkpoint
callbacks (drawing images, scoring, failure checks). With ``--no-stop`` no
class stops early for a failure (a collapsed discriminator or generator):
every class trains all its planned epochs in both modes, so both do the same
work; the default stops, as the sampler does.

The two modes train the same networks (the same seeds) for the same epochs,
but not with the same batch order and noise, so their scores differ by
run-to-run noise even when neither is better.

Usage (on the GPU machine, JAX, the images from ``export_elpv_npz.py``)::

    KERAS_BACKEND=jax python benchmarks/bench_together.py \\
        --data .gpudata/elpv_128.npz --epochs auto --precision bfloat16 \\
        --repeats 2 --out $OUT/together.json

Only numpy, JAX, Keras, imbalanced-learn, scikit-learn, SciPy and Pillow are
needed (no TensorFlow).
"""

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import warnings

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import jax  # noqa: E402
import keras  # noqa: E402

from gansampler import DCGANOverSampler, monitoring  # noqa: E402
from gansampler.metrics import kernel_distance  # noqa: E402
from gansampler.monitoring import _score_space  # noqa: E402
from gansampler.training import (  # noqa: E402
    GANTrainingWarning,
    _jax,
    _jax_together,
    _loop,
)

MODES = {"sequential": False, "together": True}
# The untimed warm-up fits use every WARMUP_SHARE-th share of each class (so
# the classes stay imbalanced), at least WARMUP_MIN_IMAGES images.
WARMUP_SHARE = 20
WARMUP_MIN_IMAGES = 4


class Breakdown:
    """Times the compiled training calls and the checkpoint callbacks of a fit."""

    def patch(self):
        self.reset()
        for owner, name, kind in (
            (_jax.Trainer, "run_epoch", "train"),
            (_jax_together._Runner, "run", "train"),
            (monitoring.CheckpointMonitor, "__call__", "checkpoint"),
        ):
            setattr(owner, name, self._timed(getattr(owner, name), kind))

    def reset(self):
        self.seconds = {"train_compiling": 0.0, "train": 0.0, "checkpoint": 0.0}
        self.calls = {"train_compiling": 0, "train": 0, "checkpoint": 0}

    def _timed(self, method, what):
        def timed(*args, **kwargs):
            kind = what
            programs = _programs(args[0]) if kind == "train" else None
            start = time.perf_counter()
            out = jax.block_until_ready(method(*args, **kwargs))
            seconds = time.perf_counter() - start
            if programs is not None and _programs(args[0]) > programs:
                kind = "train_compiling"
            self.seconds[kind] += seconds
            self.calls[kind] += 1
            return out

        return timed


def _programs(trainer):
    """How many programs the trainer's jitted training call has compiled."""
    jitted = getattr(trainer, "_run_epoch", None) or trainer._run_chunk
    return jitted._cache_size()


def never_stop():
    """No class stops early: every failure check is switched off."""
    _loop.D_LOSS_COLLAPSE = -np.inf
    monitoring.DIVERSITY_COLLAPSE = 0.0


def load(path, size):
    with np.load(path) as data:
        images, target = data["images"], data["target"]
    if size and size != images.shape[1]:
        from PIL import Image

        images = np.stack(
            [
                np.asarray(
                    Image.fromarray(image[..., 0]).resize((size, size), Image.LANCZOS)
                )[..., None]
                for image in images
            ]
        )
    return images.astype(np.uint8), target.astype(np.int64)


def to_training_space(images):
    return images.astype(np.float32) / 127.5 - 1


def fit(X, y, together, args, breakdown=None):
    sampler = DCGANOverSampler(
        epochs=args.epochs,
        batch_size=args.batch_size,
        precision=args.precision,
        architecture=args.architecture,
        random_state=args.random_state,
        train_classes_together=together,
        verbose=args.verbose,
    )
    if breakdown is not None:
        breakdown.reset()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", GANTrainingWarning)
        start = time.perf_counter()
        X_res, y_res = sampler.fit_resample(X, y)
        seconds = time.perf_counter() - start
    stopped = [str(w.message) for w in caught if w.category is GANTrainingWarning]
    classes = {}
    for label, history in sampler.history_.items():
        quality = sampler.quality_[label]
        n_real = int((y == label).sum())
        n_train = n_real - round(sampler.validation_fraction * n_real)
        new = X_res[len(X) :][y_res[len(y) :] == label]
        real = _score_space(to_training_space(X[y == label]))
        fake = _score_space(to_training_space(new))
        classes[str(label)] = {
            "n_real": int((y == label).sum()),
            "n_new": len(new),
            "epochs_trained": len(history["g_loss"]),
            "planned_epochs": sampler._epochs(n_train, args.batch_size),
            "chosen_epoch": quality["chosen_epoch"],
            "kid_heldout": quality["kernel_distance"],
            "kid_all": float(kernel_distance(real, fake, random_state=0)),
            "collapsed_at": quality["collapsed_at"],
            "final_g_loss": history["g_loss"][-1] if history["g_loss"] else None,
        }
    run = {"seconds": seconds, "classes": classes, "warnings": stopped}
    if breakdown is not None:
        run["breakdown"] = {"seconds": dict(breakdown.seconds), **breakdown.calls}
    return run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=".gpudata/elpv_128.npz")
    parser.add_argument("--size", type=int, default=None, help="resize to SIZE")
    parser.add_argument("--epochs", default="auto", help="an int or 'auto'")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument(
        "--precision", default="bfloat16", choices=["float32", "bfloat16", "float16"]
    )
    parser.add_argument("--architecture", default="auto")
    parser.add_argument("--repeats", type=int, default=2, help="runs per mode")
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=0)
    parser.add_argument(
        "--no-warmup",
        dest="warmup",
        action="store_false",
        help="skip the untimed warm-up fits on a few images per class",
    )
    parser.add_argument(
        "--breakdown", action="store_true", help="time training calls and checkpoints"
    )
    parser.add_argument(
        "--no-stop",
        dest="stop",
        action="store_false",
        help="no class stops early for a failure (both modes do the same work)",
    )
    parser.add_argument(
        "--modes",
        nargs="+",
        default=list(MODES),
        choices=list(MODES),
        help="run only these (one mode per process: a first run with no other "
        "fit's one-time costs before it)",
    )
    parser.add_argument("--out", default="bench_together.json")
    args = parser.parse_args(argv)
    if args.epochs != "auto":
        args.epochs = int(args.epochs)
    if keras.config.backend() != "jax":
        parser.error("run with KERAS_BACKEND=jax (train_classes_together is JAX only)")
    # Later runs of a mode find its compiled programs here: the first run's
    # time includes compilation, later runs' does not.
    cache = tempfile.mkdtemp(prefix="bench_together_jax_cache_")
    jax.config.update("jax_compilation_cache_dir", cache)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)

    if not args.stop:
        never_stop()
    X, y = load(args.data, args.size)
    result = {
        "stop_on_failure": args.stop,
        "data": args.data,
        "image_shape": list(X.shape[1:]),
        "class_counts": np.bincount(y).tolist(),
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "precision": args.precision,
        "architecture": args.architecture,
        "random_state": args.random_state,
        "device": str(jax.devices()[0]),
        "versions": {
            "python": platform.python_version(),
            "jax": jax.__version__,
            "keras": keras.__version__,
        },
        "runs": {mode: [] for mode in args.modes},
    }
    print(
        f"{args.data}: {X.shape[0]} images of {X.shape[1:]}, classes "
        f"{result['class_counts']}, epochs={args.epochs}, precision="
        f"{args.precision}, on {result['device']}",
        flush=True,
    )
    if args.warmup:
        # Untimed: Keras and JAX compile their small eager programs (network
        # building, checkpoint scoring, generation) once per process; the
        # training programs of other class sizes stay to be compiled.
        subset = np.concatenate(
            [
                rows[: max(WARMUP_MIN_IMAGES, len(rows) // WARMUP_SHARE)]
                for rows in (np.flatnonzero(y == label) for label in np.unique(y))
            ]
        )
        warm_args = argparse.Namespace(**{**vars(args), "epochs": 1, "verbose": 0})
        for together in (MODES[mode] for mode in args.modes):
            fit(X[subset], y[subset], together, warm_args)
    breakdown = None
    if args.breakdown:
        breakdown = Breakdown()
        breakdown.patch()
    for repeat in range(args.repeats):
        # The order alternates, so neither mode always runs first.
        modes = [(mode, MODES[mode]) for mode in args.modes]
        for mode, together in modes if repeat % 2 == 0 else modes[::-1]:
            run = fit(X, y, together, args, breakdown)
            result["runs"][mode].append(run)
            print(f"{mode:>10} run {repeat + 1}: {run['seconds']:8.1f} s", flush=True)
            if breakdown is not None:
                print(f"{'':>12}{json.dumps(run['breakdown'])}", flush=True)
            for label, c in run["classes"].items():
                heldout = c["kid_heldout"]
                heldout = "-" if heldout is None else f"{heldout:.4g}"
                print(
                    f"{'':>12}class {label}: {c['epochs_trained']} of "
                    f"{c['planned_epochs']} epochs, chosen "
                    f"{c['chosen_epoch']}, KID held-out {heldout}, "
                    f"KID all {c['kid_all']:.4g}",
                    flush=True,
                )
            for message in run["warnings"]:
                print(f"{'':>12}{message}", flush=True)

    seconds = {m: [r["seconds"] for r in runs] for m, runs in result["runs"].items()}
    both = len(seconds) == len(MODES)
    result["summary"] = {"first_run_s": {m: s[0] for m, s in seconds.items()}}
    if both:
        result["summary"]["first_run_speedup"] = (
            seconds["sequential"][0] / seconds["together"][0]
        )
    if args.repeats > 1:
        warm = {m: float(np.min(s[1:])) for m, s in seconds.items()}
        result["summary"]["warm_run_s"] = warm
        if both:
            result["summary"]["warm_run_speedup"] = (
                warm["sequential"] / warm["together"]
            )
    for key, value in result["summary"].items():
        print(f"{key}: {json.dumps(value)}")
    with open(args.out, "w", encoding="utf-8") as file:
        json.dump(result, file, indent=2)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
