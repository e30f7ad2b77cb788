"""Generated digits recognised by an SVM trained on real digits, for small classes.

Trains the GAN of class 9 or 5 on 18 or 51 real images (plus class 0) for the
given epoch counts (one batch per epoch) and prints the share of 200 generated
images labelled as the intended class.

    python benchmarks/quality_small_classes.py 300 1000
"""

import sys
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.svm import SVC

from gansampler import DCGANOverSampler

X, y = load_digits(return_X_y=True)
judge = SVC(gamma="scale").fit(X / 16, y)
rng = np.random.default_rng(0)
for n in (18, 51):
    for label in (9, 5):
        keep = np.concatenate(
            [
                np.flatnonzero(y == 0),
                rng.choice(np.flatnonzero(y == label), n, replace=False),
            ]
        )
        for ep in map(int, sys.argv[1:]):
            t = time.time()
            s = DCGANOverSampler(
                epochs=ep, random_state=0, sampling_strategy={label: n + 200}
            )
            Xr, yr = s.fit_resample(X[keep].reshape(-1, 8, 8, 1), y[keep])
            new = Xr[len(keep) :].reshape(-1, 64) / 16
            print(
                n,
                label,
                ep,
                f"{np.mean(judge.predict(new) == label):.2f}",
                f"{time.time() - t:.1f}s",
                flush=True,
            )
