"""Re-record tests/data/pinned_classifier.json (TensorFlow backend, CPU).

Run after a change of the classifier's default network or training made on
purpose, from the repository root:

    KERAS_BACKEND=tensorflow python benchmarks/record_pinned_classifier.py
"""

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_pinned import _classifier_cases  # noqa: E402

from gansampler.classifiers import KerasImageClassifier  # noqa: E402

out = {}
for case, (params, X, y, X_test) in sorted(_classifier_cases().items()):
    clf = KerasImageClassifier(**params).fit(X, y)
    out[case] = {
        "proba": np.round(clf.predict_proba(X_test), 6).tolist(),
        "history": {k: np.round(v, 5).tolist() for k, v in clf.history_.items()},
    }
path = ROOT / "tests" / "data" / "pinned_classifier.json"
path.write_text(json.dumps(out, indent=1) + "\n")
print(f"wrote {path}")
