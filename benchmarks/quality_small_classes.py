"""Generated digits recognised by an SVM trained on real digits, for small classes.

Trains the GAN of class 9 or 5 on 18 or 51 real images (plus class 0) for the
given generator update budgets (one batch per epoch: an update is an epoch)
and prints the share of 200 generated images labelled as the intended class.

    python benchmarks/quality_small_classes.py 300 1000
"""

import argparse
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.svm import SVC

from gansampler import DCGANOverSampler


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "updates", type=int, nargs="+", help="generator update budgets to try"
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[18, 51])
    parser.add_argument("--classes", type=int, nargs="+", default=[9, 5])
    parser.add_argument("--n-new", type=int, default=200)
    args = parser.parse_args(argv)
    X, y = load_digits(return_X_y=True)
    judge = SVC(gamma="scale").fit(X / 16, y)
    rng = np.random.default_rng(0)
    rows = []
    for n in args.sizes:
        for label in args.classes:
            keep = np.concatenate(
                [
                    np.flatnonzero(y == 0),
                    rng.choice(np.flatnonzero(y == label), n, replace=False),
                ]
            )
            for updates in args.updates:
                start = time.time()
                sampler = DCGANOverSampler(
                    updates=updates,
                    random_state=0,
                    sampling_strategy={label: n + args.n_new},
                )
                X_res, _ = sampler.fit_resample(X[keep].reshape(-1, 8, 8, 1), y[keep])
                new = X_res[len(keep) :].reshape(-1, 64) / 16
                share = float(np.mean(judge.predict(new) == label))
                rows.append((n, label, updates, share))
                print(
                    n,
                    label,
                    updates,
                    f"{share:.2f}",
                    f"{time.time() - start:.1f}s",
                    flush=True,
                )
    return rows


if __name__ == "__main__":
    main()
