"""How far the pinned outputs of ``tests/test_pinned.py`` move in this environment.

The pins hold float32 training on the CPU. Another TensorFlow, Keras or numpy
release, another CPU or thread count may sum the same float32 values in another
order, which moves the outputs by rounding alone. This script refits every
pinned case and prints, per case and quantity, the largest absolute difference
from the recorded value; then the same case refitted with another
``random_state``, which is the size of a real change of behaviour. A test
tolerance must sit well above the first and far below the second. The figures
and the environments they were measured in are in ``docs/reliability.md``.

``--record PATH`` instead refits the classifier cases and writes their pins,
in the layout of ``tests/data/pinned_classifier.json`` (probabilities rounded
to 6 decimals, the per-epoch history to 5), to PATH. Run it after a change of
the classifier's default network or training made on purpose (TensorFlow
backend, CPU), and pass that file as PATH to re-record the pins.

    python benchmarks/pinned_drift.py                 # one JSON line per case
    TF_NUM_INTRAOP_THREADS=1 python benchmarks/pinned_drift.py
    python benchmarks/pinned_drift.py --cases dense validation_balanced
    KERAS_BACKEND=tensorflow python benchmarks/pinned_drift.py \\
        --record tests/data/pinned_classifier.json
"""

import argparse
import json
import os
import platform
import sys
from pathlib import Path

import numpy as np

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))

import test_pinned  # noqa: E402


def _max_diff(got, want):
    if isinstance(want, dict):
        return max(_max_diff(got[key], value) for key, value in want.items())
    return float(np.max(np.abs(np.asarray(got, float) - np.asarray(want, float))))


def _gan_diffs(fingerprint, want):
    keys = ("new_mean", "new_std", "new_row_means", "drawn_row_means")
    diffs = {key: _max_diff(fingerprint[key], want[key]) for key in keys}
    diffs["history"] = _max_diff(fingerprint["history"], want["history"])
    diffs["kernel_distance"] = _max_diff(
        fingerprint["quality"]["kernel_distance"],
        want["quality"]["kernel_distance"],
    )
    return diffs


def _classifier_fit(params, X, y):
    from gansampler.classifiers import KerasImageClassifier

    return KerasImageClassifier(**params).fit(X, y)


def _classifier_diffs(params, X, y, X_test, want):
    clf = _classifier_fit(params, X, y)
    return {
        "proba": _max_diff(clf.predict_proba(X_test), want["proba"]),
        "history": _max_diff(clf.history_, want["history"]),
    }


def record(path, cases):
    """Write the pins of the classifier ``cases`` to ``path``."""
    out = {}
    for case, (params, X, y, X_test) in sorted(cases.items()):
        clf = _classifier_fit(params, X, y)
        out[case] = {
            "proba": np.round(clf.predict_proba(X_test), 6).tolist(),
            "history": {k: np.round(v, 5).tolist() for k, v in clf.history_.items()},
        }
    path = Path(path)
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path}")


def main(argv=None):
    gan_cases = test_pinned._data()
    classifier_cases = test_pinned._classifier_cases()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cases",
        nargs="+",
        choices=sorted({*gan_cases, *classifier_cases}),
        help="refit only these cases (default: all)",
    )
    parser.add_argument(
        "--record",
        metavar="PATH",
        help="write the classifier cases' pins to PATH instead of measuring",
    )
    args = parser.parse_args(argv)
    if args.cases:
        gan_cases = {k: v for k, v in gan_cases.items() if k in args.cases}
        classifier_cases = {
            k: v for k, v in classifier_cases.items() if k in args.cases
        }
    if args.record:
        if not classifier_cases:
            parser.error("--record needs at least one classifier case")
        record(args.record, classifier_cases)
        return

    import keras
    import sklearn
    import tensorflow as tf

    environment = {
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "python": platform.python_version(),
        "cpu": platform.processor() or platform.machine(),
        "intra_op_threads": os.environ.get("TF_NUM_INTRAOP_THREADS", "default"),
    }
    for case, (params, X, y) in sorted(gan_cases.items()):
        want = test_pinned.PINNED[case]
        same = _gan_diffs(test_pinned._fingerprint(params, X, y), want)
        other = dict(params, random_state=params["random_state"] + 1)
        changed = _gan_diffs(test_pinned._fingerprint(other, X, y), want)
        line = {"case": case, "rounding": same, "other_seed": changed}
        print(json.dumps({**line, "environment": environment}), flush=True)
    for case, (params, X, y, X_test) in sorted(classifier_cases.items()):
        want = test_pinned.PINNED_CLASSIFIER[case]
        same = _classifier_diffs(params, X, y, X_test, want)
        other = dict(params, random_state=params["random_state"] + 1)
        changed = _classifier_diffs(other, X, y, X_test, want)
        line = {"case": case, "rounding": same, "other_seed": changed}
        print(json.dumps({**line, "environment": environment}), flush=True)


if __name__ == "__main__":
    main()
