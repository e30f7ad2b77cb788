"""How far the pinned outputs of ``tests/test_pinned.py`` move in this environment.

The pins hold float32 training on the CPU. Another TensorFlow, Keras or numpy
release, another CPU or thread count may sum the same float32 values in another
order, which moves the outputs by rounding alone. This script refits every
pinned case and prints, per case and quantity, the largest absolute difference
from the recorded value; then the same case refitted with another
``random_state``, which is the size of a real change of behaviour. A test
tolerance must sit well above the first and far below the second. The figures
and the environments they were measured in are in ``docs/reliability.md``.

    python benchmarks/pinned_drift.py                 # one JSON line per case
    TF_NUM_INTRAOP_THREADS=1 python benchmarks/pinned_drift.py
"""

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


def _classifier_diffs(params, X, y, X_test, want):
    from gansampler.classifiers import KerasImageClassifier

    clf = KerasImageClassifier(**params).fit(X, y)
    return {
        "proba": _max_diff(clf.predict_proba(X_test), want["proba"]),
        "history": _max_diff(clf.history_, want["history"]),
    }


def main():
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
    for case, (params, X, y) in sorted(test_pinned._data().items()):
        want = test_pinned.PINNED[case]
        same = _gan_diffs(test_pinned._fingerprint(params, X, y), want)
        other = dict(params, random_state=params["random_state"] + 1)
        changed = _gan_diffs(test_pinned._fingerprint(other, X, y), want)
        record = {"case": case, "rounding": same, "other_seed": changed}
        print(json.dumps({**record, "environment": environment}), flush=True)
    cases = test_pinned._classifier_cases()
    for case, (params, X, y, X_test) in sorted(cases.items()):
        want = test_pinned.PINNED_CLASSIFIER[case]
        same = _classifier_diffs(params, X, y, X_test, want)
        other = dict(params, random_state=params["random_state"] + 1)
        changed = _classifier_diffs(other, X, y, X_test, want)
        record = {"case": case, "rounding": same, "other_seed": changed}
        print(json.dumps({**record, "environment": environment}), flush=True)


if __name__ == "__main__":
    main()
